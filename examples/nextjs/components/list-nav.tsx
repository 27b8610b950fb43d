'use client';
// The sidebar's lists: "All tasks", then the viewer's lists in the API's order (the Inbox first, then by name), each
// with its number of pending tasks, shared ones with their members' avatars, and "New list", which opens an inline field: Enter adds the list and opens it,
// Escape (or leaving the field empty) cancels.
import { useMutation } from '@apollo/client/react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useId, useRef, useState, type FormEvent } from 'react';

import { CREATE_LIST, LISTS, errorsAt, otherErrors } from '@/lib/lists';
import type { UserError } from '@/lib/operations';
import type { Lists } from '@/lib/use-lists';

import { Avatars, sharedWith } from './avatars';

export const navLink =
  'flex items-center gap-2 rounded-md px-3 py-2 text-sm font-medium text-zinc-700 hover:bg-zinc-200/60 aria-[current=page]:bg-accent-100 aria-[current=page]:text-accent-700 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-accent-700/30 dark:aria-[current=page]:text-accent-100';

export function ListNav({ lists, pathname }: { lists: Lists; pathname: string }) {
  const id = useId();
  return (
    <nav aria-labelledby={`${id}-heading`} className="flex min-h-0 flex-col">
      <h2 id={`${id}-heading`} className="label px-3 uppercase tracking-wide">
        Lists
      </h2>
      <ul className="lists flex flex-col gap-1 overflow-y-auto">
        <li>
          <Link href="/tasks" className={navLink} aria-current={pathname === '/tasks' ? 'page' : undefined}>
            All tasks
          </Link>
        </li>
        {lists.lists?.map((list) => {
          const href = `/lists/${encodeURIComponent(list.id)}`;
          const shared = list.members.length > 1;
          return (
            <li key={list.id} data-list-id={list.id}>
              <Link
                href={href}
                className={navLink}
                aria-current={pathname === href ? 'page' : undefined}
                aria-describedby={shared ? `${id}-${list.id}-members` : undefined}
              >
                <span className="list-name min-w-0 flex-1 truncate">{list.name}</span>
                {list.pendingCount > 0 && (
                  <span className="pending-count text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
                    {list.pendingCount}
                    <span className="sr-only"> pending</span>
                  </span>
                )}
                {shared && (
                  <>
                    <Avatars members={list.members} />
                    <span id={`${id}-${list.id}-members`} className="sr-only">
                      {sharedWith(list.members, lists.viewerId)}
                    </span>
                  </>
                )}
              </Link>
            </li>
          );
        })}
      </ul>
      {lists.error && !lists.lists && (
        <p role="alert" className="field-error px-3">
          Could not load your lists: {lists.error.message}
        </p>
      )}
      <NewList />
    </nav>
  );
}

function NewList() {
  const id = useId();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [createList, { loading }] = useMutation(CREATE_LIST, { refetchQueries: [LISTS], awaitRefetchQueries: true });
  const button = useRef<HTMLButtonElement>(null);

  function cancel() {
    setOpen(false);
    setErrors([]);
    // The field is gone: the focus goes back to the button that opened it.
    requestAnimationFrame(() => button.current?.focus());
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem(`${id}-name`) as HTMLInputElement;
    try {
      const { data } = await createList({ variables: { name: input.value } });
      const payload = data?.createList;
      if (payload?.list) {
        setOpen(false);
        setErrors([]);
        router.push(`/lists/${encodeURIComponent(payload.list.id)}`);
      } else {
        setErrors(payload?.userErrors ?? []);
      }
    } catch (error) {
      setErrors([{ field: [], message: error instanceof Error ? error.message : String(error), code: 'INVALID' }]);
    }
  }

  if (!open) {
    return (
      <button
        ref={button}
        type="button"
        className={`${navLink} mt-1 w-full text-zinc-600 dark:text-zinc-400`}
        onClick={() => setOpen(true)}
      >
        <span aria-hidden="true">+</span> New list
      </button>
    );
  }
  const message = [errorsAt(errors, 'input', 'name'), otherErrors(errors, ['input', 'name'])].filter(Boolean).join(' ');
  return (
    <form method="post" aria-label="New list" onSubmit={submit} className="mt-1 px-1">
      <label className="sr-only" htmlFor={`${id}-name`}>
        List name
      </label>
      <input
        id={`${id}-name`}
        className="field"
        autoComplete="off"
        placeholder="List name, press Enter"
        maxLength={100}
        autoFocus
        readOnly={loading}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
        onChange={() => setErrors([])}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            cancel();
          }
        }}
        onBlur={(event) => {
          if (!event.currentTarget.value && !message) cancel();
        }}
      />
      {message && (
        <p id={`${id}-error`} role="alert" className="field-error">
          {message}
        </p>
      )}
    </form>
  );
}
