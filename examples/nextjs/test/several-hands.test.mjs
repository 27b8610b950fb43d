// Several hands on one list, as two people do it in two browsers: a delete undone from its toast (restoreTask), a
// task restored from the Trash (and seen coming back live by the other person), the trash emptied; a conflict made
// in two browser contexts (Alice edits a task Bob changes meanwhile: "Keep yours" wins, "Take theirs" shows Bob's),
// also for a save made offline and sent when the connection is back; and the task's history saying who changed
// what. Screenshots of the trash and of the conflict banner go to artifacts/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  addTask,
  artifactsDir,
  assertEventually,
  editDetails,
  item,
  launchChromium,
  openDetails,
  openPerson,
  operationNames,
  panel,
  sidebarLists,
  signUp,
  toasts,
} from './helpers.mjs';

const heading = (page, name) => page.getByRole('heading', { name, level: 1, exact: true });
const sent = (seen, from, name) => seen.graphql.slice(from).filter((e) => operationNames(e).includes(name));

describe('several hands on one list', () => {
  let browser;
  let alice; // { context, page, seen }
  let bob;
  const tag = randomBytes(3).toString('hex');

  before(async () => {
    browser = await launchChromium();
    alice = await openPerson(browser);
    bob = await openPerson(browser);
  });
  after(async () => {
    await browser?.close();
  });

  it('shares a list between Alice and Bob, an editor', async () => {
    const a = alice.page;
    const b = bob.page;
    await signUp(a, { name: 'Alice', email: `alice-hands-${tag}@example.com`, password: `pw-${tag}-alice` });
    await signUp(b, { name: 'Bob Builder', email: `bob-hands-${tag}@example.com`, password: `pw-${tag}-bob` });
    const nav = sidebarLists(a);
    await nav.getByRole('button', { name: 'New list' }).click();
    await nav.getByRole('form', { name: 'New list' }).getByLabel('List name').fill('House');
    await nav.getByRole('form', { name: 'New list' }).getByLabel('List name').press('Enter');
    await heading(a, 'House').waitFor();
    const listURL = a.url();

    await a.getByRole('button', { name: 'Share' }).click();
    const dialog = a.getByRole('dialog', { name: 'Share “House”' });
    await dialog.getByLabel('Role', { exact: true }).selectOption('EDITOR');
    await dialog.getByRole('button', { name: 'Create invitation link' }).click();
    const link = dialog.getByLabel('Invitation link', { exact: true });
    await assertEventually(async () => assert.match(await link.inputValue(), /\/invite\//));
    const invitation = await link.inputValue();
    await a.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await b.goto(invitation);
    await b.getByRole('button', { name: 'Join list' }).click();
    await b.waitForURL(listURL);
    await heading(b, 'House').waitFor();

    for (const title of ['Paint the fence', 'Fix the gate', 'Order paint', 'Sweep the porch']) {
      await addTask(a, { title });
      await item(b, title).waitFor();
    }
  });

  it('undoes a delete from the toast: the task comes back, for Bob too', async () => {
    const a = alice.page;
    const b = bob.page;
    const from = alice.seen.graphql.length;
    await item(a, 'Order paint').getByRole('button', { name: 'Delete Order paint' }).click();
    await item(a, 'Order paint').waitFor({ state: 'detached' });
    // Deleted on the API at once: Bob sees it go.
    await item(b, 'Order paint').waitFor({ state: 'detached' });
    await toasts(a).getByRole('button', { name: 'Undo delete of Order paint' }).click();
    await item(a, 'Order paint').waitFor();
    await item(b, 'Order paint').waitFor();
    assert.equal(sent(alice.seen, from, 'DeleteTask').length, 1);
    assert.equal(sent(alice.seen, from, 'RestoreTask').length, 1);
    // The toast shows no error code, none at all here.
    assert.equal(await toasts(a).getByRole('alert').count(), 0);
    await a.reload();
    await item(a, 'Order paint').waitFor();
  });

  it('restores a task from the Trash into its list, live for Bob', async () => {
    const a = alice.page;
    const b = bob.page;
    await item(a, 'Fix the gate').getByRole('button', { name: 'Delete Fix the gate' }).click();
    await item(b, 'Fix the gate').waitFor({ state: 'detached' });
    await item(a, 'Fix the gate').waitFor({ state: 'detached' });

    await a.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trash' }).click();
    await heading(a, 'Trash').waitFor();
    const trash = a.getByRole('list', { name: 'Deleted tasks' });
    const row = trash.getByRole('listitem', { name: 'Fix the gate', exact: true });
    await row.waitFor();
    assert.match(await row.innerText(), /in House/);
    assert.match(await row.innerText(), /deleted /);
    // Bob's own Trash shows the same task (he edits the list), and follows Alice's restore.
    await b.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trash' }).click();
    await heading(b, 'Trash').waitFor();
    const bobRow = b.getByRole('list', { name: 'Deleted tasks' }).getByRole('listitem', { name: 'Fix the gate', exact: true });
    await bobRow.waitFor();
    await a.screenshot({ path: join(artifactsDir, 'trash.png') });

    await row.getByRole('button', { name: 'Restore Fix the gate' }).click();
    await a.getByRole('status').filter({ hasText: 'Restored “Fix the gate” to House.' }).waitFor();
    await row.waitFor({ state: 'detached' });
    await bobRow.waitFor({ state: 'detached' });
    await b.goBack();
    await heading(b, 'House').waitFor();
    await item(b, 'Fix the gate').waitFor();
    await sidebarLists(a).getByRole('link', { name: 'House' }).click();
    await heading(a, 'House').waitFor();
    await item(a, 'Fix the gate').waitFor();
  });

  it('brings a restored task back to a page that is open on its list, live', async () => {
    const a = alice.page;
    const b = bob.page;
    // Bob stays on the list; Alice deletes and restores from the Trash: it leaves and comes back on Bob's page.
    await item(a, 'Sweep the porch').getByRole('button', { name: 'Delete Sweep the porch' }).click();
    await item(b, 'Sweep the porch').waitFor({ state: 'detached' });
    await a.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trash' }).click();
    const row = a.getByRole('list', { name: 'Deleted tasks' }).getByRole('listitem', { name: 'Sweep the porch', exact: true });
    await row.getByRole('button', { name: 'Restore Sweep the porch' }).click();
    await row.waitFor({ state: 'detached' });
    await item(b, 'Sweep the porch').waitFor();
  });

  it('empties the trash after a confirmation', async () => {
    const a = alice.page;
    await sidebarLists(a).getByRole('link', { name: 'House' }).click();
    await heading(a, 'House').waitFor();
    await item(a, 'Sweep the porch').getByRole('button', { name: 'Delete Sweep the porch' }).click();
    await item(a, 'Sweep the porch').waitFor({ state: 'detached' });
    await a.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trash' }).click();
    const trash = a.getByRole('list', { name: 'Deleted tasks' });
    await trash.getByRole('listitem', { name: 'Sweep the porch', exact: true }).waitFor();
    await a.getByRole('button', { name: 'Empty trash' }).click();
    const confirm = a.getByRole('dialog', { name: 'Empty the trash?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await trash.getByRole('listitem', { name: 'Sweep the porch', exact: true }).waitFor();
    await a.getByRole('button', { name: 'Empty trash' }).click();
    await confirm.getByRole('button', { name: 'Empty trash' }).click();
    await a.getByText('The trash is empty.').waitFor();
    await a.reload();
    await a.getByText('The trash is empty.').waitFor();
    await sidebarLists(a).getByRole('link', { name: 'House' }).click();
    await heading(a, 'House').waitFor();
  });

  it('shows a conflict when Bob changed the task meanwhile: "Keep yours" wins', async () => {
    const a = alice.page;
    const b = bob.page;
    const details = await openDetails(a, 'Paint the fence');
    await details.getByLabel('Title').fill('Paint the fence white');
    // Bob renames it while Alice's form is open; her list follows, her form keeps what she typed.
    await editDetails(b, 'Paint the fence', { Title: 'Paint the fence green' });
    await item(a, 'Paint the fence green').waitFor();
    assert.equal(await details.getByLabel('Title').inputValue(), 'Paint the fence white');

    const from = alice.seen.graphql.length;
    await details.getByRole('button', { name: 'Save' }).click();
    const banner = details.locator('.conflict');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Changed by Bob Builder while you were editing/);
    assert.match(await banner.innerText(), /Paint the fence green/);
    const [update] = sent(alice.seen, from, 'UpdateTask');
    assert.equal(typeof update.body.variables.input.ifVersion, 'number', 'the save sends the version it was opened with');
    await a.screenshot({ path: join(artifactsDir, 'conflict.png') });

    await banner.getByRole('button', { name: 'Keep yours' }).click();
    await panel(a).waitFor({ state: 'detached' });
    await item(a, 'Paint the fence white').waitFor();
    await item(b, 'Paint the fence white').waitFor();
    await a.reload();
    await item(a, 'Paint the fence white').waitFor();
  });

  it('"Take theirs" shows Bob’s version in the form', async () => {
    const a = alice.page;
    const b = bob.page;
    const details = await openDetails(a, 'Paint the fence white');
    await details.getByLabel('Description').fill('Two coats');
    await editDetails(b, 'Paint the fence white', { Title: 'Paint the fence blue' });
    await item(a, 'Paint the fence blue').waitFor();
    await details.getByRole('button', { name: 'Save' }).click();
    const banner = details.locator('.conflict');
    await banner.waitFor();
    await banner.getByRole('button', { name: 'Take theirs' }).click();
    await banner.waitFor({ state: 'detached' });
    assert.equal(await details.getByLabel('Title').inputValue(), 'Paint the fence blue');
    assert.equal(await details.getByLabel('Description').inputValue(), '');
    // Saved from there, it is at the current version: no conflict.
    await details.getByLabel('Priority').selectOption('HIGH');
    await details.getByRole('button', { name: 'Save' }).click();
    await panel(a).waitFor({ state: 'detached' });
    await assertEventually(async () => assert.match(await item(b, 'Paint the fence blue').innerText(), /High priority/));
    assert.doesNotMatch(await item(b, 'Paint the fence blue').innerText(), /Two coats/);
  });

  it('sends an edit made offline when back online, and it meets the conflict', async () => {
    const a = alice.page;
    const b = bob.page;
    const details = await openDetails(a, 'Order paint');
    await alice.context.setOffline(true);
    await details.getByLabel('Title').fill('Order white paint');
    await details.getByRole('button', { name: 'Save' }).click();
    await details.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
    await editDetails(b, 'Order paint', { Title: 'Order blue paint' });
    await alice.context.setOffline(false);
    const banner = details.locator('.conflict');
    await banner.waitFor({ timeout: 20_000 });
    assert.match(await banner.innerText(), /Changed by Bob Builder while you were editing/);
    await banner.getByRole('button', { name: 'Keep yours' }).click();
    await panel(a).waitFor({ state: 'detached' });
    await item(b, 'Order white paint').waitFor();
  });

  it('shows who changed the task in its history, a page at a time', async () => {
    const a = alice.page;
    const details = await openDetails(a, 'Paint the fence blue');
    const changes = details.getByRole('list', { name: 'Changes' }).getByRole('listitem');
    // Newest first, four at a time: Alice's priority, Bob's blue, Alice's white, Bob's green; then the creation.
    await assertEventually(async () => assert.equal(await changes.count(), 4));
    const texts = (await changes.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    assert.match(texts[0], /^Changed by you · .+: priority$/);
    assert.match(texts[1], /^Changed by Bob Builder · .+: title$/);
    assert.match(texts[2], /^Changed by you · .+: title$/);
    assert.match(texts[3], /^Changed by Bob Builder · .+: title$/);
    await details.getByRole('button', { name: 'Show more' }).click();
    await assertEventually(async () => assert.equal(await changes.count(), 5));
    assert.match((await changes.nth(4).innerText()).replace(/\s+/g, ' '), /^Created by you · /);
    assert.equal(await details.getByRole('button', { name: 'Show more' }).count(), 0);
    await a.screenshot({ path: join(artifactsDir, 'history.png') });
    await a.keyboard.press('Escape');
    await panel(a).waitFor({ state: 'detached' });
  });

  it('made no page errors', () => {
    assert.deepEqual(alice.seen.pageErrors, []);
    assert.deepEqual(bob.seen.pageErrors, []);
  });
});
