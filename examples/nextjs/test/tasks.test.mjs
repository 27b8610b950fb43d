// The example in a real browser, as people use it: Debian's Chromium (through playwright-core) against the built
// app (next start) and the real task API on a fresh PostgreSQL database, both started by run-browser-test.sh.
// Signing up, tasks from creation to deletion, filters, paging, the dashboard, two people kept apart, and the
// access token renewed and replaced. Screenshots of the list and the dashboard go to artifacts/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  APP_URL,
  TOKEN_TTL_SECONDS,
  addTask,
  artifactsDir,
  assertEventually,
  claims,
  count,
  item,
  launchChromium,
  openDetails,
  openPerson,
  operationNames,
  panel,
  quickAdd,
  signUp,
  titles,
  toasts,
} from './helpers.mjs';

describe('the Next.js example in Chromium', () => {
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

  it('signs up and creates tasks', async () => {
    const { page } = alice;
    await signUp(page, { name: 'Alice', email: `alice-${tag}@example.com`, password: `pw-${tag}-alice` });
    await page.getByText('No tasks here yet.').waitFor();
    await addTask(page, { title: 'Buy milk', priority: 'HIGH', tags: 'home, errands' });
    await addTask(page, { title: 'Write report', description: 'Quarterly numbers', tags: 'work' });
    await addTask(page, { title: 'Call the plumber', tags: 'Home' });
    for (let i = 1; i <= 9; i++) await addTask(page, { title: `Filler task ${String(i).padStart(2, '0')}` });

    assert.equal((await titles(page))[0], 'Filler task 09', 'new tasks go on top');
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 12 of 12 tasks'));
    const milk = item(page, 'Buy milk');
    assert.match(await milk.innerText(), /High priority/);
    assert.match(await milk.innerText(), /#home/);
    assert.match(await milk.innerText(), /#errands/);
    assert.match(await item(page, 'Call the plumber').innerText(), /#home/, 'tags are lower-cased');
  });

  it("shows a blank title as the API's userError next to the title, and creates nothing", async () => {
    const { page } = alice;
    const form = quickAdd(page);
    await form.getByLabel('Title').fill('   ');
    await form.getByRole('button', { name: 'Add task' }).click();
    const message = form.getByRole('alert').filter({ hasText: /blank/i });
    await message.waitFor();
    const described = await form.getByLabel('Title').getAttribute('aria-describedby');
    assert.equal(await message.getAttribute('id'), described, 'the title field points at its message');
    assert.equal(await form.getByLabel('Title').getAttribute('aria-invalid'), 'true');
    await form.getByLabel('Title').fill('');
    await message.waitFor({ state: 'detached' });
    assert.equal(await count(page).innerText(), 'Showing 12 of 12 tasks');
  });

  it('edits, completes and deletes tasks', async () => {
    const { page } = alice;
    // Escape closes the details panel without saving.
    let details = await openDetails(page, 'Buy milk');
    await details.getByLabel('Title').fill('Not saved');
    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'detached' });
    await item(page, 'Buy milk').waitFor();

    details = await openDetails(page, 'Buy milk');
    await details.getByLabel('Title').fill('Buy oat milk');
    await details.getByLabel('Description').fill('Two cartons');
    await details.getByRole('button', { name: 'Save' }).click();
    await item(page, 'Buy oat milk').waitFor();
    assert.match(await item(page, 'Buy oat milk').innerText(), /Two cartons/);
    assert.equal(await item(page, 'Buy milk').count(), 0);

    const done = item(page, 'Buy oat milk').getByRole('checkbox', { name: 'Completed: Buy oat milk' });
    await done.check();
    await assertEventually(async () => assert.equal(await done.isChecked(), true));
    await assertEventually(async () => assert.match(await item(page, 'Buy oat milk').getAttribute('class'), /\bdone\b/));

    await item(page, 'Call the plumber').getByRole('button', { name: 'Delete Call the plumber' }).click();
    await item(page, 'Call the plumber').waitFor({ state: 'detached' });
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 11 of 11 tasks'));
    // Deleted on the API at once (to the trash); the toast offers Undo for a while, then goes.
    const undo = toasts(page).getByRole('status').filter({ hasText: 'Deleted Call the plumber' });
    await undo.waitFor();
    await undo.waitFor({ state: 'detached', timeout: 15_000 });

    // What the page shows is what the API has: load it afresh.
    await page.reload();
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 10 of 11 tasks'));
    assert.equal(await item(page, 'Call the plumber').count(), 0);
  });

  it('undoes a delete from the toast', async () => {
    const { page, seen } = alice;
    const before = seen.graphql.length;
    const details = await openDetails(page, 'Filler task 05');
    await details.getByRole('button', { name: 'Delete' }).click();
    await panel(page).waitFor({ state: 'detached' });
    await item(page, 'Filler task 05').waitFor({ state: 'detached' });
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 9 of 10 tasks'));
    await toasts(page).getByRole('button', { name: 'Undo delete of Filler task 05' }).click();
    await item(page, 'Filler task 05').waitFor();
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 10 of 11 tasks'));
    // The delete went to the API's trash at once, and Undo restored it from there: the same task, same id.
    const sentOps = seen.graphql.slice(before).flatMap(operationNames);
    assert.ok(sentOps.indexOf('DeleteTask') >= 0 && sentOps.indexOf('RestoreTask') > sentOps.indexOf('DeleteTask'), sentOps.join());
    await page.reload();
    await item(page, 'Filler task 05').waitFor();
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 10 of 11 tasks'));
  });

  it('loads the next page after the last cursor', async () => {
    const { page, seen } = alice;
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 10 of 11 tasks'));
    const first = seen.graphql.findLast((e) => operationNames(e).includes('Tasks'));
    await assertEventually(() => assert.ok(first.response));
    const endCursor = first.response.data.tasks.pageInfo.endCursor;
    assert.equal(first.response.data.tasks.pageInfo.hasNextPage, true);

    await page.getByRole('button', { name: 'Load more' }).click();
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 11 of 11 tasks'));
    assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0, 'no button after the last page');
    const next = seen.graphql.findLast((e) => operationNames(e).includes('Tasks'));
    assert.equal(next.body.variables.after, endCursor, "the second page starts after the first one's endCursor");
    const all = await titles(page);
    assert.equal(new Set(all).size, 11, 'no task twice');
    assert.equal(all.at(-1), 'Buy oat milk', 'the oldest left comes last');
  });

  it('filters by status, tag and search, and sorts', async () => {
    const { page } = alice;
    const filters = page.getByRole('search', { name: 'Filter and sort tasks' });
    await filters.getByLabel('Show').selectOption('COMPLETED');
    await assertEventually(async () => assert.deepEqual(await titles(page), ['Buy oat milk']));
    await filters.getByLabel('Show').selectOption('PENDING');
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 10 of 10 tasks'));
    assert.ok(!(await titles(page)).includes('Buy oat milk'));
    await filters.getByLabel('Show').selectOption('ALL');

    await filters.getByLabel('Tag').selectOption('work');
    await assertEventually(async () => assert.deepEqual(await titles(page), ['Write report']));
    await filters.getByLabel('Tag').selectOption('');

    await filters.getByLabel('Search').fill('QUARTERLY');
    await assertEventually(async () => assert.deepEqual(await titles(page), ['Write report']), 'search reads descriptions');
    await filters.getByLabel('Search').fill('filler task 0');
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 9 of 9 tasks'));
    await filters.getByLabel('Search').fill('');

    await filters.getByLabel('Sort').selectOption({ label: 'Title A–Z' });
    await assertEventually(async () =>
      assert.deepEqual((await titles(page)).slice(0, 3), ['Buy oat milk', 'Filler task 01', 'Filler task 02']),
    );
    await filters.getByLabel('Sort').selectOption({ label: 'Priority, high first' });
    await assertEventually(async () => assert.equal((await titles(page))[0], 'Buy oat milk'));
    await filters.getByLabel('Sort').selectOption({ label: 'Newest first' });
    await assertEventually(async () => assert.equal((await titles(page))[0], 'Filler task 09'));
    await page.screenshot({ path: join(artifactsDir, 'tasks.png') });
    await openDetails(page, 'Write report');
    await page.screenshot({ path: join(artifactsDir, 'details.png') });
    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'detached' });
  });

  it('shows the dashboard from one batched request', async () => {
    const { page, seen } = alice;
    const before = seen.graphql.length;
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL(`${APP_URL}/dashboard`);
    const stat = (name) => page.locator('.stats div', { has: page.getByText(name, { exact: true }) }).locator('dd');
    await assertEventually(async () => assert.equal(await stat('Total').innerText(), '11'));
    assert.equal(await stat('Completed').innerText(), '1');
    assert.equal(await stat('Pending').innerText(), '10');
    assert.equal(await stat('Completion rate').innerText(), '9%');
    const tags = page.getByRole('list', { name: 'Tags' });
    await assertEventually(async () =>
      assert.deepEqual(await tags.getByRole('listitem').allInnerTexts(), ['#errands 1', '#home 1', '#work 1']),
    );
    const high = page.getByRole('row', { name: /High/ });
    assert.match(await high.innerText(), /1/);

    const batched = seen.graphql.slice(before).filter((e) => Array.isArray(e.body));
    assert.equal(batched.length, 1, 'one batched POST for the dashboard');
    assert.deepEqual(operationNames(batched[0]).sort(), ['Tags', 'TaskStats']);
    await assertEventually(() => assert.ok(Array.isArray(batched[0].response)));
    assert.equal(batched[0].status, 200);
    await page.screenshot({ path: join(artifactsDir, 'dashboard.png') });
  });

  it("shows a second user none of the first one's tasks", async () => {
    const { page } = bob;
    await signUp(page, { name: 'Bob', email: `bob-${tag}@example.com`, password: `pw-${tag}-bob` });
    await page.getByText('No tasks here yet.').waitFor();
    assert.equal(await count(page).innerText(), 'Showing 0 of 0 tasks');
    const tagOptions = await page.getByLabel('Tag').locator('option').allInnerTexts();
    assert.deepEqual(tagOptions, ['Any tag'], "no tag of Alice's is offered");
    await page.getByRole('search').getByLabel('Search').fill('milk');
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 0 of 0 tasks'));
    await page.getByRole('search').getByLabel('Search').fill('');
    await addTask(page, { title: "Bob's own task", tags: 'bob' });

    await page.getByRole('link', { name: 'Dashboard' }).click();
    const total = page.locator('.stats div', { has: page.getByText('Total', { exact: true }) }).locator('dd');
    await assertEventually(async () => assert.equal(await total.innerText(), '1'));
    assert.deepEqual(await page.getByRole('list', { name: 'Tags' }).getByRole('listitem').allInnerTexts(), ['#bob 1']);

    await alice.page.goto(`${APP_URL}/tasks`);
    await assertEventually(async () => assert.equal(await count(alice.page).innerText(), 'Showing 10 of 11 tasks'));
    assert.equal(await item(alice.page, "Bob's own task").count(), 0);
  });

  it('signs out, keeps the signed-out away from the tasks, and signs in again', async () => {
    const { page, seen } = bob;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${APP_URL}/sign-in`);
    await page.goto(`${APP_URL}/tasks`);
    await page.waitForURL(`${APP_URL}/sign-in`);
    const tokensBefore = seen.tokens.length;
    const tokenAnswers = [];
    const onResponse = (r) => {
      if (r.url() === `${APP_URL}/api/auth/token`) tokenAnswers.push(r.status());
    };
    page.on('response', onResponse);
    // Without a session Better Auth hands out no token.
    assert.equal((await page.request.get(`${APP_URL}/api/auth/token`)).status(), 401);

    await page.getByLabel('Email').fill(`bob-${tag}@example.com`);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(page.url(), `${APP_URL}/sign-in`);

    await page.getByLabel('Password').fill(`pw-${tag}-bob`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${APP_URL}/tasks`);
    await item(page, "Bob's own task").waitFor();
    assert.ok(seen.tokens.length > tokensBefore, 'a new token for the new session');
    page.off('response', onResponse);
    assert.ok(tokenAnswers.every((s) => s === 200));
  });

  it('gets a new token when the API refuses one, and retries once', async () => {
    const { page, seen } = alice;
    // Better Auth hands out tokens whose signature is broken until one of them has gone to the API over HTTP
    // (a socket reconnecting in the background may take one too); the API answers 401 to it.
    const forged = new Set();
    const sentForged = () => seen.graphql.some((e) => forged.has(e.token));
    await page.route(`${APP_URL}/api/auth/token`, async (route) => {
      const response = await route.fetch();
      if (sentForged()) return route.fulfill({ response });
      const { token } = await response.json();
      const [header, payload, signature] = token.split('.');
      const bad = `${header}.${payload}.${[...signature].reverse().join('')}`;
      forged.add(bad);
      return route.fulfill({ response, json: { token: bad } });
    });
    const before = seen.graphql.length;
    await page.reload();
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 10 of 11 tasks'));
    await page.unroute(`${APP_URL}/api/auth/token`);
    const sent = seen.graphql.slice(before);
    const refused = sent.filter((e) => forged.has(e.token));
    assert.equal(refused.length, 1, 'one request went out with a forged token');
    await assertEventually(() => assert.equal(refused[0].status, 401, 'the API refused it with 401'));
    const retry = sent.find((e) => e.at >= refused[0].at && !forged.has(e.token) && e.body.operationName === refused[0].body.operationName);
    assert.ok(retry, `${refused[0].body.operationName} was sent again with another token`);
    await assertEventually(() => assert.ok(retry.response, 'answered'));
    assert.notEqual(retry.status, 401, 'the new token was accepted');
    assert.ok(!JSON.stringify(retry.response).includes('UNAUTHENTICATED'));
    assert.ok(
      sent.filter((e) => e.status === 401).length === 1,
      'nothing else was refused: the retry and later requests used the new token',
    );
  });

  it('renews the token before it expires', async () => {
    const { page, seen } = alice;
    const current = seen.graphql.at(-1).token;
    const { exp, iat } = claims(current);
    assert.equal(exp - iat, TOKEN_TTL_SECONDS, 'the example issues tokens with the lifetime the test set');
    // Wait until the token is past its exp, then act: the page must not send it.
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now() + 500)));
    const before = seen.graphql.length;
    await item(page, 'Filler task 09').getByRole('checkbox').check();
    await assertEventually(() =>
      assert.ok(seen.graphql.slice(before).some((e) => operationNames(e).includes('SetTaskCompleted') && e.status === 200)),
    );
    const sent = seen.graphql.slice(before);
    for (const e of sent) {
      assert.notEqual(e.token, current, 'a new token');
      assert.ok(claims(e.token).exp * 1000 > e.at, 'not expired when sent');
      await assertEventually(() => assert.equal(e.status, 200));
    }
    // Over the whole run: every token the page sent was still good when it left, except the forged one above.
    for (const { seen: s } of [alice, bob]) {
      for (const e of s.graphql) {
        if (!e.token) continue;
        assert.ok(claims(e.token).exp * 1000 > e.at, `${operationNames(e)} went out with an expired token`);
      }
    }
    assert.ok(seen.tokens.length >= 3, 'the page fetched tokens as they ran out');
  });

  it('had no page errors', () => {
    assert.deepEqual(alice.seen.pageErrors, []);
    assert.deepEqual(bob.seen.pageErrors, []);
  });
});
