'use client';
// One list's page: its name (renamed inline by its OWNER: Enter saves, Escape cancels), its members, and what the
// viewer's role lets them do with it: Share, Rename and Delete for the OWNER, Leave for everyone else. Below, the
// list's tasks, read-only for a VIEWER. A list the viewer no longer sees (deleted, or they were removed) says so, also
// when that happens while it is open (LIST_REMOVED evicts it from the cache).
import { useApolloClient, useMutation } from '@apollo/client/react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useId, useState, type FormEvent } from 'react';

import {
  API_HAS_TASK_LISTS,
  DELETE_LIST,
  LISTS,
  REMOVE_LIST_MEMBER,
  RENAME_LIST,
  ROLE_MEANING,
  displayName,
  errorsAt,
  otherErrors,
  type TaskListInfo,
} from '@/lib/lists';
import type { UserError } from '@/lib/operations';
import { countsChanged, removeTask } from '@/lib/task-cache';
import { refreshLists } from '@/lib/use-lists';

import { Avatars, sharedWith } from './avatars';
import { ConfirmDialog } from './dialog';
import { ShareDialog } from './share-dialog';
import { useListsContext } from './signed-in-app';
import { TaskList } from './task-list';

export function ListPage({ id }: { id: string }) {
  const { lists, viewerId, error } = useListsContext();
  const list = lists?.find((l) => l.id === id);

  if (!lists) {
    return (
      <div className="mx-auto flex max-w-3xl flex-col gap-4 px-4 py-6 sm:px-6">
        {error ? (
          <p role="alert" className="field-error">
            Could not load the list: {error.message}
          </p>
        ) : (
          <p>Loading…</p>
        )}
      </div>
    );
  }
  if (!list) {
    return (
      <div className="mx-auto flex max-w-3xl flex-col gap-4 px-4 py-6 sm:px-6">
        <h1 className="text-xl font-semibold">This list is not available</h1>
        <p className="unavailable text-zinc-600 dark:text-zinc-400">
          It was deleted, or you are no longer one of its members.
        </p>
        <p>
          <Link href="/tasks" className="btn">
            Go to all tasks
          </Link>
        </p>
      </div>
    );
  }

  const header = <ListHeader key={list.id} list={list} viewerId={viewerId} />;
  // Until the API files tasks by list (API_HAS_TASK_LISTS), all of a person's tasks are in their Inbox.
  if (API_HAS_TASK_LISTS || list.isInbox) return <TaskList key={list.id} list={list} header={header} />;
  return (
    <div className="mx-auto flex w-full max-w-3xl min-w-0 flex-col gap-4 px-4 py-6 sm:px-6">
      {header}
      <p className="rounded-md border border-dashed border-zinc-300 p-6 text-center text-zinc-500 dark:border-zinc-700">
        No tasks in this list yet. New tasks go to your Inbox with this version of the API.
      </p>
    </div>
  );
}

type Confirming = 'delete' | 'leave' | null;

