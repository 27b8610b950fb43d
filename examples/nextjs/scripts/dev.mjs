// npm run dev: the task API and this app together, for local development. The API (go run ./cmd/server from the
// repository root) keeps its data in an embedded SQLite database under data/api and verifies tokens against this
// app's Better Auth; the app (next dev) sends the browser to the API across origins, which CORS_ORIGINS allows.
// Ctrl-C stops both; so does either one exiting.
//
// APP_PORT (default 3000) and API_PORT (default 8080) choose the ports; DATABASE_URL, if set, points the API at
// PostgreSQL instead. Both listen on loopback only (127.0.0.1), so nobody else on the network reaches a development
// server; APP_HOST (and HOST for the API) open them wider when that is what you want, e.g. APP_HOST=0.0.0.0 to try
// the app from a phone.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const exampleDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = join(exampleDir, '..', '..');
const appPort = process.env.APP_PORT || '3000';
const apiPort = process.env.API_PORT || '8080';
const appHost = process.env.APP_HOST || '127.0.0.1';
const appURL = `http://localhost:${appPort}`;

const { BETTER_AUTH_SECRET: _authSecret, ...shared } = process.env;
const children = [
  start('api', 'go', ['run', './cmd/server'], {
    cwd: repoDir,
    // Not BETTER_AUTH_SECRET: that is the app's cookie secret, and the API would take it as an HS256 key.
    env: {
      ...shared,
      PORT: apiPort,
      HOST: process.env.HOST || '127.0.0.1',
      DATA_DIR: process.env.DATA_DIR || join(exampleDir, 'data', 'api'),
      BETTER_AUTH_URL: appURL,
      CORS_ORIGINS: appURL,
      // Nothing balances load in front of it: stop at once on Ctrl-C instead of draining for 5 s.
      SHUTDOWN_GRACE: process.env.SHUTDOWN_GRACE || '0s',
    },
  }),
  start('app', process.execPath, [createRequire(import.meta.url).resolve('next/dist/bin/next'), 'dev', '-H', appHost, '-p', appPort], {
    cwd: exampleDir,
    env: { ...process.env, BETTER_AUTH_URL: appURL, GRAPHQL_URL: `http://localhost:${apiPort}/graphql` },
  }),
];
console.log(`dev: the app on ${appURL}, the API on http://localhost:${apiPort}/graphql (GraphiQL at /)`);

let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) signal(child, 'SIGTERM');
  const timer = setTimeout(() => children.forEach((c) => signal(c, 'SIGKILL')), 10_000);
  timer.unref();
  Promise.all(children.map((c) => c.exited)).then(() => process.exit(code));
}
process.on('SIGINT', () => stopAll(130));
process.on('SIGTERM', () => stopAll(143));

/** Starts a command in a process group of its own, so that stopping it stops what it started (go run's binary). */
function start(name, command, args, options) {
  const child = spawn(command, args, { ...options, stdio: 'inherit', detached: true });
  child.exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('exit', (code, sig) => {
    if (!stopping) console.error(`dev: ${name} exited (${sig ?? code}); stopping the other one`);
    stopAll(code ?? 1);
  });
  return child;
}

function signal(child, sig) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}
