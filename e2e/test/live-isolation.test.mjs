// Live updates between users and tokens, against the real binary with Better Auth tokens: one user's
// subscriptions (graphql-ws and graphql-sse) see none of another's events, and another user's cursor is refused;
// a socket whose token is missing, bad or expired is closed with 4403, with the token in connection_init or in the
// upgrade request; a socket is closed with 4403 at its token's exp, and a client that reconnects with a fresh
// token and resumes after its last cursor misses nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { gql } from '@apollo/client';

import { apolloClient } from '../lib/clients.mjs';
import { startEnvironment } from '../lib/env.mjs';
import { Feed, sseClient, wsClient } from '../lib/live.mjs';
import { CREATE_TASK, DELETE_TASK, UPDATE_TASK } from '../lib/operations.mjs';

const CURSOR = gql`
  query Cursor {
    taskEventCursor
  }
`;

const FEED_PAGE = gql`
  query FeedPage($after: String!) {
    taskEvents(after: $after) {
      events {
        kind
        taskId
      }
    }
  }
`;

describe('live updates: isolation between users, and tokens', () => {
  let env;
  let alice;
  let bob;
  const http = {};
  const toDispose = [];
  const track = (client) => {
    toDispose.push(() => client.dispose());
    return client;
  };

  const mutate = async (who, mutation, variables) => {
    const res = await http[who.id].mutate({ mutation, variables });
    return res.data;
  };
  const create = async (who, title) => (await mutate(who, CREATE_TASK, { input: { title } })).createTask.task;
  const cursorOf = async (who) =>
    (await http[who.id].query({ query: CURSOR, fetchPolicy: 'no-cache' })).data.taskEventCursor;
  const now = () => Math.floor(Date.now() / 1000);
  const sign = async (payload) => (await env.betterAuth.auth.api.signJWT({ body: { payload } })).token;

  before(async () => {
    env = await startEnvironment({ name: 'live-isolation', users: 2 });
    [alice, bob] = env.users;
    for (const u of env.users) http[u.id] = apolloClient({ uri: env.server.graphqlURL, token: u.token });
  });
  after(async () => {
    for (const dispose of toDispose.reverse()) await dispose();
    await env?.stop();
  });

  it("delivers none of one user's events to another's subscriptions, over WebSocket and SSE", async () => {
    const aliceStart = await cursorOf(alice);
    const bobStart = await cursorOf(bob);
    const aliceWS = new Feed(track(wsClient(env.server, { token: alice.token })), { after: aliceStart });
    const bobWS = new Feed(track(wsClient(env.server, { token: bob.token })), { after: bobStart });
    const bobSSE = new Feed(track(sseClient(env.server, { token: bob.token })), { after: bobStart });
    // Without `after`, a subscription starts live: the server is the one to filter, not the replay's query.
    const bobLive = new Feed(track(wsClient(env.server, { token: bob.token })));

    const kept = await create(alice, 'alice one');
    const gone = await create(alice, 'alice two');
    await mutate(alice, UPDATE_TASK, { id: kept.id, input: { title: 'alice one, renamed' } });
    await mutate(alice, DELETE_TASK, { id: gone.id });
    await aliceWS.until((f) => f.events.length === 4, "alice's four events");

    // Bob's write commits after all of alice's, and each instance dispatches in commit order: a subscription that
    // leaked alice's events would have had them before bob's own.
    const mine = await create(bob, 'bob one');
    for (const [name, feed] of [['WebSocket', bobWS], ['SSE', bobSSE]]) {
      await feed.until((f) => f.events.some((e) => e.taskId === mine.id), `bob's event over ${name}`);
      assert.deepEqual(feed.summary, [['CREATED', 'bob one']], `bob's ${name} subscription holds only his event`);
      assert.deepEqual(feed.errors, []);
    }
    // The live subscription may have been established after bob's write: it gets bob's event or nothing, and then
    // a second write of his, which it cannot miss, must be all it has.
    const mine2 = await create(bob, 'bob two');
    await bobLive.until((f) => f.events.some((e) => e.taskId === mine2.id), "bob's second event live");
    assert.ok(bobLive.events.every((e) => e.taskId === mine.id || e.taskId === mine2.id), JSON.stringify(bobLive.summary));

    await create(alice, 'alice three');
    await aliceWS.until((f) => f.events.length === 5, "alice's fifth event");
    assert.deepEqual(aliceWS.summary, [
      ['CREATED', 'alice one'],
      ['CREATED', 'alice two'],
      ['UPDATED', 'alice one, renamed'],
      ['DELETED', null],
      ['CREATED', 'alice three'],
    ]);
    assert.ok(aliceWS.events.every((e) => e.taskId !== mine.id && e.taskId !== mine2.id));
  });

  it("refuses another user's cursor with BAD_USER_INPUT on `after`, over WebSocket, SSE and HTTP", async () => {
    const aliceCursor = await cursorOf(alice);
    await create(alice, 'alice, after her cursor');
    const check = (errors, what) => {
      assert.equal(errors.length, 1, `${what}: ${JSON.stringify(errors)}`);
      assert.equal(errors[0].extensions?.code, 'BAD_USER_INPUT', what);
      assert.equal(errors[0].extensions?.field, 'after', what);
    };
    for (const [name, client] of [
      ['WebSocket', track(wsClient(env.server, { token: bob.token }))],
      ['SSE', track(sseClient(env.server, { token: bob.token }))],
    ]) {
      const feed = new Feed(client, { after: aliceCursor });
      await feed.until((f) => f.over, `bob's ${name} subscription after alice's cursor to end`);
      assert.deepEqual(feed.events, [], `${name}: no event`);
      check(feed.errors, name);
    }
    const res = await http[bob.id].query({
      query: FEED_PAGE,
      variables: { after: aliceCursor },
      fetchPolicy: 'no-cache',
      errorPolicy: 'all',
    });
    assert.equal(res.data?.taskEvents ?? null, null);
    check(res.error.errors, 'HTTP');
  });

  it('closes a socket whose token is missing, malformed, forged, expired or for another audience with 4403', async () => {
    const [h, p, s] = alice.token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: bob.id })).toString('base64url')}.${s}`;
    const cases = [
      ['no token', {}],
      ['a malformed token', { connectionParams: { Authorization: 'Bearer not.a.jwt' } }],
      ['no Bearer scheme', { connectionParams: { Authorization: alice.token } }],
      ["alice's token with bob's id in it", { token: forged }],
      // Signed by Better Auth with its current key, expired beyond the verifier's leeway.
      ['an expired token', { token: await sign({ sub: alice.id, iat: now() - 1200, exp: now() - 600 }) }],
      ['a token for another audience', { token: await sign({ sub: alice.id, aud: 'https://elsewhere.example' }) }],
      ['a forged token in the upgrade header', { headers: { Authorization: `Bearer ${forged}` } }],
    ];
    for (const [what, options] of cases) {
      const client = track(wsClient(env.server, options));
      const feed = new Feed(client);
      await feed.until((f) => f.over, `the socket with ${what} to close`);
      assert.equal(feed.failure?.code, 4403, `${what}: closed with ${feed.failure?.code} ${feed.failure?.reason}`);
      assert.deepEqual(client.closes, [4403], what);
      assert.deepEqual(feed.events, [], what);
    }

    // The same socket with a good token in the upgrade header is accepted and delivers alice's events.
    const start = await cursorOf(alice);
    const ok = new Feed(track(wsClient(env.server, { headers: { Authorization: `Bearer ${alice.token}` } })), { after: start });
    const t = await create(alice, 'via the upgrade header');
    await ok.until((f) => f.events.length === 1, 'the event on the socket authenticated by its upgrade header');
    assert.equal(ok.events[0].taskId, t.id);

    // graphql-sse sends its token as a header: a bad one is answered 401 before any stream.
    const refused = new Feed(track(sseClient(env.server, { token: forged })));
    await refused.until((f) => f.over, 'the refused event stream');
    assert.equal(refused.failure?.response?.status, 401, String(refused.failure));
    assert.deepEqual(refused.events, []);
  });

  it("closes the socket with 4403 at the token's exp; a fresh token resumes after the last cursor and misses nothing", async () => {
    const start = await cursorOf(alice);
    // Better Auth's own short-lived token: the server must close the socket when it expires, not at the next
    // message. Five seconds leaves the first events time to arrive on a busy machine.
    const shortLived = await sign({ sub: alice.id, email: alice.email, iat: now(), exp: now() + 5 });
    const first = wsClient(env.server, { token: shortLived });
    track(first);
    const before = new Feed(first, { after: start });
    for (const title of ['e0', 'e1', 'e2']) await create(alice, title);
    await before.until((f) => f.events.length === 3, 'three events before the token expires');
    await before.until((f) => f.over, 'the socket to close at exp', 30_000);
    assert.equal(before.failure?.code, 4403, `closed with ${before.failure?.code} ${before.failure?.reason}`);
    assert.deepEqual(first.closes, [4403]);

    // Written while no socket is open: the resume must replay them.
    for (const title of ['e3', 'e4', 'e5']) await create(alice, title);
    const last = before.events.at(-1).cursor;
    const resumed = new Feed(track(wsClient(env.server, { token: alice.token })), { after: last });
    await resumed.until((f) => f.events.length === 3, 'the replay of what the closed socket missed');
    await create(alice, 'e6');
    await resumed.until((f) => f.events.length === 4, 'the live event after the replay');
    assert.deepEqual(
      [...before.events, ...resumed.events].map((e) => [e.kind, e.task.title]),
      ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((t) => ['CREATED', t]),
      'every event once, in order',
    );
    const cursors = [...before.events, ...resumed.events].map((e) => e.cursor);
    assert.equal(new Set(cursors).size, cursors.length, 'each event has its own cursor');
  });
});
