// An invitation link, /invite/<token>. Signed in: the invitation's preview and "Join list", inside the app's layout.
// Signed out: a page that says what the link is and leads to sign-in or sign-up, both of which come back here.
// The token is a secret: the page sends no Referer anywhere, and the token leaves the browser only to the API.
import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';

import { InvitationPreview } from '@/components/invitation';
import { SignedInApp } from '@/components/signed-in-app';
import { auth } from '@/lib/auth';
import { graphqlURL } from '@/lib/server-config';

export const metadata: Metadata = { title: 'Invitation', referrer: 'no-referrer' };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const session = await auth.api.getSession({ headers: await headers() });
  const here = `/invite/${encodeURIComponent(token)}`;
  if (session) {
    return (
      <SignedInApp graphqlURL={graphqlURL()} user={{ email: session.user.email, name: session.user.name }}>
        <InvitationPreview token={token} />
      </SignedInApp>
    );
  }
  const next = `?next=${encodeURIComponent(here)}`;
  return (
    <main className="auth mx-auto flex min-h-dvh w-full max-w-sm flex-col justify-center gap-6 px-4 py-12">
      <h1 className="text-xl font-semibold">You are invited to a shared list</h1>
      <p className="text-zinc-600 dark:text-zinc-400">
        Sign in, or create an account, to see who invited you and to join the list. You come back here afterwards.
      </p>
      <p className="flex flex-wrap gap-2">
        <Link className="btn btn-primary" href={`/sign-in${next}`}>
          Sign in
        </Link>
        <Link className="btn" href={`/sign-up${next}`}>
          Create an account
        </Link>
      </p>
    </main>
  );
}
