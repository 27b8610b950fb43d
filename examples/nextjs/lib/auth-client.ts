// Better Auth in the browser: sign-up, sign-in, sign-out and the session, all on this app's own origin, plus
// jwtClient(), which adds authClient.token() (GET /api/auth/token: a JWT for the task API).
import { jwtClient } from 'better-auth/client/plugins';
import { createAuthClient } from 'better-auth/react';

export const authClient = createAuthClient({ plugins: [jwtClient()] });
