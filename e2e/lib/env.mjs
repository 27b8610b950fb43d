// The world an end-to-end test runs in: a real Better Auth server (email and password, the jwt() plugin at its
// defaults) on a PostgreSQL database of its own, and the real task API binary on another fresh database, verifying
// tokens against Better Auth's JWKS. Everything started here is stopped and dropped by stop().
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { jwt } from 'better-auth/plugins';
import pg from 'pg';

export const e2eDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = join(e2eDir, '..');
export const artifactsDir = join(e2eDir, 'artifacts');

const PGHOST = process.env.PGHOST || '127.0.0.1';
const PGPORT = process.env.PGPORT || '5432';
const PGUSER = process.env.PGUSER || 'root';
// run.sh sets E2E_RUN_ID so that its trap can drop whatever a killed test process left behind.
const RUN_ID = (process.env.E2E_RUN_ID || randomBytes(3).toString('hex')).toLowerCase().replace(/[^a-z0-9]/g, '');

export function databaseURL(name) {
  return `postgres://${encodeURIComponent(PGUSER)}@${PGHOST}:${PGPORT}/${name}?sslmode=disable`;
}

function newDatabaseName(kind) {
  return `e2e_${kind}_${RUN_ID}_${randomBytes(4).toString('hex')}`;
}

/** Runs one statement on the maintenance database, over a connection that is closed when this resolves. */
export async function adminQuery(sql) {
  const client = new pg.Client({ host: PGHOST, port: Number(PGPORT), user: PGUSER, database: 'postgres' });
  // Without a listener, a connection error arriving between statements would be an uncaught exception.
  let lost;
  client.on('error', (err) => {
    lost = err;
  });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    // Client.end() resolves when the socket has closed, unlike Pool.end().
    await client.end();
  }
  if (lost) throw new Error(`maintenance connection failed during ${sql}: ${lost.message}`, { cause: lost });
}

/** Creates an empty database named e2e_<kind>_<run id>_<random> (run.sh drops what a killed run leaves). */
export async function createDatabase(kind) {
  const name = newDatabaseName(kind);
  await adminQuery(`CREATE DATABASE ${name}`);
  return name;
}

/**
 * Drops a database, ending any session still connected to it. Callers close their own connections first (see
 * closablePool): a session ended here sends its client a FATAL error, which that client, if still connected,
 * emits as an 'error' event.
 */
