// The task API's access token in the browser: fetched from Better Auth, kept in memory (never in storage that a
// script injected elsewhere could read), reused until shortly before it expires, and fetched again then or when the
// API says it is no longer good (a 401). Concurrent callers share one fetch.
import { authClient } from './auth-client';

interface Held {
  token: string;
  /** Milliseconds since the epoch from which a new token is fetched instead. */
  renewAt: number;
}

/** Fetches a new JWT for the signed-in user; throws when there is no session. */
export type TokenFetcher = () => Promise<string>;

export const fetchBetterAuthToken: TokenFetcher = async () => {
  const { data, error } = await authClient.token();
  if (error || !data?.token) throw new Error(`no token from Better Auth (${error?.status ?? 'no data'}): sign in again`);
  return data.token;
};

// Renew a quarter of the lifetime before exp, at most a minute and at least a second early: early enough that a
// request never leaves with a token that expires on the way, late enough that a 15-minute token is fetched about
// once every 14 minutes.
function renewAt(token: string, now: number): number {
  const { exp, iat } = claims(token);
  if (typeof exp !== 'number') return now; // not a token we can schedule: fetch a new one next time
  const issued = typeof iat === 'number' ? iat * 1000 : now;
  const lifetime = exp * 1000 - issued;
  const margin = Math.min(60_000, Math.max(1_000, lifetime / 4));
  return exp * 1000 - margin;
}

/** The payload of a JWT, unverified: the client only reads its times; the API verifies it. */
export function claims(token: string): { exp?: number; iat?: number; sub?: string } {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json);
  } catch {
    return {};
  }
}

export class AccessTokens {
  private held?: Held;
  private pending?: Promise<string>;

  constructor(
    private readonly fetchToken: TokenFetcher = fetchBetterAuthToken,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token that is good for a while yet: the held one, or a fresh one. */
  get(): Promise<string> {
    if (this.held && this.now() < this.held.renewAt) return Promise.resolve(this.held.token);
    return this.renew();
  }

  /**
   * Forgets `token` after the API refused it, so that the next get() fetches a new one. A token other than the
   * held one (a request that raced a renewal) changes nothing.
   */
  refused(token: string): void {
    if (this.held?.token === token) this.held = undefined;
  }

  /** Forgets everything (sign-out). */
  clear(): void {
    this.held = undefined;
    this.pending = undefined;
  }

  private renew(): Promise<string> {
    if (!this.pending) {
      const pending = this.fetchToken().then(
        (token) => {
          if (this.pending === pending) this.held = { token, renewAt: renewAt(token, this.now()) };
          return token;
        },
      );
      this.pending = pending;
      pending.then(
        () => {
          if (this.pending === pending) this.pending = undefined;
        },
        () => {
          if (this.pending === pending) this.pending = undefined;
        },
      );
    }
    return this.pending;
  }
}
