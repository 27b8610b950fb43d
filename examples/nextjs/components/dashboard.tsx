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
    <>
      <h1>Dashboard</h1>
      {error && (
        <p role="alert" className="error">
          Could not load the dashboard: {error.message}
        </p>
      )}
      <section aria-labelledby={`${id}-stats`}>
        <h2 id={`${id}-stats`}>Your tasks at a glance</h2>
        {s ? (
          <>
            <dl className="stats">
              <div>
                <dt>Total</dt>
                <dd>{s.total}</dd>
              </div>
              <div>
                <dt>Pending</dt>
                <dd>{s.pending}</dd>
              </div>
              <div>
                <dt>Completed</dt>
                <dd>{s.completed}</dd>
              </div>
              <div>
                <dt>Overdue</dt>
                <dd>{s.overdue}</dd>
              </div>
              <div>
                <dt>Due today</dt>
                <dd>{s.dueToday}</dd>
              </div>
              <div>
                <dt>Completion rate</dt>
                <dd>{Math.round(s.completionRate * 100)}%</dd>
              </div>
            </dl>
            <table>
              <caption>Tasks by priority</caption>
              <thead>
                <tr>
                  <th scope="col">Priority</th>
                  <th scope="col">Tasks</th>
                </tr>
              </thead>
              <tbody>
                {s.byPriority.map((p) => (
                  <tr key={p.priority}>
                    <th scope="row">{PRIORITY_LABEL[p.priority]}</th>
                    <td>{p.count}</td>
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
        <h2 id={`${id}-tags`}>Tags</h2>
        {tags.data?.tags ? (
          tags.data.tags.length ? (
            <ul className="tag-counts" aria-label="Tags">
              {tags.data.tags.map((t) => (
                <li key={t.tag}>
                  <span className="tag">#{t.tag}</span> <span className="count">{t.count}</span>
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
    </>
  );
}
