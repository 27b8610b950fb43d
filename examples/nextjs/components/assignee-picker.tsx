'use client';
// Who a task is assigned to, in its details panel: the members of the task's list, the current one's avatar beside
// the choice. Choosing one assigns the task at once (an optimistic answer, corrected by the API's); "Nobody"
// unassigns it. The API keeps the assignee a member: a member removed from the list is unassigned there, and the
// change arrives here like any other, over the event feed.
import { useMutation } from '@apollo/client/react';
import { useId, useState } from 'react';

import { displayName, type ListMember } from '@/lib/lists';
import { UPDATE_TASK, type Task } from '@/lib/operations';
import { countsChanged, placeTask } from '@/lib/task-cache';

import { Avatar } from './avatars';
import { useListsContext } from './signed-in-app';

export function AssigneePicker({
  task,
  writable,
}: {
  task: Task;
  /** False for a VIEWER of the list: the assignee shows, but cannot be changed. */
  writable: boolean;
}) {
  const id = useId();
  const { lists, viewerId } = useListsContext();
  // Who it may be assigned to: the members of the task's list.
  const members: ListMember[] = lists?.find((l) => l.id === task.list.id)?.members ?? [];
  const [problem, setProblem] = useState<string | null>(null);
  const [updateTask] = useMutation(UPDATE_TASK);
  const assignee = task.assignee;
  // The assignee is listed even while the members are still loading, or just after they left.
  const known = !assignee || members.some((m) => m.user.id === assignee.id);

  async function assign(userId: string) {
    setProblem(null);
    const member = members.find((m) => m.user.id === userId)?.user;
    const guess: Task = { ...task, assignee: member ? { __typename: 'User', ...member } : null };
    try {
      const { data } = await updateTask({
        variables: { id: task.id, input: { assigneeId: userId || null } },
        optimisticResponse: {
          updateTask: { __typename: 'UpdateTaskPayload', task: guess, nextOccurrence: null, userErrors: [] } as never,
        },
        update(cache, { data }) {
          const payload = data?.updateTask;
          if (!payload?.task) return;
          const optimistic = payload.task.updatedAt === task.updatedAt;
          placeTask(cache, payload.task, { previous: task, optimistic });
          if (!optimistic) countsChanged(cache);
        },
      });
      const errors = data?.updateTask?.userErrors ?? [];
      if (errors.length) setProblem(errors.map((e) => e.message).join(' '));
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <div className="assignee-picker">
      <label className="label" htmlFor={id}>
        Assignee
      </label>
      <div className="flex items-center gap-2">
        {assignee ? <Avatar user={assignee} size="md" /> : <span className="size-8 shrink-0 rounded-full border border-dashed border-zinc-300 dark:border-zinc-700" aria-hidden="true" />}
        <select
          id={id}
          className="field"
          value={assignee?.id ?? ''}
          disabled={!writable}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-error` : undefined}
          onChange={(event) => void assign(event.target.value)}
        >
          <option value="">Nobody</option>
          {members.map((m) => (
            <option key={m.user.id} value={m.user.id}>
              {displayName(m.user)}
              {m.user.id === viewerId ? ' (me)' : ''}
            </option>
          ))}
          {!known && assignee && <option value={assignee.id}>{displayName(assignee)}</option>}
        </select>
      </div>
      {problem && (
        <p id={`${id}-error`} role="alert" className="field-error">
          {problem}
        </p>
      )}
    </div>
  );
}
