'use client';
// A task's history in its details panel, newest first, from the API's `history` (who, when, what kind, which
// fields): "Created by Alice", "Changed by Bob · 5 min. ago: title, due date". A few at a time, "Show more" for the
// next page; read again whenever the task changes (its version), so a change arriving live shows here too.
import { useApolloClient } from '@apollo/client/react';
import { useEffect, useId, useState } from 'react';

import { humanError } from '@/lib/errors';
import { formatAgo, formatInstant } from '@/lib/format';
import { displayName } from '@/lib/lists';
import { TASK_HISTORY, type Task, type TaskChange } from '@/lib/operations';

import { useListsContext } from './signed-in-app';

const PAGE = 4;

/** The GraphQL names of a task's fields (TaskChange.fields), as a person calls them. */
export const FIELD_LABELS: Record<string, string> = {
  title: 'title',
  description: 'description',
  priority: 'priority',
  tags: 'tags',
  dueAt: 'due date',
  list: 'list',
  completed: 'done',
  completedAt: 'completion time',
  completedBy: 'completed by',
  recurrence: 'repeat',
  seriesId: 'series',
  reminders: 'your reminder',
  assignee: 'assignee',
  position: 'order',
};

const VERB: Record<string, string> = {
  CREATED: 'Created',
  UPDATED: 'Changed',
  DELETED: 'Deleted',
  RESTORED: 'Restored',
  REMINDER_DUE: 'Reminded',
};

/** The fields of a change in words, each once ("completed" and "completedAt" are one "done"). */
function fieldsText(change: TaskChange): string {
  let fields = change.fields;
  if (fields.includes('completed')) fields = fields.filter((f) => f !== 'completedAt' && f !== 'completedBy');
  return [...new Set(fields.map((f) => FIELD_LABELS[f] ?? f))].join(', ');
}

interface Loaded {
  nodes: TaskChange[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export function TaskHistory({ task }: { task: Task }) {
  const client = useApolloClient();
  const headingId = useId();
  const { viewerId } = useListsContext();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [now, setNow] = useState(() => Date.now());

  // "5 min. ago" moves on while the panel is open.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    let stale = false;
    client
      .query({ query: TASK_HISTORY, variables: { id: task.id, first: PAGE }, fetchPolicy: 'no-cache' })
      .then(({ data }) => {
        if (stale) return;
        const history = data?.task?.history;
        setNow(Date.now());
        setProblem(null);
        setLoaded(history ? { nodes: history.nodes, ...history.pageInfo } : { nodes: [], endCursor: null, hasNextPage: false });
      })
      .catch((error: unknown) => {
        if (!stale) setProblem(`Could not load the history: ${humanError(error)}`);
      });
    return () => {
      stale = true;
    };
  }, [client, task.id, task.version]);

  async function showMore() {
    if (!loaded?.endCursor) return;
    setLoadingMore(true);
    try {
      const { data } = await client.query({
        query: TASK_HISTORY,
        variables: { id: task.id, first: PAGE, after: loaded.endCursor },
        fetchPolicy: 'no-cache',
      });
      const history = data?.task?.history;
      if (history) setLoaded({ nodes: [...loaded.nodes, ...history.nodes], ...history.pageInfo });
    } catch (error) {
      setProblem(`Could not load more of the history: ${humanError(error)}`);
    } finally {
      setLoadingMore(false);
    }
  }

  const who = (change: TaskChange) =>
    !change.actor ? 'the app' : change.actor.id === viewerId ? 'you' : displayName(change.actor);

  return (
    <section aria-labelledby={headingId} className="history flex flex-col gap-2 border-t border-zinc-200 pt-4 dark:border-zinc-800">
      <h3 id={headingId} className="label uppercase tracking-wide">
        History
      </h3>
      {problem && (
        <p role="alert" className="field-error">
          {problem}
        </p>
      )}
      {!loaded && !problem && <p className="text-xs text-zinc-500 dark:text-zinc-400">Loading…</p>}
      {loaded && (
        <ol className="flex flex-col gap-1 text-xs text-zinc-600 dark:text-zinc-400" aria-label="Changes">
          {loaded.nodes.map((change, i) => {
            const fields = change.kind === 'UPDATED' ? fieldsText(change) : '';
            return (
              <li key={`${change.at}-${i}`} className="change">
                {VERB[change.kind] ?? change.kind} by <strong className="text-zinc-800 dark:text-zinc-200">{who(change)}</strong>
                {' · '}
                <time dateTime={change.at} title={formatInstant(change.at)}>
                  {formatAgo(change.at, now)}
                </time>
                {fields && <>: {fields}</>}
              </li>
            );
          })}
          {loaded.nodes.length === 0 && <li>No changes recorded.</li>}
        </ol>
      )}
      {loaded?.hasNextPage && (
        <button type="button" className="btn self-start text-xs" onClick={showMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Show more'}
        </button>
      )}
    </section>
  );
}
