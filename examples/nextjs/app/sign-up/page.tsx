import type { Metadata } from 'next';

import { AuthForm } from '@/components/auth-form';
import { safeNext } from '@/lib/next-path';

export const metadata: Metadata = { title: 'Create an account' };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  return <AuthForm mode="sign-up" next={safeNext(next)} />;
}
