// One user's whole task life cycle through Apollo Client over HttpLink, with the cache set up as docs/clients.md says:
// create, list and page (relayStylePagination, fetchMore with `after`), order, filter and search, update, complete,
// delete, clear completed, stats and tags. Every answer is checked against a model of what was written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { apolloClient } from '../lib/clients.mjs';
import { startEnvironment } from '../lib/env.mjs';
import { assertDateTime, assertOneError, sorted } from '../lib/expect.mjs';
import {
  CLEAR_COMPLETED,
  COUNT,
  CREATE_TASK,
  DELETE_TASK,
  NODES,
  SET_COMPLETED,
  STATS,
  TAGS,
  TASK,
  TASKS,
  TASKS_BACKWARD,
  UPDATE_TASK,
  VIEWER,
} from '../lib/operations.mjs';

const DAY = 24 * 60 * 60 * 1000;
const PRIORITY_RANK = { LOW: 0, MEDIUM: 1, HIGH: 2 };

/** `ms` written in the +02:00 offset, with milliseconds: the server must take any RFC 3339 offset. */
function inPlusTwo(ms) {
  return new Date(ms + 2 * 60 * 60 * 1000).toISOString().replace('Z', '+02:00');
}

/** The calendar date of `ms` in `timeZone`, as YYYY-MM-DD. */
function dateIn(ms, timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(ms),
  );
}

/**
 * The input of the i-th task and what the server must make of it. Titles, descriptions, priorities (some left to
 * the MEDIUM default), tags needing normalization, and due dates in the past, the future and today vary with i.
 */
function taskSpec(i, now) {
  const input = { title: `Task ${String(i).padStart(2, '0')}` };
  const want = { description: null, priority: 'MEDIUM', tags: [], dueAt: null };
  if (i === 3) input.title = '  Write the REPORT  ';
  if (i === 5) input.description = want.description = 'Attach the quarterly report';
  if (i === 7) input.title = '100% done';
  if (i === 9) input.description = ''; // stored as null
  if (i === 11) input.title = 'apple pie';
  if (i === 12) input.title = 'Banana split';
  if (i % 3 === 0) input.priority = want.priority = 'LOW';
  if (i % 3 === 2) input.priority = want.priority = 'HIGH';
  if (i % 4 === 0) {
    input.tags = ['Work', 'work', ' URGENT '];
    want.tags = ['urgent', 'work'];
  } else if (i % 4 === 1) {
    input.tags = want.tags = ['home'];
  } else if (i % 4 === 3) {
    input.tags = want.tags = ['work'];
  }
  let due = null;
  if (i % 5 === 0) due = now - (i + 1) * DAY - 1234; // overdue while pending
  if (i % 5 === 1) due = now + (i + 1) * DAY + 567;
  if (i === 13) due = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate(), 12);
  if (due !== null) {
    input.dueAt = i % 2 === 0 ? inPlusTwo(due) : new Date(due).toISOString();
    want.dueAt = new Date(due).toISOString();
  }
  want.title = input.title.trim();
  return { input, want };
}

