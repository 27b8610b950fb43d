'use client';
// Everything the signed-in pages share: the token source, the Apollo Client, the live event feed, the viewer's lists
// (useListsContext), the layout (a sidebar of lists and views, collapsed behind a Menu button on a phone), the toasts
// (reminders, "Deleted ... Undo") and the delete whose Undo restores the task from the trash.
import { ApolloProvider, useApolloClient } from '@apollo/client/react';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

import { createTaskApiClient, type TaskApiClient } from '@/lib/apollo';
import { authClient } from '@/lib/auth-client';
import { formatInstant } from '@/lib/format';
import { humanError } from '@/lib/errors';
import { DELETE_TASK, RESTORE_TASK, type Task } from '@/lib/operations';
import { countsChanged, removeTask, restoreTaskInCache } from '@/lib/task-cache';
import { AccessTokens } from '@/lib/tokens';
import { useLists, type Lists } from '@/lib/use-lists';
import { useTaskEvents, type TaskEvents } from '@/lib/use-task-events';

import { ListNav, navLink } from './list-nav';

const LiveContext = createContext<TaskEvents | null>(null);

/** The live event feed's state (status, reminders) for components under SignedInApp. */
export function useLive(): TaskEvents {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside SignedInApp');
  return live;
}

const ListsContext = createContext<Lists | null>(null);

/** The viewer's lists (the sidebar's), for components under SignedInApp. */
export function useListsContext(): Lists {
  const lists = useContext(ListsContext);
  if (!lists) throw new Error('useListsContext outside SignedInApp');
  return lists;
}

/** How long the "Deleted ... Undo" toast stays. */
export const UNDO_WINDOW_MS = 8000;

interface Deletes {
  /** Tasks deleted on the page whose deleteTask is on its way: hidden from the lists already. */
  hidden: ReadonlySet<string>;
  remove(task: Task): void;
}
const DeletesContext = createContext<Deletes | null>(null);

export function useDeletes(): Deletes {
  const deletes = useContext(DeletesContext);
  if (!deletes) throw new Error('useDeletes outside SignedInApp');
  return deletes;
}

