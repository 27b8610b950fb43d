// Live updates in the browser: two tabs of one person, each with its own taskEvents subscription over the
// WebSocket. Every change made in one tab shows in the other without a reload, filters, the next occurrence of a
// recurring task and the dashboard included;
// a tab whose socket drops resubscribes after the last event it applied and catches up on what it missed; and
// another person's tabs receive none of it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
  APP_URL,
  addTask,
  assertEventually,
  count,
  editDetails,
  item,
  launchChromium,
  liveStatus,
  openPerson,
  openTab,
  signUp,
  titles,
} from './helpers.mjs';

/**
 * Routes a page's WebSockets to the API through Playwright, so that the test can drop a connection and hold back
 * the subscribe messages of the next one. Records every message each way.
 */
async function relaySockets(page) {
  const relay = { connections: [], holding: false, held: [] };
  await page.routeWebSocket(/\/graphql$/, (ws) => {
    const server = ws.connectToServer();
    const connection = { ws, server, sent: [], received: [] };
    relay.connections.push(connection);
    ws.onMessage((message) => {
      const parsed = JSON.parse(String(message));
      connection.sent.push(parsed);
      if (relay.holding && parsed.type === 'subscribe') relay.held.push(() => server.send(message));
      else server.send(message);
    });
    server.onMessage((message) => {
      connection.received.push(JSON.parse(String(message)));
      ws.send(message);
    });
  });
  return relay;
}

