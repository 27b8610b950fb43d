// What the browser tests share: the URLs run-browser-test.sh passes, Chromium, and the steps a person takes on the
// example's pages (sign up, add a task, read the list).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const APP_URL = required('APP_URL');
export const API_URL = required('API_URL');
export const TOKEN_TTL_SECONDS = Number(required('TOKEN_TTL_SECONDS'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const artifactsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through run-browser-test.sh`);
  return value;
}

/** The payload of a JWT (the test only reads its times and subject). */
export function claims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/**
 * Watches what a page sends: every GraphQL request (its parsed body, bearer token and send time) and response
 * status, every token Better Auth handed out, every WebSocket message the page received, and any uncaught page
 * error.
 */
export function watch(page) {
  const seen = { graphql: [], tokens: [], pageErrors: [], socketFrames: [] };
  page.on('pageerror', (e) => seen.pageErrors.push(e.message));
  page.on('websocket', (ws) => ws.on('framereceived', (f) => seen.socketFrames.push(String(f.payload))));
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
export const operationNames = (entry) => [entry.body].flat().map((op) => op?.operationName);

/**
 * Signs up through the sign-up form and waits to land on `landing` (the task list, or where the form was sent to come
 * back to). `from` is the page the form is opened at; null when the page is on the form already.
 */
export async function signUp(page, { name, email, password }, { from = `${APP_URL}/sign-up`, landing = `${APP_URL}/tasks` } = {}) {
  if (from) await page.goto(from);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  const landed = (url) => url.href === landing;
  // Better Auth allows 3 sign-ups per 10 s from one address (all of the test's come from 127.0.0.1): refused with
  // "Too many requests", a person waits and tries again.
  for (let attempt = 1; ; attempt++) {
    await page.getByRole('button', { name: 'Create an account' }).click();
    const outcome = await Promise.race([
      page.waitForURL(landed).then(() => 'in', () => 'timeout'),
      page.getByRole('alert').filter({ hasText: /too many/i }).waitFor().then(() => 'limited', () => 'timeout'),
    ]);
    if (outcome === 'in') break;
    if (outcome !== 'limited' || attempt === 3) throw new Error(`sign-up of ${email}: ${outcome}`);
    await new Promise((r) => setTimeout(r, 10_500));
  }
  await page.waitForURL(landed);
  if (landing === `${APP_URL}/tasks`) await page.getByRole('heading', { name: 'All tasks', level: 1 }).waitFor();
}

export const list = (page) => page.getByRole('list', { name: 'Tasks' });
export const item = (page, title) => list(page).getByRole('listitem', { name: title, exact: true });
export const titles = async (page) => list(page).locator('li .title').allInnerTexts();
export const count = (page) => page.locator('p.count');
export const quickAdd = (page) => page.getByRole('form', { name: 'Add task' });
/** The details panel of the open task. */
export const panel = (page) => page.getByRole('complementary', { name: 'Task details' });
/** The toasts: reminders and "Deleted ... Undo". */
export const toasts = (page) => page.getByRole('region', { name: 'Notifications' });

/** Opens a task's details panel by clicking the task (once the API has answered for a task just added). */
export async function openDetails(page, title) {
  const row = item(page, title);
  await assertEventually(async () => assert.doesNotMatch(await row.getAttribute('data-task-id'), /^optimistic-/));
  await row.getByRole('button', { name: title, exact: true }).click();
  await panel(page).waitFor();
  return panel(page);
}

/** Changes fields in a task's details panel (label: value; selects take the option's value) and saves. */
export async function editDetails(page, title, fields) {
  const details = await openDetails(page, title);
  for (const [label, value] of Object.entries(fields)) {
    const control = details.getByLabel(label, { exact: true });
    if ((await control.evaluate((el) => el.tagName)) === 'SELECT') await control.selectOption(value);
    else await control.fill(value);
  }
  await details.getByRole('button', { name: 'Save' }).click();
  await panel(page).waitFor({ state: 'detached' });
}

/**
 * Adds a task as a person does: the title (and a due date and priority) in the quick add, then Enter. The task shows
 * at once and the title field is empty and still focused, ready for the next. A description or tags go in through
 * the details panel afterwards.
 */
export async function addTask(page, { title, description, priority, tags, due }) {
  const form = quickAdd(page);
  const input = form.getByLabel('Title');
  await input.fill(title);
  if (due) await form.getByLabel('Due').fill(due);
  if (priority) await form.getByLabel('Priority').selectOption(priority);
  await input.press('Enter');
  await item(page, title).waitFor();
  assert.equal(await input.inputValue(), '', 'the quick add empties at once');
  assert.ok(await input.evaluate((el) => el === document.activeElement), 'the title keeps the focus');
  const more = {};
  if (description) more.Description = description;
  if (tags) more['Tags (comma-separated)'] = tags;
  if (Object.keys(more).length) await editDetails(page, title, more);
}

/** Retries `check` until it passes or 10 s have gone by (for what the page does after a response). */
export async function assertEventually(check, ms = 10_000) {
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

/** Debian's Chromium, headless, with nothing of its own going to the network. */
export async function launchChromium() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (run-browser-test.sh does)`);
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A browser context (its own cookies: one person) with one page, watched; `options` as for newContext. */
export async function openPerson(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1000 }, ...options });
  return { context, ...(await openTab(context)) };
}

/** Another tab in the same context (the same person, signed in), watched. */
export async function openTab(context) {
  const page = await context.newPage();
  return { page, seen: watch(page) };
}

/** The sidebar's lists ("All tasks", then the person's lists). */
export const sidebarLists = (page) => page.getByRole('navigation', { name: 'Lists' });
/** The names of the person's lists in the sidebar, in its order ("All tasks" left out). */
export const listNames = (page) => sidebarLists(page).locator('li[data-list-id] .list-name').allInnerTexts();

/** The live-updates status the page shows: connecting…, live or reconnecting…. */
export const liveStatus = (page) => page.locator('.live span');
