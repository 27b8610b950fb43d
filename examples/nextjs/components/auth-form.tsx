'use client';
// The sign-up and sign-in forms: Better Auth's email and password endpoints on this app's own origin. Better Auth
// sets the session cookie; the task pages then get their API tokens from it.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';

import { authClient } from '@/lib/auth-client';

export function AuthForm({ mode }: { mode: 'sign-up' | 'sign-in' }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email'));
    const password = String(form.get('password'));
    setBusy(true);
    setError(null);
    const { error } =
      mode === 'sign-up'
        ? await authClient.signUp.email({ email, password, name: String(form.get('name')) })
        : await authClient.signIn.email({ email, password });
    setBusy(false);
    if (error) {
      setError(error.message || error.statusText || 'That did not work');
      return;
    }
    router.replace('/tasks');
    router.refresh();
  }

  const title = mode === 'sign-up' ? 'Create an account' : 'Sign in';
  return (
    <main className="auth">
      <h1>{title}</h1>
      <form onSubmit={submit} aria-describedby={error ? 'auth-error' : undefined}>
        {mode === 'sign-up' && (
          <p>
            <label htmlFor="name">Name</label>
            <input id="name" name="name" autoComplete="name" required />
          </p>
        )}
        <p>
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="email" required />
        </p>
        <p>
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            minLength={8}
            autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
            required
          />
        </p>
        {error && (
          <p id="auth-error" role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {title}
        </button>
      </form>
      <p>
        {mode === 'sign-up' ? (
          <>
            Already have an account? <Link href="/sign-in">Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href="/sign-up">Create an account</Link>
          </>
        )}
      </p>
    </main>
  );
}