function ListHeader({ list, viewerId }: { list: TaskListInfo; viewerId: string | null }) {
  const id = useId();
  const client = useApolloClient();
  const router = useRouter();
  const [renaming, setRenaming] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleteList] = useMutation(DELETE_LIST);
  const [removeMember] = useMutation(REMOVE_LIST_MEMBER);

  const owner = list.viewerRole === 'OWNER';
  const shared = list.members.length > 1;
  const ownerMember = list.members.find((m) => m.role === 'OWNER');

  let note: string;
  if (list.isInbox) note = 'Your own list: new tasks go here.';
  else if (owner) note = shared ? sharedWith(list.members, viewerId) : 'Only you. Share it to work on it together.';
  else {
    const whose = ownerMember ? `${displayName(ownerMember.user)}’s list` : 'A shared list';
    note = `${whose}. You are ${list.viewerRole === 'EDITOR' ? 'an editor' : 'a viewer'}: you ${ROLE_MEANING[list.viewerRole]}.`;
  }

  async function confirm() {
    setBusy(true);
    setProblem(null);
    try {
      if (confirming === 'delete') {
        const { data } = await deleteList({
          variables: { id: list.id },
          update(cache, { data }) {
            for (const taskId of data?.deleteList?.deletedTaskIds ?? []) removeTask(cache, taskId);
            countsChanged(cache);
          },
        });
        if (!data?.deleteList?.deletedListId) throw new Error('The list was not deleted.');
      } else if (confirming === 'leave' && viewerId) {
        const { data } = await removeMember({ variables: { listId: list.id, userId: viewerId } });
        const message = data?.removeListMember?.userErrors.map((e) => e.message).join(' ');
        if (message) throw new Error(message);
      }
      setConfirming(null);
      router.replace('/tasks');
      await refreshLists(client);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="list-header flex flex-col gap-3">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1 basis-64">
          {renaming ? (
            <RenameForm list={list} onDone={() => setRenaming(false)} />
          ) : (
            <h1 className="text-xl font-semibold break-words">{list.name}</h1>
          )}
          <p id={`${id}-note`} className="role-note mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            {note}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {shared && (
            <>
              <Avatars members={list.members} max={5} />
              <span className="sr-only">{sharedWith(list.members, viewerId)}</span>
            </>
          )}
          {owner && !list.isInbox && (
            <button type="button" className="btn btn-primary" onClick={() => setSharing(true)}>
              Share
            </button>
          )}
          {owner && !renaming && (
            <button type="button" className="btn" onClick={() => setRenaming(true)}>
              Rename
            </button>
          )}
          {owner && !list.isInbox && (
            <button type="button" className="btn btn-danger" onClick={() => setConfirming('delete')}>
              Delete list
            </button>
          )}
          {!owner && (
            <button type="button" className="btn btn-danger" onClick={() => setConfirming('leave')}>
              Leave list
            </button>
          )}
        </div>
      </div>
      {sharing && <ShareDialog list={list} viewerId={viewerId} onClose={() => setSharing(false)} />}
      {confirming && (
        <ConfirmDialog
          title={confirming === 'delete' ? `Delete “${list.name}”?` : `Leave “${list.name}”?`}
          action={confirming === 'delete' ? 'Delete list' : 'Leave list'}
          busy={busy}
          error={problem}
          onConfirm={() => void confirm()}
          onClose={() => {
            setConfirming(null);
            setProblem(null);
          }}
        >
          {confirming === 'delete' ? (
            <p>
              The list and all of its tasks are deleted for everyone{shared ? ' who shares it' : ''}. This cannot be
              undone.
            </p>
          ) : (
            <p>You will no longer see the list or its tasks. Its owner can invite you again.</p>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}

function RenameForm({ list, onDone }: { list: TaskListInfo; onDone: () => void }) {
  const id = useId();
  const [errors, setErrors] = useState<UserError[]>([]);
  // The answer carries the list with its new name, which the cache (and so the sidebar) takes at once; the lists are
  // refetched too, for the sidebar's order by name.
  const [renameList, { loading }] = useMutation(RENAME_LIST, { refetchQueries: [LISTS] });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem(`${id}-name`) as HTMLInputElement;
    try {
      const { data } = await renameList({ variables: { id: list.id, name: input.value } });
      if (data?.updateList?.list) onDone();
      else setErrors(data?.updateList?.userErrors ?? []);
    } catch (error) {
      setErrors([{ field: [], message: error instanceof Error ? error.message : String(error), code: 'INVALID' }]);
    }
  }

  const message = [errorsAt(errors, 'input', 'name'), otherErrors(errors, ['input', 'name'])].filter(Boolean).join(' ');
  return (
    <form method="post" aria-label="Rename list" onSubmit={submit} className="flex flex-wrap items-start gap-2">
      <div className="min-w-0 flex-1 basis-48">
        <label className="sr-only" htmlFor={`${id}-name`}>
          List name
        </label>
        <input
          id={`${id}-name`}
          className="field text-base font-semibold"
          defaultValue={list.name}
          autoComplete="off"
          maxLength={100}
          autoFocus
          readOnly={loading}
          onFocus={(e) => e.currentTarget.select()}
          onChange={() => setErrors([])}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              event.stopPropagation();
              onDone();
            }
          }}
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? `${id}-error` : undefined}
        />
        {message && (
          <p id={`${id}-error`} role="alert" className="field-error">
            {message}
          </p>
        )}
      </div>
      <button type="submit" className="btn btn-primary" disabled={loading}>
        Save
      </button>
      <button type="button" className="btn" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}