describe('live updates across tabs', () => {
  let browser;
  let tab1; // Alice
  let tab2; // Alice again, in a second tab of the same browser
  let relay; // tab2's sockets
  let bob;
  const tag = randomBytes(3).toString('hex');

  before(async () => {
    browser = await launchChromium();
    const alice = await openPerson(browser);
    tab1 = alice;
    await signUp(tab1.page, { name: 'Alice', email: `alice-live-${tag}@example.com`, password: `pw-${tag}-alice` });
    tab2 = await openTab(alice.context);
    relay = await relaySockets(tab2.page);
    await tab2.page.goto(`${APP_URL}/tasks`);
    bob = await openPerson(browser);
    await signUp(bob.page, { name: 'Bob', email: `bob-live-${tag}@example.com`, password: `pw-${tag}-bob` });
    for (const { page } of [tab1, tab2, bob]) {
      await assertEventually(async () => assert.equal(await liveStatus(page).innerText(), 'live'), 20_000);
    }
    // Set in the page: still there at the end means tab 2 was never reloaded.
    await tab2.page.evaluate(() => {
      window.__sameDocument = true;
    });
  });
  after(async () => {
    await browser?.close();
  });

  it('shows tab 1 creating, editing, completing and deleting in tab 2', async () => {
    await addTask(tab1.page, { title: 'Shared groceries', tags: 'home' });
    await item(tab2.page, 'Shared groceries').waitFor();
    await assertEventually(async () => assert.equal(await count(tab2.page).innerText(), 'Showing 1 of 1 task'));

    await addTask(tab2.page, { title: 'Plan the trip' });
    await item(tab1.page, 'Plan the trip').waitFor();
    assert.deepEqual(await titles(tab1.page), ['Plan the trip', 'Shared groceries']);

    await editDetails(tab1.page, 'Shared groceries', { Title: 'Groceries and bread' });
    await item(tab2.page, 'Groceries and bread').waitFor();
    assert.equal(await item(tab2.page, 'Shared groceries').count(), 0);

    // Tab 2 shows pending tasks only: completing one in tab 1 takes it out of that list.
    const filters = tab2.page.getByRole('search', { name: 'Filter and sort tasks' });
    await filters.getByLabel('Show').selectOption('PENDING');
    await assertEventually(async () => assert.equal(await count(tab2.page).innerText(), 'Showing 2 of 2 tasks'));
    await item(tab1.page, 'Groceries and bread').getByRole('checkbox').check();
    await item(tab2.page, 'Groceries and bread').waitFor({ state: 'detached' });
    await assertEventually(async () => assert.equal(await count(tab2.page).innerText(), 'Showing 1 of 1 task'));
    await filters.getByLabel('Show').selectOption('ALL');
    await assertEventually(async () =>
      assert.equal(await item(tab2.page, 'Groceries and bread').getByRole('checkbox').isChecked(), true),
    );

    // Deleted on the API at once (to the trash), and so in tab 2.
    await item(tab1.page, 'Plan the trip').getByRole('button', { name: 'Delete Plan the trip' }).click();
    await item(tab2.page, 'Plan the trip').waitFor({ state: 'detached', timeout: 20_000 });
    await assertEventually(async () => assert.equal(await count(tab2.page).innerText(), 'Showing 1 of 1 task'));
  });

  it('shows tab 2 the next occurrence when tab 1 completes a recurring task', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await addTask(tab1.page, { title: 'Weekly review', due: `${tomorrow}T10:00:00` });
    await editDetails(tab1.page, 'Weekly review', { Repeats: 'WEEKLY' });
    await item(tab2.page, 'Weekly review').waitFor();
    await assertEventually(async () => assert.match(await item(tab2.page, 'Weekly review').innerText(), /repeats weekly/));

    await item(tab1.page, 'Weekly review').getByRole('checkbox').check();
    const occurrences = tab2.page.getByRole('list', { name: 'Tasks' }).getByRole('listitem', { name: 'Weekly review' });
    await assertEventually(async () => assert.equal(await occurrences.count(), 2));
    const next = tab2.page.locator('li.task:not(.done)', { hasText: 'Weekly review' });
    assert.match(await next.innerText(), /repeats weekly/);
    const due = await next.locator('time').getAttribute('datetime');
    assert.equal(Date.parse(due) - Date.parse(`${tomorrow}T10:00:00Z`), 7 * 86_400_000, 'a week later');
    await assertEventually(async () => assert.equal(await count(tab2.page).innerText(), 'Showing 3 of 3 tasks'));
  });

  it("updates tab 2's dashboard as tab 1 adds a task", async () => {
    await tab2.page.getByRole('link', { name: 'Dashboard' }).click();
    const stat = (name) =>
      tab2.page.locator('.stats div', { has: tab2.page.getByText(name, { exact: true }) }).locator('dd');
    await assertEventually(async () => assert.equal(await stat('Total').innerText(), '3'));
    await addTask(tab1.page, { title: 'Counted live', tags: 'live' });
    await assertEventually(async () => assert.equal(await stat('Total').innerText(), '4'));
    assert.equal(await stat('Pending').innerText(), '2');
    await assertEventually(async () =>
      assert.match(await tab2.page.getByRole('list', { name: 'Tags' }).innerText(), /#live\s*1/),
    );
    await tab2.page.getByRole('link', { name: 'All tasks' }).click();
    await item(tab2.page, 'Counted live').waitFor();
  });

  it('resubscribes after the last event it applied and catches up', async () => {
    const before = relay.connections.length;
    const current = relay.connections.at(-1);
    const lastCursor = current.received.findLast((m) => m.type === 'next' && m.payload?.data?.taskEvents)?.payload
      .data.taskEvents.cursor;
    assert.ok(lastCursor, 'tab 2 has applied events');

    // Drop tab 2's socket as a restarting server does, and hold its next subscription back for a moment.
    relay.holding = true;
    current.ws.close({ code: 1012, reason: 'restarting' });
    await assertEventually(() => assert.equal(relay.held.length, 1, 'tab 2 subscribed again'));
    assert.equal(relay.connections.length, before + 1, 'on a new connection');
    const resubscribe = relay.connections.at(-1).sent.find((m) => m.type === 'subscribe');
    assert.equal(resubscribe.payload.variables.after, lastCursor, 'after the last event it applied');
    const init = relay.connections.at(-1).sent.find((m) => m.type === 'connection_init');
    assert.match(init.payload.Authorization, /^Bearer .+\..+\..+$/, 'the token in connection_init');

    // Changed while tab 2 was away; it arrives when the subscription replays from the cursor.
    await addTask(tab1.page, { title: 'Made while tab 2 was away' });
    assert.equal(await item(tab2.page, 'Made while tab 2 was away').count(), 0);
    relay.holding = false;
    relay.held.splice(0).forEach((send) => send());
    await item(tab2.page, 'Made while tab 2 was away').waitFor();
    await assertEventually(async () => assert.equal(await liveStatus(tab2.page).innerText(), 'live'));
    assert.equal(await tab2.page.evaluate(() => window.__sameDocument), true, 'tab 2 was never reloaded');
  });

  it("sends another person none of it", async () => {
    assert.equal(await count(bob.page).innerText(), 'Showing 0 of 0 tasks');
    const aliceTitles = ['Shared groceries', 'Groceries and bread', 'Plan the trip', 'Weekly review', 'Counted live', 'Made while tab 2'];
    for (const frame of bob.seen.socketFrames) {
      for (const title of aliceTitles) assert.ok(!frame.includes(title), `Bob's socket carried "${title}"`);
    }
    await addTask(bob.page, { title: "Bob's private task" });
    // Bob's own socket carries his event; a change Alice makes after it reaches her tabs, and his is not among theirs.
    await assertEventually(() => assert.ok(bob.seen.socketFrames.some((f) => f.includes("Bob's private task"))));
    await addTask(tab1.page, { title: 'After Bob' });
    await item(tab2.page, 'After Bob').waitFor();
    assert.equal(await item(tab1.page, "Bob's private task").count(), 0);
    assert.equal(await item(tab2.page, "Bob's private task").count(), 0);
    for (const frame of [...tab1.seen.socketFrames, ...relay.connections.flatMap((c) => c.received.map(JSON.stringify))]) {
      assert.ok(!frame.includes("Bob's private task"), "Alice's sockets carried Bob's task");
    }
  });

  it('had no page errors', () => {
    for (const { seen } of [tab1, tab2, bob]) assert.deepEqual(seen.pageErrors, []);
  });
});