interface UndoToast {
  task: Task;
  timer: ReturnType<typeof setTimeout>;
  /** The deleteTask on its way; Undo waits for it before restoring. */
  deleted: Promise<boolean>;
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

/**
 * Delete with undo on the API's trash: deleteTask goes out at once (the task leaves the lists at once too, and
 * every other tab and member sees it go), and the toast's Undo sends restoreTask, which brings it back with its id,
 * series and reminders (and back to the others, as a RESTORED event).
 */
function useUndoableDeletes(): Deletes & { toasts: UndoToast[]; undo(id: string): void; flush(): Promise<void>; problem: string | null } {
  const client = useApolloClient();
  const [toasts, setToasts] = useState<UndoToast[]>([]);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [problem, setProblem] = useState<string | null>(null);
  const pending = useRef(new Map<string, UndoToast>());
  const inFlight = useRef(new Set<string>());

  const dropToast = useCallback((id: string) => {
    const entry = pending.current.get(id);
    if (entry) clearTimeout(entry.timer);
    pending.current.delete(id);
    setToasts((list) => list.filter((t) => t.task.id !== id));
  }, []);

  const unhide = useCallback((id: string) => {
    setHidden((set) => {
      const next = new Set(set);
      next.delete(id);
      return next;
    });
  }, []);

  const remove = useCallback(
    (task: Task) => {
      if (inFlight.current.has(task.id)) return; // a second click while the first delete is on its way
      // A toast still open for an earlier delete of this task (restored since, say from the Trash) gives way.
      dropToast(task.id);
      inFlight.current.add(task.id);
      setProblem(null);
      setHidden((set) => new Set(set).add(task.id));
      const deleted = client
        .mutate({
          mutation: DELETE_TASK,
          variables: { id: task.id },
          update(cache, { data }) {
            if (!data?.deleteTask?.deletedTaskId) return;
            removeTask(cache, task.id);
            countsChanged(cache);
          },
        })
        .then(
          () => true,
          (error: unknown) => {
            setProblem(`Could not delete “${task.title}”: ${humanError(error)}`);
            dropToast(task.id);
            return false;
          },
        )
        .finally(() => {
          inFlight.current.delete(task.id);
          unhide(task.id);
        });
      const toast = { task, deleted, timer: setTimeout(() => dropToast(task.id), UNDO_WINDOW_MS) };
      pending.current.set(task.id, toast);
      setToasts((list) => [...list, toast]);
    },
    [client, dropToast, unhide],
  );

  const undo = useCallback(
    async (id: string) => {
      const entry = pending.current.get(id);
      dropToast(id);
      if (!entry || !(await entry.deleted)) return;
      try {
        const { data } = await client.mutate({
          mutation: RESTORE_TASK,
          variables: { id },
          update(cache, { data }) {
            if (data?.restoreTask?.task) restoreTaskInCache(cache, data.restoreTask.task);
          },
        });
        const problems = data?.restoreTask?.userErrors ?? [];
        if (problems.length) setProblem(`Could not restore “${entry.task.title}”: ${problems.map((e) => e.message).join(' ')}`);
      } catch (error) {
        setProblem(`Could not restore “${entry.task.title}”: ${humanError(error)}`);
      }
    },
    [client, dropToast],
  );

  /** Waits for the deletes on their way (before signing out). */
  const flush = useCallback(async () => {
    await Promise.all([...pending.current.values()].map((t) => t.deleted));
  }, []);

  return { hidden, remove, toasts, undo: (id) => void undo(id), flush, problem };
}

/** Reminders as system notifications when the person allowed them, as toasts on the page otherwise. */
function useReminderNotifications(live: TaskEvents) {
  const [permission, setPermission] = useState<NotificationPermission | 'unsupported'>('unsupported');
  const notified = useRef(new Set<string>());
  useEffect(() => {
    setPermission(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  }, []);
  useEffect(() => {
    if (permission !== 'granted') return;
    for (const n of live.reminders) {
      if (notified.current.has(n.key)) continue;
      notified.current.add(n.key);
      new Notification(`Reminder: ${n.task.title}`, {
        body: n.task.dueAt ? `Due ${formatInstant(n.task.dueAt)}` : undefined,
        tag: n.key,
      });
      live.dismiss(n.key);
    }
  }, [permission, live]);
  const ask = async () => setPermission(await Notification.requestPermission());
  return { permission, ask };
}

function Shell({ api, user, children }: { api: TaskApiClient; user: { email: string; name: string }; children: ReactNode }) {
  const live = useTaskEvents(api.ws);
  const lists = useLists(live.ready);
  const deletes = useUndoableDeletes();
  const notifications = useReminderNotifications(live);
  const router = useRouter();
  const pathname = usePathname();
  const [signingOut, setSigningOut] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => setMenuOpen(false), [pathname]);

  async function signOut() {
    setSigningOut(true);
    await deletes.flush();
    await authClient.signOut();
    await api.dispose();
    router.replace('/sign-in');
    router.refresh();
  }

  const statusText = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' }[live.status];
  return (
    <LiveContext.Provider value={live}>
      <ListsContext.Provider value={lists}>
      <DeletesContext.Provider value={deletes}>
        <div className="flex min-h-dvh flex-col md:flex-row">
          <header className="flex items-center justify-between border-b border-zinc-200 px-4 py-3 md:hidden dark:border-zinc-800">
            <span className="text-base font-semibold">Tasks</span>
            <button
              type="button"
              className="btn"
              aria-expanded={menuOpen}
              aria-controls="sidebar"
              onClick={() => setMenuOpen((open) => !open)}
            >
              Menu
            </button>
          </header>
          <aside
            id="sidebar"
            aria-label="Sidebar"
            className={`${menuOpen ? 'flex' : 'hidden'} flex-col gap-6 border-b border-zinc-200 bg-zinc-50 p-4 md:sticky md:top-0 md:flex md:h-dvh md:w-64 md:shrink-0 md:border-r md:border-b-0 dark:border-zinc-800 dark:bg-zinc-900`}
          >
            <p className="hidden text-base font-semibold md:block">Tasks</p>
            <ListNav lists={lists} pathname={pathname} />
            <nav aria-label="Main">
              <ul className="flex flex-col gap-1">
                <li>
                  <Link href="/dashboard" className={navLink} aria-current={pathname === '/dashboard' ? 'page' : undefined}>
                    Dashboard
                  </Link>
                </li>
                <li>
                  <Link href="/trash" className={navLink} aria-current={pathname === '/trash' ? 'page' : undefined}>
                    Trash
                  </Link>
                </li>
              </ul>
            </nav>
            <div className="mt-auto flex flex-col gap-3 text-xs text-zinc-600 dark:text-zinc-400">
              {notifications.permission === 'default' && (
                <button type="button" className="btn" onClick={notifications.ask}>
                  Turn on reminder notifications
                </button>
              )}
              <p className="live" data-status={live.status}>
                Updates:{' '}
                <span className={live.status === 'live' ? 'text-green-700 dark:text-green-400' : ''}>{statusText}</span>
              </p>
              <p className="who truncate">
                Signed in as <strong className="text-zinc-900 dark:text-zinc-100">{user.email}</strong>
              </p>
              <button type="button" className="btn" onClick={signOut} disabled={signingOut}>
                Sign out
              </button>
            </div>
          </aside>
          <main className="min-w-0 flex-1">{live.ready ? children : <p className="p-6">Loading…</p>}</main>
        </div>
        <section
          aria-label="Notifications"
          aria-live="polite"
          className="pointer-events-none fixed inset-x-0 bottom-0 z-30 flex flex-col items-center gap-2 p-4 sm:items-end"
        >
          {deletes.problem && (
            <p role="alert" className="pointer-events-auto rounded-md bg-red-700 px-4 py-3 text-sm text-white shadow-lg">
              {deletes.problem}
            </p>
          )}
          {live.reminders.map((n) => (
            <div
              key={n.key}
              role="status"
              className="notification pointer-events-auto flex w-full max-w-sm items-center justify-between gap-3 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 shadow-lg dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
            >
              <p>
                Reminder: <strong>{n.task.title}</strong>
                {n.task.dueAt ? <> is due {formatInstant(n.task.dueAt)}</> : null}
              </p>
              <button
                type="button"
                className="btn shrink-0"
                onClick={() => live.dismiss(n.key)}
                aria-label={`Dismiss reminder for ${n.task.title}`}
              >
                Dismiss
              </button>
            </div>
          ))}
          {deletes.toasts.map(({ task }) => (
            <div
              key={task.id}
              role="status"
              className="undo pointer-events-auto flex w-full max-w-sm items-center justify-between gap-3 rounded-md bg-zinc-900 px-4 py-3 text-sm text-white shadow-lg dark:bg-zinc-100 dark:text-zinc-900"
            >
              <p>
                Deleted <strong>{task.title}</strong>
              </p>
              <button
                type="button"
                className="shrink-0 rounded-md px-2 py-1 font-semibold text-accent-400 hover:bg-white/10 dark:text-accent-600"
                onClick={() => deletes.undo(task.id)}
                aria-label={`Undo delete of ${task.title}`}
              >
                Undo
              </button>
            </div>
          ))}
        </section>
      </DeletesContext.Provider>
      </ListsContext.Provider>
    </LiveContext.Provider>
  );
}
