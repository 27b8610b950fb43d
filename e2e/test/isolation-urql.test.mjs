// Two Better Auth users. The first works through Apollo Client, the second through urql. The second, handed the
// first one's ids, sees nothing and changes nothing; its NOT_FOUND errors do not tell another user's task from a
// missing one. The first user's client confirms that nothing changed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { apolloClient, urqlClient } from '../lib/clients.mjs';
import { startEnvironment } from '../lib/env.mjs';
import { assertOneError, sorted } from '../lib/expect.mjs';
import {
  CLEAR_COMPLETED,
  CREATE_TASK,
  DELETE_TASK,
  NODE,
  NODES,
  SET_COMPLETED,
  STATS,
  TAGS,
  TASK,
  TASKS,
  UPDATE_TASK,
  VIEWER,
} from '../lib/operations.mjs';

describe('isolation between users (Apollo Client and urql)', () => {
  let env;
  let alice;
  let bob;
  let apollo; // alice's
  let urql; // bob's
  const aliceTasks = [];
  let bobTask;

  const aliceQuery = async (query, variables) => (await apollo.query({ query, variables, fetchPolicy: 'no-cache' })).data;
  const bobQuery = (query, variables) => urql.query(query, variables).toPromise();
  const bobMutation = (mutation, variables) => urql.mutation(mutation, variables).toPromise();

  /** Alice's tasks as she sees them, by id. */
  async function aliceSnapshot() {
    const { tasks } = await aliceQuery(TASKS, { first: 100 });
    return Object.fromEntries(tasks.edges.map((e) => [e.node.id, e.node]));
  }

  before(async () => {
    env = await startEnvironment({ name: 'isolation', users: 2 });
    [alice, bob] = env.users;
    apollo = apolloClient({ uri: env.server.graphqlURL, token: alice.token });
    urql = urqlClient({ url: env.server.graphqlURL, token: bob.token });
  });
  after(async () => {
    await apollo?.clearStore();
    await env?.stop();
  });

  it('gives each client its own viewer', async () => {
    assert.notEqual(alice.id, bob.id);
    assert.equal((await aliceQuery(VIEWER)).viewer.id, alice.id);
    const res = await bobQuery(VIEWER);
    assert.equal(res.error, undefined);
    assert.deepEqual({ ...res.data.viewer, __typename: undefined }, { id: bob.id, email: bob.email, name: bob.name, __typename: undefined });
  });

  it('keeps lists, stats and tags apart', async () => {
    for (const [i, completed] of [[1, false], [2, true], [3, false]]) {
      const { data } = await apollo.mutate({
        mutation: CREATE_TASK,
        variables: { input: { title: `Alice secret ${i}`, description: 'for alice only', tags: ['alice'], priority: 'HIGH' } },
      });
      assert.deepEqual(data.createTask.userErrors, []);
      let task = data.createTask.task;
      if (completed) {
        task = (await apollo.mutate({ mutation: SET_COMPLETED, variables: { id: task.id, completed: true } })).data.setTaskCompleted.task;
        assert.equal(task.completed, true);
      }
      aliceTasks.push(task);
    }
    const created = await bobMutation(CREATE_TASK, { input: { title: 'Bob public', tags: ['bob'] } });
    assert.equal(created.error, undefined);
    bobTask = created.data.createTask.task;
    assert.equal(bobTask.title, 'Bob public');

    const bobList = await bobQuery(TASKS, { first: 100 });
    assert.equal(bobList.error, undefined);
    assert.deepEqual(bobList.data.tasks.edges.map((e) => e.node.id), [bobTask.id]);
    assert.equal(bobList.data.tasks.totalCount, 1);
    const bobSearch = await bobQuery(TASKS, { first: 100, filter: { search: 'secret' } });
    assert.equal(bobSearch.data.tasks.totalCount, 0);
    const bobStats = await bobQuery(STATS, {});
    assert.equal(bobStats.data.taskStats.total, 1);
    assert.equal(bobStats.data.taskStats.completed, 0);
    assert.deepEqual(bobStats.data.taskStats.byTag.map((t) => t.tag), ['bob']);
    const bobTags = await bobQuery(TAGS, {});
    assert.deepEqual(bobTags.data.tags.map((t) => [t.tag, t.count]), [['bob', 1]]);

    const aliceList = await aliceSnapshot();
    assert.deepEqual(sorted(Object.keys(aliceList)), sorted(aliceTasks.map((t) => t.id)));
    assert.equal((await aliceQuery(STATS)).taskStats.total, 3);
  });

  it("reads another user's task as null", async () => {
    for (const t of aliceTasks) {
      const task = await bobQuery(TASK, { id: t.id });
      assert.equal(task.error, undefined, 'no error, only null');
      assert.equal(task.data.task, null);
      const node = await bobQuery(NODE, { id: t.id });
      assert.equal(node.error, undefined);
      assert.equal(node.data.node, null);
    }
    const nodes = await bobQuery(NODES, { ids: [aliceTasks[0].id, bobTask.id, aliceTasks[1].id] });
    assert.equal(nodes.error, undefined);
    assert.deepEqual(nodes.data.nodes.map((n) => n?.id ?? null), [null, bobTask.id, null]);
    // Alice still reads them.
    assert.equal((await aliceQuery(TASK, { id: aliceTasks[0].id })).task.title, 'Alice secret 1');
    assert.equal((await aliceQuery(NODE, { id: aliceTasks[1].id })).node.title, 'Alice secret 2');
  });

  it("cannot update, complete or delete another user's task, and cannot tell it from a missing one", async () => {
    const before = await aliceSnapshot();
    const target = aliceTasks[0];
    // A well-formed id that no longer exists: bob's own task, deleted.
    const temp = await bobMutation(CREATE_TASK, { input: { title: 'temporary' } });
    const missing = temp.data.createTask.task.id;
    assert.equal((await bobMutation(DELETE_TASK, { id: missing })).data.deleteTask.deletedTaskId, missing);
    const messages = { update: new Set(), complete: new Set(), delete: new Set() };
    for (const id of [target.id, missing, randomUUID(), 'not-an-id']) {
      const upd = await bobMutation(UPDATE_TASK, { id, input: { title: 'pwned by bob', completed: true } });
      assert.equal(upd.data?.updateTask ?? null, null, `updateTask(${id})`);
      messages.update.add(assertOneError(upd.error, 'NOT_FOUND', `updateTask(${id})`).message);

      const invalid = await bobMutation(UPDATE_TASK, { id, input: { title: '' } });
      assertOneError(invalid.error, 'NOT_FOUND', 'ownership is checked before input');

      const done = await bobMutation(SET_COMPLETED, { id, completed: true });
      assert.equal(done.data?.setTaskCompleted ?? null, null);
      messages.complete.add(assertOneError(done.error, 'NOT_FOUND', `setTaskCompleted(${id})`).message);

      const del = await bobMutation(DELETE_TASK, { id });
      assert.equal(del.data?.deleteTask ?? null, null);
      messages.delete.add(assertOneError(del.error, 'NOT_FOUND', `deleteTask(${id})`).message);
    }
    for (const [op, set] of Object.entries(messages)) {
      assert.equal(set.size, 1, `${op}: the NOT_FOUND message differs between another user's task and a missing one: ${[...set]}`);
    }

    const cleared = await bobMutation(CLEAR_COMPLETED, {});
    assert.equal(cleared.error, undefined);
    assert.deepEqual(cleared.data.clearCompletedTasks.deletedTaskIds, []);
    assert.equal(cleared.data.clearCompletedTasks.count, 0);

    const after = await aliceSnapshot();
    assert.deepEqual(after, before, "nothing of alice's changed");
    assert.equal(after[aliceTasks[1].id].completed, true, "bob's clearCompletedTasks left alice's completed task");
    assert.equal(after[target.id].title, 'Alice secret 1');
  });

  it("has alice's client refuse bob's task the same way", async () => {
    const res = await apollo.mutate({ mutation: DELETE_TASK, variables: { id: bobTask.id }, errorPolicy: 'all' });
    assertOneError(res.error, 'NOT_FOUND', "alice deleting bob's task");
    assert.equal((await aliceQuery(TASK, { id: bobTask.id })).task, null);
    const still = await bobQuery(TASK, { id: bobTask.id });
    assert.equal(still.data.task.title, 'Bob public');
  });

  it('lets each user change their own task', async () => {
    const res = await bobMutation(SET_COMPLETED, { id: bobTask.id, completed: true });
    assert.equal(res.error, undefined);
    assert.equal(res.data.setTaskCompleted.task.completed, true);
    const cleared = await bobMutation(CLEAR_COMPLETED, {});
    assert.deepEqual(cleared.data.clearCompletedTasks.deletedTaskIds, [bobTask.id]);
    const mine = await apollo.mutate({ mutation: CLEAR_COMPLETED });
    assert.deepEqual(mine.data.clearCompletedTasks.deletedTaskIds, [aliceTasks[1].id]);
    assert.equal((await aliceQuery(STATS)).taskStats.total, 2);
  });
});
