// What went wrong, in words a person can act on, instead of an error code or a transport's message.
import { CombinedGraphQLErrors } from '@apollo/client';

import type { UserError } from './operations';

export const FORBIDDEN_MESSAGE = 'You can view this list but not change its tasks: ask its owner to make you an editor.';
export const OFFLINE_MESSAGE = 'You are offline: the change is sent when the connection is back.';

const BY_CODE: Record<string, string> = {
  FORBIDDEN: FORBIDDEN_MESSAGE,
  NOT_FOUND: 'That task is no longer there: someone may have deleted it, or you no longer share its list.',
  UNAUTHENTICATED: 'Your session has ended: sign in again.',
  CONFLICT: 'Someone changed this task meanwhile.',
};

/** Whether `error` is the network failing (offline, the API unreachable) rather than the API refusing. */
export function isNetworkError(error: unknown): boolean {
  if (typeof navigator !== 'undefined' && navigator.onLine === false) return true;
  return error instanceof TypeError || (error instanceof Error && /failed to fetch|network/i.test(error.message));
}

/** A failed request in words: a refusal by its code, a network failure as such, anything else as it came. */
export function humanError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    for (const e of error.errors) {
      const code = e.extensions?.code;
      if (typeof code === 'string' && BY_CODE[code]) return BY_CODE[code];
    }
  }
  if (isNetworkError(error)) return 'The task service cannot be reached: check the connection and try again.';
  return error instanceof Error ? error.message : String(error);
}

/** userErrors with the codes humanError words worded the same way. */
export function explain(errors: UserError[]): UserError[] {
  return errors.map((e) => (e.code === 'FORBIDDEN' ? { ...e, message: FORBIDDEN_MESSAGE } : e));
}
