// Small assertions shared by the tests.
import assert from 'node:assert/strict';

/** DateTime output: UTC, RFC 3339 with milliseconds and Z. */
export const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function assertDateTime(value, what) {
  assert.match(value, ISO_MILLIS, `${what} is not UTC RFC 3339 with milliseconds: ${value}`);
}

/** Asserts that `error` (Apollo's CombinedGraphQLErrors or urql's CombinedError) holds exactly one error of `code`. */
export function assertOneError(error, code, what = 'the operation') {
  assert.ok(error, `${what}: expected a ${code} error, got none`);
  const list = error.errors ?? error.graphQLErrors ?? [];
  assert.equal(list.length, 1, `${what}: expected one error, got ${JSON.stringify(list)}`);
  assert.equal(list[0].extensions?.code, code, `${what}: ${JSON.stringify(list[0])}`);
  return list[0];
}

/** Sorted copy, for comparing sets of ids or tags. */
export function sorted(list) {
  return [...list].sort();
}

/** Polls fn until it returns without throwing, for at most `ms`; rethrows the last error. */
export async function eventually(fn, { ms = 10_000, every = 250 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, every));
    }
  }
}
