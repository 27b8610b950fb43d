// Keeping the cached task lists true after a change, whether this tab made it (a mutation's update) or another tab
// or device did (an event from the taskEvents subscription). The same change arrives both ways, in either order, and
// an event may arrive twice after a reconnect: each version of a task (its updatedAt) is applied once, and one older
// than what was applied is ignored, so the lists and their totalCount move once per change.
//
// relayStylePagination(["filter", "orderBy"]) keeps one list per filter and order, stored under a field name such
// as tasks:{"filter":{"status":"PENDING"},"orderBy":{"direction":"ASC","field":"TITLE"}}. Each list that is loaded
// gets the task where it belongs (or loses it), so a list the user comes back to is right without a refetch.
import type { ApolloCache, Reference, StoreObject } from '@apollo/client';

import { TASK_FIELDS, type Task, type TaskFilter, type TaskOrder, type TaskOrderField } from './operations';

export const DEFAULT_ORDER: TaskOrder = { field: 'CREATED_AT', direction: 'DESC' };

interface StoredEdge {
  __typename?: string;
  cursor: string;
  node: Reference;
}
interface StoredConnection {
  edges: StoredEdge[];
  pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
  totalCount?: number;
  [extra: string]: unknown;
}
type ReadField = <T>(field: string, from: Reference | StoreObject) => T | undefined;

/** The filter and order a stored list was loaded with, read back from its field name. */
function connectionArgs(storeFieldName: string): { filter?: TaskFilter; orderBy?: TaskOrder } {
  const colon = storeFieldName.indexOf(':');
  if (colon < 0) return {};
  try {
    return JSON.parse(storeFieldName.slice(colon + 1));
  } catch {
    return {};
  }
}

/** Whether the API would list `task` under `filter` (the parts of TaskFilter this app uses). */
export function matchesFilter(task: Task, filter: TaskFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.listIds?.length && !(task.list && filter.listIds.includes(task.list.id))) return false;
  if (filter.assigneeIds?.length && !(task.assignee && filter.assigneeIds.includes(task.assignee.id))) return false;
  if (filter.status === 'PENDING' && task.completed) return false;
  if (filter.status === 'COMPLETED' && !task.completed) return false;
  if (filter.priorities?.length && !filter.priorities.includes(task.priority)) return false;
  if (filter.tags?.length) {
    const wanted = filter.tags.map((t) => t.trim().toLowerCase());
    if (!task.tags.some((t) => wanted.includes(t))) return false;
  }
  if (filter.search) {
    const needle = filter.search.toLowerCase();
    if (!task.title.toLowerCase().includes(needle) && !(task.description ?? '').toLowerCase().includes(needle)) {
      return false;
    }
  }
  return true;
}

const PRIORITY_RANK = { LOW: 0, MEDIUM: 1, HIGH: 2 } as const;

type SortKey = number | string | null;
function sortKey(field: TaskOrderField, get: <K extends keyof Task>(k: K) => Task[K] | undefined): SortKey {
  switch (field) {
    case 'CREATED_AT':
      return Date.parse(get('createdAt') ?? '');
    case 'UPDATED_AT':
      return Date.parse(get('updatedAt') ?? '');
    case 'DUE_AT': {
      const due = get('dueAt');
      return due ? Date.parse(due) : null;
    }
    case 'PRIORITY':
      return PRIORITY_RANK[get('priority') ?? 'MEDIUM'];
    case 'TITLE':
      return (get('title') ?? '').toLowerCase();
    case 'POSITION':
      // ASCII keys: JavaScript's string order is their byte order, the API's.
      return get('position') ?? '';
  }
}

/** Negative when a key comes before b in the list's order; tasks without a due date come last either way. */
function compareKeys(a: SortKey, b: SortKey, order: TaskOrder): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = a < b ? -1 : a > b ? 1 : 0;
  return order.direction === 'ASC' ? c : -c;
}

// Per cache: the updatedAt (ms) of the latest version of each task that placeTask applied, and the ids removed.
const applied = new WeakMap<ApolloCache, Map<string, number>>();
function appliedVersions(cache: ApolloCache): Map<string, number> {
  let versions = applied.get(cache);
  if (!versions) applied.set(cache, (versions = new Map()));
  return versions;
}
const REMOVED = Number.POSITIVE_INFINITY;

function taskRef(cache: ApolloCache, id: string): string | undefined {
  return cache.identify({ __typename: 'Task', id });
}

function readTask(cache: ApolloCache, id: string): Task | null {
  return cache.readFragment<Task>({ id: taskRef(cache, id), fragment: TASK_FIELDS, fragmentName: 'TaskFields' });
}

/**
 * Writes `task` to the cache and puts it where it belongs in every loaded list: in its place by the list's order,
 * out of the lists whose filter it no longer matches, and not at all where it would sort after the pages loaded so
 * far (it comes with "load more"). `cursor` is the createTask edge's cursor, which belongs to the default list.
 * `previous` is the task as it was before the change, when the caller knows it (the cache may already hold the
 * new version); it keeps totalCount right for tasks that are counted but not loaded. `optimistic` marks the guess
 * of an optimisticResponse.
 */
