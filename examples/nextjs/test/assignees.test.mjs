// Assignees, as two people do it in two browsers: in a list Alice shares with Bob, she assigns a task to him from
// its details panel; Bob, who looks at his "Assigned to me" tasks, sees it arrive there live, with his avatar on
// the task's row, and leave again when Alice assigns it to nobody. Nothing reloads a page.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  addTask,
  artifactsDir,
  assertEventually,
  item,
  launchChromium,
  openDetails,
  openPerson,
  panel,
  sidebarLists,
  signUp,
  titles,
} from './helpers.mjs';

const heading = (page, name) => page.getByRole('heading', { name, level: 1, exact: true });

describe('assignees in a shared list', () => {
  let browser;
  let alice;
  let bob;
  const tag = randomBytes(3).toString('hex');
  let listURL;

  before(async () => {
    browser = await launchChromium();
    alice = await openPerson(browser);
    bob = await openPerson(browser);
  });
  after(async () => {
    await browser?.close();
  });

  it('shares a list with Bob as an editor', async () => {
    const a = alice.page;
    await signUp(a, { name: 'Alice', email: `alice-assign-${tag}@example.com`, password: `pw-${tag}-alice` });
    const nav = sidebarLists(a);
    await nav.getByRole('button', { name: 'New list' }).click();
    const name = nav.getByRole('form', { name: 'New list' }).getByLabel('List name');
    await name.fill('chores');
    await name.press('Enter');
    await heading(a, 'chores').waitFor();
    listURL = a.url();

    await a.getByRole('button', { name: 'Share' }).click();
    const dialog = a.getByRole('dialog', { name: 'Share “chores”' });
    await dialog.getByLabel('Role', { exact: true }).selectOption('EDITOR');
    await dialog.getByRole('button', { name: 'Create invitation link' }).click();
    const link = dialog.getByLabel('Invitation link', { exact: true });
    await assertEventually(async () => assert.match(await link.inputValue(), /\/invite\//));
    const invitation = await link.inputValue();
    await a.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    const b = bob.page;
    await b.goto(invitation);
    await b.getByRole('link', { name: 'Create an account' }).click();
    await signUp(b, { name: 'Bob Builder', email: `bob-assign-${tag}@example.com`, password: `pw-${tag}-bob` },
      { from: null, landing: invitation });
    await b.getByRole('button', { name: 'Join list' }).click();
    await b.waitForURL(listURL);
    await heading(b, 'chores').waitFor();
  });

  it('shows Bob a task Alice assigns to him, live, in his "Assigned to me" tasks', async () => {
    const a = alice.page;
    const b = bob.page;
    await addTask(a, { title: 'Dishes' });
    await addTask(a, { title: 'Laundry' });
    // The list's page shows its manual order: the first added on top.
    await assertEventually(async () => assert.deepEqual(await titles(b), ['Dishes', 'Laundry']));

    // Bob looks at what is assigned to him: nothing yet.
    await b.getByLabel('Assigned to me').check();
    await assertEventually(async () => assert.deepEqual(await titles(b), []));

    // Alice assigns "Dishes" to Bob from its details: the members of the list are the choices.
    const details = await openDetails(a, 'Dishes');
    const picker = details.getByLabel('Assignee', { exact: true });
    assert.equal(await picker.inputValue(), '');
    const choices = (await picker.locator('option').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(choices, ['Nobody', 'Alice (me)', 'Bob Builder']);
    await picker.selectOption({ label: 'Bob Builder' });
    await assertEventually(async () => assert.match(await details.locator('.assignee-picker .avatar').getAttribute('title'), /^Bob Builder/));
    await assertEventually(async () => assert.match(await item(a, 'Dishes').locator('.assignee').innerText(), /Bob Builder/));

    // Bob's filtered list gets it without a reload, with his avatar on the row.
    await assertEventually(async () => assert.deepEqual(await titles(b), ['Dishes']));
    assert.match(await item(b, 'Dishes').locator('.assignee .avatar').getAttribute('title'), /^Bob Builder/);
    await b.screenshot({ path: join(artifactsDir, 'assigned-to-me.png') });
    // Alice's page: the shared list in its manual order (drag handles), Bob's avatar on the task's row.
    await a.keyboard.press('Escape');
    await panel(a).waitFor({ state: 'detached' });
    await a.screenshot({ path: join(artifactsDir, 'list.png') });

    // Assigned to nobody again, it leaves Bob's list.
    const again = await openDetails(a, 'Dishes');
    await again.getByLabel('Assignee', { exact: true }).selectOption({ label: 'Nobody' });
    await assertEventually(async () => assert.deepEqual(await titles(b), []));
    await a.keyboard.press('Escape');
    await panel(a).waitFor({ state: 'detached' });

    // Unfiltered, Bob sees both tasks, neither assigned.
    await b.getByLabel('Assigned to me').uncheck();
    await assertEventually(async () => assert.deepEqual(await titles(b), ['Dishes', 'Laundry']));
    assert.equal(await item(b, 'Dishes').locator('.assignee').count(), 0);
  });
});
