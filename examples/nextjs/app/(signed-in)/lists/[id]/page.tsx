import type { Metadata } from 'next';

import { ListPage } from '@/components/list-page';

export const metadata: Metadata = { title: 'List' };

export default async function ListRoute({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ListPage id={id} />;
}
