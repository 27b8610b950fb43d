'use client';
// The viewer's lists, for the sidebar and the list pages, kept fresh:
//
// - after each of this tab's list mutations, which refetch `Lists` (refetchQueries: [LISTS]);
// - on the event feed's LIST_ADDED, LIST_UPDATED and LIST_REMOVED (useTaskEvents calls `refreshLists`, and for
//   LIST_REMOVED first evicts the list and its tasks), so a list someone else shares, renames, changes the members of
//   or takes away shows at once;
// - after tasks change (countsChanged): once the changes pause for COUNTS_QUIET_MS, one read of the lists, never
//   joined to a request already on its way (Apollo's deduplication would hand back an answer read before the
//   change), one at a time, and another when more changes came while it was out, so that the last answer is read
//   after the last change; a burst of changes (a mutation's answer and its event, a bulk action) costs one read;
// - as a fallback, when the page comes back into view or regains the focus.
import type { ApolloClient } from '@apollo/client';
import { useApolloClient, useQuery } from '@apollo/client/react';
import { useEffect } from 'react';

import { LISTS, type TaskListInfo } from './lists';
import { onCountsChanged } from './task-cache';

export interface Lists {
  /** null until the first answer. */
  lists: TaskListInfo[] | null;
  /** The signed-in person's user id (`viewer.id`, the token's `sub`). */
  viewerId: string | null;
  error: Error | null;
}

/** Asks the API for the lists again; the sidebar and the list pages follow the cache. */
export function refreshLists(client: ApolloClient): Promise<unknown> {
  return client.refetchQueries({ include: [LISTS] });
}

// A focus and a visibilitychange usually come together: one refetch for both.
const MIN_GAP_MS = 1000;

// How long task changes must pause before the lists' pending counts are read again.
const COUNTS_QUIET_MS = 250;

export function useLists(enabled: boolean): Lists {
  const { data, previousData, error, refetch } = useQuery(LISTS, {
    skip: !enabled,
    fetchPolicy: 'cache-and-network',
    nextFetchPolicy: 'cache-first',
  });

  useEffect(() => {
    if (!enabled) return;
    let last = Date.now();
    const again = () => {
      if (document.visibilityState !== 'visible' || Date.now() - last < MIN_GAP_MS) return;
      last = Date.now();
      refetch().catch((e: Error) => console.warn('lists:', e.message));
    };
    window.addEventListener('focus', again);
    document.addEventListener('visibilitychange', again);
    return () => {
      window.removeEventListener('focus', again);
      document.removeEventListener('visibilitychange', again);
    };
  }, [enabled, refetch]);

  const client = useApolloClient();
  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let reading = false;
    let changedMeanwhile = false;
    let stopped = false;
    const read = async () => {
      reading = true;
      changedMeanwhile = false;
      try {
        await client.query({ query: LISTS, fetchPolicy: 'network-only', context: { queryDeduplication: false } });
      } catch (e) {
        console.warn('lists:', (e as Error).message);
      } finally {
        reading = false;
        if (changedMeanwhile) schedule();
      }
    };
    const schedule = () => {
      if (stopped) return;
      if (reading) {
        changedMeanwhile = true;
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(() => void read(), COUNTS_QUIET_MS);
    };
    const stop = onCountsChanged(schedule);
    return () => {
      stopped = true;
      stop();
      clearTimeout(timer);
    };
  }, [enabled, client]);

  const current = data ?? previousData;
  return {
    lists: current?.lists ?? null,
    viewerId: current?.viewer?.id ?? null,
    error: error ?? null,
  };
}
