// The whole task flow through urql (@urql/core), as a second real client beside Apollo Client: create, list and
// page, filter and search, update, complete, delete, clear completed, stats and tags, each result checked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { urqlClient } from '../lib/clients.mjs';
import { startEnvironment } from '../lib/env.mjs';
import { assertDateTime } from '../lib/expect.mjs';
import {
  CLEAR_COMPLETED,
  CREATE_TASK,
  DELETE_TASK,
  SET_COMPLETED,
  STATS,
  TAGS,
  TASK,
  TASKS,
  UPDATE_TASK,
} from '../lib/operations.mjs';

describe('tasks through urql', () => {
  let env;
  let client;
  const created = [];

  const query = async (doc, variables) => {
    const res = await client.query(doc, variables).toPromise();
    assert.equal(res.error, undefined, `query failed: ${res.error}`);
    return res.data;
  };
  const mutate = async (doc, variables) => {
    const res = await client.mutation(doc, variables).toPromise();
    assert.equal(res.error, undefined, `mutation failed: ${res.error}`);
    return res.data;
  };

  before(async () => {
    env = await startEnvironment({ name: 'urql', users: 1 });
    client = urqlClient({ url: env.server.graphqlURL, token: env.users[0].token });
  });
  after(async () => {
    await env?.stop();
  });

  it('creates tasks', async () => {
    const inputs = [
      { title: 'Buy milk', tags: ['Home', 'errand'], priority: 'LOW' },
      { title: 'Ship release', description: 'v1.0 to production', tags: ['work'], priority: 'HIGH', dueAt: '2020-01-01T09:00:00+02:00' },
      { title: 'Call Ada', tags: ['home'] },
      { title: 'Écrire le rapport', tags: ['work'], dueAt: '2099-01-01T00:00:00Z' },
      { title: 'Water plants', tags: ['home'] },
    ];
    for (const input of inputs) {
      const { createTask } = await mutate(CREATE_TASK, { input });
      assert.deepEqual(createTask.userErrors, []);
      assert.equal(createTask.task.title, input.title);
      assert.equal(createTask.taskEdge.node.id, createTask.task.id);
      assertDateTime(createTask.task.createdAt, 'createdAt');
      created.push(createTask.task);
    }
    assert.deepEqual(created[0].tags, ['home', 'errand']);
    assert.equal(created[1].dueAt, '2020-01-01T07:00:00.000Z');
    assert.equal(created[2].priority, 'MEDIUM');
  });

  it('lists newest first and pages with after', async () => {
    const first = await query(TASKS, { first: 2 });
    assert.equal(first.tasks.totalCount, 5);
    assert.deepEqual(first.tasks.edges.map((e) => e.node.title), ['Water plants', 'Écrire le rapport']);
    assert.equal(first.tasks.pageInfo.hasNextPage, true);
    const titles = first.tasks.edges.map((e) => e.node.title);
    let after = first.tasks.pageInfo.endCursor;
    for (;;) {
      const page = await query(TASKS, { first: 2, after });
      titles.push(...page.tasks.edges.map((e) => e.node.title));
      assert.equal(page.tasks.pageInfo.hasPreviousPage, true);
      if (!page.tasks.pageInfo.hasNextPage) break;
      after = page.tasks.pageInfo.endCursor;
    }
    assert.deepEqual(titles, created.map((t) => t.title).reverse());
  });

  it('filters and searches', async () => {
    const home = await query(TASKS, { first: 10, filter: { tags: ['HOME'] }, orderBy: { field: 'TITLE', direction: 'ASC' } });
    assert.deepEqual(home.tasks.edges.map((e) => e.node.title), ['Buy milk', 'Call Ada', 'Water plants']);
    const search = await query(TASKS, { first: 10, filter: { search: 'PRODUCTION' } });
    assert.deepEqual(search.tasks.edges.map((e) => e.node.title), ['Ship release']);
    const accented = await query(TASKS, { first: 10, filter: { search: 'écrire' } });
    assert.deepEqual(accented.tasks.edges.map((e) => e.node.title), ['Écrire le rapport']);
    const overdue = await query(TASKS, { first: 10, filter: { overdue: true } });
    assert.deepEqual(overdue.tasks.edges.map((e) => e.node.title), ['Ship release']);
    const high = await query(TASKS, { first: 10, filter: { priorities: ['HIGH', 'LOW'] }, orderBy: { field: 'PRIORITY', direction: 'DESC' } });
    assert.deepEqual(high.tasks.edges.map((e) => e.node.title), ['Ship release', 'Buy milk']);
  });

  it('updates as a patch', async () => {
    const { updateTask } = await mutate(UPDATE_TASK, { id: created[2].id, input: { title: 'Call Ada Lovelace', dueAt: '2099-06-01T12:00:00Z' } });
    assert.deepEqual(updateTask.userErrors, []);
    assert.equal(updateTask.task.title, 'Call Ada Lovelace');
    assert.deepEqual(updateTask.task.tags, ['home']);
    assert.equal(updateTask.task.dueAt, '2099-06-01T12:00:00.000Z');
    const cleared = await mutate(UPDATE_TASK, { id: created[2].id, input: { dueAt: null } });
    assert.equal(cleared.updateTask.task.dueAt, null);
    assert.equal(cleared.updateTask.task.title, 'Call Ada Lovelace');
    const bad = await mutate(UPDATE_TASK, { id: created[2].id, input: { title: '   ' } });
    assert.equal(bad.updateTask.task, null);
    assert.deepEqual(bad.updateTask.userErrors.map((e) => [e.field, e.code]), [[['input', 'title'], 'BLANK']]);
  });

  it('completes and reopens', async () => {
    const done = await mutate(SET_COMPLETED, { id: created[0].id, completed: true });
    assert.equal(done.setTaskCompleted.task.completed, true);
    assertDateTime(done.setTaskCompleted.task.completedAt, 'completedAt');
    const again = await mutate(SET_COMPLETED, { id: created[0].id, completed: true });
    assert.equal(again.setTaskCompleted.task.completedAt, done.setTaskCompleted.task.completedAt);
    const reopened = await mutate(SET_COMPLETED, { id: created[4].id, completed: true });
    assert.equal(reopened.setTaskCompleted.task.completed, true);
  });

  it('reads stats and tags', async () => {
    const { taskStats } = await query(STATS, { timeZone: 'America/New_York' });
    assert.equal(taskStats.total, 5);
    assert.equal(taskStats.completed, 2);
    assert.equal(taskStats.pending, 3);
    assert.equal(taskStats.overdue, 1);
    assert.equal(taskStats.completionRate, 0.4);
    assert.deepEqual(taskStats.byPriority, [
      { __typename: 'PriorityCount', priority: 'HIGH', count: 1 },
      { __typename: 'PriorityCount', priority: 'MEDIUM', count: 3 },
      { __typename: 'PriorityCount', priority: 'LOW', count: 1 },
    ]);
    const { tags } = await query(TAGS, { first: 2 });
    assert.deepEqual(tags.map((t) => [t.tag, t.count]), [['home', 3], ['work', 2]]);
  });

  it('deletes once, then NOT_FOUND', async () => {
    const { deleteTask } = await mutate(DELETE_TASK, { id: created[3].id });
    assert.equal(deleteTask.deletedTaskId, created[3].id);
    const retry = await client.mutation(DELETE_TASK, { id: created[3].id }).toPromise();
    assert.equal(retry.data?.deleteTask ?? null, null);
    assert.deepEqual(retry.error.graphQLErrors.map((e) => e.extensions.code), ['NOT_FOUND']);
    assert.equal((await query(TASK, { id: created[3].id })).task, null);
  });

  it('clears completed tasks', async () => {
    const { clearCompletedTasks } = await mutate(CLEAR_COMPLETED, {});
    assert.equal(clearCompletedTasks.count, 2);
    assert.deepEqual([...clearCompletedTasks.deletedTaskIds].sort(), [created[0].id, created[4].id].sort());
    const rest = await query(TASKS, { first: 10 });
    assert.deepEqual(rest.tasks.edges.map((e) => e.node.title), ['Call Ada Lovelace', 'Ship release']);
  });
});
