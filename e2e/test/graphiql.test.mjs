// GraphiQL at GET / in headless Chromium, as a person uses it: the page loads from the server alone under its
// Content-Security-Policy, the Authorization header goes in through GraphiQL's headers editor, and a query's
// result shows on the page. Any CSP violation or page error fails the test. A screenshot goes to
// artifacts/graphiql.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { chromium } from 'playwright-core';

import { apolloClient } from '../lib/clients.mjs';
import { artifactsDir, startEnvironment } from '../lib/env.mjs';
import { CREATE_TASK } from '../lib/operations.mjs';

const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';

describe('GraphiQL in Chromium', () => {
  let env;
  let user;
  let browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (run.sh does)`);
    env = await startEnvironment({ name: 'graphiql', users: 1 });
    user = env.users[0];
    const client = apolloClient({ uri: env.server.graphqlURL, token: user.token });
    await client.mutate({ mutation: CREATE_TASK, variables: { input: { title: 'Try GraphiQL', tags: ['ui'] } } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await env?.stop();
  });

  it('runs a query with the Authorization header set in the headers editor', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = [];
    const foreign = [];
    const graphqlRequests = [];
    page.on('console', (m) => {
      if (/content.security.policy|csp/i.test(m.text())) problems.push(`console.${m.type()}: ${m.text()}`);
      else if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol !== 'data:' && u.origin !== env.server.url) foreign.push(r.url());
      if (u.pathname === '/graphql') graphqlRequests.push(r);
    });
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });

    try {
      // GraphiQL introspects the schema as it starts (no token needed for that).
      const introspected = page.waitForResponse(
        (r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('IntrospectionQuery'),
        { timeout: 20_000 },
      );
      introspected.catch(() => {}); // awaited below; an earlier failure must not leave it unhandled
      const response = await page.goto(`${env.server.url}/`, { waitUntil: 'load' });
      assert.equal(response.status(), 200);
      const csp = response.headers()['content-security-policy'] ?? '';
      assert.match(csp, /default-src 'none'/, 'GET / has a strict Content-Security-Policy');
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

      await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
      const introspection = await introspected;
      assert.equal(introspection.status(), 200, 'the introspection query is answered without a token');
      assert.equal((await introspection.json()).data.__schema.queryType.name, 'Query');

      // Headers tab, then type the header into its editor as a person would paste it.
      await page.getByRole('button', { name: 'Headers', exact: true }).click();
      const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
      await headersEditor.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${user.token}` }));

      const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
      await queryEditor.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText('query E2EViewer {\n  viewer { id email }\n  tasks(first: 5) { totalCount nodes { title tags } }\n}');
      // GraphiQL names the tab after the operation once it has parsed the edit; run only then.
      await page.locator('.graphiql-tab', { hasText: 'E2EViewer' }).waitFor({ timeout: 10_000 });
      await page.locator('.graphiql-execute-button').click();

      const resultText = await page.waitForFunction(
        (id) => {
          const el = document.querySelector('.graphiql-response .CodeMirror');
          const text = el?.CodeMirror?.getValue() ?? el?.innerText ?? '';
          return text.includes(id) ? text : false;
        },
        user.id,
        { timeout: 15_000 },
      );
      const result = JSON.parse(await resultText.jsonValue());
      assert.deepEqual(result.data.viewer, { id: user.id, email: user.email });
      assert.equal(result.data.tasks.totalCount, 1);
      assert.deepEqual(result.data.tasks.nodes, [{ title: 'Try GraphiQL', tags: ['ui'] }]);
      const sent = graphqlRequests.find((r) => r.postData()?.includes('E2EViewer'));
      assert.ok(sent, 'the query went to /graphql');
      assert.equal(sent.headers().authorization, `Bearer ${user.token}`);

      // A dialog injects a <style> for its scroll lock: it must pass the policy too.
      await page.getByRole('button', { name: /settings/i }).click();
      await page.getByRole('dialog').waitFor({ timeout: 5_000 });
      await page.keyboard.press('Escape');
      // The documentation explorer renders the schema's descriptions.
      await page.getByRole('button', { name: /documentation/i }).click();
      await page.getByText('Root Types').waitFor({ timeout: 5_000 });

      mkdirSync(artifactsDir, { recursive: true });
      await page.screenshot({ path: join(artifactsDir, 'graphiql.png') });

      const violations = await page.evaluate(() => window.__cspViolations);
      assert.deepEqual(violations, [], 'Content-Security-Policy violations');
      assert.deepEqual(problems, [], 'console errors or page errors');
      assert.deepEqual(foreign, [], 'the page loads nothing from another origin');
    } catch (err) {
      mkdirSync(artifactsDir, { recursive: true });
      await page.screenshot({ path: join(artifactsDir, 'graphiql-failure.png') }).catch(() => {});
      err.message += `\nconsole/page problems: ${JSON.stringify(problems)}\nforeign requests: ${JSON.stringify(foreign)}`;
      throw err;
    } finally {
      await page.close();
    }
  });
});
