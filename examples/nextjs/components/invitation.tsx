'use client';
// The preview of an invitation for a signed-in person: the list's name, who invited them, the role it gives and
// until when; "Join list" accepts it and opens the list. An invitation that cannot be used (unknown, expired,
// revoked or spent: the API does not say which) and one to a list the person is in already each say so.
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useId, useState, type ReactNode } from 'react';

import { formatInstant } from '@/lib/format';
import { ACCEPT_LIST_INVITATION, INVITATION, ROLE_MEANING, fullName } from '@/lib/lists';
import { refreshLists } from '@/lib/use-lists';

import { Avatar } from './avatars';
import { useListsContext } from './signed-in-app';

const listHref = (id: string) => `/lists/${encodeURIComponent(id)}`;

export function InvitationPreview({ token }: { token: string }) {
  const id = useId();
  const client = useApolloClient();
  const router = useRouter();
  const { lists } = useListsContext();
  const { data, loading, error } = useQuery(INVITATION, { variables: { token }, fetchPolicy: 'network-only' });
  const [accept, accepting] = useMutation(ACCEPT_LIST_INVITATION);
  const [problem, setProblem] = useState('');
  const [joined, setJoined] = useState(false);

  async function join() {
    setProblem('');
    try {
      const { data } = await accept({ variables: { token } });
      const list = data?.acceptListInvitation?.list;
      if (!list) {
        setProblem(data?.acceptListInvitation?.userErrors.map((e) => e.message).join(' ') || 'That did not work.');
        return;
      }
      setJoined(true);
      await refreshLists(client);
      router.replace(listHref(list.id));
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  const frame = (children: ReactNode) => (
    <div className="invitation mx-auto flex w-full max-w-lg flex-col gap-4 px-4 py-12 sm:px-6">{children}</div>
  );

  if (loading && !data) return frame(<p>Loading the invitation…</p>);
  if (error) {
    return frame(
      <p role="alert" className="field-error">
        Could not load the invitation: {error.message}
      </p>,
    );
  }
  const invitation = data?.invitation;
  if (!invitation) {
    return frame(
      <>
        <h1 className="text-xl font-semibold">This invitation cannot be used</h1>
        <p className="unusable text-zinc-600 dark:text-zinc-400">
          It may have expired, been revoked, or been used already. Ask the person who shared the list for a new link.
        </p>
        <p>
          <Link href="/tasks" className="btn">
            Go to your tasks
          </Link>
        </p>
      </>,
    );
  }
  const list = invitation.list;
  if (!joined && lists?.some((l) => l.id === list.id)) {
    return frame(
      <>
        <h1 className="text-xl font-semibold">You are already in “{list.name}”</h1>
        <p>
          <Link href={listHref(list.id)} className="btn btn-primary">
            Open the list
          </Link>
        </p>
      </>,
    );
  }
  const inviter = invitation.invitedBy;
  const role = invitation.role === 'EDITOR' ? 'an editor' : 'a viewer';
  return frame(
    <>
      <h1 className="text-xl font-semibold break-words">Join “{list.name}”</h1>
      <div className="flex items-center gap-3">
        <Avatar user={inviter} size="md" />
        <p className="inviter">
          <strong>{fullName(inviter)}</strong> invited you as {role}: you {ROLE_MEANING[invitation.role]}.
        </p>
      </div>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">The invitation expires {formatInstant(invitation.expiresAt)}.</p>
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void join()}
          disabled={accepting.loading || joined}
          aria-describedby={problem ? `${id}-error` : undefined}
        >
          Join list
        </button>
        <Link href="/tasks" className="btn">
          Not now
        </Link>
      </div>
      {problem && (
        <p id={`${id}-error`} role="alert" className="field-error">
          {problem}
        </p>
      )}
    </>,
  );
}
