// Live updates against the real binary with Better Auth tokens: the graphql-ws client, Apollo Client's
// GraphQLWsLink behind split (applying events to its cache as docs/clients.md says), urql's subscriptionExchange, and
// graphql-sse on /graphql/stream; a socket without a token closed with 4403; and SIGTERM during a subscription,
// which closes the socket with 1012, after which the client resumes on another instance without losing an event.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ApolloClient, gql, HttpLink, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { cacheExchange, Client as UrqlClient, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWSClient } from 'graphql-ws';
import { createClient as createSSEClient } from 'graphql-sse';
import WebSocket from 'ws';

import { newCache } from '../lib/clients.mjs';
import { startEnvironment, startServer } from '../lib/env.mjs';
import { CREATE_TASK, DELETE_TASK, SET_COMPLETED, TASKS, UPDATE_TASK } from '../lib/operations.mjs';

const EVENTS = `subscription Live($after: String) {
  taskEvents(after: $after) { cursor kind taskId task { id title completed } }
}`;

const LIST = gql`
  query List {
    tasks(first: 100) {
      edges { cursor node { id title completed } }
      pageInfo { hasNextPage endCursor }
      eventCursor
    }
  }
`;

const within = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms).unref());

/** Collects the values an async iterator yields until `until` says stop, within 20 s. */
async function collect(iterator, until, what) {
  const got = [];
  const run = (async () => {
    for await (const value of iterator) {
      got.push(value);
      if (until(got)) break;
    }
    return got;
  })();
  return Promise.race([run, within(20_000, `${what} (got ${JSON.stringify(got)})`)]);
}

function wsURL(server) {
  return server.graphqlURL.replace(/^http/, 'ws');
}

function wsClient(server, token, options = {}) {
  return createWSClient({
    url: wsURL(server),
    webSocketImpl: WebSocket,
    connectionParams: () => (token ? { Authorization: `Bearer ${token}` } : {}),
    ...options,
  });
}

