// Several hands on one list, with Apollo Client against the real binary: a RESTORED event from the subscription,
// applied to the cache as docs/clients.md says, brings a restored task back into a cached list query; and an
// offline edit's CONFLICT round trip as docs/conflicts-and-history.md describes it: two clients of two members of
// a shared list write with the same ifVersion, the loser gets CONFLICT with currentTask, merges, retries with
// currentTask.version and wins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ApolloClient, gql, HttpLink, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient as createWSClient } from 'graphql-ws';
import WebSocket from 'ws';

import { newCache } from '../lib/clients.mjs';
import { startEnvironment } from '../lib/env.mjs';

const EVENTS = gql`subscription Live($after: String) {
  taskEvents(after: $after) { cursor kind taskId task { id title completed version } }
}`;

const LIST = gql`
  query List {
    tasks(first: 100) {
      edges { cursor node { id title completed version } }
      pageInfo { hasNextPage endCursor }
      eventCursor
    }
  }
`;

const CREATE = gql`mutation Create($input: CreateTaskInput!) { createTask(input: $input) { task { id title version } } }`;
const DELETE = gql`mutation Delete($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`;
const RESTORE = gql`mutation Restore($id: ID!) {
  restoreTask(id: $id) { task { id title version deletedAt } userErrors { field code } }
}`;
const TASK = gql`query Task($id: ID!) { task(id: $id) { id title description priority version } }`;
const SAVE = gql`mutation Save($id: ID!, $input: UpdateTaskInput!) {
  updateTask(id: $id, input: $input) {
    task { id title description priority version }
    currentTask { id title description priority version }
    userErrors { field code message }
  }
}`;

const within = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms).unref());

function httpClient(env, token) {
  return new ApolloClient({
    link: new HttpLink({ uri: env.server.graphqlURL, headers: { authorization: `Bearer ${token}` } }),
    cache: newCache(),
  });
}

