'use client';
// The trash: the deleted tasks of the lists where the person may restore them (OWNER or EDITOR), newest deletion
// first, each with Restore, and "Empty trash" (purgeTrash, after a confirmation). A restored task goes back into
// the cached lists of tasks at once (restoreTaskInCache) and reaches everyone else as a RESTORED event. The page reads
// the trash again when a task is deleted or restored anywhere (the event feed), so it stays true while open.
import { useApolloClient } from '@apollo/client/react';
import { useCallback, useEffect, useId, useState } from 'react';

import { humanError } from '@/lib/errors';
import { formatAgo, formatInstant } from '@/lib/format';
import { PURGE_TRASH, RESTORE_TASK, TRASH, type TrashedTask } from '@/lib/operations';
import { countsChanged, restoreTaskInCache } from '@/lib/task-cache';
import { onTrashEvent } from '@/lib/use-task-events';

import { ConfirmDialog } from './dialog';
import { useListsContext } from './signed-in-app';

const PAGE = 20;

interface Loaded {
  tasks: TrashedTask[];
  total: number;
  endCursor: string | null;
  hasNextPage: boolean;
}

export function TrashView() {
  const client = useApolloClient();
  const id = useId();
  const { lists } = useListsContext();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<ReadonlySet<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [purging, setPurging] = useState(false);
  const [purgeProblem, setPurgeProblem] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const load = useCallback(
    async (after: string | null = null) => {
      const { data } = await client.query({ query: TRASH, variables: { first: PAGE, after }, fetchPolicy: 'no-cache' });
      const trash = data?.trash;
      const page = {
        tasks: trash?.edges.map((e) => e.node) ?? [],
        total: trash?.totalCount ?? 0,
        endCursor: trash?.pageInfo.endCursor ?? null,
        hasNextPage: trash?.pageInfo.hasNextPage ?? false,
      };
      setLoaded((before) => (after && before ? { ...page, tasks: [...before.tasks, ...page.tasks] } : page));
    },
    [client],
  );

  useEffect(() => {
    const reload = () => load().catch((error: unknown) => setProblem(`Could not load the trash: ${humanError(error)}`));
    void reload();
    return onTrashEvent(() => void reload());
  }, [load]);

  async function restore(task: TrashedTask) {
    setProblem(null);
    setNotice(null);
    setRestoring((set) => new Set(set).add(task.id));
    try {
      const { data } = await client.mutate({
        mutation: RESTORE_TASK,
        variables: { id: task.id },
        update(cache, { data }) {
          if (data?.restoreTask?.task) restoreTaskInCache(cache, data.restoreTask.task);
        },
      });
      const restored = data?.restoreTask?.task;
      const errors = data?.restoreTask?.userErrors ?? [];
      if (errors.length) setProblem(`Could not restore “${task.title}”: ${errors.map((e) => e.message).join(' ')}`);
      if (restored) {
        const where = lists?.find((l) => l.id === restored.list.id)?.name;
        setNotice(`Restored “${restored.title}”${where ? ` to ${where}` : ''}.`);
      }
      // Restored, or no longer in the trash at all (someone else was quicker): it leaves this page either way.
      setLoaded((l) => l && { ...l, tasks: l.tasks.filter((t) => t.id !== task.id), total: Math.max(0, l.total - 1) });
    } catch (error) {
      setProblem(`Could not restore “${task.title}”: ${humanError(error)}`);
    } finally {
      setRestoring((set) => {
        const next = new Set(set);
        next.delete(task.id);
        return next;
      });
    }
  }

  async function purge() {
    setPurging(true);
    setPurgeProblem(null);
    try {
      const { data } = await client.mutate({
        mutation: PURGE_TRASH,
        update: (cache) => countsChanged(cache),
      });
      const count = data?.purgeTrash?.count ?? 0;
      setNotice(`Deleted ${count} ${count === 1 ? 'task' : 'tasks'} for good.`);
      setConfirming(false);
      await load();
    } catch (error) {
      setPurgeProblem(humanError(error));
    } finally {
      setPurging(false);
    }
  }

  const listName = (listId: string) => lists?.find((l) => l.id === listId)?.name;
  const tasks = loaded?.tasks ?? [];
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-4 px-4 py-6 sm:px-6">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">Trash</h1>
        {tasks.length > 0 && (
          <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
            Empty trash
          </button>
        )}
      </div>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Deleted tasks of the lists you can edit wait here for a while (30 days unless your service says otherwise),
        then go for good. Restore puts one back in its list, for everyone who shares it.
      </p>
      {problem && (
        <p role="alert" className="field-error">
          {problem}
        </p>
      )}
      {notice && (
        <p role="status" className="notice text-sm text-green-700 dark:text-green-400">
          {notice}
        </p>
      )}
      <p aria-live="polite" className="count text-xs text-zinc-500 dark:text-zinc-400">
        {loaded ? `${loaded.total} ${loaded.total === 1 ? 'task' : 'tasks'} in the trash` : 'Loading…'}
      </p>
      {loaded && tasks.length === 0 && (
        <p className="rounded-md border border-dashed border-zinc-300 p-6 text-center text-zinc-500 dark:border-zinc-700">
          The trash is empty.
        </p>
      )}
      <ul
        aria-label="Deleted tasks"
        className="divide-y divide-zinc-200 rounded-md border border-zinc-200 empty:hidden dark:divide-zinc-800 dark:border-zinc-800"
      >
        {tasks.map((task) => (
          <li key={task.id} aria-labelledby={`${id}-${task.id}`} className="trashed flex items-center gap-3 px-3 py-3" data-task-id={task.id}>
            <div className="min-w-0 flex-1">
              <span id={`${id}-${task.id}`} className="title block text-base break-words">
                {task.title}
              </span>
              <span className="meta mt-1 flex flex-wrap gap-x-3 text-xs text-zinc-500 dark:text-zinc-400">
                {listName(task.list.id) && <span className="in-list">in {listName(task.list.id)}</span>}
                {task.deletedAt && (
                  <span>
                    deleted{' '}
                    <time dateTime={task.deletedAt} title={formatInstant(task.deletedAt)}>
                      {formatAgo(task.deletedAt)}
                    </time>
                  </span>
                )}
              </span>
            </div>
            <button
              type="button"
              className="btn shrink-0"
              disabled={restoring.has(task.id)}
              onClick={() => void restore(task)}
              aria-label={`Restore ${task.title}`}
            >
              Restore
            </button>
          </li>
        ))}
      </ul>
      {loaded?.hasNextPage && (
        <button
          type="button"
          className="btn self-center"
          disabled={loadingMore}
          onClick={async () => {
            setLoadingMore(true);
            try {
              await load(loaded.endCursor);
            } catch (error) {
              setProblem(`Could not load more: ${humanError(error)}`);
            } finally {
              setLoadingMore(false);
            }
          }}
        >
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
      {confirming && (
        <ConfirmDialog
          title="Empty the trash?"
          action="Empty trash"
          busy={purging}
          error={purgeProblem}
          onConfirm={() => void purge()}
          onClose={() => {
            setConfirming(false);
            setPurgeProblem(null);
          }}
        >
          <p>
            The {loaded?.total ?? 0} {loaded?.total === 1 ? 'task' : 'tasks'} in the trash will be deleted for good,
            for everyone who shares their lists. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
