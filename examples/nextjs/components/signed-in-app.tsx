'use client';
// Everything the signed-in pages share: the token source, the Apollo Client, the live event feed, the navigation,
// and the in-page notifications for reminders.
import { ApolloProvider } from '@apollo/client/react';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { createContext, useContext, useState, type ReactNode } from 'react';

import { createTaskApiClient, type TaskApiClient } from '@/lib/apollo';
import { authClient } from '@/lib/auth-client';
import { AccessTokens } from '@/lib/tokens';
import { useTaskEvents, type TaskEvents } from '@/lib/use-task-events';

const LiveContext = createContext<TaskEvents | null>(null);

/** The live event feed's state (status, reminders) for components under SignedInApp. */
export function useLive(): TaskEvents {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside SignedInApp');
  return live;
}

export function SignedInApp({
  graphqlURL,
  user,
  children,
}: {
  graphqlURL: string;
  user: { email: string; name: string };
  children: ReactNode;
}) {
  // One client per signed-in page load, kept while moving between the signed-in pages; sign-out disposes of it
  // (socket closed, cache and token dropped).
  const [api] = useState<TaskApiClient>(() => createTaskApiClient(graphqlURL, new AccessTokens()));

  return (
    <ApolloProvider client={api.apollo}>
      <Shell api={api} user={user}>
        {children}
      </Shell>
    </ApolloProvider>
  );
}

function Shell({ api, user, children }: { api: TaskApiClient; user: { email: string; name: string }; children: ReactNode }) {
  const live = useTaskEvents(api.ws);
  const router = useRouter();
  const pathname = usePathname();
  const [signingOut, setSigningOut] = useState(false);

  async function signOut() {
    setSigningOut(true);
    await authClient.signOut();
    await api.dispose();
    router.replace('/sign-in');
    router.refresh();
  }

  const statusText = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' }[live.status];
  return (
    <LiveContext.Provider value={live}>
      <header className="app-header">
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href="/tasks" aria-current={pathname === '/tasks' ? 'page' : undefined}>
                Tasks
              </Link>
            </li>
            <li>
              <Link href="/dashboard" aria-current={pathname === '/dashboard' ? 'page' : undefined}>
                Dashboard
              </Link>
            </li>
          </ul>
        </nav>
        <p className="who">
          Signed in as <strong>{user.email}</strong>{' '}
          <button type="button" onClick={signOut} disabled={signingOut}>
            Sign out
          </button>
        </p>
        <p className="live" data-status={live.status}>
          Updates: <span>{statusText}</span>
        </p>
      </header>
      <section aria-label="Notifications" aria-live="polite" className="notifications">
        {live.reminders.map((n) => (
          <div key={n.key} role="status" className="notification">
            <p>
              Reminder: <strong>{n.task.title}</strong>
              {n.task.dueAt ? <> is due {new Date(n.task.dueAt).toLocaleString()}</> : null}
            </p>
            <button type="button" onClick={() => live.dismiss(n.key)} aria-label={`Dismiss reminder for ${n.task.title}`}>
              Dismiss
            </button>
          </div>
        ))}
      </section>
      <main>{live.ready ? children : <p>Loading…</p>}</main>
    </LiveContext.Provider>
  );
}
