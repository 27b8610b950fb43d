// A list's manual order: a task dragged to another place stays there after a reload and shows there, live, in
// another browser signed in as the same person; Alt+Arrow keys move a task without a mouse.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { APP_URL, addTask, assertEventually, item, launchChromium, liveStatus, openPerson, sidebarLists, signUp, titles } from './helpers.mjs';

/** Opens the Inbox's page and shows it in its manual order. */
async function openInboxByHand(page) {
  await sidebarLists(page).locator('li[data-list-id]').first().getByRole('link').first().click();
  await page.waitForURL(/\/lists\//);
  await page.getByRole('search', { name: 'Filter and sort tasks' }).getByLabel('Sort').selectOption({ label: 'Manual order' });
}

describe('manual order', () => {
  let browser;
  let one; // Alice
  let two; // Alice again, signed in in another browser context
  const tag = randomBytes(3).toString('hex');
  const email = `alice-order-${tag}@example.com`;
  const password = `pw-${tag}-alice`;

  before(async () => {
    browser = await launchChromium();
    one = await openPerson(browser);
    await signUp(one.page, { name: 'Alice', email, password });
    two = await openPerson(browser);
    await two.page.goto(`${APP_URL}/sign-in`);
    await two.page.getByLabel('Email').fill(email);
    await two.page.getByLabel('Password').fill(password);
    await two.page.getByRole('button', { name: 'Sign in' }).click();
    await two.page.waitForURL(`${APP_URL}/tasks`);
  });
  after(async () => {
    await browser?.close();
  });

  it('keeps a dragged task where it was dropped, after a reload and in another browser', async () => {
    const page = one.page;
    for (const title of ['First', 'Second', 'Third']) await addTask(page, { title });
    await openInboxByHand(page);
    await assertEventually(async () => assert.deepEqual(await titles(page), ['First', 'Second', 'Third']));
    await openInboxByHand(two.page);
    await assertEventually(async () => assert.equal(await liveStatus(two.page).innerText(), 'live'), 20_000);
    await assertEventually(async () => assert.deepEqual(await titles(two.page), ['First', 'Second', 'Third']));

    // Third, dragged by its handle onto First, takes First's place.
    await item(page, 'Third').getByRole('button', { name: 'Reorder Third' }).dragTo(item(page, 'First'));
    await assertEventually(async () => assert.deepEqual(await titles(page), ['Third', 'First', 'Second']));
    // Live in the other browser, without a reload.
    await assertEventually(async () => assert.deepEqual(await titles(two.page), ['Third', 'First', 'Second']));

    // Dragged down: First onto Second goes after it.
    await item(page, 'First').getByRole('button', { name: 'Reorder First' }).dragTo(item(page, 'Second'));
    await assertEventually(async () => assert.deepEqual(await titles(page), ['Third', 'Second', 'First']));
    await assertEventually(async () => assert.deepEqual(await titles(two.page), ['Third', 'Second', 'First']));

    await page.reload();
    await page.getByRole('search', { name: 'Filter and sort tasks' }).getByLabel('Sort').selectOption({ label: 'Manual order' });
    await assertEventually(async () => assert.deepEqual(await titles(page), ['Third', 'Second', 'First']));
    await page.screenshot({ path: 'artifacts/manual-order.png', fullPage: true });
  });

  it('moves a task with Alt+Arrow keys on its handle', async () => {
    const page = one.page;
    const handle = item(page, 'First').getByRole('button', { name: 'Reorder First' });
    await handle.focus();
    await page.keyboard.press('Alt+ArrowUp');
    await assertEventually(async () => assert.deepEqual(await titles(page), ['Third', 'First', 'Second']));
    await assertEventually(async () =>
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Reorder First'),
    );
    await page.keyboard.press('Alt+ArrowUp');
    await assertEventually(async () => assert.deepEqual(await titles(page), ['First', 'Third', 'Second']));
    await assertEventually(async () => assert.deepEqual(await titles(two.page), ['First', 'Third', 'Second']));
    await page.reload();
    await page.getByRole('search', { name: 'Filter and sort tasks' }).getByLabel('Sort').selectOption({ label: 'Manual order' });
    await assertEventually(async () => assert.deepEqual(await titles(page), ['First', 'Third', 'Second']));
  });
});
