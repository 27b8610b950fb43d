// Lists and sharing, as two people do it in two browsers: Alice makes lists in the sidebar (Enter adds, Escape
// cancels, the API's refusal of a blank name shows next to the field), renames one and deletes another behind a
// confirmation; she shares a list through an invitation link (a revoked one stops working), which Bob, signed out,
// follows through sign-up back to the invitation and accepts; both then see the list with both avatars, Bob follows
// a change of his role, and once Alice removes him (or he leaves) the list is gone from his sidebar and page. In the
// shared list each sees the other's tasks come, get done and move in live, with pending counts in the sidebar and
// who created a task in its details; as a viewer Bob sees the list read-only. Nothing here reloads a page or fakes
// a return to the tab: list changes arrive over the event feed (LIST_ADDED, LIST_UPDATED, LIST_REMOVED).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  APP_URL,
  addTask,
  artifactsDir,
  assertEventually,
  editDetails,
  item,
  listNames,
  launchChromium,
  openDetails,
  openPerson,
  openTab,
  panel,
  quickAdd,
  sidebarLists,
  signUp,
  titles,
} from './helpers.mjs';

/** The pending count next to a list in the sidebar ('' when none are pending). */
const pendingCount = async (page, listId) => {
  const badge = sidebarLists(page).locator(`li[data-list-id="${listId}"] .pending-count`);
  return (await badge.count()) ? (await badge.innerText()).replace(/\D+/g, '') : '';
};

/** The titles (name and email) of the avatars next to a list in the sidebar. */
const avatarTitles = (page, listId) =>
  sidebarLists(page).locator(`li[data-list-id="${listId}"] .avatar`).evaluateAll((els) => els.map((e) => e.title));

const heading = (page, name) => page.getByRole('heading', { name, level: 1, exact: true });

