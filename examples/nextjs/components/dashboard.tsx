'use client';
// The dashboard: counts (taskStats) and tags, two queries that go to the API in one HTTP request through
// BatchHttpLink (context.batch). Both refresh when a change is made here or arrives over the event feed.
import { useQuery } from '@apollo/client/react';
import { useId } from 'react';

import { browserTimeZone } from '@/lib/format';
import { TAGS, TASK_STATS } from '@/lib/operations';

const PRIORITY_LABEL = { LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High' } as const;

export function Dashboard() {
  const id = useId();
  const stats = useQuery(TASK_STATS, {
    variables: { timeZone: browserTimeZone() },
    context: { batch: true },
    fetchPolicy: 'cache-and-network',
  });
  const tags = useQuery(TAGS, { context: { batch: true }, fetchPolicy: 'cache-and-network' });
  const s = stats.data?.taskStats;
  const error = stats.error ?? tags.error;

  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-6 px-4 py-6 sm:px-6">
      <h1 className="text-xl font-semibold">Dashboard</h1>
      {error && (
        <p role="alert" className="field-error">
          Could not load the dashboard: {error.message}
        </p>
      )}
      <section aria-labelledby={`${id}-stats`}>
        <h2 id={`${id}-stats`} className="mb-3 text-base font-semibold">Your tasks at a glance</h2>
        {s ? (
          <>
            <dl className="stats grid grid-cols-2 gap-3 sm:grid-cols-3">
              <div className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Total</dt>
                <dd className="text-xl font-semibold">{s.total}</dd>
              </div>
              <div className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Pending</dt>
                <dd className="text-xl font-semibold">{s.pending}</dd>
              </div>
              <div className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Completed</dt>
                <dd className="text-xl font-semibold">{s.completed}</dd>
              </div>
              <div className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Overdue</dt>
                <dd className="text-xl font-semibold">{s.overdue}</dd>
              </div>
              <div className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Due today</dt>
                <dd className="text-xl font-semibold">{s.dueToday}</dd>
              </div>
              <div className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Completion rate</dt>
                <dd className="text-xl font-semibold">{Math.round(s.completionRate * 100)}%</dd>
              </div>
            </dl>
            <table className="mt-6 w-full max-w-sm text-left text-sm">
              <caption className="label text-left">Tasks by priority</caption>
              <thead>
                <tr>
                  <th scope="col" className="border-b border-zinc-200 py-1 font-medium dark:border-zinc-800">Priority</th>
                  <th scope="col" className="border-b border-zinc-200 py-1 font-medium dark:border-zinc-800">Tasks</th>
                </tr>
              </thead>
              <tbody>
                {s.byPriority.map((p) => (
                  <tr key={p.priority}>
                    <th scope="row" className="border-b border-zinc-200 py-1 font-normal dark:border-zinc-800">{PRIORITY_LABEL[p.priority]}</th>
                    <td className="border-b border-zinc-200 py-1 dark:border-zinc-800">{p.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : (
          !error && <p>Loading…</p>
        )}
      </section>
      <section aria-labelledby={`${id}-tags`}>
        <h2 id={`${id}-tags`} className="mb-3 text-base font-semibold">Tags</h2>
        {tags.data?.tags ? (
          tags.data.tags.length ? (
            <ul className="tag-counts flex flex-wrap gap-2" aria-label="Tags">
              {tags.data.tags.map((t) => (
                <li key={t.tag} className="rounded-full border border-zinc-300 px-3 py-1 dark:border-zinc-700">
                  <span className="tag">#{t.tag}</span> <span className="count text-zinc-500 dark:text-zinc-400">{t.count}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p>No tags yet.</p>
          )
        ) : (
          !error && <p>Loading…</p>
        )}
      </section>
    </div>
  );
}
