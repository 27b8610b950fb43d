// The sign-in and sign-up forms never put a secret in a URL, even when they are submitted before the page has
// hydrated (a slow network, or JavaScript off): they post, and their inputs carry no name, so a fallback submit
// sends nothing. Checked in Chromium with JavaScript disabled, which is what a submit before hydration is.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { APP_URL, launchChromium } from './helpers.mjs';

describe('forms submitted before hydration', () => {
  let browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const path of ['/sign-in', '/sign-up']) {
    it(`${path} sends neither the email nor the password anywhere`, async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      try {
        const page = await context.newPage();
        const requests = [];
        page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), body: r.postData() ?? '' }));
        await page.goto(`${APP_URL}${path}`);
        const email = `nobody-${randomBytes(4).toString('hex')}@example.com`;
        const password = `secret-${randomBytes(8).toString('hex')}`;
        if (path === '/sign-up') await page.getByLabel('Name').fill('Nobody');
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(password);
        // The submit is the page's next navigation, whatever its method.
        const sent = page.waitForRequest((r) => r.isNavigationRequest() && r.frame() === page.mainFrame());
        await page.getByRole('button', { name: path === '/sign-in' ? 'Sign in' : 'Create an account' }).click();
        await sent;
        await page.waitForLoadState('load');

        const submits = requests.slice(1).filter((r) => new URL(r.url).pathname === path);
        assert.ok(submits.length >= 1, `the form was not submitted: ${JSON.stringify(requests)}`);
        for (const r of submits) assert.equal(r.method, 'POST', `the form fell back to ${r.method} ${r.url}`);
        for (const r of requests) {
          const where = decodeURIComponent(r.url);
          assert.ok(!where.includes(password) && !where.includes(email), `a secret went into a URL: ${r.url}`);
          assert.ok(!r.body.includes(password) && !r.body.includes(encodeURIComponent(email)) && !r.body.includes(email),
            `the form posted its inputs: ${r.body}`);
        }
        assert.ok(!decodeURIComponent(page.url()).includes(password), `the page's URL holds the password: ${page.url()}`);
      } finally {
        await context.close();
      }
    });
  }
});
