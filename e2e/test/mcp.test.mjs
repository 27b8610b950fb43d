// AI agents over the Model Context Protocol against the real binary: the official TypeScript SDK's client with a
// Better Auth token on /mcp of two instances sharing one database. A task added through one instance's tools reaches
// a GraphQL subscription on the other, and the other instance's tools change it (stateless: no session ties a client
// to an instance); another user's tools see none of it; no token gets the 401 that starts an MCP client's OAuth
// discovery, and the protected resource metadata names Better Auth.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { signUp, startBetterAuth, startServer } from '../lib/env.mjs';
import { Feed, sseClient } from '../lib/live.mjs';

/** An MCP client of `server`'s /mcp with `token` in the Authorization header, as Claude Code's HTTP servers send it. */
async function mcpClient(server, token) {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

async function graphql(server, token, query, variables) {
  const res = await fetch(server.graphqlURL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

/** Calls a tool and returns its structuredContent, failing on an isError result. */
async function ok(client, name, args = {}) {
  const res = await client.callTool({ name, arguments: args });
  assert.ok(!res.isError, `${name}: ${JSON.stringify(res.content)}`);
  assert.equal(res.content[0].type, 'text');
  return res.structuredContent;
}

describe('MCP tools with Better Auth tokens on two instances', () => {
  const stops = [];
  const clients = [];
  let ba;
  let a;
  let b;
  let alice;
  let bob;

  before(async () => {
    ba = await startBetterAuth();
    stops.push(ba.stop);
    a = await startServer({ betterAuthURL: ba.url, name: 'mcp-a' });
    stops.push(a.stop);
    b = await startServer({ betterAuthURL: ba.url, name: 'mcp-b', dbName: a.dbName });
    stops.push(b.stop); // stopped before a, which drops the database
    const tag = randomBytes(3).toString('hex');
    alice = await signUp(ba.url, { email: `mcp-alice-${tag}@example.com`, name: 'Alice' });
    bob = await signUp(ba.url, { email: `mcp-bob-${tag}@example.com`, name: 'Bob' });
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const stop of stops.reverse()) await stop();
  });

  it('lists the tools with their schemas', async () => {
    const client = await mcpClient(a, alice.token);
    clients.push(client);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [
      'add_task', 'complete_task', 'delete_task', 'get_task', 'list_lists', 'list_tasks', 'reopen_task',
      'set_reminder', 'task_stats', 'update_task',
    ]);
    for (const t of tools) {
      assert.ok(t.description, t.name);
      assert.equal(t.inputSchema.type, 'object', t.name);
      assert.equal(t.outputSchema.type, 'object', t.name);
    }
    // The tools that take a list: add to one, read one, move a task by update_task.
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of ['add_task', 'list_tasks', 'update_task']) {
      assert.match(byName[name].inputSchema.properties.list_id?.description ?? '', /list_lists/, name);
    }
    assert.ok(byName.add_task.outputSchema.properties.list_id, 'add_task names the list');
  });

  it('a change through one instance reaches the other, over GraphQL and over MCP', async () => {
    const onA = await mcpClient(a, alice.token);
    const onB = await mcpClient(b, alice.token);
    clients.push(onA, onB);
    const { taskEventCursor } = await graphql(b, alice.token, '{ taskEventCursor }');
    const sse = sseClient(b, { token: alice.token });
    const feed = new Feed(sse, { after: taskEventCursor });
    try {
      const added = await ok(onA, 'add_task', {
        title: 'Buy milk', priority: 'high', tags: ['Groceries'], due_at: '2031-01-01T09:00:00+01:00',
      });
      assert.equal(added.status, 'created');
      assert.equal(added.title, 'Buy milk');
      await feed.until((f) => f.events.length >= 1, 'the CREATED event on the other instance');
      assert.deepEqual(feed.summary, [['CREATED', 'Buy milk']]);
      assert.equal(feed.events[0].taskId, added.task_id, 'the tool returns the GraphQL id');

      // The other instance's tools see it at once and change it.
      const listed = await ok(onB, 'list_tasks', { status: 'pending' });
      assert.deepEqual(listed.tasks.map((t) => [t.task_id, t.due_at, t.tags]), [[added.task_id, '2031-01-01T08:00:00.000Z', ['groceries']]]);
      const done = await ok(onB, 'complete_task', { task_id: added.task_id });
      assert.ok(added.list_id, 'add_task names the list the task went to (the Inbox)');
      assert.deepEqual(done, { task_id: added.task_id, status: 'completed', title: 'Buy milk', list_id: added.list_id });
      await feed.until((f) => f.events.length >= 2, 'the UPDATED event');
      assert.deepEqual(feed.summary[1], ['UPDATED', 'Buy milk']);
      assert.equal(feed.events[1].task.completed, true);

      const { task } = await graphql(a, alice.token, 'query($id: ID!) { task(id: $id) { title completed priority } }', { id: added.task_id });
      assert.deepEqual(task, { title: 'Buy milk', completed: true, priority: 'HIGH' });

      const stats = await ok(onA, 'task_stats', { time_zone: 'Europe/Berlin' });
      assert.equal(stats.total, 1);
      assert.equal(stats.completed, 1);

      const gone = await ok(onA, 'delete_task', { task_id: added.task_id });
      assert.equal(gone.status, 'deleted');
      await feed.until((f) => f.events.length >= 3, 'the DELETED event');
      assert.deepEqual(feed.summary[2], ['DELETED', null]);
    } finally {
      feed.unsubscribe();
      await sse.dispose();
    }
  });

  it("another user's tools answer alice's task id as a missing one", async () => {
    const mine = await mcpClient(a, alice.token);
    const theirs = await mcpClient(b, bob.token);
    clients.push(mine, theirs);
    const { task_id: id } = await ok(mine, 'add_task', { title: 'Private' });
    const missing = `${id.slice(0, -4)}AAAA`;
    for (const name of ['get_task', 'complete_task', 'delete_task']) {
      const other = await theirs.callTool({ name, arguments: { task_id: id } });
      const none = await theirs.callTool({ name, arguments: { task_id: missing } });
      assert.equal(other.isError, true, name);
      assert.equal(other.content[0].text.replace(id, 'ID'), none.content[0].text.replace(missing, 'ID'), name);
    }
    const refused = await theirs.callTool({ name: 'list_tasks', arguments: { user_id: alice.id } });
    assert.equal(refused.isError, true, 'user_id of another user');
    assert.deepEqual((await ok(theirs, 'list_tasks')).tasks, []);
    assert.equal((await ok(mine, 'get_task', { task_id: id })).status, 'pending');
  });

  it('answers no token with the 401 that starts OAuth discovery, and names Better Auth', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`))), (err) => err.code === 401);
    const res = await fetch(`${a.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), `Bearer resource_metadata="${a.url}/.well-known/oauth-protected-resource"`);
    const metadata = await (await fetch(`${a.url}/.well-known/oauth-protected-resource`)).json();
    assert.equal(metadata.resource, `${a.url}/mcp`);
    assert.deepEqual(metadata.authorization_servers, [new URL(ba.url).origin]);
  });
});
