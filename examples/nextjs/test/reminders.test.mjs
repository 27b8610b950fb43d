// Reminders in the browser: a task due in a few seconds with "Remind me: at the due time" notifies every open tab
// of its owner when the API fires it (a REMINDER_DUE event on the feed), the task then says it reminded, and the
// reminder of a task completed before its time never shows.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
  APP_URL,
  addTask,
  assertEventually,
  editDetails,
  item,
  launchChromium,
  liveStatus,
  openPerson,
  openTab,
  signUp,
  toasts,
} from './helpers.mjs';

/** A datetime-local value `seconds` from now, in UTC (the browser context runs in UTC). */
function inSeconds(seconds) {
  return new Date(Date.now() + seconds * 1000).toISOString().slice(0, 19);
}

describe('reminders', () => {
  let browser;
  let tab1;
  let tab2;
  let other;
  const tag = randomBytes(3).toString('hex');
  // Headless Chromium has not been granted notifications: reminders come as toasts on the page.
  const notification = (page, title) => toasts(page).getByRole('status').filter({ hasText: `Reminder: ${title}` });

  before(async () => {
    browser = await launchChromium();
    tab1 = await openPerson(browser, { timezoneId: 'UTC' });
    await signUp(tab1.page, { name: 'Remy', email: `remy-${tag}@example.com`, password: `pw-${tag}-remy` });
    tab2 = await openTab(tab1.context);
    await tab2.page.goto(`${APP_URL}/tasks`);
    other = await openPerson(browser, { timezoneId: 'UTC' });
    await signUp(other.page, { name: 'Olga', email: `olga-${tag}@example.com`, password: `pw-${tag}-olga` });
    for (const { page } of [tab1, tab2, other]) {
      await assertEventually(async () => assert.equal(await liveStatus(page).innerText(), 'live'), 20_000);
    }
  });
  after(async () => {
    await browser?.close();
  });

  it('shows a reminder that comes due in every tab of its owner, and only there', async () => {
    // Due first, then completed at once: its reminder must not fire. "At once" is the browser's time to create the
    // task, set its reminder in the details panel and tick its box, about 3 s here and twice that on a busy
    // machine, so the due time leaves room for more.
    await addTask(tab1.page, { title: 'Skipped stretch', due: inSeconds(15) });
    await editDetails(tab1.page, 'Skipped stretch', { 'Remind me': '0' });
    await assertEventually(async () => assert.match(await item(tab1.page, 'Skipped stretch').innerText(), /reminder at/));
    await item(tab1.page, 'Skipped stretch').getByRole('checkbox').check();
    await assertEventually(async () =>
      assert.match(await item(tab1.page, 'Skipped stretch').getAttribute('class'), /\bdone\b/),
    );

    const due = inSeconds(15);
    await addTask(tab1.page, { title: 'Stretch', due });
    await editDetails(tab1.page, 'Stretch', { 'Remind me': '0' });
    await assertEventually(async () =>
      assert.match(await item(tab1.page, 'Stretch').innerText(), /reminder at the due time/),
    );

    await notification(tab1.page, 'Stretch').waitFor({ timeout: 30_000 });
    assert.match(await notification(tab1.page, 'Stretch').innerText(), /is due/, 'the toast says when it is due');
    const shownAt = Date.now();
    assert.ok(shownAt >= Date.parse(`${due}Z`) - 1000, 'not before it was due');
    await notification(tab2.page, 'Stretch').waitFor({ timeout: 10_000 });
    // The task in the list now says it reminded (the event carried it, no reload).
    await assertEventually(async () => assert.match(await item(tab2.page, 'Stretch').innerText(), /reminded/));

    // Fired in order of remindAt: had the completed one fired, it would be here by now.
    assert.equal(await notification(tab1.page, 'Skipped stretch').count(), 0);
    assert.equal(await notification(tab2.page, 'Skipped stretch').count(), 0);
    assert.equal(await toasts(other.page).getByRole('status').filter({ hasText: 'Reminder:' }).count(), 0);
    for (const frame of other.seen.socketFrames) assert.ok(!frame.includes('Stretch'), "Olga's socket carried Remy's task");
  });

  it('is dismissed with its button', async () => {
    await tab1.page.getByRole('button', { name: 'Dismiss reminder for Stretch' }).click();
    await notification(tab1.page, 'Stretch').waitFor({ state: 'detached' });
    assert.equal(await notification(tab2.page, 'Stretch').count(), 1, 'each tab keeps its own until dismissed');
  });

  it('had no page errors', () => {
    for (const { seen } of [tab1, tab2, other]) assert.deepEqual(seen.pageErrors, []);
  });
});
