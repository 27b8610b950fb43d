// A recurring task in the browser: created from the form with a due date and "Repeats", completed (the next
// occurrence appears, due a day later at the same wall-clock time in the browser's zone), reopened (that next
// occurrence goes again), and its series changed and ended through Edit. The browser runs in Europe/Berlin, so the
// series keeps Berlin's wall clock.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
  addTask,
  assertEventually,
  count,
  editDetails,
  item,
  launchChromium,
  list,
  openDetails,
  openPerson,
  panel,
  signUp,
} from './helpers.mjs';

const ZONE = 'Europe/Berlin';

/** An instant's wall clock in ZONE as { date: 'YYYY-MM-DD', time: 'HH:MM' }. */
function wallClock(iso) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** The calendar date `days` after `date` (YYYY-MM-DD). */
function addDays(date, days) {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

describe('a recurring task', () => {
  let browser;
  let page;
  const tag = randomBytes(3).toString('hex');
  const tomorrow = addDays(wallClock(new Date().toISOString()).date, 1);
  const occurrences = () => list(page).getByRole('listitem', { name: 'Water the plants', exact: true });
  const pending = () => list(page).locator('li.task:not(.done)', { hasText: 'Water the plants' });
  const dueOf = async (locator) => locator.locator('time').getAttribute('datetime');

  before(async () => {
    browser = await launchChromium();
    const person = await openPerson(browser, { timezoneId: ZONE });
    page = person.page;
    await signUp(page, { name: 'Rita', email: `rita-${tag}@example.com`, password: `pw-${tag}-rita` });
  });
  after(async () => {
    await browser?.close();
  });

  it('needs a due date: the message shows by the due date, and goes when one is set', async () => {
    await addTask(page, { title: 'Water the plants' });
    const details = await openDetails(page, 'Water the plants');
    await details.getByLabel('Repeats').selectOption('DAILY');
    await details.getByRole('button', { name: 'Save' }).click();
    // The API names ["input", "recurrence"]; the page shows it by the control that fixes it.
    const due = details.getByLabel('Due', { exact: true });
    const message = details.getByRole('alert').filter({ hasText: 'needs a due date' });
    await message.waitFor();
    assert.doesNotMatch(await message.innerText(), /^recurrence:/, 'no raw field name');
    assert.equal(await due.getAttribute('aria-invalid'), 'true');
    assert.equal(await due.getAttribute('aria-describedby'), await message.getAttribute('id'));
    const [dueBox, messageBox] = [await due.boundingBox(), await message.boundingBox()];
    assert.ok(Math.abs(messageBox.x - dueBox.x) < 2 && messageBox.y >= dueBox.y + dueBox.height - 1, 'right under Due');
    assert.doesNotMatch(await item(page, 'Water the plants').innerText(), /repeats/, 'nothing saved');

    await due.fill(`${tomorrow}T09:00:00`);
    await message.waitFor({ state: 'detached' });
    assert.equal(await due.getAttribute('aria-invalid'), null);
    await details.getByRole('button', { name: 'Save' }).click();
    await panel(page).waitFor({ state: 'detached' });
    assert.equal(await count(page).innerText(), 'Showing 1 of 1 task');
  });

  it('is saved with a due date and "Repeats: Daily"', async () => {
    await assertEventually(async () => assert.match(await item(page, 'Water the plants').innerText(), /repeats daily/));
    assert.match(await item(page, 'Water the plants').innerText(), /repeats daily/);
    assert.deepEqual(wallClock(await dueOf(item(page, 'Water the plants'))), { date: tomorrow, time: '09:00' });
  });

  it('completing it brings the next occurrence, a day later at 09:00 Berlin time', async () => {
    await item(page, 'Water the plants').getByRole('checkbox').check();
    await assertEventually(async () => assert.equal(await occurrences().count(), 2));
    const done = list(page).locator('li.task.done', { hasText: 'Water the plants' });
    assert.doesNotMatch(await done.innerText(), /repeats/, 'the completed one is the record of that occurrence');
    assert.match(await pending().innerText(), /repeats daily/);
    assert.deepEqual(wallClock(await dueOf(pending())), { date: addDays(tomorrow, 1), time: '09:00' });
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 2 of 2 tasks'));
  });

  it('reopening it takes the next occurrence back', async () => {
    await list(page).locator('li.task.done', { hasText: 'Water the plants' }).getByRole('checkbox').uncheck();
    await assertEventually(async () => assert.equal(await occurrences().count(), 1));
    assert.match(await pending().innerText(), /repeats daily/);
    assert.deepEqual(wallClock(await dueOf(pending())), { date: tomorrow, time: '09:00' });
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 1 of 1 task'));
    // The same after a reload: the API deleted it.
    await page.reload();
    await assertEventually(async () => assert.equal(await occurrences().count(), 1));
  });

  it('changes and ends the series in the details panel', async () => {
    const details = await openDetails(page, 'Water the plants');
    assert.equal(await details.getByLabel('Repeats').inputValue(), 'DAILY');
    await details.getByLabel('Repeats').selectOption('WEEKLY');
    await details.getByRole('button', { name: 'Save' }).click();
    await assertEventually(async () => assert.match(await item(page, 'Water the plants').innerText(), /repeats weekly/));

    await editDetails(page, 'Water the plants', { Repeats: '' });
    await assertEventually(async () => assert.doesNotMatch(await item(page, 'Water the plants').innerText(), /repeats/));
    await item(page, 'Water the plants').getByRole('checkbox').check();
    await assertEventually(async () =>
      assert.match(await item(page, 'Water the plants').getAttribute('class'), /\bdone\b/),
    );
    assert.equal(await occurrences().count(), 1, 'a task whose series ended has no next occurrence');
  });
});
