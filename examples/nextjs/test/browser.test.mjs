// The example in a real browser, as people use it: Debian's Chromium (through playwright-core) against the built
// app (next start) and the real task API on a fresh PostgreSQL database, both started by run-browser-test.sh,
// which passes APP_URL, API_URL and TOKEN_TTL_SECONDS. Screenshots of the list and the dashboard go to artifacts/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const APP_URL = required('APP_URL');
const API_URL = required('API_URL');
const TOKEN_TTL_SECONDS = Number(required('TOKEN_TTL_SECONDS'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const artifactsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through run-browser-test.sh`);
  return value;
}

/** The payload of a JWT (the test only reads its times and subject). */
function claims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/**
 * Watches what a page sends: every GraphQL request (its parsed body, bearer token and send time) and response
 * status, every token Better Auth handed out, and any uncaught page error.
 */
function watch(page) {
  const seen = { graphql: [], tokens: [], pageErrors: [] };
  page.on('pageerror', (e) => seen.pageErrors.push(e.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === API_URL && url.pathname === '/graphql' && request.method() === 'POST') {
      const entry = {
        at: Date.now(),
        token: (request.headers().authorization ?? '').replace(/^Bearer /, ''),
        body: JSON.parse(request.postData() ?? 'null'),
        status: undefined,
        response: undefined,
      };
      seen.graphql.push(entry);
      request.response().then(
        async (response) => {
          entry.status = response?.status();
          entry.response = await response?.json().catch(() => undefined);
        },
        () => {},
      );
    }
  });
  page.on('response', async (response) => {
    const url = new URL(response.url());
    if (url.origin === APP_URL && url.pathname === '/api/auth/token' && response.status() === 200) {
      const body = await response.json().catch(() => ({}));
      if (body.token) seen.tokens.push({ at: Date.now(), token: body.token });
    }
  });
  return seen;
}

/** The operation names in a recorded GraphQL request (a batch has several). */
const operationNames = (entry) => [entry.body].flat().map((op) => op?.operationName);

async function signUp(page, { name, email, password }) {
  await page.goto(`${APP_URL}/sign-up`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.waitForURL(`${APP_URL}/tasks`);
  await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
}

const list = (page) => page.getByRole('list', { name: 'Tasks' });
const item = (page, title) => list(page).getByRole('listitem', { name: title, exact: true });
const titles = async (page) => list(page).locator('li .title').allInnerTexts();
const count = (page) => page.locator('p.count');

async function addTask(page, { title, description, priority, tags }) {
  const form = page.getByRole('form', { name: 'Add task' });
  await form.getByLabel('Title').fill(title);
  if (description) await form.getByLabel('Description').fill(description);
  if (priority) await form.getByLabel('Priority').selectOption(priority);
  if (tags) await form.getByLabel('Tags (comma-separated)').fill(tags);
  await form.getByRole('button', { name: 'Add task' }).click();
  await item(page, title).waitFor();
  // The form empties itself once the task is in.
  await assertEventually(async () => assert.equal(await form.getByLabel('Title').inputValue(), ''));
}

/** Retries `check` until it passes or 10 s have gone by (for what the page does after a response). */
async function assertEventually(check, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('the Next.js example in Chromium', () => {
  let browser;
  let alice; // { context, page, seen }
  let bob;
  const tag = randomBytes(3).toString('hex');

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (run-browser-test.sh does)`);
    mkdirSync(artifactsDir, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const open = async () => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } });
      const page = await context.newPage();
      return { context, page, seen: watch(page) };
    };
    alice = await open();
    bob = await open();
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

  it("shows a blank title as the API's userError and creates nothing", async () => {
    const { page } = alice;
    const form = page.getByRole('form', { name: 'Add task' });
    await form.getByLabel('Title').fill('   ');
    await form.getByRole('button', { name: 'Add task' }).click();
    await form.getByRole('alert').filter({ hasText: /blank/i }).waitFor();
    await form.getByLabel('Title').fill('');
    assert.equal(await count(page).innerText(), 'Showing 12 of 12 tasks');
  });

  it('edits, completes and deletes tasks', async () => {
    const { page } = alice;
    await item(page, 'Buy milk').getByRole('button', { name: 'Edit Buy milk' }).click();
    const editing = list(page).getByRole('listitem', { name: 'Edit “Buy milk”' });
    await editing.getByLabel('Title').fill('Buy oat milk');
    await editing.getByLabel('Description').fill('Two cartons');
    await editing.getByRole('button', { name: 'Save' }).click();
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

    // What the page shows is what the API has: load it afresh.
    await page.reload();
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 10 of 11 tasks'));
    assert.equal(await item(page, 'Call the plumber').count(), 0);
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
    await page.screenshot({ path: join(artifactsDir, 'tasks.png'), fullPage: true });
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
    await page.screenshot({ path: join(artifactsDir, 'dashboard.png'), fullPage: true });
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
    await addTask(page, { title: "Bob's own task", tags: 'bob' });

    await page.getByRole('link', { name: 'Dashboard' }).click();
    const total = page.locator('.stats div', { has: page.getByText('Total', { exact: true }) }).locator('dd');
    await assertEventually(async () => assert.equal(await total.innerText(), '1'));
    assert.deepEqual(await page.getByRole('list', { name: 'Tags' }).getByRole('listitem').allInnerTexts(), ['#bob 1']);

    await alice.page.goto(`${APP_URL}/tasks`);
    await assertEventually(async () => assert.equal(await count(alice.page).innerText(), 'Showing 10 of 11 tasks'));
    assert.equal(await item(alice.page, "Bob's own task").count(), 0);
  });

  it('gets a new token when the API refuses one, and retries once', async () => {
    const { page, seen } = alice;
    // Better Auth hands the page one token whose signature is broken; the API answers 401 to it.
    let forged;
    await page.route(
      `${APP_URL}/api/auth/token`,
      async (route) => {
        const response = await route.fetch();
        const { token } = await response.json();
        const [header, payload, signature] = token.split('.');
        forged = `${header}.${payload}.${[...signature].reverse().join('')}`;
        await route.fulfill({ response, json: { token: forged } });
      },
      { times: 1 },
    );
    const before = seen.graphql.length;
    await page.reload();
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 10 of 11 tasks'));
    const sent = seen.graphql.slice(before);
    const refused = sent.filter((e) => e.token === forged);
    assert.ok(refused.length >= 1, 'the forged token was used');
    await assertEventually(() => assert.ok(refused.every((e) => e.status === 401), 'the API refused it with 401'));
    const retried = sent.filter((e) => e.token !== forged && operationNames(e).includes('Tasks'));
    assert.ok(retried.length >= 1, 'the list was asked for again with another token');
    await assertEventually(() => assert.equal(retried[0].status, 200));
    assert.ok(retried[0].at > refused[0].at);
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
