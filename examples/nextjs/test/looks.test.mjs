// How the app looks on a phone and in dark mode: on a phone-sized screen the sidebar folds behind a Menu button,
// nothing scrolls sideways, quick add works with Enter, and the details panel takes the whole screen and closes with
// Escape; with the system switched to dark mode the pages are dark. One person (one sign-up) on one page, first
// phone-sized, then desktop-sized and dark. Screenshots go to artifacts/ (phone.png, phone-details.png, dark.png).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  APP_URL,
  addTask,
  artifactsDir,
  assertEventually,
  count,
  editDetails,
  item,
  launchChromium,
  openDetails,
  openPerson,
  panel,
  signUp,
} from './helpers.mjs';

const PHONE = { width: 390, height: 844 };

/** How far the page scrolls sideways (0 when it fits). */
const sidewaysOverflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

describe('the layout', () => {
  let browser;
  let person;
  const tag = randomBytes(3).toString('hex');

  before(async () => {
    browser = await launchChromium();
    person = await openPerson(browser, { viewport: PHONE, isMobile: true, hasTouch: true, colorScheme: 'light' });
  });
  after(async () => {
    await browser?.close();
  });

  it('fits a phone: the sidebar folds behind Menu, quick add and details work', async () => {
    const { page } = person;
    await signUp(page, { name: 'Pia', email: `pia-${tag}@example.com`, password: `pw-${tag}-pia` });
    const dashboardLink = page.getByRole('link', { name: 'Dashboard' });
    assert.equal(await dashboardLink.isVisible(), false, 'the sidebar is folded away');
    assert.equal(await page.getByRole('button', { name: 'Menu' }).isVisible(), true);

    await addTask(page, { title: 'Pick up the parcel', priority: 'HIGH' });
    await addTask(page, { title: 'Book the dentist for next week, before the holidays start' });
    await editDetails(page, 'Pick up the parcel', { Description: 'At the kiosk on the corner', 'Tags (comma-separated)': 'errands' });
    await assertEventually(async () => assert.equal(await count(page).innerText(), 'Showing 2 of 2 tasks'));
    assert.ok((await sidewaysOverflow(page)) <= 0, 'nothing scrolls sideways');

    const details = await openDetails(page, 'Pick up the parcel');
    const box = await details.boundingBox();
    assert.equal(Math.round(box.width), PHONE.width, 'the details panel takes the whole width');
    assert.ok((await sidewaysOverflow(page)) <= 0);
    await page.screenshot({ path: join(artifactsDir, 'phone-details.png') });
    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'detached' });
    await page.screenshot({ path: join(artifactsDir, 'phone.png') });

    await page.getByRole('button', { name: 'Menu' }).click();
    await dashboardLink.click();
    await page.waitForURL(`${APP_URL}/dashboard`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    assert.equal(await dashboardLink.isVisible(), false, 'the menu folds again after moving');
    assert.ok((await sidewaysOverflow(page)) <= 0);
  });

  it('follows the system into dark mode', async () => {
    const { page } = person;
    await page.setViewportSize({ width: 1100, height: 1000 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${APP_URL}/tasks`);
    await item(page, 'Pick up the parcel').waitFor();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await addTask(page, { title: 'Plan the week', priority: 'HIGH', due: `${tomorrow}T09:00:00`, tags: 'work' });
    await addTask(page, { title: 'Call mum', description: 'About the weekend' });
    await addTask(page, { title: 'Water the plants', due: `${tomorrow}T18:00:00` });
    await item(page, 'Call mum').getByRole('checkbox').check();
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [x, y, z] = background.match(/[\d.]+/g).map(Number);
    const isDark = background.startsWith('oklch') ? x < 0.3 : x + y + z < 120; // lightness, or r + g + b
    assert.ok(isDark, `a dark background (${background})`);
    await openDetails(page, 'Plan the week');
    await page.screenshot({ path: join(artifactsDir, 'dark.png') });
    await page.keyboard.press('Escape');
  });

  it('had no page errors', () => {
    assert.deepEqual(person.seen.pageErrors, []);
  });
});
