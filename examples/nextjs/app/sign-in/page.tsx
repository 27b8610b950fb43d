import type { Metadata } from 'next';

import { AuthForm } from '@/components/auth-form';
import { safeNext } from '@/lib/next-path';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  return <AuthForm mode="sign-in" next={safeNext(next)} />;
}