export function placeTask(
  cache: ApolloCache,
  task: Task,
  { cursor, previous, optimistic }: { cursor?: string; previous?: Task | null; optimistic?: boolean } = {},
): void {
  // An optimisticResponse is written to a layer that Apollo drops when the real answer comes: it is placed without
  // being counted as an applied version, so that the real one (or its event) is applied after it.
  if (!optimistic) {
    const versions = appliedVersions(cache);
    const version = Date.parse(task.updatedAt);
    if ((versions.get(task.id) ?? -1) >= version) return; // applied already, or older than what was (or deleted)
    versions.set(task.id, version);
  }
  const before = previous !== undefined ? previous : readTask(cache, task.id);
  const ref = cache.writeFragment({ data: task, fragment: TASK_FIELDS, fragmentName: 'TaskFields' });
  if (!ref) return;
  const get = <K extends keyof Task>(k: K) => task[k];

  cache.modify<Record<string, unknown>>({
    id: 'ROOT_QUERY',
    fields: {
      tasks(value, { storeFieldName, readField }) {
        const existing = value as StoredConnection | undefined;
        if (!existing?.edges) return value;
        const { filter, orderBy } = connectionArgs(storeFieldName);
        const order = orderBy ?? DEFAULT_ORDER;
        const read = readField as ReadField;
        const loadedAt = existing.edges.findIndex((e) => read<string>('id', e.node) === task.id);
        const wasIn = loadedAt >= 0 || (!!before && matchesFilter(before, filter));
        const isIn = matchesFilter(task, filter);

        let edges = loadedAt >= 0 ? existing.edges.filter((_, i) => i !== loadedAt) : existing.edges;
        if (isIn) {
          const key = sortKey(order.field, get);
          const at = edges.findIndex(
            (e) => compareKeys(key, sortKey(order.field, (k) => read(k as string, e.node)), order) < 0,
          );
          const isDefaultList = !filter && !orderBy;
          const edge: StoredEdge = {
            __typename: 'TaskEdge',
            cursor: existing.edges[loadedAt]?.cursor ?? (isDefaultList && cursor ? cursor : ''),
            node: ref,
          };
          if (at >= 0) edges = [...edges.slice(0, at), edge, ...edges.slice(at)];
          else if (!existing.pageInfo?.hasNextPage) edges = [...edges, edge];
        }
        const totalCount =
          typeof existing.totalCount === 'number'
            ? existing.totalCount + (isIn ? 1 : 0) - (wasIn ? 1 : 0)
            : existing.totalCount;
        return { ...existing, edges, totalCount };
      },
    },
  });
}

/**
 * Shows a task this tab just created at the bottom of the loaded lists of its list in manual order, where placeTask
 * (rightly, for a task added elsewhere) leaves it out when the list has pages not loaded yet: it is at the end of
 * the whole list, and whoever added it expects to see it there. Its edge has no cursor and sits after the edge of
 * the list's endCursor, so "Load more" (relayStylePagination's merge keeps the edges up to that cursor) drops it and
 * the pages bring it back in its place. Counts are placeTask's; a second call, or a task already loaded, changes
 * nothing, so it can follow both the optimistic guess and the answer, whichever way its event arrived.
 */
export function keepCreatedInView(cache: ApolloCache, task: Task): void {
  const ref = cache.identify({ __typename: 'Task', id: task.id });
  if (!ref) return;
  cache.modify<Record<string, unknown>>({
    id: 'ROOT_QUERY',
    fields: {
      tasks(value, { storeFieldName, readField }) {
        const existing = value as StoredConnection | undefined;
        if (!existing?.edges || !existing.pageInfo?.hasNextPage) return value;
        const { filter, orderBy } = connectionArgs(storeFieldName);
        if (orderBy?.field !== 'POSITION' || orderBy.direction !== 'ASC') return value;
        if (filter?.listIds?.length !== 1 || !matchesFilter(task, filter)) return value;
        const read = readField as ReadField;
        if (existing.edges.some((e) => read<string>('id', e.node) === task.id)) return value;
        const edge: StoredEdge = { __typename: 'TaskEdge', cursor: '', node: { __ref: ref } };
        return { ...existing, edges: [...existing.edges, edge] };
      },
    },
  });
}

/**
 * Writes what an event says about a task that did not change its place in any list (a reminder fired), unless a
 * newer version has been applied since.
 */
export function refreshTask(cache: ApolloCache, task: Task): void {
  if ((appliedVersions(cache).get(task.id) ?? -1) > Date.parse(task.updatedAt)) return;
  cache.writeFragment({ data: task, fragment: TASK_FIELDS, fragmentName: 'TaskFields' });
}

/**
 * Takes a deleted task out of every loaded list (totalCount included), then evicts it and collects what nothing
 * references any more. A second call for the same id changes nothing.
 */
