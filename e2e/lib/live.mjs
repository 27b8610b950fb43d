// Live-update clients as a frontend sets them up: graphql-ws (the graphql-transport-ws client that Apollo Client's
// GraphQLWsLink and urql's subscriptionExchange use) over the `ws` package, since Node 20 has no WebSocket of its
// own, and graphql-sse in its distinct connections mode. A Feed records what one subscription delivers.
import { createClient as createSSEClient } from 'graphql-sse';
import { createClient as createWSClient } from 'graphql-ws';
import WebSocket from 'ws';

/** The viewer's feed, with what a client needs to apply each event and to resume after it. */
export const TASK_EVENTS = `subscription TaskEvents($after: String) {
  taskEvents(after: $after) { cursor kind taskId task { id title completed } }
}`;

/** A WebSocket class for graphql-ws that sends `headers` with the upgrade request, as a server-side client can. */
function webSocketWithHeaders(headers) {
  return class extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { headers });
    }
  };
}

/**
 * A graphql-ws client of `server` that does not retry, so that every close reaches the subscriber. `token` goes in
 * the connection_init payload as the contract says ({"Authorization": "Bearer <token>"}); `connectionParams`
 * replaces that payload; `headers` are sent with the upgrade request. `closes` collects the close codes.
 */
export function wsClient(server, { token, connectionParams, headers, closes = [], ...options } = {}) {
  const client = createWSClient({
    url: server.graphqlURL.replace(/^http/, 'ws'),
    webSocketImpl: headers ? webSocketWithHeaders(headers) : WebSocket,
    connectionParams: connectionParams ?? (token ? () => ({ Authorization: `Bearer ${token}` }) : undefined),
    retryAttempts: 0,
    on: { closed: (event) => closes.push(event.code) },
    ...options,
  });
  client.closes = closes;
  return client;
}

/** A graphql-sse client of `server`'s /graphql/stream that does not retry, with `token` in the Authorization header. */
export function sseClient(server, { token } = {}) {
  return createSSEClient({
    url: `${server.url}/graphql/stream`,
    headers: () => (token ? { Authorization: `Bearer ${token}` } : {}),
    retryAttempts: 0,
  });
}

/**
 * One taskEvents subscription through `client` (graphql-ws or graphql-sse): `events` holds the events in the order
 * they came, `errors` the GraphQL errors (sent as a result or as the subscription's error), `failure` anything
 * else it ended with (a CloseEvent, a NetworkError), and `ended` resolves when it is over.
 */
export class Feed {
  constructor(client, variables = {}, query = TASK_EVENTS) {
    this.events = [];
    this.errors = [];
    this.failure = undefined;
    this.over = false;
    this.ended = new Promise((resolve) => {
      const end = () => {
        this.over = true;
        resolve();
      };
      this.unsubscribe = client.subscribe(
        { query, variables },
        {
          next: (result) => {
            if (result.errors) this.errors.push(...result.errors);
            if (result.data?.taskEvents) this.events.push(result.data.taskEvents);
          },
          error: (err) => {
            if (Array.isArray(err)) this.errors.push(...err);
            else this.failure = err;
            end();
          },
          complete: end,
        },
      );
    });
  }

  /** The events' [kind, title or null] pairs. */
  get summary() {
    return this.events.map((e) => [e.kind, e.task?.title ?? null]);
  }

  /** Waits (at most `ms`) until pred(this) holds; fails with what was delivered so far. */
  async until(pred, what, ms = 20_000) {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${what}: events ${JSON.stringify(this.summary)}, errors ${JSON.stringify(this.errors)}, ` +
            `ended ${this.over}, failure ${this.failure?.code ?? this.failure?.message ?? 'none'}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return this;
  }
}
