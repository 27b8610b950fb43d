'use client';
// Sharing a list (its OWNER only): an invitation link for a role (EDITOR or VIEWER) with a Copy button, the open
// invitations with Revoke, and the members with their role and Remove. The link holds the invitation's token, which
// the API shows once: it is in this dialog until it closes, and nowhere else.
import { useMutation, useQuery } from '@apollo/client/react';
import { useId, useRef, useState, type FormEvent } from 'react';

import { formatInstant } from '@/lib/format';
import {
  CREATE_LIST_INVITATION,
  LIST_INVITATIONS,
  REMOVE_LIST_MEMBER,
  REVOKE_LIST_INVITATION,
  ROLE_LABEL,
  SET_LIST_MEMBER_ROLE,
  displayName,
  errorsAt,
  invitationURL,
  otherErrors,
  type ListMember,
  type ListRole,
  type TaskListInfo,
} from '@/lib/lists';
import type { UserError } from '@/lib/operations';

import { Avatar } from './avatars';
import { Dialog } from './dialog';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function ShareDialog({ list, viewerId, onClose }: { list: TaskListInfo; viewerId: string | null; onClose: () => void }) {
  return (
    <Dialog title={`Share “${list.name}”`} onClose={onClose} className="share-dialog">
      <Invite list={list} />
      <OpenInvitations list={list} />
      <Members list={list} viewerId={viewerId} />
    </Dialog>
  );
}

interface Link {
  url: string;
  role: ListRole;
  expiresAt: string;
}

function Invite({ list }: { list: TaskListInfo }) {
  const id = useId();
  const [errors, setErrors] = useState<UserError[]>([]);
  const [link, setLink] = useState<Link | null>(null);
  const [copied, setCopied] = useState('');
  const linkField = useRef<HTMLInputElement>(null);
  const [createInvitation, { loading }] = useMutation(CREATE_LIST_INVITATION, {
    refetchQueries: [LIST_INVITATIONS],
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const role = (event.currentTarget.elements.namedItem(`${id}-role`) as HTMLSelectElement).value as ListRole;
    setErrors([]);
    setCopied('');
    try {
      const { data } = await createInvitation({ variables: { listId: list.id, role } });
      const payload = data?.createListInvitation;
      if (payload?.token && payload.invitation) {
        setLink({ url: invitationURL(window.location.origin, payload.token), role, expiresAt: payload.invitation.expiresAt });
      } else {
        setLink(null);
        setErrors(payload?.userErrors ?? []);
      }
    } catch (error) {
      setErrors([{ field: [], message: messageOf(error), code: 'INVALID' }]);
    }
  }

  async function copy() {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link.url);
      setCopied('Copied');
    } catch {
      // No clipboard access (an insecure origin, a refused permission): select the link for the person to copy.
      linkField.current?.select();
      setCopied('Press Ctrl+C (⌘C) to copy the selected link');
    }
  }

  const roleError = errorsAt(errors, 'role');
  const other = otherErrors(errors, ['role']);
  return (
    <section aria-labelledby={`${id}-heading`} className="flex flex-col gap-3">
      <h3 id={`${id}-heading`} className="text-base font-semibold">
        Invite people
      </h3>
      <form method="post" aria-label="Create an invitation link" onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1 basis-48">
          <label className="label" htmlFor={`${id}-role`}>
            Role
          </label>
          <select
            id={`${id}-role`}
            className="field"
            defaultValue="EDITOR"
            data-autofocus
            onChange={() => setErrors([])}
            aria-invalid={roleError ? true : undefined}
            aria-describedby={roleError ? `${id}-role-error` : undefined}
          >
            <option value="EDITOR">Editor: changes tasks</option>
            <option value="VIEWER">Viewer: only sees tasks</option>
          </select>
        </div>
        <button type="submit" className="btn btn-primary" disabled={loading} aria-describedby={other ? `${id}-error` : undefined}>
          Create invitation link
        </button>
        {roleError && (
          <p id={`${id}-role-error`} role="alert" className="field-error basis-full">
            {roleError}
          </p>
        )}
        {other && (
          <p id={`${id}-error`} role="alert" className="field-error basis-full">
            {other}
          </p>
        )}
      </form>
      {link && (
        <div className="invitation-link flex flex-col gap-1 rounded-md bg-zinc-50 p-3 dark:bg-zinc-950">
          <label className="label" htmlFor={`${id}-link`}>
            Invitation link
          </label>
          <div className="flex gap-2">
            {/* No name: the link holds a secret, and a form this sits in never sends it. */}
            <input
              ref={linkField}
              id={`${id}-link`}
              className="field min-w-0 flex-1 font-mono text-xs"
              value={link.url}
              readOnly
              onFocus={(e) => e.currentTarget.select()}
              aria-describedby={`${id}-link-note`}
            />
            <button type="button" className="btn shrink-0" onClick={() => void copy()}>
              Copy
            </button>
          </div>
          <p id={`${id}-link-note`} className="text-xs text-zinc-600 dark:text-zinc-400">
            Anyone with this link can join once, as {link.role === 'EDITOR' ? 'an editor' : 'a viewer'}, until{' '}
            {formatInstant(link.expiresAt)}. It is shown only here: copy it before closing.
          </p>
          <p aria-live="polite" className="copied text-xs font-medium text-green-700 dark:text-green-400">
            {copied}
          </p>
        </div>
      )}
    </section>
  );
}

