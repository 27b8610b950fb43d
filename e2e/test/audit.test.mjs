// The graphql-http package's server audit against the real server binary: every audit, MUST, SHOULD and MAY alike,
// must pass. The audit speaks plain GraphQL over HTTP without a token, which our server answers for introspection
// and __typename.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { auditServer } from 'graphql-http';

import { startEnvironment } from '../lib/env.mjs';

describe('GraphQL over HTTP audit (graphql-http auditServer)', () => {
  let env;
  let results;

  before(async () => {
    env = await startEnvironment({ name: 'audit', users: 0 });
    results = await auditServer({ url: env.server.graphqlURL });
  });
  after(async () => {
    await env?.stop();
  });

  it('runs the audits', () => {
    assert.ok(results.length > 50, `only ${results.length} audits ran`);
  });

  it('passes every audit: MUST, SHOULD and MAY', async () => {
    const failures = [];
    for (const r of results) {
      if (r.status === 'ok') continue;
      let detail = r.reason;
      if (r.response) {
        const body = await r.response.text().catch(() => '');
        detail += ` — got ${r.response.status} ${r.response.headers.get('content-type')} ${body.slice(0, 200)}`;
      }
      failures.push(`[${r.id}] ${r.name}: ${detail}`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${results.length} audits did not pass`);
  });
});