describe('tasks through Apollo Client (HttpLink)', () => {
  let env;
  let user;
  let client;
  /** The model: every task the user has, oldest first, as the server must report it. */
  let tasks = [];
  const byId = (id) => tasks.find((t) => t.id === id);

  // Single reads bypass the cache: relayStylePagination would merge them into the cached list of their filter.
  const query = async (q, variables) => {
    const { data } = await client.query({ query: q, variables, fetchPolicy: 'no-cache' });
    return data;
  };
  const mutate = async (mutation, variables) => (await client.mutate({ mutation, variables })).data;
  const queryAll = (q, variables) => client.query({ query: q, variables, fetchPolicy: 'no-cache', errorPolicy: 'all' });
  const mutateAll = (mutation, variables) => client.mutate({ mutation, variables, errorPolicy: 'all' });

  const listIds = async (variables) => {
    const data = await query(TASKS, { first: 100, ...variables });
    assert.equal(data.tasks.totalCount, data.tasks.edges.length, 'totalCount counts the filtered set');
    return data.tasks.edges.map((e) => e.node.id);
  };
  // Newest first: the default order.
  const newestFirst = (list) => [...list].sort((a, b) => b.seq - a.seq).map((t) => t.id);

  before(async () => {
    env = await startEnvironment({ name: 'tasks-apollo', users: 1 });
    user = env.users[0];
    client = apolloClient({ uri: env.server.graphqlURL, token: user.token });
  });
  after(async () => {
    await client?.clearStore();
    await env?.stop();
  });

  it('knows the viewer from the Better Auth token', async () => {
    const { viewer } = await query(VIEWER);
    assert.deepEqual(viewer, { __typename: 'Viewer', id: user.id, email: user.email, name: user.name });
    assert.match(viewer.id, /^[A-Za-z0-9]{32}$/, "Better Auth's ids are 32 random characters");
    assert.equal((await query(TASKS, { first: 10 })).tasks.totalCount, 0);
  });

  it('creates tasks, normalizing the input, with an edge in the default order', async () => {
    const now = Date.now();
    for (let i = 0; i < 23; i++) {
      const { input, want } = taskSpec(i, now);
      const { createTask } = await mutate(CREATE_TASK, { input });
      assert.deepEqual(createTask.userErrors, [], `task ${i}`);
      const t = createTask.task;
      assert.equal(t.title, want.title, `task ${i} title`);
      assert.equal(t.description, want.description, `task ${i} description`);
      assert.equal(t.priority, want.priority, `task ${i} priority`);
      assert.deepEqual(sorted(t.tags), want.tags, `task ${i} tags`);
      assert.equal(t.dueAt, want.dueAt, `task ${i} dueAt`);
      assert.equal(t.completed, false);
      assert.equal(t.completedAt, null);
      assertDateTime(t.createdAt, 'createdAt');
      assertDateTime(t.updatedAt, 'updatedAt');
      const sinceCreated = Date.parse(t.updatedAt) - Date.parse(t.createdAt);
      assert.ok(sinceCreated >= 0 && sinceCreated < 1000, 'a new task was not updated since');
      assert.ok(Math.abs(Date.parse(t.createdAt) - Date.now()) < 60_000, 'createdAt is now');
      assert.equal(createTask.taskEdge.node.id, t.id);
      assert.ok(createTask.taskEdge.cursor.length > 0);
      tasks.push({ ...want, seq: i, id: t.id, cursor: createTask.taskEdge.cursor, completed: false, createdAt: t.createdAt });
    }
    assert.equal(new Set(tasks.map((t) => t.id)).size, tasks.length, 'ids are unique');
    const { tasks: conn } = await query(TASKS, { first: 100 });
    assert.equal(conn.totalCount, 23);
  });

  it('reports every input problem in userErrors and writes nothing', async () => {
    const { createTask } = await mutate(CREATE_TASK, {
      input: { title: '   ', tags: Array.from({ length: 11 }, (_, k) => `t${k}`), description: 'd'.repeat(1001) },
    });
    assert.equal(createTask.task, null);
    assert.equal(createTask.taskEdge, null);
    const got = createTask.userErrors.map((e) => `${e.field.join('.')}:${e.code}`).sort();
    assert.deepEqual(got, ['input.description:TOO_LONG', 'input.tags:TOO_MANY', 'input.title:BLANK']);
    for (const e of createTask.userErrors) assert.ok(e.message.length > 0);

    const tagProblem = await mutate(CREATE_TASK, { input: { title: 'ok', tags: ['fine', 'x'.repeat(33)] } });
    assert.deepEqual(
      tagProblem.createTask.userErrors.map((e) => [e.field, e.code]),
      [[['input', 'tags', '1'], 'TOO_LONG']],
    );
    const tooLong = await mutate(CREATE_TASK, { input: { title: 't'.repeat(201) } });
    assert.deepEqual(tooLong.createTask.userErrors.map((e) => e.code), ['TOO_LONG']);

    assert.equal((await query(COUNT)).tasks.totalCount, 23, 'nothing was written');
  });

  it('counts title length in code points', async () => {
    const title = '😀'.repeat(200); // 400 UTF-16 units, 800 bytes, 200 code points
    const { createTask } = await mutate(CREATE_TASK, { input: { title, priority: 'LOW' } });
    assert.deepEqual(createTask.userErrors, []);
    assert.equal(createTask.task.title, title);
    tasks.push({ seq: 23, id: createTask.task.id, cursor: createTask.taskEdge.cursor, title, description: null, priority: 'LOW', tags: [], dueAt: null, completed: false });
  });

  it('returns the same task for a repeated idempotencyKey', async () => {
    const input = { title: 'Pay rent', priority: 'HIGH', tags: ['home'], idempotencyKey: `rent-${user.id}` };
    const first = (await mutate(CREATE_TASK, { input })).createTask;
    const again = (await mutate(CREATE_TASK, { input })).createTask;
    assert.deepEqual(again.userErrors, []);
    assert.equal(again.task.id, first.task.id);
    assert.equal(again.task.createdAt, first.task.createdAt);
    tasks.push({ seq: 24, id: first.task.id, cursor: first.taskEdge.cursor, title: 'Pay rent', description: null, priority: 'HIGH', tags: ['home'], dueAt: null, completed: false });
    assert.equal((await query(COUNT)).tasks.totalCount, tasks.length, 'the retry created nothing');
  });

  it('pages forward with fetchMore into the relayStylePagination cache', async () => {
    const obs = client.watchQuery({ query: TASKS, variables: { first: 10 }, fetchPolicy: 'network-only' });
    const results = [];
    const sub = obs.subscribe({ next: (r) => results.push(r) });
    try {
      const firstPage = await waitFor(results, (r) => r.data?.tasks);
      assert.equal(firstPage.data.tasks.edges.length, 10);
      assert.equal(firstPage.data.tasks.pageInfo.hasNextPage, true);
      assert.equal(firstPage.data.tasks.totalCount, tasks.length);

      let pages = 1;
      let page = firstPage.data.tasks;
      const seen = page.edges.map((e) => e.node.id);
      while (page.pageInfo.hasNextPage) {
        assert.ok(pages < 10, 'paging does not end');
        const more = await obs.fetchMore({ variables: { after: page.pageInfo.endCursor } });
        page = more.data.tasks;
        assert.ok(page.edges.length > 0 && page.edges.length <= 10, `page ${pages + 1} has ${page.edges.length} edges`);
        seen.push(...page.edges.map((e) => e.node.id));
        pages++;
      }
      assert.equal(pages, Math.ceil(tasks.length / 10));
      assert.deepEqual(seen, newestFirst(tasks), 'the pages hold every task once, newest first');
      // The cache merged the pages into one list, which the watching query now sees.
      const merged = (await waitFor(results, (r) => r.data?.tasks.edges.length === tasks.length)).data.tasks;
      assert.deepEqual(merged.edges.map((e) => e.node.id), seen);
      assert.equal(merged.pageInfo.hasNextPage, false);
      assert.equal(merged.totalCount, tasks.length);
      const cached = client.readQuery({ query: TASKS, variables: { first: 10 } });
      assert.deepEqual(cached.tasks.edges.map((e) => e.node.id), seen, 'the cache keeps the merged list');

      // Another filter is another list in the cache.
      const high = (await client.query({ query: TASKS, variables: { first: 100, filter: { priorities: ['HIGH'] } } })).data;
      assert.deepEqual(
        high.tasks.edges.map((e) => e.node.id),
        newestFirst(tasks.filter((t) => t.priority === 'HIGH')),
      );
      assert.equal(client.readQuery({ query: TASKS, variables: { first: 10 } }).tasks.edges.length, tasks.length);
    } finally {
      sub.unsubscribe();
    }
  });

  it('pages backward with last and before', async () => {
    const want = newestFirst(tasks);
    const tail = (await query(TASKS_BACKWARD, { last: 5 })).tasks;
    assert.deepEqual(tail.edges.map((e) => e.node.id), want.slice(-5));
    assert.equal(tail.pageInfo.hasPreviousPage, true);
    const before = (await query(TASKS_BACKWARD, { last: 5, before: tail.pageInfo.startCursor })).tasks;
    assert.deepEqual(before.edges.map((e) => e.node.id), want.slice(-10, -5));
  });

  it("continues the default order after createTask's edge cursor", async () => {
    const want = newestFirst(tasks);
    const newest = tasks.find((t) => t.id === want[0]);
    const next = (await query(TASKS, { first: 2, after: newest.cursor })).tasks;
    assert.deepEqual(next.edges.map((e) => e.node.id), want.slice(1, 3));
  });

  it('orders by priority, title and due date', async () => {
    const bySeq = (dir) => (a, b) => dir * (a.seq - b.seq);
    const prioDesc = [...tasks].sort((a, b) => PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || bySeq(-1)(a, b));
    assert.deepEqual(await listIds({ orderBy: { field: 'PRIORITY', direction: 'DESC' } }), prioDesc.map((t) => t.id));

    const titleAsc = [...tasks].sort((a, b) => {
      const x = a.title.toLowerCase();
      const y = b.title.toLowerCase();
      return x < y ? -1 : x > y ? 1 : bySeq(1)(a, b);
    });
    const got = await listIds({ orderBy: { field: 'TITLE', direction: 'ASC' } });
    assert.deepEqual(got, titleAsc.map((t) => t.id), 'TITLE compares case-insensitively');
    const titles = got.map((id) => byId(id).title);
    assert.ok(titles.indexOf('apple pie') < titles.indexOf('Banana split'));

    for (const direction of ['ASC', 'DESC']) {
      const d = direction === 'ASC' ? 1 : -1;
      const due = [...tasks].sort((a, b) => {
        if (a.dueAt === null || b.dueAt === null) {
          if (a.dueAt === b.dueAt) return bySeq(d)(a, b);
          return a.dueAt === null ? 1 : -1; // no due date last, both ways
        }
        return d * (Date.parse(a.dueAt) - Date.parse(b.dueAt)) || bySeq(d)(a, b);
      });
      assert.deepEqual(await listIds({ orderBy: { field: 'DUE_AT', direction } }), due.map((t) => t.id), `DUE_AT ${direction}`);
    }
  });

  it('filters by priorities, tags, search and due window', async () => {
    const ids = (pred) => newestFirst(tasks.filter(pred));
    const cases = [
      [{ priorities: ['LOW', 'HIGH'] }, (t) => t.priority !== 'MEDIUM'],
      [{ priorities: [] }, () => true],
      [{ tags: ['urgent'] }, (t) => t.tags.includes('urgent')],
      [{ tags: ['home', 'URGENT'] }, (t) => t.tags.includes('home') || t.tags.includes('urgent')],
      [{ search: 'REPORT' }, (t) => /report/i.test(t.title) || /report/i.test(t.description ?? '')],
      [{ search: '%' }, (t) => t.title.includes('%')],
      [{ search: 'task 1' }, (t) => t.title.toLowerCase().includes('task 1')],
      [{ tags: ['work'], priorities: ['HIGH'] }, (t) => t.tags.includes('work') && t.priority === 'HIGH'],
    ];
    const now = Date.now();
    const lo = now - 8 * DAY;
    const hi = now + 8 * DAY;
    const dueAfter = new Date(lo).toISOString();
    const dueBefore = new Date(hi).toISOString();
    cases.push([{ dueAfter, dueBefore }, (t) => t.dueAt !== null && Date.parse(t.dueAt) >= lo && Date.parse(t.dueAt) < hi]);
    // dueAfter is inclusive, dueBefore exclusive.
    const exact = tasks.find((t) => t.dueAt !== null);
    cases.push([{ dueAfter: exact.dueAt, dueBefore: exact.dueAt }, () => false]);
    cases.push([{ dueAfter: exact.dueAt, dueBefore: new Date(Date.parse(exact.dueAt) + 1).toISOString() }, (t) => t.id === exact.id]);
    for (const [filter, pred] of cases) {
      const want = ids(pred);
      assert.deepEqual(await listIds({ filter }), want, `filter ${JSON.stringify(filter)}`);
    }
    assert.equal(ids((t) => /report/i.test(t.title) || /report/i.test(t.description ?? '')).length, 2);
  });

  it('refuses bad arguments with BAD_USER_INPUT', async () => {
    const prio = await query(TASKS, { first: 2, orderBy: { field: 'PRIORITY', direction: 'DESC' } });
    const mixed = await queryAll(TASKS, { first: 2, after: prio.tasks.pageInfo.endCursor });
    const err = assertOneError(mixed.error, 'BAD_USER_INPUT', 'a cursor from another order');
    assert.ok(err.extensions.field, 'names the argument');
    assertOneError((await queryAll(TASKS, { first: 0 })).error, 'BAD_USER_INPUT', 'first: 0');
    assertOneError((await queryAll(TASKS, { first: 101 })).error, 'BAD_USER_INPUT', 'first: 101');
    assertOneError((await queryAll(TASKS, { filter: { search: 's'.repeat(101) } })).error, 'BAD_USER_INPUT', 'search over 100');
    assertOneError((await queryAll(STATS, { timeZone: 'Mars/Olympus_Mons' })).error, 'BAD_USER_INPUT', 'unknown time zone');
  });

  it('updates a task as a patch', async () => {
    const t = tasks.find((x) => x.seq === 5);
    const before = (await query(TASK, { id: t.id })).task;
    await new Promise((r) => setTimeout(r, 5));

    const noop = (await mutate(UPDATE_TASK, { id: t.id, input: {} })).updateTask;
    assert.deepEqual(noop.userErrors, []);
    assert.equal(noop.task.updatedAt, before.updatedAt, 'a no-op does not move updatedAt');
    const same = (await mutate(UPDATE_TASK, { id: t.id, input: { title: before.title } })).updateTask;
    assert.equal(same.task.updatedAt, before.updatedAt, 'setting the same title does not move updatedAt');

    const { updateTask } = await mutate(UPDATE_TASK, {
      id: t.id,
      input: { title: '  Quarterly report v2 ', tags: ['Finance', 'finance', 'Q4'], priority: 'HIGH' },
    });
    assert.deepEqual(updateTask.userErrors, []);
    const u = updateTask.task;
    assert.equal(u.title, 'Quarterly report v2');
    assert.deepEqual(sorted(u.tags), ['finance', 'q4']);
    assert.equal(u.priority, 'HIGH');
    assert.equal(u.description, before.description, 'an omitted field stays');
    assert.equal(u.dueAt, before.dueAt, 'an omitted field stays');
    assert.equal(u.createdAt, before.createdAt);
    assert.ok(Date.parse(u.updatedAt) > Date.parse(before.updatedAt), 'updatedAt moved');
    Object.assign(t, { title: u.title, tags: ['finance', 'q4'], priority: 'HIGH' });

    // Explicit null clears description and dueAt.
    const withDue = tasks.find((x) => x.seq === 6);
    assert.notEqual(withDue.dueAt, null);
    const cleared = (await mutate(UPDATE_TASK, { id: withDue.id, input: { description: null, dueAt: null } })).updateTask;
    assert.equal(cleared.task.description, null);
    assert.equal(cleared.task.dueAt, null);
    withDue.dueAt = null;
    withDue.description = null;

    // Explicit null for a required field is INVALID, and nothing changes.
    const invalid = (await mutate(UPDATE_TASK, { id: t.id, input: { title: null, priority: null, tags: ['ok', ''] } })).updateTask;
    assert.equal(invalid.task, null);
    assert.deepEqual(
      invalid.userErrors.map((e) => `${e.field.join('.')}:${e.code}`).sort(),
      ['input.priority:INVALID', 'input.tags.1:BLANK', 'input.title:INVALID'],
    );
    const after = (await query(TASK, { id: t.id })).task;
    assert.equal(after.title, 'Quarterly report v2');
    assert.equal(after.updatedAt, u.updatedAt);

    // The search index follows the new title and tags.
    assert.deepEqual(await listIds({ filter: { search: 'quarterly REPORT v2' } }), [t.id]);
    assert.deepEqual(await listIds({ filter: { tags: ['q4'] } }), [t.id]);
  });

  it('completes and reopens tasks', async () => {
    const t = tasks.find((x) => x.seq === 0);
    const done = (await mutate(SET_COMPLETED, { id: t.id, completed: true })).setTaskCompleted.task;
    assert.equal(done.completed, true);
    assertDateTime(done.completedAt, 'completedAt');
    const again = (await mutate(SET_COMPLETED, { id: t.id, completed: true })).setTaskCompleted.task;
    assert.equal(again.completedAt, done.completedAt, 'setTaskCompleted is idempotent');
    const reopened = (await mutate(SET_COMPLETED, { id: t.id, completed: false })).setTaskCompleted.task;
    assert.equal(reopened.completed, false);
    assert.equal(reopened.completedAt, null, 'reopening clears completedAt');

    // Complete four: one through updateTask, three through setTaskCompleted.
    const toComplete = tasks.filter((x) => [0, 1, 10, 15].includes(x.seq));
    const viaUpdate = (await mutate(UPDATE_TASK, { id: toComplete[0].id, input: { completed: true } })).updateTask;
    assert.equal(viaUpdate.task.completed, true);
    assertDateTime(viaUpdate.task.completedAt, 'completedAt');
    for (const x of toComplete.slice(1)) await mutate(SET_COMPLETED, { id: x.id, completed: true });
    for (const x of toComplete) x.completed = true;

    assert.deepEqual(await listIds({ filter: { status: 'COMPLETED' } }), newestFirst(tasks.filter((x) => x.completed)));
    assert.deepEqual(await listIds({ filter: { status: 'PENDING' } }), newestFirst(tasks.filter((x) => !x.completed)));
    const now = Date.now();
    const overdue = (x) => !x.completed && x.dueAt !== null && Date.parse(x.dueAt) < now;
    assert.deepEqual(await listIds({ filter: { overdue: true } }), newestFirst(tasks.filter(overdue)));
    assert.deepEqual(await listIds({ filter: { overdue: false } }), newestFirst(tasks.filter((x) => !overdue(x))));
    assert.ok(tasks.filter(overdue).length >= 2);

    const nodes = (await query(NODES, { ids: toComplete.map((x) => x.id) })).nodes;
    assert.deepEqual(nodes.map((n) => [n.id, n.completed]), toComplete.map((x) => [x.id, true]));
  });

  it("reads stats and tags that count the viewer's tasks", async () => {
    for (const timeZone of ['UTC', 'Pacific/Kiritimati', 'America/Adak']) {
      const now = Date.now();
      const { taskStats: s } = await query(STATS, { timeZone });
      const pending = tasks.filter((x) => !x.completed);
      const today = dateIn(now, timeZone);
      const want = {
        total: tasks.length,
        completed: tasks.length - pending.length,
        pending: pending.length,
        overdue: pending.filter((x) => x.dueAt !== null && Date.parse(x.dueAt) < now).length,
        dueToday: pending.filter((x) => x.dueAt !== null && dateIn(Date.parse(x.dueAt), timeZone) === today).length,
      };
      for (const [k, v] of Object.entries(want)) assert.equal(s[k], v, `${timeZone} ${k}`);
      assert.ok(Math.abs(s.completionRate - want.completed / want.total) < 1e-9, `completionRate ${s.completionRate}`);
      assert.deepEqual(
        s.byPriority.map((p) => [p.priority, p.count]),
        ['HIGH', 'MEDIUM', 'LOW'].map((p) => [p, tasks.filter((x) => x.priority === p).length]),
      );
      assert.deepEqual(s.byTag.map((t) => [t.tag, t.count]), tagCounts());
    }
    assert.deepEqual((await query(TAGS, { first: 2 })).tags.map((t) => [t.tag, t.count]), tagCounts().slice(0, 2));
    assert.deepEqual((await query(TAGS)).tags.map((t) => [t.tag, t.count]), tagCounts());
  });

  it('deletes a task once', async () => {
    const t = tasks.find((x) => x.seq === 7);
    const { deleteTask } = await mutate(DELETE_TASK, { id: t.id });
    assert.equal(deleteTask.deletedTaskId, t.id);
    tasks = tasks.filter((x) => x !== t);
    assert.equal((await query(TASK, { id: t.id })).task, null);
    const retry = await mutateAll(DELETE_TASK, { id: t.id });
    assert.equal(retry.data?.deleteTask ?? null, null);
    assertOneError(retry.error, 'NOT_FOUND', 'a retried deleteTask');
    assert.deepEqual(await listIds({}), newestFirst(tasks));
  });

  it('clears completed tasks and returns their ids', async () => {
    const completed = tasks.filter((x) => x.completed);
    assert.equal(completed.length, 4);
    const { clearCompletedTasks } = await mutate(CLEAR_COMPLETED);
    assert.equal(clearCompletedTasks.count, completed.length);
    assert.deepEqual(sorted(clearCompletedTasks.deletedTaskIds), sorted(completed.map((x) => x.id)));
    tasks = tasks.filter((x) => !x.completed);
    assert.deepEqual(await listIds({}), newestFirst(tasks));
    assert.deepEqual(await listIds({ filter: { status: 'COMPLETED' } }), []);
    const { taskStats } = await query(STATS);
    assert.equal(taskStats.total, tasks.length);
    assert.equal(taskStats.completed, 0);
    assert.equal(taskStats.completionRate, 0);
    const again = (await mutate(CLEAR_COMPLETED)).clearCompletedTasks;
    assert.deepEqual(again, { __typename: 'ClearCompletedTasksPayload', deletedTaskIds: [], count: 0 });
  });

  /** [tag, count] for the model, count descending then tag. */
  function tagCounts() {
    const counts = new Map();
    for (const t of tasks) for (const tag of t.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }
});

/** Waits until an observable's recorded results include one satisfying pred. */
async function waitFor(results, pred, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = results.find((r) => !r.loading && pred(r));
    if (hit) return hit;
    const err = results.find((r) => r.error);
    if (err) throw err.error;
    if (Date.now() > deadline) throw new Error(`no matching result in ${ms} ms: ${JSON.stringify(results)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
