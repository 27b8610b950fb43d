'use client';
// Follows the viewer's event feed over the taskEvents subscription and applies each event to the cache, so that
// what another tab or device changes shows here without a reload.
//
// Gap-free: before any list is loaded, the feed position is read (taskEventCursor); the subscription replays
// everything after it, so a change made between loading a list and subscribing is not missed. After a dropped
// connection (network, the API restarting, the token reaching exp) it resubscribes after the last event applied.
import { useApolloClient } from '@apollo/client/react';
import type { Client as WsClient } from 'graphql-ws';
import { useEffect, useRef, useState } from 'react';

import { TASK_EVENT_CURSOR, TASK_EVENTS, TASKS, type Reminder, type Task, type TaskEvent } from './operations';
import { countsChanged, evictList, placeTask, refreshTask, removeTask, restoreTaskInCache } from './task-cache';
import { refreshLists } from './use-lists';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export interface ReminderNotice {
  key: string;
  task: Task;
  reminder: Reminder | null;
}

export interface TaskEvents {
  /** True once the feed position is known (or could not be read): lists may load from then on. */
  ready: boolean;
  status: LiveStatus;
  reminders: ReminderNotice[];
  dismiss(key: string): void;
}

// Reconnect after 0.5 s, 1 s, 2 s ... up to 30 s, each with up to half again at random so that many tabs dropped
// by one restart do not come back in step.
function backoff(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return base + Math.random() * base * 0.5;
}

type EventListener = (event: TaskEvent) => void;
const listeners = new Set<EventListener>();
/**
 * Calls `listener` with each DELETED and RESTORED event applied from now on (the trash view reloads on them);
 * returns the function that stops it.
 */
export function onTrashEvent(listener: EventListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function notify(event: TaskEvent) {
  for (const listener of listeners) listener(event);
}

/** `ws` is the socket client the subscription goes over (createTaskApiClient's), watched for the live status. */
export function useTaskEvents(ws: WsClient): TaskEvents {
  const client = useApolloClient();
  const [ready, setReady] = useState(false);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [reminders, setReminders] = useState<ReminderNotice[]>([]);
  const cursor = useRef<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let subscription: { unsubscribe(): void } | undefined;
    let attempt = 0;

    const apply = (event: TaskEvent) => {
      const { cache } = client;
      switch (event.kind) {
        case 'CREATED':
        case 'UPDATED':
          if (event.task) placeTask(cache, event.task);
          countsChanged(cache);
          break;
        case 'DELETED':
          if (event.taskId) removeTask(cache, event.taskId, { at: event.at });
          countsChanged(cache);
          notify(event);
          break;
        case 'RESTORED':
          // Back from the trash (restored here, in another tab, or by another member): into the lists it belongs in.
          if (event.task) restoreTaskInCache(cache, event.task);
          notify(event);
          break;
        case 'REMINDER_DUE':
          if (event.task) refreshTask(cache, event.task);
          if (event.task) {
            // Keyed by the reminder: a replayed event does not notify twice.
            const notice = { key: event.reminder?.id ?? event.cursor, task: event.task, reminder: event.reminder };
            setReminders((list) => (list.some((n) => n.key === notice.key) ? list : [...list, notice]));
          }
          break;
        case 'LIST_ADDED':
          // A list shared with the viewer (or made in another tab): the sidebar gets it, and the lists of tasks on
          // screen load again to include its tasks (ones not on screen reload when shown: cache-and-network).
          void refreshLists(client);
          void client.refetchQueries({ include: [TASKS] });
          break;
        case 'LIST_UPDATED':
          // Its name, its members or the viewer's role: the sidebar and the list's page follow the cache.
          void refreshLists(client);
          break;
        case 'LIST_REMOVED':
          // No DELETED follows for its tasks: they and the list go from the cache now. A page showing the list
          // says it is no longer available; the lists of tasks on screen reload for counts of tasks not loaded.
          if (event.listId) evictList(cache, event.listId);
          void refreshLists(client);
          void client.refetchQueries({ include: [TASKS] });
          break;
        case 'RESET':
          // The feed no longer reaches back to our cursor: what is shown may be missing changes. Load it again.
          void client.refetchQueries({ include: 'active' });
          break;
      }
    };

    const subscribe = () => {
      if (stopped) return;
      const startedAt = Date.now();
      // no-cache: apply() writes each event itself, after reading what the cache held before it.
      const events = client.subscribe({ query: TASK_EVENTS, variables: { after: cursor.current }, fetchPolicy: 'no-cache' });
      subscription = events.subscribe({
        next: ({ data, error }) => {
          const event = data?.taskEvents;
          if (event) {
            setStatus('live');
            apply(event);
            cursor.current = event.cursor;
          } else if (error) {
            console.warn('task events:', error.message);
          }
        },
        // Apollo ends the stream after a transport error; so does the API when it refuses this subscription.
        complete: () => {
          if (stopped) return;
          setStatus('reconnecting');
          // A subscription that held for a while starts the backoff over; one refused at once waits longer each time.
          if (Date.now() - startedAt > 60_000) attempt = 0;
          timer = setTimeout(subscribe, backoff(attempt++));
        },
      });
    };

    const offConnected = ws.on('connected', () => setStatus('live'));

    client
      .query({ query: TASK_EVENT_CURSOR, fetchPolicy: 'network-only' })
      .then(({ data }) => {
        cursor.current = data?.taskEventCursor ?? null;
      })
      .catch((error: Error) => console.warn('task event cursor:', error.message))
      .finally(() => {
        if (stopped) return;
        setReady(true);
        subscribe();
      });

    return () => {
      stopped = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
      offConnected();
    };
  }, [client, ws]);

  return {
    ready,
    status,
    reminders,
    dismiss: (key) => setReminders((list) => list.filter((n) => n.key !== key)),
  };
}
