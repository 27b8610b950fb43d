// A list's manual order: a list's page shows it by default, each task added with the quick add at the bottom at once
// (before the API answers) and there after the answer and a reload; a task dragged to another place stays there
// after a reload and shows there, live, in another browser signed in as the same person, where a task added
// meanwhile shows at the bottom too; Alt+Arrow keys move a task without a mouse. "All tasks" keeps the newest first.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  APP_URL,
  addTask,
  artifactsDir,
  assertEventually,
  item,
  launchChromium,
  liveStatus,
  openPerson,
  sidebarLists,
  signUp,
  titles,
} from './helpers.mjs';

const sortOf = (page) => page.getByRole('search', { name: 'Filter and sort tasks' }).getByLabel('Sort');

/** Opens the Inbox's page, which shows the list in its manual order without being asked. */
async function openInbox(page) {
  await sidebarLists(page).locator('li[data-list-id]').first().getByRole('link').first().click();
  await page.waitForURL(/\/lists\//);
  await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
  assert.equal(await sortOf(page).inputValue(), 'Manual order', "a list's page shows its manual order by default");
}

/** Waits until every row has the id the API gave it (no optimistic guess left). */
async function settled(page) {
  await assertEventually(async () => {
    const ids = await page.getByRole('list', { name: 'Tasks' }).locator('li').evaluateAll((rows) => rows.map((r) => r.dataset.taskId));
    assert.ok(ids.every((id) => id && !id.startsWith('optimistic-')), `rows still waiting for the API: ${ids}`);
  });
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

  it('shows a list in its manual order by default, each new task at the bottom, after a reload too', async () => {
    const page = one.page;
    await openInbox(page);
    const added = [];
    for (const title of ['A', 'B', 'C']) {
      await addTask(page, { title });
      added.push(title);
      // At once: the guess (before the API answers) goes to the bottom, not the top.
      assert.deepEqual(await titles(page), added, `${title} shows at the bottom as soon as it is added`);
    }
    // The API's answers keep them there.
    await settled(page);
    assert.deepEqual(await titles(page), ['A', 'B', 'C']);
    assert.equal(await item(page, 'A').getByRole('button', { name: 'Reorder A' }).count(), 1, 'each task has a drag handle');

    await page.reload();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    assert.equal(await sortOf(page).inputValue(), 'Manual order');
    await assertEventually(async () => assert.deepEqual(await titles(page), ['A', 'B', 'C']));

    // "All tasks", every list together, keeps the newest first (and no drag handles); the manual order is a choice.
    await sidebarLists(page).getByRole('link', { name: 'All tasks' }).click();
    await page.getByRole('heading', { name: 'All tasks', level: 1 }).waitFor();
    assert.equal(await sortOf(page).inputValue(), 'Newest first');
    await assertEventually(async () => assert.deepEqual(await titles(page), ['C', 'B', 'A']));
    assert.equal(await page.getByRole('button', { name: /^Reorder / }).count(), 0);
    await openInbox(page);
    await assertEventually(async () => assert.deepEqual(await titles(page), ['A', 'B', 'C']));
  });

  it('keeps a dragged task where it was dropped, after a reload and in another browser', async () => {
    const page = one.page;
    await openInbox(two.page);
    await assertEventually(async () => assert.equal(await liveStatus(two.page).innerText(), 'live'), 20_000);
    await assertEventually(async () => assert.deepEqual(await titles(two.page), ['A', 'B', 'C']));

    // A task added in one browser shows at the bottom in the other, live (the event's task placed by its position).
    await addTask(page, { title: 'D' });
    await assertEventually(async () => assert.deepEqual(await titles(two.page), ['A', 'B', 'C', 'D']));
    await settled(page);

    // C, dragged by its handle onto A, takes A's place.
    await item(page, 'C').getByRole('button', { name: 'Reorder C' }).dragTo(item(page, 'A'));
    await assertEventually(async () => assert.deepEqual(await titles(page), ['C', 'A', 'B', 'D']));
    // Live in the other browser, without a reload.
    await assertEventually(async () => assert.deepEqual(await titles(two.page), ['C', 'A', 'B', 'D']));

    // Dragged down: A onto B goes after it.
    await item(page, 'A').getByRole('button', { name: 'Reorder A' }).dragTo(item(page, 'B'));
    await assertEventually(async () => assert.deepEqual(await titles(page), ['C', 'B', 'A', 'D']));
    await assertEventually(async () => assert.deepEqual(await titles(two.page), ['C', 'B', 'A', 'D']));

    for (const p of [page, two.page]) {
      await p.reload();
      await p.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
      await assertEventually(async () => assert.deepEqual(await titles(p), ['C', 'B', 'A', 'D']));
    }
    await page.screenshot({ path: join(artifactsDir, 'manual-order.png') });
  });

  it('moves a task with Alt+Arrow keys on its handle', async () => {
    const page = one.page;
    await assertEventually(async () => assert.equal(await liveStatus(two.page).innerText(), 'live'), 20_000);
    const handle = item(page, 'A').getByRole('button', { name: 'Reorder A' });
    await handle.focus();
    await page.keyboard.press('Alt+ArrowUp');
    await assertEventually(async () => assert.deepEqual(await titles(page), ['C', 'A', 'B', 'D']));
    await assertEventually(async () =>
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Reorder A'),
    );
    await page.keyboard.press('Alt+ArrowUp');
    await assertEventually(async () => assert.deepEqual(await titles(page), ['A', 'C', 'B', 'D']));
    await assertEventually(async () => assert.deepEqual(await titles(two.page), ['A', 'C', 'B', 'D']));
    await page.reload();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await assertEventually(async () => assert.deepEqual(await titles(page), ['A', 'C', 'B', 'D']));
  });

  it('shows a task added at the bottom of a list longer than a page, and once when the rest is loaded', async () => {
    const page = one.page;
    const more = ['E', 'F', 'G', 'H', 'I', 'J', 'K'];
    for (const [i, title] of more.entries()) {
      await addTask(page, { title });
      // One after the other, as a person types them: each add costs a few requests in each browser (the task, the
      // lists' counts, the tags), all of them under the API's per-user rate limit, so the next waits until the
      // API answered, the other browser has the task and both sidebars count it (which they must, however close
      // together the adds come: a count read before the latest add must not stay).
      await settled(page);
      await item(two.page, title).waitFor();
      const pending = new RegExp(`Inbox\\s*${4 + i + 1}\\b`);
      for (const p of [page, two.page]) {
        await assertEventually(async () => assert.match(await sidebarLists(p).locator('li[data-list-id]').first().innerText(), pending));
      }
    }
    const all = ['A', 'C', 'B', 'D', ...more];
    await page.reload();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    // The first page (10 tasks) and "Load more": K is not loaded.
    await assertEventually(async () => assert.deepEqual(await titles(page), all.slice(0, 10)));
    const loadMore = page.getByRole('button', { name: 'Load more' });
    await loadMore.waitFor();

    // L goes to the end of the list: it shows at the bottom at once, and stays there after the API's answer.
    await addTask(page, { title: 'L' });
    assert.deepEqual(await titles(page), [...all.slice(0, 10), 'L']);
    await settled(page);
    assert.deepEqual(await titles(page), [...all.slice(0, 10), 'L']);
    await assertEventually(async () => assert.deepEqual(await titles(two.page), [...all, 'L']));

    // The rest of the list, in its order, each task once.
    await loadMore.click();
    await assertEventually(async () => assert.deepEqual(await titles(page), [...all, 'L']));
    assert.equal(await loadMore.count(), 0);
  });

  it('made no page errors', () => {
    assert.deepEqual(one.seen.pageErrors, []);
    assert.deepEqual(two.seen.pageErrors, []);
  });
});
