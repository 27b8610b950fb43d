// Better Auth on the server: email and password, sessions in a SQLite file, and the jwt() plugin, which publishes
// its public keys at /api/auth/jwks and hands the signed-in browser a short-lived JWT at /api/auth/token. The task
// API verifies those tokens against the JWKS (run it with BETTER_AUTH_URL set to this app's URL).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { betterAuth } from 'better-auth';
import { nextCookies } from 'better-auth/next-js';
import { jwt } from 'better-auth/plugins';
import Database from 'better-sqlite3';

const databasePath = process.env.AUTH_DATABASE_PATH || 'data/auth.db';
mkdirSync(dirname(databasePath), { recursive: true });

export const auth = betterAuth({
  // baseURL and secret come from BETTER_AUTH_URL and BETTER_AUTH_SECRET.
  database: new Database(databasePath),
  emailAndPassword: { enabled: true },
  plugins: [
    jwt({
      // How long a token is good for. The browser fetches a new one shortly before this runs out, so a short
      // lifetime costs one small request per lifetime; the browser test sets a few seconds to exercise that.
      jwt: { expirationTime: process.env.AUTH_JWT_EXPIRES_IN || '15m' },
    }),
    // Lets server actions and route handlers set cookies through Next's cookies() API.
    nextCookies(),
  ],
  telemetry: { enabled: false },
});
