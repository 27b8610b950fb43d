// The Apollo Client the signed-in pages share. Its links:
//
//   subscription? ── yes ─> GraphQLWsLink (graphql-ws; the token goes in connection_init, fetched afresh on every
//        │                  connection, so a socket the API closed at the token's exp reconnects with a new one)
//        no
//        └─> auth link (Authorization: Bearer <token>; one retry with a new token when the API answers 401)
//              └─> context.batch? ── yes ─> BatchHttpLink (queries started within 20 ms share one POST)
//                                    no ──> HttpLink
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, ServerError } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { OperationTypeNode } from 'graphql';
import { catchError, from, mergeMap, of, throwError, type Observable } from 'rxjs';

import type { AccessTokens } from './tokens';

/** What a response or an error from the API looks like when the token was refused. */
function refusedToken(value: unknown): boolean {
  const hasCode = (result: unknown): boolean =>
    Array.isArray(result)
      ? result.some(hasCode)
      : !!result &&
        typeof result === 'object' &&
        Array.isArray((result as { errors?: unknown[] }).errors) &&
        (result as { errors: { extensions?: { code?: string } }[] }).errors.some(
          (e) => e?.extensions?.code === 'UNAUTHENTICATED',
        );
  if (ServerError.is(value)) return value.statusCode === 401;
  // A batch refused whole comes back as one error object where BatchHttpLink expected an array.
  if (value instanceof Error && 'result' in value) return hasCode((value as { result: unknown }).result);
  return hasCode(value);
}

/**
 * Puts the token on every HTTP operation. When the API refuses it (the token expired early, a key was rotated, the
 * session was revoked), the link drops it, fetches a new one and sends the operation once more; a second refusal
 * goes to the caller as it is.
 */
export function authLink(tokens: AccessTokens): ApolloLink {
  return new ApolloLink((operation, forward) => {
    const send = (token: string): Observable<ApolloLink.Result> => {
      operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
        headers: { ...headers, authorization: `Bearer ${token}` },
      }));
      return forward(operation);
    };
    const retryWithNewToken = (token: string) => {
      tokens.refused(token);
      return from(tokens.get()).pipe(mergeMap(send));
    };
    return from(tokens.get()).pipe(
      mergeMap((token) =>
        send(token).pipe(
          mergeMap((result) => (refusedToken(result) ? retryWithNewToken(token) : of(result))),
          catchError((error: unknown) => (refusedToken(error) ? retryWithNewToken(token) : throwError(() => error))),
        ),
      ),
    );
  });
}

/** The socket URL that belongs to the HTTP endpoint: http(s)://host/graphql becomes ws(s)://host/graphql. */
export function webSocketURL(graphqlURL: string): string {
  const url = new URL(graphqlURL);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export interface TaskApiClient {
  apollo: ApolloClient;
  ws: WsClient;
  /** Closes the socket and empties the cache (sign-out). */
  dispose(): Promise<void>;
}

export function createTaskApiClient(graphqlURL: string, tokens: AccessTokens): TaskApiClient {
  let socketToken: string | undefined;
  const ws = createClient({
    url: webSocketURL(graphqlURL),
    // A function, so that every (re)connection sends the token as it is then, not the one of the first connect.
    connectionParams: async () => {
      socketToken = await tokens.get();
      return { Authorization: `Bearer ${socketToken}` };
    },
    on: {
      // 4403: the API refused the token or it reached its exp. Drop it, so that the next connection fetches another.
      closed: (event) => {
        if ((event as CloseEvent | undefined)?.code === 4403 && socketToken) tokens.refused(socketToken);
      },
    },
    // The subscription itself reconnects (see useTaskEvents): it resumes after the last event it applied, which a
    // retry inside graphql-ws could not do, since it re-sends the subscription with the variables it began with.
    retryAttempts: 0,
  });

  const http = ApolloLink.split(
    (operation) => operation.getContext().batch === true,
    new BatchHttpLink({ uri: graphqlURL, batchMax: 10, batchInterval: 20 }),
    new HttpLink({ uri: graphqlURL }),
  );
  const link = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(ws),
    authLink(tokens).concat(http),
  );

  const apollo = new ApolloClient({
    link,
    cache: new InMemoryCache({
      // One list per filter and order, paged through edges with first/after.
      typePolicies: { Query: { fields: { tasks: relayStylePagination(['filter', 'orderBy']) } } },
    }),
  });

  return {
    apollo,
    ws,
    async dispose() {
      await ws.dispose();
      await apollo.clearStore();
      tokens.clear();
    },
  };
}
