#!/usr/bin/env node
// Copies the GraphiQL browser bundle and the React UMD builds it needs from e2e/node_modules (installed with
// `npm ci` from the pinned package-lock.json) into httpapi/graphiql/assets/, and records where each file came from,
// its version and its sha256 in httpapi/graphiql/assets/VERSIONS.txt. The Go package embeds these files; its tests
// check them against VERSIONS.txt. Run after changing a pinned version: `npm ci && npm run vendor-graphiql`.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const e2eDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const assetsDir = join(e2eDir, '..', 'httpapi', 'graphiql', 'assets');
const modulesDir = join(e2eDir, 'node_modules');

// [package, file inside the package, name in assets/]. Only self-contained browser builds: the page loads them
// with plain <script> and <link> tags from its own origin.
const files = [
  ['react', 'umd/react.production.min.js', 'react.production.min.js'],
  ['react', 'LICENSE', 'LICENSE-react.txt'],
  ['react-dom', 'umd/react-dom.production.min.js', 'react-dom.production.min.js'],
  ['react-dom', 'LICENSE', 'LICENSE-react-dom.txt'],
  ['graphiql', 'graphiql.min.js', 'graphiql.min.js'],
  ['graphiql', 'graphiql.min.css', 'graphiql.min.css'],
  ['graphiql', 'LICENSE', 'LICENSE-graphiql.txt'],
];

const manifest = JSON.parse(readFileSync(join(e2eDir, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(e2eDir, 'package-lock.json'), 'utf8'));

function pinnedVersion(pkg) {
  const wanted = manifest.dependencies?.[pkg] ?? manifest.devDependencies?.[pkg];
  if (!wanted || !/^\d+\.\d+\.\d+$/.test(wanted)) {
    throw new Error(`${pkg} must be pinned to an exact version in e2e/package.json (found ${wanted ?? 'nothing'})`);
  }
  const locked = lock.packages?.[`node_modules/${pkg}`];
  if (!locked || locked.version !== wanted) {
    throw new Error(`${pkg}: package-lock.json has ${locked?.version ?? 'nothing'}, package.json pins ${wanted}; run npm install`);
  }
  const installed = JSON.parse(readFileSync(join(modulesDir, pkg, 'package.json'), 'utf8')).version;
  if (installed !== wanted) {
    throw new Error(`${pkg}: node_modules has ${installed}, package.json pins ${wanted}; run npm ci`);
  }
  return { version: wanted, integrity: locked.integrity };
}

mkdirSync(assetsDir, { recursive: true });
const lines = [
  '# Third-party files embedded by the graphiql package. Written by e2e/scripts/vendor-graphiql.mjs from the',
  '# versions pinned in e2e/package.json and e2e/package-lock.json; do not edit by hand.',
  '# file  package@version  path in the package  sha256  (package tarball integrity)',
];
for (const [pkg, from, to] of files) {
  const { version, integrity } = pinnedVersion(pkg);
  copyFileSync(join(modulesDir, pkg, from), join(assetsDir, to));
  const sha256 = createHash('sha256').update(readFileSync(join(assetsDir, to))).digest('hex');
  lines.push(`${to}  ${pkg}@${version}  ${from}  sha256:${sha256}  (${integrity})`);
  console.log(`${to} <- ${pkg}@${version}/${from}`);
}
writeFileSync(join(assetsDir, 'VERSIONS.txt'), lines.join('\n') + '\n');
console.log(`wrote ${join(assetsDir, 'VERSIONS.txt')}`);
