// Reminders and webhooks against the real binary: two instances on one PostgreSQL database, reminders set through
// one of them and due together fire once each, as webhooks that the `standardwebhooks` package verifies (the
// receiver in docs/reminders-and-webhooks.md) and as REMINDER_DUE events on a subscription to the other instance.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { createClient as createWSClient } from 'graphql-ws';
import { Webhook } from 'standardwebhooks';
import WebSocket from 'ws';

import { startBetterAuth, startServer, signUp } from '../lib/env.mjs';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

/** A receiver that verifies every webhook with the standardwebhooks package, as the route handler in docs/reminders-and-webhooks.md does. */
async function startReceiver() {
  const verifier = new Webhook(secret);
  const received = [];
  const refused = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const event = verifier.verify(body, req.headers);
        received.push({ id: req.headers['webhook-id'], event });
        res.writeHead(204).end();
      } catch (err) {
        refused.push(String(err));
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/api/webhooks`,
    received,
    refused,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
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

const until = async (what, ok, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('reminders across two instances, as webhooks and as events', () => {
  const stops = [];
  let a;
  let b;
  let receiver;
  let user;

  before(async () => {
    receiver = await startReceiver();
    stops.push(receiver.stop);
    const ba = await startBetterAuth();
    stops.push(ba.stop);
    const env = { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret, WEBHOOK_EVENTS: 'reminder.due' };
    a = await startServer({ betterAuthURL: ba.url, name: 'reminders-a', env });
    stops.push(a.stop);
    b = await startServer({ betterAuthURL: ba.url, name: 'reminders-b', dbName: a.dbName, env });
    stops.unshift(b.stop); // stopped before a, which drops the database
    user = await signUp(ba.url, { email: `reminded-${randomBytes(3).toString('hex')}@example.com`, name: 'Reminded' });
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('fires reminders due together once each, on whichever instance', async () => {
    const ws = createWSClient({
      url: b.graphqlURL.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${user.token}` },
    });
    const events = [];
    const { taskEventCursor } = await graphql(b, user.token, '{ taskEventCursor }');
    const unsubscribe = ws.subscribe(
      {
        query: `subscription($after: String) { taskEvents(after: $after) { kind taskId reminder { id firedAt } } }`,
        variables: { after: taskEventCursor },
      },
      { next: ({ data }) => events.push(data.taskEvents), error: (err) => events.push({ error: String(err) }), complete: () => {} },
    );
    try {
      const at = new Date(Date.now() + 3000).toISOString();
      const reminders = new Map(); // reminder id -> task id
      for (let i = 0; i < 8; i++) {
        const data = await graphql(a, user.token,
          `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id reminders { id } } userErrors { code } } }`,
          { input: { title: `call ${i}`, reminders: [{ at }] } });
        const task = data.createTask.task;
        reminders.set(task.reminders[0].id, task.id);
      }
      const due = () => events.filter((e) => e.kind === 'REMINDER_DUE');
      await until('eight webhooks and eight REMINDER_DUE events', () => receiver.received.length >= 8 && due().length >= 8);
      // Long enough for a second firing to show, were there one.
      await new Promise((r) => setTimeout(r, 2000));

      assert.deepEqual(receiver.refused, []);
      assert.equal(receiver.received.length, 8, 'one webhook per reminder');
      assert.equal(new Set(receiver.received.map((r) => r.id)).size, 8, 'distinct webhook-ids');
      const hooked = receiver.received.map((r) => {
        assert.equal(r.event.type, 'reminder.due');
        assert.equal(r.event.data.userId, user.id);
        assert.equal(r.event.data.taskId, reminders.get(r.event.data.reminder.id));
        assert.ok(r.event.data.reminder.firedAt);
        return r.event.data.reminder.id;
      });
      assert.deepEqual(hooked.sort(), [...reminders.keys()].sort());

      assert.equal(due().length, 8, 'one REMINDER_DUE event per reminder');
      assert.deepEqual(due().map((e) => e.reminder.id).sort(), [...reminders.keys()].sort());
      for (const e of due()) assert.equal(e.taskId, reminders.get(e.reminder.id));
    } finally {
      unsubscribe();
      await ws.dispose();
    }
  });
});
