// Runs once when the Next.js server starts: creates or updates Better Auth's tables (user, session, account,
// verification, jwks) in its SQLite file before the first request needs them.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getMigrations } = await import('better-auth/db/migration');
  const { auth } = await import('./lib/auth');
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
}