export async function dropDatabase(name) {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * A pg.Pool with close(), which resolves only once every connection the pool ever opened has closed its socket.
 *
 * pg.Pool's own end() resolves as soon as it has asked its idle clients to end, before PostgreSQL has read their
 * Terminate message. A DROP DATABASE ... WITH (FORCE) in that window makes the server end those sessions with
 * "terminating connection due to administrator command"; the client emits that as an 'error' event, the pool
 * re-emits it, and a pool without an 'error' listener throws it as an uncaught exception, which Node's test runner
 * charges to the hook that opened the connection (the before hook) long after the tests have passed.
 *
 * So: every client gets an 'error' listener from the moment it connects and the pool has one too (an error is
 * recorded, never thrown), and close() waits for each client's 'end' (its socket closed) before it returns.
 * `pool.connectionErrors` lists what the connections reported; close() fails when it is not empty, so that a
 * connection lost during a test is a clear teardown failure rather than silence.
 */
export function closablePool(options, what) {
  const pool = new pg.Pool(options);
  const errors = [];
  const open = new Set();
  const record = (err) => errors.push(err);
  pool.connectionErrors = errors;
  pool.on('error', record);
  pool.on('connect', (client) => {
    client.on('error', record);
    const ended = new Promise((resolve) => client.once('end', resolve));
    open.add(ended);
    ended.then(() => open.delete(ended));
  });
  let closing;
  pool.close = () => {
    closing ??= (async () => {
      // Resolves once no client is checked out and every idle one has been told to end; 'connect' has fired
      // for every client that ever connected, so `open` holds every socket still to close.
      await pool.end();
      await Promise.all(open);
      if (errors.length) {
        throw new AggregateError(errors, `${what}: ${errors.length} connection error(s): ${errors.map((e) => e.message).join('; ')}`);
      }
    })();
    return closing;
  };
  return pool;
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

async function freePort() {
  const s = createServer();
  const port = await listen(s);
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/**
 * Starts Better Auth with email and password and the jwt() plugin at its defaults (EdDSA/Ed25519 keys kept in the
 * database, JWKS at /api/auth/jwks, tokens at /api/auth/token), its tables in a new database.
 *
 * stop() tears down in this order, each step finished before the next begins: the HTTP server stops accepting and
 * its requests in flight finish (so none still needs the pool), the pool closes every connection (closablePool),
 * and only then is the database dropped.
 */
export async function startBetterAuth() {
  const dbName = await createDatabase('auth');
  const pool = closablePool(
    { host: PGHOST, port: Number(PGPORT), user: PGUSER, database: dbName, max: 5 },
    `Better Auth's pool on ${dbName}`,
  );
  let handler = (_req, res) => {
    res.statusCode = 503;
    res.end('starting');
  };
  const inFlight = new Set();
  const server = createServer((req, res) => {
    const done = Promise.resolve()
      .then(() => handler(req, res))
      .catch((err) => {
        if (!res.headersSent) res.statusCode = 500;
        res.end(String(err));
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  });

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A kept-alive connection may start one more request while the first finish: wait until none runs.
      while (inFlight.size) await Promise.all(inFlight);
      server.closeAllConnections();
      await closed;
      try {
        await pool.close();
      } finally {
        await dropDatabase(dbName);
      }
    })();
    return stopped;
  };

  try {
    const port = await listen(server);
    const url = `http://127.0.0.1:${port}`;
    const options = {
      appName: 'taskapi-e2e',
      baseURL: url,
      secret: randomBytes(32).toString('base64url'),
      database: pool,
      emailAndPassword: { enabled: true },
      plugins: [jwt()],
      telemetry: { enabled: false },
    };
    const auth = betterAuth(options);
    const { runMigrations } = await getMigrations(auth.options);
    await runMigrations();
    handler = toNodeHandler(auth);
    return { url, auth, pool, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

/** Builds the server binary once per process (run.sh builds it beforehand and passes E2E_SERVER_BIN). */
let builtBinary;
export function serverBinary() {
  if (process.env.E2E_SERVER_BIN) return process.env.E2E_SERVER_BIN;
  if (builtBinary) return builtBinary;
  const dir = mkdtempSync(join(tmpdir(), 'taskapi-e2e-bin-'));
  const out = join(dir, 'server');
  const res = spawnSync('go', ['build', '-o', out, './cmd/server'], { cwd: repoDir, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`go build ./cmd/server failed (exit ${res.status})`);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  builtBinary = out;
  return out;
}

/**
 * Starts the task API binary on a fresh database, verifying tokens against betterAuthURL only. With `dbName`, it
 * is another instance on that database (which its own stop() leaves for the first instance to drop). `env` adds
 * settings (such as the WEBHOOK_ ones).
 */
export async function startServer({ betterAuthURL, name = 'server', dbName: shared, env: extraEnv = {} }) {
  const dbName = shared ?? (await createDatabase('api'));
  const dataDir = mkdtempSync(join(tmpdir(), 'taskapi-e2e-data-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(artifactsDir, { recursive: true });
  const logPath = join(artifactsDir, `${name}-${port}.log`);
  const log = createWriteStream(logPath);

  // A clean environment: no token setting but BETTER_AUTH_URL may leak in from the caller's shell.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || tmpdir(),
    TMPDIR: tmpdir(),
    PORT: String(port),
    DATABASE_URL: databaseURL(dbName),
    BETTER_AUTH_URL: betterAuthURL,
    DATA_DIR: dataDir,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT: '5s',
    // The suites send requests far faster than a person would; rate limiting has its own tests in Go.
    RATE_LIMIT_RPS: '0',
    // Nothing routes traffic here: stop at once instead of draining for a load balancer.
    SHUTDOWN_GRACE: '0s',
    ...extraEnv,
  };
  const child = spawn(serverBinary(), [], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  if (process.env.E2E_PIDS_FILE) appendFileSync(process.env.E2E_PIDS_FILE, `${child.pid}\n`);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
    if (!shared) await dropDatabase(dbName);
  };

  try {
    await waitReady(url, exited, logPath);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, graphqlURL: `${url}/graphql`, logPath, stop, dbName, exited };
}

async function waitReady(url, exited, logPath) {
  const deadline = Date.now() + 60_000;
  let last = 'no answer';
  let exit;
  exited.then((e) => {
    exit = e;
  });
  while (Date.now() < deadline) {
    if (exit) throw new Error(`server exited (${JSON.stringify(exit)}) before it was ready; see ${logPath}`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = String(err.cause?.code || err.message);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} not ready after 60 s (${last}); see ${logPath}`);
}

/**
 * Signs a user up with email and password through Better Auth's HTTP API and fetches a JWT from /api/auth/token
 * with the session cookie. Returns { id, email, name, cookie, token }.
 */
export async function signUp(authURL, { email, password = `pw-${randomBytes(8).toString('hex')}`, name }) {
  const res = await fetch(`${authURL}/api/auth/sign-up/email`, {
    method: 'POST',
    // As a browser on the app's own origin would: Better Auth refuses a cookie-setting POST without an Origin.
    headers: { 'content-type': 'application/json', origin: authURL },
    body: JSON.stringify({ email, password, name }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`sign-up ${email}: ${res.status} ${JSON.stringify(body)}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  if (!cookie.includes('session_token')) throw new Error(`sign-up ${email}: no session cookie`);
  const user = { id: body.user.id, email: body.user.email, name: body.user.name, password, cookie };
  user.token = await fetchToken(authURL, cookie);
  return user;
}

/** GET /api/auth/token with a session cookie: a fresh JWT signed with Better Auth's current key. */
export async function fetchToken(authURL, cookie) {
  const res = await fetch(`${authURL}/api/auth/token`, { headers: { cookie } });
  const body = await res.json();
  if (res.status !== 200 || typeof body.token !== 'string') {
    throw new Error(`GET /api/auth/token: ${res.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

/** The decoded header and payload of a JWT (no verification: the server under test does that). */
export function decodeJWT(token) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
  };
}

/**
 * Starts Better Auth and the server, and signs up `users` people. Returns everything plus stop(), which is safe to
 * call twice and is what a test file's after() hook calls.
 *
 * stop() goes in dependency order: first the server (it fetches Better Auth's JWKS, and its own database is
 * dropped once the process has exited), then Better Auth (its HTTP server, its pool's connections, its database).
 * A step that fails does not skip the next; stop() then rejects with every failure.
 */
export async function startEnvironment({ name, users = 2 } = {}) {
  let ba;
  let server;
  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      const errors = [];
      for (const part of [server, ba]) {
        try {
          await part?.stop();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length) throw new AggregateError(errors, `stopping the e2e environment: ${errors.map((e) => e.message).join('; ')}`);
    })();
    return stopped;
  };
  try {
    ba = await startBetterAuth();
    server = await startServer({ betterAuthURL: ba.url, name });
    const tag = randomBytes(3).toString('hex');
    const people = [];
    for (let i = 0; i < users; i++) {
      people.push(
        await signUp(ba.url, { email: `user${i + 1}-${tag}@example.com`, name: `E2E User ${i + 1}` }),
      );
    }
    return { betterAuth: ba, server, users: people, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
