'use client';
// The viewer's lists, for the sidebar and the list pages, kept fresh:
//
// - after each of this tab's list mutations, which refetch `Lists` (refetchQueries: [LISTS]);
// - on the event feed's LIST_ADDED, LIST_UPDATED and LIST_REMOVED (useTaskEvents calls `refreshLists`, and for
//   LIST_REMOVED first evicts the list and its tasks), so a list someone else shares, renames, changes the members of
//   or takes away shows at once;
// - after a task changes (countsChanged evicts the lists' pendingCount, which this query then reads again);
// - as a fallback, when the page comes back into view or regains the focus.
import type { ApolloClient } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { useEffect } from 'react';

import { LISTS, type TaskListInfo } from './lists';

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

  const current = data ?? previousData;
  return {
    lists: current?.lists ?? null,
    viewerId: current?.viewer?.id ?? null,
    error: error ?? null,
  };
}