describe('live updates (graphql-ws, Apollo GraphQLWsLink, urql, graphql-sse)', () => {
  let env;
  let user;
  let http; // an Apollo client over HTTP, the writer
  const toDispose = [];

  const mutate = async (mutation, variables) => (await http.mutate({ mutation, variables })).data;
  const cursorNow = async () =>
    (await http.query({ query: gql`{ taskEventCursor }`, fetchPolicy: 'no-cache' })).data.taskEventCursor;

  before(async () => {
    env = await startEnvironment({ name: 'live', users: 1 });
    [user] = env.users;
    http = new ApolloClient({
      link: new HttpLink({ uri: env.server.graphqlURL, headers: { authorization: `Bearer ${user.token}` } }),
      cache: newCache(),
    });
  });
  after(async () => {
    for (const d of toDispose.reverse()) await d();
    await env?.stop();
  });

  it('graphql-ws: replays after a cursor, then delivers live, in order', async () => {
    const start = await cursorNow();
    const a = (await mutate(CREATE_TASK, { input: { title: 'first' } })).createTask.task;
    const client = wsClient(env.server, user.token);
    toDispose.push(() => client.dispose());
    const events = client.iterate({ query: EVENTS, variables: { after: start } });
    const done = collect(events, (got) => got.length === 4, 'four events');
    await mutate(UPDATE_TASK, { id: a.id, input: { title: 'first, renamed' } });
    await mutate(SET_COMPLETED, { id: a.id, completed: true });
    await mutate(DELETE_TASK, { id: a.id });
    const got = (await done).map((r) => r.data.taskEvents);
    assert.deepEqual(
      got.map((e) => [e.kind, e.task?.title ?? null, e.taskId]),
      [
        ['CREATED', 'first', a.id],
        ['UPDATED', 'first, renamed', a.id],
        ['UPDATED', 'first, renamed', a.id],
        ['DELETED', null, a.id],
      ],
    );
    assert.equal(got[2].task.completed, true);
    assert.equal(new Set(got.map((e) => e.cursor)).size, 4, 'every event has its own cursor');
  });

  it("Apollo Client: split with GraphQLWsLink, events applied to the cache as docs/clients.md says", async () => {
    const wsLink = new GraphQLWsLink(wsClient(env.server, null, {
      connectionParams: async () => ({ Authorization: `Bearer ${user.token}` }),
    }));
    const httpLink = new HttpLink({ uri: env.server.graphqlURL, headers: { authorization: `Bearer ${user.token}` } });
    const link = split(({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === 'OperationDefinition' && def.operation === 'subscription';
    }, wsLink, httpLink);
    const cache = newCache();
    const apollo = new ApolloClient({ link, cache });
    toDispose.push(async () => {
      await apollo.clearStore();
      wsLink.client.dispose();
    });

    const keep = (await mutate(CREATE_TASK, { input: { title: 'kept' } })).createTask.task;
    const gone = (await mutate(CREATE_TASK, { input: { title: 'to be deleted' } })).createTask.task;
    const list = (await apollo.query({ query: LIST })).data.tasks;
    let cursor = list.eventCursor;
    let applied = 0;
    const sub = apollo.subscribe({ query: gql(EVENTS), variables: { after: cursor } }).subscribe(({ data }) => {
      const ev = data.taskEvents;
      cursor = ev.cursor;
      switch (ev.kind) {
        case 'DELETED':
          cache.evict({ id: cache.identify({ __typename: 'Task', id: ev.taskId }) });
          cache.gc();
          break;
        case 'CREATED':
          cache.modify({
            fields: {
              tasks(existing, { toReference }) {
                const node = toReference(ev.task);
                if (!existing || existing.edges.some((e) => e.node.__ref === node.__ref)) return existing;
                return { ...existing, edges: [{ __typename: 'TaskEdge', cursor: '', node }, ...existing.edges] };
              },
            },
          });
          break;
        default:
          break; // UPDATED: normalized, the cache has it already
      }
      applied++;
    });
    toDispose.push(() => sub.unsubscribe());

    await mutate(UPDATE_TASK, { id: keep.id, input: { title: 'kept, renamed' } });
    await mutate(DELETE_TASK, { id: gone.id });
    const added = (await mutate(CREATE_TASK, { input: { title: 'added' } })).createTask.task;
    await Promise.race([
      (async () => {
        while (applied < 3) await new Promise((r) => setTimeout(r, 20));
      })(),
      within(20_000, 'three events applied'),
    ]);
    const cached = cache.readQuery({ query: LIST }).tasks.edges.map((e) => e.node);
    const server = (await http.query({ query: TASKS, variables: { first: 100 }, fetchPolicy: 'no-cache' })).data.tasks.edges
      .map((e) => e.node);
    assert.deepEqual(
      cached.map((t) => [t.id, t.title]).sort(),
      server.map((t) => [t.id, t.title]).sort(),
      'the cache, updated only by events, equals the server',
    );
    assert.ok(cached.some((t) => t.id === added.id) && !cached.some((t) => t.id === gone.id));
  });

  it('urql: subscriptionExchange over graphql-ws', async () => {
    const ws = wsClient(env.server, user.token);
    toDispose.push(() => ws.dispose());
    const urql = new UrqlClient({
      url: env.server.graphqlURL,
      exchanges: [
        cacheExchange,
        fetchExchange,
        subscriptionExchange({
          forwardSubscription(request) {
            const input = { ...request, query: request.query || '' };
            return { subscribe: (sink) => ({ unsubscribe: ws.subscribe(input, sink) }) };
          },
        }),
      ],
      fetchOptions: () => ({ headers: { authorization: `Bearer ${user.token}` } }),
    });
    const start = await cursorNow();
    const received = new Promise((resolve, reject) => {
      const { unsubscribe } = urql.subscription(EVENTS, { after: start }).subscribe((result) => {
        if (result.error) reject(result.error);
        else {
          unsubscribe();
          resolve(result.data.taskEvents);
        }
      });
    });
    await mutate(CREATE_TASK, { input: { title: 'for urql' } });
    const ev = await Promise.race([received, within(20_000, 'urql event')]);
    assert.equal(ev.kind, 'CREATED');
    assert.equal(ev.task.title, 'for urql');
  });

  it('graphql-sse: distinct connections on /graphql/stream', async () => {
    const sse = createSSEClient({
      url: `${env.server.url}/graphql/stream`,
      headers: () => ({ Authorization: `Bearer ${user.token}` }),
      retryAttempts: 0,
    });
    toDispose.push(() => sse.dispose());
    const start = await cursorNow();
    const done = collect(sse.iterate({ query: EVENTS, variables: { after: start } }), (got) => got.length === 2, 'two SSE events');
    await mutate(CREATE_TASK, { input: { title: 'sse one' } });
    await mutate(CREATE_TASK, { input: { title: 'sse two' } });
    const got = (await done).map((r) => r.data.taskEvents.task.title);
    assert.deepEqual(got, ['sse one', 'sse two']);
  });

  it('closes a socket without a token with 4403', async () => {
    const closed = new Promise((resolve) => {
      const client = wsClient(env.server, null, { retryAttempts: 0, on: { closed: (event) => resolve(event.code) } });
      toDispose.push(() => client.dispose());
      client.subscribe({ query: EVENTS }, { next() {}, error() {}, complete() {} });
    });
    assert.equal(await Promise.race([closed, within(20_000, 'close')]), 4403);
  });

  it('SIGTERM closes the socket with 1012; the client resumes on another instance and misses nothing', async () => {
    const second = await startServer({ betterAuthURL: env.betterAuth.url, name: 'live-second', dbName: env.server.dbName });
    toDispose.push(() => second.stop());
    const first = await startServer({ betterAuthURL: env.betterAuth.url, name: 'live-first', dbName: env.server.dbName });
    toDispose.push(() => first.stop());
    const writer = new ApolloClient({
      link: new HttpLink({ uri: second.graphqlURL, headers: { authorization: `Bearer ${user.token}` } }),
      cache: newCache(),
    });

    const start = await cursorNow();
    const titles = [];
    let last = start;
    let closeCode;
    const onFirst = wsClient(first, user.token, { retryAttempts: 0, on: { closed: (e) => (closeCode = e.code) } });
    toDispose.push(() => onFirst.dispose());
    const firstDone = new Promise((resolve) => {
      onFirst.subscribe({ query: EVENTS, variables: { after: start } }, {
        next: ({ data }) => {
          titles.push(data.taskEvents.task.title);
          last = data.taskEvents.cursor;
        },
        error: () => resolve(),
        complete: () => resolve(),
      });
    });

    const n = 30;
    const writes = (async () => {
      for (let i = 0; i < n; i++) {
        await writer.mutate({ mutation: CREATE_TASK, variables: { input: { title: `t${i}` } } });
      }
    })();
    await Promise.race([
      (async () => {
        while (titles.length < 5) await new Promise((r) => setTimeout(r, 10));
      })(),
      within(20_000, 'five events on the first instance'),
    ]);
    await first.stop(); // SIGTERM
    await Promise.race([firstDone, within(20_000, 'the first socket to end')]);
    assert.equal(closeCode, 1012);

    const onSecond = wsClient(second, user.token);
    toDispose.push(() => onSecond.dispose());
    const rest = collect(onSecond.iterate({ query: EVENTS, variables: { after: last } }),
      (got) => titles.length + got.length === n, 'the rest on the second instance');
    titles.push(...(await rest).map((r) => r.data.taskEvents.task.title));
    await writes;
    assert.deepEqual(titles, Array.from({ length: n }, (_, i) => `t${i}`));
  });
});
