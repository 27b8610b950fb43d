// Apollo Client's BatchHttpLink (a dashboard of several operations in one POST, answered in order, a mutation
// inside a batch ordered with the queries around it, a batch over the limit refused whole) and the
// persisted-queries link (automatic persisted queries with sha256 hashes, over POST and GET). Each test checks
// the HTTP exchanges the link made as well as the data.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';


import { apolloClient } from '../lib/clients.mjs';
import { startEnvironment } from '../lib/env.mjs';
import { COUNT, CREATE_TASK, STATS, TAGS, TASKS, VIEWER } from '../lib/operations.mjs';

describe('batching and persisted queries (Apollo Client)', () => {
  let env;
  let user;
  const created = [];

  before(async () => {
    env = await startEnvironment({ name: 'batch-apq', users: 1 });
    user = env.users[0];
    const setup = apolloClient({ uri: env.server.graphqlURL, token: user.token });
    for (const [title, tags, priority] of [
      ['Plan sprint', ['work'], 'HIGH'],
      ['Water plants', ['home'], 'LOW'],
      ['Review PR', ['work'], 'MEDIUM'],
    ]) {
      const { data } = await setup.mutate({ mutation: CREATE_TASK, variables: { input: { title, tags, priority } } });
      assert.deepEqual(data.createTask.userErrors, []);
      created.push(data.createTask.task);
    }
  });
  after(async () => {
    await env?.stop();
  });

  it('sends a dashboard of four operations in one POST and gets the answers in order', async () => {
    const client = apolloClient({ uri: env.server.graphqlURL, token: user.token, kind: 'batch' });
    const opts = { fetchPolicy: 'no-cache' };
    const [viewer, tasks, stats, tags] = await Promise.all([
      client.query({ query: VIEWER, ...opts }),
      client.query({ query: TASKS, variables: { first: 2, filter: { tags: ['work'] } }, ...opts }),
      client.query({ query: STATS, variables: { timeZone: 'Europe/Berlin' }, ...opts }),
      client.query({ query: TAGS, variables: { first: 10 }, ...opts }),
    ]);

    assert.equal(client.httpLog.length, 1, 'one HTTP request');
    const [req] = client.httpLog;
    assert.equal(req.method, 'POST');
    assert.ok(Array.isArray(req.body), 'the body is a JSON array');
    assert.deepEqual(req.body.map((op) => op.operationName), ['Viewer', 'Tasks', 'Stats', 'Tags']);
    assert.equal(req.status, 200);
    assert.ok(Array.isArray(req.response) && req.response.length === 4, 'the answer is an array of four results');

    assert.equal(viewer.data.viewer.id, user.id);
    const work = created.filter((t) => t.tags.includes('work')).reverse();
    assert.deepEqual(tasks.data.tasks.edges.map((e) => e.node.id), work.map((t) => t.id));
    assert.equal(tasks.data.tasks.totalCount, 2);
    assert.equal(stats.data.taskStats.total, 3);
    assert.deepEqual(stats.data.taskStats.byPriority.map((p) => p.count), [1, 1, 1]);
    assert.deepEqual(tags.data.tags.map((t) => [t.tag, t.count]), [['work', 2], ['home', 1]]);
  });

  it('runs a mutation inside a batch after the queries before it and before those after it', async () => {
    const client = apolloClient({ uri: env.server.graphqlURL, token: user.token, kind: 'batch' });
    const results = await Promise.all([
      client.query({ query: COUNT, fetchPolicy: 'no-cache' }),
      client.mutate({ mutation: CREATE_TASK, variables: { input: { title: 'Batched', tags: ['batch'] } } }),
      // Other variables, or Apollo would deduplicate the two identical queries in flight.
      client.query({ query: COUNT, variables: { filter: { status: 'ALL' } }, fetchPolicy: 'no-cache' }),
    ]);
    assert.equal(client.httpLog.length, 1, 'one HTTP request');
    const ops = client.httpLog[0].body.map((op) => op.operationName);
    assert.deepEqual([...ops].sort(), ['Count', 'Count', 'CreateTask']);
    const created = results[1].data.createTask.task;
    assert.equal(created.title, 'Batched');
    // Whatever order the link sent them in, each count sees the mutation exactly when it came before it.
    const answers = client.httpLog[0].response;
    const mutationAt = ops.indexOf('CreateTask');
    ops.forEach((op, i) => {
      if (op === 'Count') assert.equal(answers[i].data.tasks.totalCount, i < mutationAt ? 3 : 4, `count at ${i} of ${ops}`);
    });
  });

  it('refuses a batch over the limit whole', async () => {
    const client = apolloClient({ uri: env.server.graphqlURL, token: user.token, kind: 'batch', batchMax: 11 });
    const settled = await Promise.allSettled(
      Array.from({ length: 11 }, (_, i) => client.query({ query: COUNT, variables: { filter: { search: `x${i}` } }, fetchPolicy: 'no-cache' })),
    );
    assert.equal(client.httpLog.length, 1);
    const [req] = client.httpLog;
    assert.equal(req.body.length, 11);
    assert.equal(req.status, 400);
    assert.ok(!Array.isArray(req.response), 'one error, not an array');
    assert.equal(req.response.errors.length, 1);
    assert.equal(req.response.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.ok(req.response.errors[0].extensions.limit, 'names the limit');
    assert.ok(settled.every((s) => s.status === 'rejected'), 'every operation of the batch fails');
  });

  const APQ = {};

  describe('automatic persisted queries', () => {
    // Apollo hashes the document as it sends it (with __typename added), so hashes are checked against the text
    // that went over the wire.
    const sha256 = (text) => createHash('sha256').update(text).digest('hex');

    it('registers a query once, then sends only its sha256', APQ, async () => {
      const first = apolloClient({ uri: env.server.graphqlURL, token: user.token, kind: 'apq' });
      const res = await first.query({ query: VIEWER, fetchPolicy: 'no-cache' });
      assert.equal(res.data.viewer.id, user.id);
      const [miss, register] = first.httpLog;
      assert.equal(first.httpLog.length, 2, 'a miss, then the full query');
      assert.equal(miss.body.query, undefined, 'the first try sends no query text');
      assert.equal(typeof register.body.query, 'string');
      assert.deepEqual(miss.body.extensions.persistedQuery, { version: 1, sha256Hash: sha256(register.body.query) });
      assert.equal(miss.response.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
      assert.equal(miss.response.data, undefined);
      assert.equal(register.body.extensions.persistedQuery.sha256Hash, sha256(register.body.query));
      assert.equal(register.status, 200);

      // A new client (an empty hash cache) gets the answer from the hash alone.
      const second = apolloClient({ uri: env.server.graphqlURL, token: user.token, kind: 'apq' });
      const again = await second.query({ query: VIEWER, fetchPolicy: 'no-cache' });
      assert.equal(again.data.viewer.id, user.id);
      assert.equal(second.httpLog.length, 1, 'one request');
      assert.equal(second.httpLog[0].body.query, undefined);
      assert.equal(second.httpLog[0].status, 200);
    });

    it('serves hashed queries over GET with variables', APQ, async () => {
      const variables = { first: 10, filter: { tags: ['home'] } };
      const first = apolloClient({ uri: env.server.graphqlURL, token: user.token, kind: 'apq', useGET: true });
      const res = await first.query({ query: TASKS, variables, fetchPolicy: 'no-cache' });
      assert.deepEqual(res.data.tasks.edges.map((e) => e.node.title), ['Water plants']);
      assert.equal(first.httpLog[0].method, 'GET');
      assert.equal(first.httpLog[0].response.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');

      const second = apolloClient({ uri: env.server.graphqlURL, token: user.token, kind: 'apq', useGET: true });
      const again = await second.query({ query: TASKS, variables, fetchPolicy: 'no-cache' });
      assert.deepEqual(again.data.tasks.edges.map((e) => e.node.title), ['Water plants']);
      assert.equal(second.httpLog.length, 1);
      const url = new URL(second.httpLog[0].url);
      assert.equal(second.httpLog[0].method, 'GET');
      assert.equal(url.searchParams.get('query'), null, 'no query text in the URL');
      // Apollo sends the full query of a miss by POST (useGETForHashedQueries covers hashed queries only).
      const retry = first.httpLog[1];
      const sentText = retry.body?.query ?? new URL(retry.url).searchParams.get('query');
      assert.equal(JSON.parse(url.searchParams.get('extensions')).persistedQuery.sha256Hash, sha256(sentText));
      assert.deepEqual(JSON.parse(url.searchParams.get('variables')), variables);
    });

    it('persists mutations over POST', APQ, async () => {
      const input = { title: 'Persisted mutation', tags: ['apq'] };
      const first = apolloClient({ uri: env.server.graphqlURL, token: user.token, kind: 'apq' });
      const one = await first.mutate({ mutation: CREATE_TASK, variables: { input } });
      assert.equal(one.data.createTask.task.title, 'Persisted mutation');
      const second = apolloClient({ uri: env.server.graphqlURL, token: user.token, kind: 'apq' });
      const two = await second.mutate({ mutation: CREATE_TASK, variables: { input } });
      assert.equal(two.data.createTask.task.title, 'Persisted mutation');
      assert.notEqual(two.data.createTask.task.id, one.data.createTask.task.id);
      assert.equal(second.httpLog.length, 1);
      assert.equal(second.httpLog[0].method, 'POST');
      assert.equal(second.httpLog[0].body.query, undefined);
      const { data } = await first.query({ query: TASKS, variables: { first: 10, filter: { tags: ['apq'] } }, fetchPolicy: 'no-cache' });
      assert.equal(data.tasks.totalCount, 2);
    });
  });
});
