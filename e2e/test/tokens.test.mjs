// Tokens from the real Better Auth jwt() plugin: accepted while valid, a rotated signing key picked up by the
// running server without a restart, an expired or forged token refused with 401 and UNAUTHENTICATED as a client
// sees it, and no token at all leaving only introspection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { gql } from '@apollo/client';

import { apolloClient, urqlClient } from '../lib/clients.mjs';
import { decodeJWT, fetchToken, startEnvironment } from '../lib/env.mjs';
import { assertOneError, eventually } from '../lib/expect.mjs';
import { VIEWER } from '../lib/operations.mjs';

const INTROSPECT = gql`
  query Introspect {
    __schema {
      queryType {
        name
      }
    }
  }
`;

describe('Better Auth tokens', () => {
  let env;
  let user;

  const viewerWith = (token) =>
    apolloClient({ uri: env.server.graphqlURL, token }).query({ query: VIEWER, fetchPolicy: 'no-cache', errorPolicy: 'all' });

  /** Asserts that `token` is refused as a client sees it: 401, WWW-Authenticate, UNAUTHENTICATED, for Apollo and urql. */
  async function assertRefused(token, what) {
    const apollo = apolloClient({ uri: env.server.graphqlURL, token });
    const res = await apollo.query({ query: VIEWER, fetchPolicy: 'no-cache', errorPolicy: 'all' });
    assert.equal(res.data?.viewer ?? null, null, `${what}: no data`);
    assertOneError(res.error, 'UNAUTHENTICATED', `${what} (Apollo)`);
    const [exchange] = apollo.httpLog;
    assert.equal(exchange.status, 401, `${what}: status`);
    assert.match(exchange.responseHeaders.get('www-authenticate') ?? '', /^Bearer\b.*error="invalid_token"/);

    const urql = urqlClient({ url: env.server.graphqlURL, token });
    const ures = await urql.query(VIEWER, {}).toPromise();
    assert.equal(ures.data?.viewer ?? null, null);
    assertOneError(ures.error, 'UNAUTHENTICATED', `${what} (urql)`);
    assert.equal(urql.httpLog[0].status, 401);
  }

  before(async () => {
    env = await startEnvironment({ name: 'tokens', users: 1 });
    user = env.users[0];
  });
  after(async () => {
    await env?.stop();
  });

  it("accepts Better Auth's EdDSA token and reads the viewer from its claims", async () => {
    const { header, payload } = decodeJWT(user.token);
    assert.equal(header.alg, 'EdDSA');
    assert.equal(payload.iss, env.betterAuth.url);
    assert.equal(payload.aud, env.betterAuth.url);
    const res = await viewerWith(user.token);
    assert.equal(res.error, undefined);
    assert.deepEqual(res.data.viewer, { __typename: 'Viewer', id: user.id, email: user.email, name: user.name });
  });

  it('without a token allows introspection only', async () => {
    const client = apolloClient({ uri: env.server.graphqlURL });
    const intro = await client.query({ query: INTROSPECT, fetchPolicy: 'no-cache' });
    assert.equal(intro.data.__schema.queryType.name, 'Query');
    const res = await client.query({ query: VIEWER, fetchPolicy: 'no-cache', errorPolicy: 'all' });
    assert.equal(res.data?.viewer ?? null, null);
    assertOneError(res.error, 'UNAUTHENTICATED', 'viewer without a token');
  });

  it('refuses an expired token with 401 UNAUTHENTICATED', async () => {
    // Signed by Better Auth itself, with its current key, iss and aud, but expired ten minutes ago (beyond any
    // leeway).
    const now = Math.floor(Date.now() / 1000);
    const { token } = await env.betterAuth.auth.api.signJWT({
      body: { payload: { sub: user.id, email: user.email, iat: now - 1200, exp: now - 600 } },
    });
    const { header, payload } = decodeJWT(token);
    assert.equal(header.kid, decodeJWT(user.token).header.kid, 'signed with the key in use');
    assert.equal(payload.iss, env.betterAuth.url);
    await assertRefused(token, 'an expired token');

    // The same signing path with a live exp is accepted, so it is the expiry that was refused.
    const live = await env.betterAuth.auth.api.signJWT({ body: { payload: { sub: user.id, iat: now, exp: now + 600 } } });
    const ok = await viewerWith(live.token);
    assert.equal(ok.data.viewer.id, user.id);
  });

  it('refuses forged and malformed tokens with 401 UNAUTHENTICATED', async () => {
    const [h, p, s] = user.token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    await assertRefused(`${h}.${forged}.${s}`, 'a token with a changed payload');
    await assertRefused('not.a.jwt', 'a malformed token');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await assertRefused(`${none}.${p}.`, 'an unsigned token');
    const otherAudience = await env.betterAuth.auth.api.signJWT({
      body: { payload: { sub: user.id, aud: 'https://elsewhere.example' } },
    });
    await assertRefused(otherAudience.token, 'a token for another audience');
  });

  it('picks up a rotated signing key without a restart', async () => {
    const oldToken = user.token;
    const oldKid = decodeJWT(oldToken).header.kid;
    assert.equal((await viewerWith(oldToken)).data.viewer.id, user.id, 'the server knows the old key');

    // Rotate the way the jwt() plugin's rotationInterval does: the current key expires, the next token request
    // mints a new key, and the JWKS publishes both (the old one for its grace period).
    const ctx = await env.betterAuth.auth.$context;
    const keys = await ctx.adapter.findMany({ model: 'jwks' });
    assert.equal(keys.length, 1);
    await ctx.adapter.update({ model: 'jwks', where: [{ field: 'id', value: oldKid }], update: { expiresAt: new Date(Date.now() - 1000) } });

    const newToken = await fetchToken(env.betterAuth.url, user.cookie);
    const newKid = decodeJWT(newToken).header.kid;
    assert.notEqual(newKid, oldKid, 'Better Auth signed with a new key');
    const jwks = await (await fetch(`${env.betterAuth.url}/api/auth/jwks`)).json();
    assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort());
    assert.ok(jwks.keys.every((k) => k.alg === 'EdDSA' && k.crv === 'Ed25519'));

    // The server has only the old key cached; an unknown kid makes it refetch the key set, at most once per
    // interval of a few seconds.
    const started = Date.now();
    const res = await eventually(async () => {
      const r = await viewerWith(newToken);
      assert.equal(r.error, undefined, `new key not accepted after ${Date.now() - started} ms: ${r.error?.message}`);
      return r;
    }, { ms: 12_000, every: 500 });
    assert.equal(res.data.viewer.id, user.id);
    assert.equal((await viewerWith(oldToken)).data.viewer.id, user.id, 'the old key is still published, so still accepted');

    // A second rotation, by deleting the signing key so that Better Auth mints another on the next token request.
    await ctx.adapter.delete({ model: 'jwks', where: [{ field: 'id', value: newKid }] });
    const thirdToken = await fetchToken(env.betterAuth.url, user.cookie);
    const thirdKid = decodeJWT(thirdToken).header.kid;
    assert.notEqual(thirdKid, newKid);
    await eventually(async () => {
      const r = await viewerWith(thirdToken);
      assert.equal(r.data?.viewer?.id, user.id);
    }, { ms: 12_000, every: 500 });
  });
});
