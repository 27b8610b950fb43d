'use client';
// The sign-up and sign-in forms: Better Auth's email and password endpoints on this app's own origin. Better Auth
// sets the session cookie; the task pages then get their API tokens from it. `next` is where to go afterwards (an
// invitation link opened while signed out), a path on this site only.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';

import { authClient } from '@/lib/auth-client';

export function AuthForm({ mode, next = '/tasks' }: { mode: 'sign-up' | 'sign-in'; next?: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const inputs = event.currentTarget.elements;
    const field = (id: string) => (inputs.namedItem(id) as HTMLInputElement).value;
    const email = field('email');
    const password = field('password');
    setBusy(true);
    setError(null);
    const { error } =
      mode === 'sign-up'
        ? await authClient.signUp.email({ email, password, name: field('name') })
        : await authClient.signIn.email({ email, password });
    setBusy(false);
    if (error) {
      setError(error.message || error.statusText || 'That did not work');
      return;
    }
    router.replace(next);
    router.refresh();
  }

  const title = mode === 'sign-up' ? 'Create an account' : 'Sign in';
  return (
    <main className="auth mx-auto flex min-h-dvh w-full max-w-sm flex-col justify-center gap-6 px-4 py-12">
      <h1 className="text-xl font-semibold">{title}</h1>
      {/* method="post" with no action: a form submitted before the page has hydrated (a slow network, JavaScript
          off) posts to this page, which ignores it, instead of falling back to a GET that would put the email and
          password in the URL, the history and the server's log. The inputs carry no name, so even that post sends
          nothing: the handler reads them through the form's elements. */}
      <form
        method="post"
        onSubmit={submit}
        aria-describedby={error ? 'auth-error' : undefined}
        className="flex flex-col gap-4 rounded-lg border border-zinc-200 p-6 shadow-sm dark:border-zinc-800"
      >
        {mode === 'sign-up' && (
          <p>
            <label className="label" htmlFor="name">Name</label>
            <input id="name" className="field" autoComplete="name" required />
          </p>
        )}
        <p>
          <label className="label" htmlFor="email">Email</label>
          <input id="email" className="field" type="email" autoComplete="email" required />
        </p>
        <p>
          <label className="label" htmlFor="password">Password</label>
          <input
            id="password"
            className="field"
            type="password"
            minLength={8}
            autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
            required
          />
        </p>
        {error && (
          <p id="auth-error" role="alert" className="field-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {title}
        </button>
      </form>
      <p className="text-zinc-600 dark:text-zinc-400 [&_a]:font-medium [&_a]:text-accent-600 dark:[&_a]:text-accent-400">
        {mode === 'sign-up' ? (
          <>
            Already have an account? <Link href={withNext('/sign-in', next)}>Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href={withNext('/sign-up', next)}>Create an account</Link>
          </>
        )}
      </p>
    </main>
  );
}

const withNext = (path: string, next: string) => (next === '/tasks' ? path : `${path}?next=${encodeURIComponent(next)}`);
