// Starts GraphiQL on the page served by the graphiql Go package. Kept out of the HTML so the page runs under a
// Content-Security-Policy without 'unsafe-inline'. React, ReactDOM and GraphiQL are the UMD globals loaded before.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var endpoint = new URL(root.getAttribute('data-endpoint') || '/graphql', window.location.href).toString();

  // Radix's scroll lock (used by GraphiQL's dialogs) injects a <style> element and tags it with this nonce, the
  // one the server allowed in this response's style-src.
  var nonceMeta = document.querySelector('meta[name="csp-nonce"]');
  var nonce = nonceMeta && (nonceMeta.nonce || nonceMeta.getAttribute('nonce'));
  if (nonce) {
    window.__webpack_nonce__ = nonce;
  }

  var defaultQuery = [
    '# Queries need a signed-in user: open "Headers" below and add',
    '#   {"Authorization": "Bearer <your token>"}',
    '',
    'query Dashboard {',
    '  viewer { id email name }',
    '  tasks(first: 10) {',
    '    nodes { id title completed priority tags dueAt }',
    '    pageInfo { hasNextPage endCursor }',
    '    totalCount',
    '  }',
    '}',
    '',
  ].join('\n');

  var fetcher = GraphiQL.createFetcher({ url: endpoint });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: true,
    }),
  );
})();