describe('lists shared between two people', () => {
  let browser;
  let alice; // { context, page, seen }
  let bob;
  const tag = randomBytes(3).toString('hex');
  const aliceEmail = `alice-share-${tag}@example.com`;
  const bobEmail = `bob-share-${tag}@example.com`;
  let listId; // "groceries", the list Alice shares
  let listURL;

  before(async () => {
    browser = await launchChromium();
    // Alice's browser lets the page use the clipboard, as a person's does after the first Copy.
    alice = await openPerson(browser, { permissions: ['clipboard-read', 'clipboard-write'] });
    bob = await openPerson(browser);
  });
  after(async () => {
    await browser?.close();
  });

  it('makes, renames and deletes lists in the sidebar', async () => {
    const { page } = alice;
    await signUp(page, { name: 'Alice', email: aliceEmail, password: `pw-${tag}-alice` });
    await assertEventually(async () => assert.deepEqual(await listNames(page), ['Inbox']));
    const nav = sidebarLists(page);
    const newList = nav.getByRole('button', { name: 'New list' });
    const name = nav.getByRole('form', { name: 'New list' }).getByLabel('List name');

    // Escape cancels, and the focus goes back to "New list".
    await newList.click();
    await name.fill('Never mind');
    await name.press('Escape');
    await name.waitFor({ state: 'detached' });
    await assertEventually(async () => assert.ok(await newList.evaluate((el) => el === document.activeElement)));

    // A blank name is the API's to refuse: its message sits next to the field and goes once the name changes.
    await newList.click();
    await name.fill('   ');
    await name.press('Enter');
    const problem = nav.getByRole('alert');
    await problem.waitFor();
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.equal(await name.getAttribute('aria-describedby'), await problem.getAttribute('id'));
    await name.fill('Weekend');
    await problem.waitFor({ state: 'detached' });
    await name.press('Enter');
    await heading(page, 'Weekend').waitFor();

    await newList.click();
    await name.fill('groceries');
    await name.press('Enter');
    await heading(page, 'groceries').waitFor();
    listURL = page.url();
    listId = decodeURIComponent(new URL(listURL).pathname.split('/').pop());
    // The Inbox first, then by name whatever the case.
    assert.deepEqual(await listNames(page), ['Inbox', 'groceries', 'Weekend']);
    assert.equal(await nav.getByRole('link', { name: 'groceries' }).getAttribute('aria-current'), 'page');
    assert.equal(await sidebarLists(page).locator('.avatar').count(), 0, 'no avatars on lists nobody shares');

    // Rename: Escape leaves the name as it was, Enter saves it, and the sidebar follows.
    await nav.getByRole('link', { name: 'Weekend' }).click();
    await heading(page, 'Weekend').waitFor();
    const rename = page.getByRole('form', { name: 'Rename list' }).getByLabel('List name');
    await page.getByRole('button', { name: 'Rename' }).click();
    await rename.fill('Not this');
    await rename.press('Escape');
    await heading(page, 'Weekend').waitFor();
    await page.getByRole('button', { name: 'Rename' }).click();
    await rename.fill('A weekend away');
    await rename.press('Enter');
    await heading(page, 'A weekend away').waitFor();
    await assertEventually(async () => assert.deepEqual(await listNames(page), ['Inbox', 'A weekend away', 'groceries']));

    // Delete asks first; Cancel keeps the list.
    await page.getByRole('button', { name: 'Delete list' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete “A weekend away”?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.deepEqual(await listNames(page), ['Inbox', 'A weekend away', 'groceries']);
    await page.getByRole('button', { name: 'Delete list' }).click();
    await confirm.getByRole('button', { name: 'Delete list' }).click();
    await page.waitForURL(`${APP_URL}/tasks`);
    await assertEventually(async () => assert.deepEqual(await listNames(page), ['Inbox', 'groceries']));

    // The Inbox can be renamed, not shared, deleted or left.
    await nav.getByRole('link', { name: 'Inbox' }).click();
    await heading(page, 'Inbox').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Rename' }).count(), 1);
    for (const action of ['Share', 'Delete list', 'Leave list']) {
      assert.equal(await page.getByRole('button', { name: action }).count(), 0, `no ${action} on the Inbox`);
    }
  });

  let invitation; // the link Bob accepts

  it('shares a list through a link that Bob follows through sign-up and accepts', async () => {
    const { page } = alice;
    await sidebarLists(page).getByRole('link', { name: 'groceries' }).click();
    await heading(page, 'groceries').waitFor();
    await page.getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share “groceries”' });
    await dialog.getByText('No open invitations.').waitFor();
    const members = dialog.getByRole('list', { name: 'Members' });
    assert.deepEqual(await members.getByRole('listitem').allInnerTexts().then((t) => t.map((s) => s.replace(/\s+/g, ' ').trim())), [
      `A Alice (you) ${aliceEmail} Owner`,
    ]);

    // A viewer's link, revoked: it no longer works.
    await dialog.getByLabel('Role', { exact: true }).selectOption('VIEWER');
    await dialog.getByRole('button', { name: 'Create invitation link' }).click();
    const link = dialog.getByLabel('Invitation link', { exact: true });
    const shape = new RegExp(`^${APP_URL.replace(/[.]/g, '\\.')}/invite/[A-Za-z0-9_%-]{20,}$`);
    await assertEventually(async () => assert.match(await link.inputValue(), shape));
    const revoked = await link.inputValue();
    assert.match(await dialog.locator('.invitation-link').innerText(), /join once, as a viewer/);
    const open = dialog.getByRole('list', { name: 'Open invitations' });
    await assertEventually(async () => assert.equal(await open.getByRole('listitem').count(), 1));
    assert.match(await open.innerText(), /Viewer/);
    await open.getByRole('button', { name: /^Revoke the viewer invitation/ }).click();
    await dialog.getByText('No open invitations.').waitFor();

    // An editor's link, copied.
    await dialog.getByLabel('Role', { exact: true }).selectOption('EDITOR');
    await dialog.getByRole('button', { name: 'Create invitation link' }).click();
    await assertEventually(async () => assert.notEqual(await link.inputValue(), revoked));
    invitation = await link.inputValue();
    assert.match(invitation, shape);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied', { exact: true }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), invitation);
    await assertEventually(async () => assert.match(await open.innerText(), /Editor/));
    await page.screenshot({ path: join(artifactsDir, 'share-link.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Bob, signed out, opens the link: sign-up first, then back to the invitation.
    const b = bob.page;
    await b.goto(invitation);
    await b.getByRole('heading', { name: 'You are invited to a shared list' }).waitFor();
    await b.getByRole('link', { name: 'Create an account' }).click();
    await b.waitForURL((url) => url.pathname === '/sign-up' && url.searchParams.get('next') === new URL(invitation).pathname);
    await signUp(b, { name: 'Bob Builder', email: bobEmail, password: `pw-${tag}-bob` }, { from: null, landing: invitation });
    await heading(b, 'Join “groceries”').waitFor();
    assert.match(await b.locator('.inviter').innerText(), /^Alice( \(.*\))? invited you as an editor: you can add, change/);
    await b.getByRole('button', { name: 'Join list' }).click();
    await b.waitForURL(listURL);
    await heading(b, 'groceries').waitFor();
    assert.deepEqual(await listNames(b), ['Inbox', 'groceries']);
    assert.match(await b.locator('.role-note').innerText(), /^Alice’s list\. You are an editor/);
    assert.equal(await b.getByRole('button', { name: 'Leave list' }).count(), 1);
    for (const action of ['Share', 'Rename', 'Delete list']) {
      assert.equal(await b.getByRole('button', { name: action }).count(), 0, `Bob has no ${action}`);
    }

    // The spent link and the revoked one cannot be used, and say so.
    for (const used of [invitation, revoked]) {
      await b.goto(used);
      await heading(b, 'This invitation cannot be used').waitFor();
      assert.equal(await b.getByRole('button', { name: 'Join list' }).count(), 0);
    }
    await b.goto(listURL);
    await heading(b, 'groceries').waitFor();
  });

  it('shows each person the other’s tasks in the shared list as they change, without a reload', async () => {
    const a = alice.page;
    const b = bob.page;
    await sidebarLists(a).getByRole('link', { name: 'groceries' }).click();
    await heading(a, 'groceries').waitFor();

    // Alice adds a task to the list; it appears on Bob's page, and the sidebars count it as pending.
    await addTask(a, { title: 'Milk' });
    await item(b, 'Milk').waitFor();
    await assertEventually(async () => {
      assert.equal(await pendingCount(a, listId), '1');
      assert.equal(await pendingCount(b, listId), '1');
    });
    const details = await openDetails(b, 'Milk');
    assert.equal(await details.locator('.created-by').innerText(), 'Alice');
    await details.getByRole('button', { name: 'Close details' }).click();
    await panel(b).waitFor({ state: 'detached' });

    // Bob completes it; Alice sees it done.
    await item(b, 'Milk').getByRole('checkbox', { name: 'Completed: Milk' }).check();
    await assertEventually(async () =>
      assert.equal(await item(a, 'Milk').getByRole('checkbox', { name: 'Completed: Milk' }).isChecked(), true),
    );
    await assertEventually(async () => assert.equal(await pendingCount(a, listId), ''));

    // In "All tasks" the quick add puts a task in the Inbox: Bob's own, which Alice does not see...
    await sidebarLists(b).getByRole('link', { name: 'All tasks' }).click();
    await heading(b, 'All tasks').waitFor();
    await addTask(b, { title: 'Bread' });
    await assertEventually(async () => assert.deepEqual(await titles(b), ['Bread', 'Milk']));
    const inbox = sidebarLists(b).locator('li[data-list-id]').first();
    await assertEventually(async () => assert.match(await inbox.innerText(), /Inbox\s*1/));
    // ...until he moves it into the shared list from its details.
    const bread = await openDetails(b, 'Bread');
    assert.equal(await bread.locator('.in-list').innerText(), 'Inbox');
    await bread.getByLabel('List', { exact: true }).selectOption(listId);
    await assertEventually(async () => assert.equal(await bread.locator('.in-list').innerText(), 'groceries'));
    await item(a, 'Bread').waitFor();
    // Moved into the list, it goes to the bottom of its manual order.
    assert.deepEqual(await titles(a), ['Milk', 'Bread']);
    await assertEventually(async () => assert.equal(await pendingCount(a, listId), '1'));
    await b.keyboard.press('Escape');
    await panel(b).waitFor({ state: 'detached' });
    await a.screenshot({ path: join(artifactsDir, 'shared-tasks.png') });

    await sidebarLists(b).getByRole('link', { name: 'groceries' }).click();
    await heading(b, 'groceries').waitFor();
    await assertEventually(async () => assert.deepEqual(await titles(b), ['Milk', 'Bread']));
  });

  it('shows both people both avatars, and Bob his new role', async () => {
    const expected = [`Alice (${aliceEmail})`, `Bob Builder (${bobEmail})`];
    for (const { page } of [bob, alice]) {
      await assertEventually(async () => {
        assert.deepEqual(await avatarTitles(page, listId), expected);
      });
      assert.deepEqual(
        await sidebarLists(page).locator(`li[data-list-id="${listId}"] .avatar`).allInnerTexts(),
        ['A', 'BB'],
      );
      assert.match(await sidebarLists(page).getByRole('link', { name: 'groceries' }).getAttribute('aria-describedby'), /./);
    }
    await alice.page.screenshot({ path: join(artifactsDir, 'shared-list.png') });

    const { page } = alice;
    // A due date, so that a reminder can be tied to it (below).
    await editDetails(page, 'Bread', { Due: '2031-03-01T10:00:00' });
    await assertEventually(async () => assert.match(await item(bob.page, 'Bread').innerText(), /due /));
    await page.getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share “groceries”' });
    const bobRow = dialog.getByRole('list', { name: 'Members' }).getByRole('listitem', { name: 'Bob Builder' });
    await bobRow.getByLabel('Role of Bob Builder').selectOption('VIEWER');
    await assertEventually(async () => assert.equal(await bobRow.getByLabel('Role of Bob Builder').inputValue(), 'VIEWER'));
    await page.screenshot({ path: join(artifactsDir, 'share.png') });
    // Bob's page follows at once: read-only, no quick add, nothing to tick or delete, details he cannot change.
    const b = bob.page;
    await assertEventually(async () => {
      assert.match(await b.locator('.role-note').innerText(), /You are a viewer: you can see the tasks but not change them/);
    });
    await b.locator('.read-only').filter({ hasText: 'You can view this list but not change it.' }).waitFor();
    assert.equal(await quickAdd(b).count(), 0, 'no quick add for a viewer');
    assert.equal(await item(b, 'Bread').getByRole('checkbox').isDisabled(), true);
    assert.equal(await item(b, 'Bread').getByRole('button', { name: 'Delete Bread' }).count(), 0);
    const details = await openDetails(b, 'Bread');
    assert.equal(await details.getByRole('button', { name: 'Save', exact: true }).count(), 0, 'a viewer saves no task');
    assert.equal(await details.getByLabel('Title').isDisabled(), true);
    assert.equal(await details.getByLabel('List', { exact: true }).count(), 0, 'a viewer moves nothing');
    // A viewer sets their own reminder (the API allows it): only that goes out.
    await details.getByLabel('Remind me').selectOption('15');
    const from = bob.seen.graphql.length;
    await details.getByRole('button', { name: 'Save reminder' }).click();
    await panel(b).waitFor({ state: 'detached' });
    await assertEventually(async () => assert.match(await item(b, 'Bread').innerText(), /reminder 15 min before/));
    const saved = bob.seen.graphql.slice(from).find((e) => e.body?.operationName === 'UpdateTask');
    assert.deepEqual(Object.keys(saved.body.variables.input), ['reminders']);
    // Alice's task is as it was: the reminder is Bob's own.
    assert.doesNotMatch(await item(page, 'Bread').innerText(), /reminder/);
  });

  let bobAll; // Bob's second tab, on all of his tasks

  it('takes the list away from Bob when Alice removes him', async () => {
    // Bob has a second tab open on all of his tasks: the shared list's and one of his own, in his Inbox.
    bobAll = await openTab(bob.context);
    await bobAll.page.goto(`${APP_URL}/tasks`);
    await heading(bobAll.page, 'All tasks').waitFor();
    await addTask(bobAll.page, { title: 'Bob’s own' });
    await assertEventually(async () => assert.deepEqual(await titles(bobAll.page), ['Bob’s own', 'Bread', 'Milk']));

    const { page } = alice;
    const dialog = page.getByRole('dialog', { name: 'Share “groceries”' });
    const members = dialog.getByRole('list', { name: 'Members' });
    await members.getByRole('button', { name: 'Remove Bob Builder' }).click();
    await assertEventually(async () => assert.equal(await members.getByRole('listitem').count(), 1));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await avatarTitles(page, listId).then((t) => t.length), 0, 'no avatars once nobody else is in it');

    // Bob, as it happens: the list is gone from the sidebar, the page he is on says so, and in his other tab (all
    // tasks) the list's tasks are gone while his own stay.
    const b = bob.page;
    await assertEventually(async () => assert.deepEqual(await listNames(b), ['Inbox']));
    await heading(b, 'This list is not available').waitFor();
    await assertEventually(async () => assert.deepEqual(await titles(bobAll.page), ['Bob’s own']));
    assert.deepEqual(await listNames(bobAll.page), ['Inbox']);
    await bobAll.page.close();
    await b.reload();
    await heading(b, 'This list is not available').waitFor();
    assert.deepEqual(await listNames(b), ['Inbox']);
  });

  it('lets Bob leave a list he was invited to again', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share “groceries”' });
    await dialog.getByRole('button', { name: 'Create invitation link' }).click();
    const link = dialog.getByLabel('Invitation link', { exact: true });
    await link.waitFor();
    const again = await link.inputValue();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    const b = bob.page;
    await b.goto(again);
    await b.getByRole('button', { name: 'Join list' }).click();
    await b.waitForURL(listURL);
    await assertEventually(async () => assert.deepEqual(await listNames(b), ['Inbox', 'groceries']));
    // Back in the list, its tasks are back too, in the list's order.
    await assertEventually(async () => assert.deepEqual(await titles(b), ['Milk', 'Bread']));

    // On a phone: the list's page fits, and the lists are behind Menu.
    await b.setViewportSize({ width: 390, height: 844 });
    await heading(b, 'groceries').waitFor();
    assert.ok(await b.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing scrolls sideways');
    const sidebarLink = sidebarLists(b).getByRole('link', { name: 'groceries' });
    assert.equal(await sidebarLink.isVisible(), false, 'the sidebar is folded away');
    await b.getByRole('button', { name: 'Menu' }).click();
    assert.equal(await sidebarLink.isVisible(), true);
    await b.getByRole('button', { name: 'Menu' }).click();
    await b.screenshot({ path: join(artifactsDir, 'phone-list.png') });
    await b.setViewportSize({ width: 1100, height: 1000 });

    await b.getByRole('button', { name: 'Leave list' }).click();
    await b.getByRole('dialog', { name: 'Leave “groceries”?' }).getByRole('button', { name: 'Leave list' }).click();
    await b.waitForURL(`${APP_URL}/tasks`);
    await assertEventually(async () => assert.deepEqual(await listNames(b), ['Inbox']));

    await assertEventually(async () => assert.equal((await avatarTitles(page, listId)).length, 0));
  });

  it('goes back only to a page of this site after signing in', async () => {
    const b = bob.page;
    await b.getByRole('button', { name: 'Sign out' }).click();
    await b.waitForURL(`${APP_URL}/sign-in`);
    for (const elsewhere of ['//example.org/', 'https://example.org/', '/\\example.org/']) {
      await b.goto(`${APP_URL}/sign-in?next=${encodeURIComponent(elsewhere)}`);
      assert.equal(
        await b.getByRole('link', { name: 'Create an account' }).getAttribute('href'),
        '/sign-up',
        `no next passed on for ${elsewhere}`,
      );
    }
    await b.getByLabel('Email').fill(bobEmail);
    await b.getByLabel('Password').fill(`pw-${tag}-bob`);
    await b.getByRole('button', { name: 'Sign in' }).click();
    await b.waitForURL(`${APP_URL}/tasks`);
    await heading(b, 'All tasks').waitFor();
  });

  it('had no page errors', () => {
    for (const { seen } of [alice, bob, bobAll]) assert.deepEqual(seen.pageErrors, []);
  });
});
