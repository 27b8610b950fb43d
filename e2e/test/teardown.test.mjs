// The suite's own teardown: a database is dropped only after every connection to it has closed, and a connection
// the server ends is reported by the pool's close(), never thrown as an uncaught exception. Dropping a database
// WITH (FORCE) while a pool's connections were still closing made earlier runs fail after their tests had passed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { adminQuery, closablePool, createDatabase, dropDatabase } from '../lib/env.mjs';
import { eventually } from '../lib/expect.mjs';

const PG = {
  host: process.env.PGHOST || '127.0.0.1',
  port: Number(process.env.PGPORT || '5432'),
  user: process.env.PGUSER || 'root',
};

/** A pool on `dbName` with `n` connections open and idle. */
async function poolWithIdleConnections(dbName, n) {
  const pool = closablePool({ ...PG, database: dbName, max: n }, `test pool on ${dbName}`);
  const clients = await Promise.all(Array.from({ length: n }, () => pool.connect()));
  for (const c of clients) c.release();
  assert.equal(pool.idleCount, n);
  return pool;
}

describe('teardown of PostgreSQL connections', () => {
  it('closes every connection before the database is dropped WITH (FORCE)', async () => {
    // pg.Pool.end() alone resolves before PostgreSQL has read the Terminate messages, so an immediate forced
    // drop terminated sessions whose clients then threw: dozens of times in 25 rounds of 5 connections.
    const pools = [];
    for (let round = 0; round < 25; round++) {
      const dbName = await createDatabase('pool');
      const pool = await poolWithIdleConnections(dbName, 5);
      pools.push(pool);
      await pool.close();
      await dropDatabase(dbName);
    }
    // A terminated session's FATAL message would arrive within moments of its drop; give it the chance to.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(pools.flatMap((p) => p.connectionErrors.map((e) => e.message)), []);
  });

  it("reports an idle connection the server ends through close() instead of crashing", async () => {
    const dbName = await createDatabase('pool');
    try {
      const pool = await poolWithIdleConnections(dbName, 2);
      await adminQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName}' AND pid <> pg_backend_pid()`,
      );
      await eventually(() => assert.equal(pool.connectionErrors.length >= 2, true, 'both idle connections reported'));
      await assert.rejects(pool.close(), (err) => {
        assert.match(err.message, /terminating connection due to administrator command/);
        return true;
      });
      assert.equal(pool.totalCount, 0, 'the pool let go of the ended connections');
    } finally {
      await dropDatabase(dbName);
    }
  });
});
