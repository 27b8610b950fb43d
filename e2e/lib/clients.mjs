// GraphQL clients as a frontend sets them up: Apollo Client (HttpLink, BatchHttpLink, the persisted-queries link)
// with the cache policy docs/clients.md recommends, and urql. Each can record the HTTP exchanges it makes, so a test can
// check what went over the wire, not only what the client made of it.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { cacheExchange, Client as UrqlClient, fetchExchange } from '@urql/core';
import { sha256 } from 'crypto-hash';

/**
 * A fetch that records each exchange in `log`: { method, url, headers, body (parsed JSON or null), status,
 * response (parsed JSON or text) }.
 */
export function recordingFetch(log) {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input.url;
    const res = await fetch(input, init);
    const text = await res.clone().text();
    let response = text;
    try {
      response = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    let body = null;
    if (typeof init.body === 'string') {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    }
    log.push({
      method: init.method || 'GET',
      url,
      headers: new Headers(init.headers),
      body,
      status: res.status,
      responseHeaders: res.headers,
      response,
    });
    return res;
  };
}

/** The cache docs/clients.md recommends: tasks paged Relay-style, one list per filter and order. */
export function newCache() {
  return new InMemoryCache({
    typePolicies: { Query: { fields: { tasks: relayStylePagination(['filter', 'orderBy']) } } },
  });
}

function authHeaders(token) {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * Apollo Client over HttpLink (kind 'http'), BatchHttpLink ('batch'), or the persisted-queries link in front of
 * HttpLink ('apq'; `useGET` sends hashed queries with GET). `log` records the HTTP exchanges.
 */
export function apolloClient({ uri, token, kind = 'http', log = [], useGET = false, batchMax = 10 }) {
  const common = { uri, headers: authHeaders(token), fetch: recordingFetch(log) };
  let link;
  switch (kind) {
    case 'http':
      link = new HttpLink(common);
      break;
    case 'batch':
      // batchInterval: operations started within 20 ms go out as one JSON array.
      link = new BatchHttpLink({ ...common, batchMax, batchInterval: 20 });
      break;
    case 'apq':
      link = ApolloLink.from([
        new PersistedQueryLink({ sha256, useGETForHashedQueries: useGET }),
        new HttpLink(common),
      ]);
      break;
    default:
      throw new Error(`unknown link kind ${kind}`);
  }
  const client = new ApolloClient({ link, cache: newCache() });
  client.httpLog = log;
  return client;
}

/** An urql client with the document cache and fetch exchanges. */
export function urqlClient({ url, token, log = [] }) {
  const client = new UrqlClient({
    url,
    exchanges: [cacheExchange, fetchExchange],
    fetch: recordingFetch(log),
    fetchOptions: () => ({ headers: authHeaders(token) }),
    requestPolicy: 'network-only',
    preferGetMethod: false,
  });
  client.httpLog = log;
  return client;
}

/** The `extensions.code` of each GraphQL error an Apollo or urql error carries. */
export function errorCodes(error) {
  const list = error?.errors ?? error?.graphQLErrors ?? [];
  return list.map((e) => e.extensions?.code);
}
