// Every Better Auth endpoint (/api/auth/sign-up/email, /api/auth/token, /api/auth/jwks, ...) in one route.
import { toNextJsHandler } from 'better-auth/next-js';

import { auth } from '@/lib/auth';

export const { GET, POST } = toNextJsHandler(auth);