export function removeTask(cache: ApolloCache, id: string, { at }: { at?: string } = {}): void {
  const versions = appliedVersions(cache);
  if (versions.get(id) === REMOVED) return;
  // A deletion from before the version applied (the task was restored since, and this DELETED event came late or
  // again after a reconnect) changes nothing.
  if (at !== undefined && (versions.get(id) ?? -1) > Date.parse(at)) return;
  versions.set(id, REMOVED);
  const before = readTask(cache, id);
  cache.modify<Record<string, unknown>>({
    id: 'ROOT_QUERY',
    fields: {
      tasks(value, { storeFieldName, readField }) {
        const existing = value as StoredConnection | undefined;
        if (!existing?.edges) return value;
        const { filter } = connectionArgs(storeFieldName);
        const read = readField as ReadField;
        const edges = existing.edges.filter((e) => read<string>('id', e.node) !== id);
        // Counted in this list if loaded in it or, when not loaded that far, if it matched the filter.
        const wasIn = edges.length < existing.edges.length || (!!before && matchesFilter(before, filter));
        const totalCount =
          typeof existing.totalCount === 'number' && wasIn ? existing.totalCount - 1 : existing.totalCount;
        return { ...existing, edges, totalCount };
      },
    },
  });
  cache.evict({ id: taskRef(cache, id) });
  cache.gc();
}

/**
 * Puts a task back that came out of the trash (restoreTask's answer, or a RESTORED event): a removed task stays
 * removed for placeTask, so the mark goes first; the restore's updatedAt is later than the deletion, so a DELETED
 * event of that deletion arriving afterwards is ignored (removeTask's `at`). Applied twice, the second changes nothing.
 */
export function restoreTaskInCache(cache: ApolloCache, task: Task): void {
  const versions = appliedVersions(cache);
  if (versions.get(task.id) === REMOVED) versions.delete(task.id);
  placeTask(cache, task, { previous: null });
  countsChanged(cache);
}

const countListeners = new Set<() => void>();

/**
 * Calls listener after every change of a task (countsChanged) until the returned function is called: useLists
 * reads the lists' pending counts again then.
 */
export function onCountsChanged(listener: () => void): () => void {
  countListeners.add(listener);
  return () => {
    countListeners.delete(listener);
  };
}

/**
 * Drops the counts (taskStats, tags) after a change: a query showing them fetches them again, one that is not
 * shown fetches them when it is. The lists' pending counts (the sidebar's) are not evicted but read again by
 * useLists (onCountsChanged): an evicted field is filled by whichever answer comes next, and the answer to a
 * request sent before this change would put the old count back until the next one.
 */
export function countsChanged(cache: ApolloCache): void {
  cache.evict({ id: 'ROOT_QUERY', fieldName: 'taskStats' });
  cache.evict({ id: 'ROOT_QUERY', fieldName: 'tags' });
  cache.gc();
  for (const listener of countListeners) listener();
}

/** The cache ids (such as "TaskList:abc") of the entities of one type that the cache holds. */
function cachedIds(cache: ApolloCache, typename: string): string[] {
  const store = cache.extract() as Record<string, { __typename?: string } | undefined>;
  return Object.keys(store).filter((key) => store[key]?.__typename === typename);
}

/**
 * The viewer lost a list (LIST_REMOVED: removed, left, or the list was deleted; no DELETED follows for its tasks):
 * every cached task of the list leaves every loaded list of tasks, the list leaves the cached `lists`, and both are
 * evicted. Counts of tasks not loaded are the next read's to correct (the caller refetches what is shown).
 */
export function evictList(cache: ApolloCache, listId: string): void {
  const listRef = cache.identify({ __typename: 'TaskList', id: listId });
  const store = cache.extract() as Record<string, { __typename?: string; id?: string; list?: { __ref?: string } }>;
  for (const entity of Object.values(store)) {
    if (entity?.__typename === 'Task' && entity.id && entity.list?.__ref === listRef) removeTask(cache, entity.id);
  }
  cache.modify<Record<string, unknown>>({
    id: 'ROOT_QUERY',
    fields: {
      lists(value, { readField }) {
        if (!Array.isArray(value)) return value;
        return value.filter((ref) => (readField as ReadField)<string>('id', ref as Reference) !== listId);
      },
    },
  });
  cache.evict({ id: listRef });
  countsChanged(cache);
}

/**
 * After reopening an occurrence of a series: when the task got its recurrence back, the API deleted the next
 * occurrence that completing it had created (still pending and unchanged). That one goes from the cache too.
 */
export function removeUndoneSuccessors(cache: ApolloCache, reopened: Task): void {
  if (reopened.completed || !reopened.recurrence || !reopened.seriesId) return;
  const store = cache.extract() as Record<string, { __typename?: string; id?: string; seriesId?: string; completed?: boolean }>;
  for (const entity of Object.values(store)) {
    if (
      entity?.__typename === 'Task' &&
      entity.id &&
      entity.id !== reopened.id &&
      entity.seriesId === reopened.seriesId &&
      entity.completed === false
    ) {
      removeTask(cache, entity.id);
    }
  }
}