describe('trash and conflicts with Apollo Client', () => {
  let env;
  let alice;
  let bob;
  const toDispose = [];

  before(async () => {
    env = await startEnvironment({ name: 'trashconflicts', users: 2 });
    [alice, bob] = env.users;
  });
  after(async () => {
    for (const d of toDispose.reverse()) await d();
    await env?.stop();
  });

  it('applies RESTORED from the subscription: the restored task reappears in the cached list', async () => {
    const writer = httpClient(env, alice.token);
    const wsLink = new GraphQLWsLink(createWSClient({
      url: env.server.graphqlURL.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: async () => ({ Authorization: `Bearer ${alice.token}` }),
    }));
    const httpLink = new HttpLink({ uri: env.server.graphqlURL, headers: { authorization: `Bearer ${alice.token}` } });
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

    const keep = (await writer.mutate({ mutation: CREATE, variables: { input: { title: 'kept' } } })).data.createTask.task;
    const back = (await writer.mutate({ mutation: CREATE, variables: { input: { title: 'deleted, then restored' } } }))
      .data.createTask.task;
    const list = (await apollo.query({ query: LIST })).data.tasks;
    const seen = [];
    const sub = apollo.subscribe({ query: EVENTS, variables: { after: list.eventCursor } }).subscribe(({ data }) => {
      const ev = data.taskEvents;
      switch (ev.kind) {
        case 'DELETED':
          cache.evict({ id: cache.identify({ __typename: 'Task', id: ev.taskId }) });
          cache.gc();
          break;
        case 'CREATED':
        case 'RESTORED': // back from the trash: into the lists, as a new task would be
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
          break;
      }
      seen.push(ev.kind);
    });
    toDispose.push(() => sub.unsubscribe());
    const cachedIds = () => cache.readQuery({ query: LIST }).tasks.edges.map((e) => e.node.id).sort();
    const until = (n, what) =>
      Promise.race([
        (async () => {
          while (seen.length < n) await new Promise((r) => setTimeout(r, 20));
        })(),
        within(20_000, `${what} (seen ${seen})`),
      ]);

    await writer.mutate({ mutation: DELETE, variables: { id: back.id } });
    await until(1, 'the DELETED event');
    assert.deepEqual(cachedIds(), [keep.id], 'the deleted task left the cached list');

    const restored = (await writer.mutate({ mutation: RESTORE, variables: { id: back.id } })).data.restoreTask;
    assert.deepEqual(restored.userErrors, []);
    assert.equal(restored.task.deletedAt, null);
    await until(2, 'the RESTORED event');
    assert.deepEqual(seen, ['DELETED', 'RESTORED']);
    assert.deepEqual(cachedIds(), [keep.id, back.id].sort(), 'the restored task is back in the cached list');
    const node = cache.readQuery({ query: LIST }).tasks.edges.find((e) => e.node.id === back.id).node;
    assert.equal(node.title, 'deleted, then restored');
    assert.equal(node.version, restored.task.version, 'the cache holds the version the restore committed');
    assert.equal(restored.task.version, 3, 'created at 1, +1 to the trash, +1 back');

    // A retried restore is INVALID, never a second task.
    const again = (await writer.mutate({ mutation: RESTORE, variables: { id: back.id } })).data.restoreTask;
    assert.equal(again.task, null);
    assert.deepEqual(again.userErrors.map((e) => [e.code, e.field]), [['INVALID', ['id']]]);
    const server = (await writer.query({ query: LIST, fetchPolicy: 'no-cache' })).data.tasks.edges.map((e) => e.node.id);
    assert.deepEqual(server.sort(), [keep.id, back.id].sort());
  });

  it('CONFLICT round trip: the loser gets currentTask, merges, retries with its version and wins', async () => {
    const a = httpClient(env, alice.token);
    const b = httpClient(env, bob.token);
    // alice shares a list with bob as an EDITOR.
    const listId = (await a.mutate({
      mutation: gql`mutation($input: CreateListInput!) { createList(input: $input) { list { id } userErrors { code } } }`,
      variables: { input: { name: 'Groceries' } },
    })).data.createList.list.id;
    const token = (await a.mutate({
      mutation: gql`mutation($id: ID!) { createListInvitation(listId: $id, role: EDITOR, expiresIn: 60) { token userErrors { code } } }`,
      variables: { id: listId },
    })).data.createListInvitation.token;
    const accepted = (await b.mutate({
      mutation: gql`mutation($t: String!) { acceptListInvitation(token: $t) { list { id } userErrors { code } } }`,
      variables: { t: token },
    })).data.acceptListInvitation;
    assert.equal(accepted.list.id, listId);
    const id = (await a.mutate({ mutation: CREATE, variables: { input: { title: 'Milk', listId } } })).data.createTask.task.id;

    // Both read the task at version 1 and edit it offline.
    const readA = (await a.query({ query: TASK, variables: { id } })).data.task;
    const readB = (await b.query({ query: TASK, variables: { id } })).data.task;
    assert.equal(readA.version, 1);
    assert.equal(readB.version, 1);

    // alice's edit lands first.
    const won = (await a.mutate({ mutation: SAVE, variables: { id, input: { title: 'Oat milk', ifVersion: readA.version } } }))
      .data.updateTask;
    assert.deepEqual(won.userErrors, []);
    assert.equal(won.task.version, 2);
    assert.equal(won.currentTask, null);

    // bob's, made against version 1, meets it: nothing written, the task as it now is.
    const edit = { title: 'Milk x2', priority: 'HIGH' };
    const lost = (await b.mutate({ mutation: SAVE, variables: { id, input: { ...edit, ifVersion: readB.version } } }))
      .data.updateTask;
    assert.equal(lost.task, null);
    assert.deepEqual(lost.userErrors.map((e) => [e.code, e.field]), [['CONFLICT', ['input', 'ifVersion']]]);
    assert.equal(lost.currentTask.title, 'Oat milk');
    assert.equal(lost.currentTask.version, 2);
    // Apollo wrote currentTask into bob's cache: his cached task is alice's now.
    assert.equal(b.cache.readQuery({ query: TASK, variables: { id } }).task.title, 'Oat milk');

    // bob merges: both touched the title, and he keeps alice's; only he touched the priority, so his stays.
    const theirs = lost.currentTask;
    const merged = { title: theirs.title, priority: edit.priority };
    const retried = (await b.mutate({ mutation: SAVE, variables: { id, input: { ...merged, ifVersion: theirs.version } } }))
      .data.updateTask;
    assert.deepEqual(retried.userErrors, []);
    assert.equal(retried.task.version, 3);
    assert.equal(retried.task.title, 'Oat milk');
    assert.equal(retried.task.priority, 'HIGH');

    // alice reads the merged task; her stale version is a conflict now too.
    const final = (await a.query({ query: TASK, variables: { id }, fetchPolicy: 'network-only' })).data.task;
    assert.deepEqual([final.title, final.priority, final.version], ['Oat milk', 'HIGH', 3]);
    const stale = (await a.mutate({ mutation: SAVE, variables: { id, input: { title: 'x', ifVersion: 2 } } })).data.updateTask;
    assert.equal(stale.userErrors[0].code, 'CONFLICT');
    assert.equal(stale.currentTask.version, 3);
  });
});
