// Settings the server-rendered pages read at request time, so that one build runs against any API.

/** The API's GraphQL endpoint as the browser reaches it. */
export function graphqlURL(): string {
  return process.env.GRAPHQL_URL || 'http://localhost:8080/graphql';
}