function OpenInvitations({ list }: { list: TaskListInfo }) {
  const id = useId();
  const { data, error } = useQuery(LIST_INVITATIONS, { variables: { listId: list.id }, fetchPolicy: 'cache-and-network' });
  const [revoke] = useMutation(REVOKE_LIST_INVITATION, { refetchQueries: [LIST_INVITATIONS] });
  const [problems, setProblems] = useState<Record<string, string>>({});
  const invitations = data?.listInvitations ?? [];

  async function revokeOne(invitationId: string) {
    setProblems((p) => ({ ...p, [invitationId]: '' }));
    try {
      const { data } = await revoke({ variables: { id: invitationId }, awaitRefetchQueries: true });
      const message = data?.revokeListInvitation?.userErrors.map((e) => e.message).join(' ');
      if (message) setProblems((p) => ({ ...p, [invitationId]: message }));
    } catch (error) {
      setProblems((p) => ({ ...p, [invitationId]: messageOf(error) }));
    }
  }

  return (
    <section aria-labelledby={`${id}-heading`} className="flex flex-col gap-2">
      <h3 id={`${id}-heading`} className="text-base font-semibold">
        Open invitations
      </h3>
      {error && (
        <p role="alert" className="field-error">
          Could not load the invitations: {error.message}
        </p>
      )}
      {data && invitations.length === 0 && <p className="text-zinc-500 dark:text-zinc-400">No open invitations.</p>}
      <ul aria-labelledby={`${id}-heading`} className="invitations flex flex-col divide-y divide-zinc-200 empty:hidden dark:divide-zinc-800">
        {invitations.map((inv) => {
          const label = `${ROLE_LABEL[inv.role]} invitation made ${formatInstant(inv.createdAt)}`;
          return (
            <li key={inv.id} aria-label={label} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span className="min-w-0">
                <strong className="font-medium">{ROLE_LABEL[inv.role]}</strong>
                <span className="block text-xs text-zinc-500 dark:text-zinc-400">
                  made {formatInstant(inv.createdAt)}, expires {formatInstant(inv.expiresAt)}
                </span>
              </span>
              <button
                type="button"
                className="btn btn-danger px-2 py-1 text-xs"
                onClick={() => void revokeOne(inv.id)}
                aria-label={`Revoke the ${label.charAt(0).toLowerCase()}${label.slice(1)}`}
                aria-describedby={problems[inv.id] ? `${id}-${inv.id}-error` : undefined}
              >
                Revoke
              </button>
              {problems[inv.id] && (
                <p id={`${id}-${inv.id}-error`} role="alert" className="field-error basis-full">
                  {problems[inv.id]}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Members({ list, viewerId }: { list: TaskListInfo; viewerId: string | null }) {
  const id = useId();
  return (
    <section aria-labelledby={`${id}-heading`} className="flex flex-col gap-2">
      <h3 id={`${id}-heading`} className="text-base font-semibold">
        Members
      </h3>
      <ul aria-labelledby={`${id}-heading`} className="members flex flex-col divide-y divide-zinc-200 dark:divide-zinc-800">
        {list.members.map((m) => (
          <MemberRow key={m.user.id} list={list} member={m} isViewer={m.user.id === viewerId} />
        ))}
      </ul>
    </section>
  );
}

function MemberRow({ list, member, isViewer }: { list: TaskListInfo; member: ListMember; isViewer: boolean }) {
  const id = useId();
  const [problem, setProblem] = useState('');
  // Each answer carries the list with its members as they now are: the cache, the sidebar's avatars and this
  // dialog follow it.
  const [setRole, role] = useMutation(SET_LIST_MEMBER_ROLE);
  const [remove, removal] = useMutation(REMOVE_LIST_MEMBER);
  const name = displayName(member.user);

  async function change(newRole: ListRole) {
    setProblem('');
    try {
      const { data } = await setRole({ variables: { listId: list.id, userId: member.user.id, role: newRole } });
      setProblem(data?.setListMemberRole?.userErrors.map((e) => e.message).join(' ') ?? '');
    } catch (error) {
      setProblem(messageOf(error));
    }
  }

  async function removeMember() {
    setProblem('');
    try {
      const { data } = await remove({ variables: { listId: list.id, userId: member.user.id } });
      setProblem(data?.removeListMember?.userErrors.map((e) => e.message).join(' ') ?? '');
    } catch (error) {
      setProblem(messageOf(error));
    }
  }

  return (
    <li aria-label={name} className="member flex flex-wrap items-center gap-3 py-2" data-user-id={member.user.id}>
      <Avatar user={member.user} size="md" />
      <span className="min-w-0 flex-1">
        <span className="block truncate font-medium">
          {name}
          {isViewer && <span className="font-normal text-zinc-500 dark:text-zinc-400"> (you)</span>}
        </span>
        {member.user.email && member.user.name && (
          <span className="block truncate text-xs text-zinc-500 dark:text-zinc-400">{member.user.email}</span>
        )}
      </span>
      {member.role === 'OWNER' ? (
        <span className="text-xs font-medium text-zinc-600 dark:text-zinc-400">Owner</span>
      ) : (
        <>
          <label className="sr-only" htmlFor={`${id}-role`}>
            Role of {name}
          </label>
          <select
            id={`${id}-role`}
            className="field w-auto"
            value={member.role}
            disabled={role.loading || removal.loading}
            onChange={(e) => void change(e.target.value as ListRole)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-error` : undefined}
          >
            <option value="EDITOR">Editor</option>
            <option value="VIEWER">Viewer</option>
          </select>
          <button
            type="button"
            className="btn btn-danger px-2 py-1 text-xs"
            onClick={() => void removeMember()}
            disabled={removal.loading}
            aria-label={`Remove ${name}`}
          >
            Remove
          </button>
        </>
      )}
      {problem && (
        <p id={`${id}-error`} role="alert" className="field-error basis-full">
          {problem}
        </p>
      )}
    </li>
  );
}
