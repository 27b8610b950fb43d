// The pages for signed-in people. The session is checked here, on the server, before anything renders; the API's
// URL is read at request time, so one build runs against any API.
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';

import { SignedInApp } from '@/components/signed-in-app';
import { auth } from '@/lib/auth';
import { graphqlURL } from '@/lib/server-config';

export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const session = await auth.api.getSession({ headers: await headers() });
  if (!session) redirect('/sign-in');
  return (
    <SignedInApp graphqlURL={graphqlURL()} user={{ email: session.user.email, name: session.user.name }}>
      {children}
    </SignedInApp>
  );
}
