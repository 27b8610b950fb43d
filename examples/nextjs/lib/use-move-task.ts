// Moving a task in its list's manual order (moveTask): the cached lists show the new order at once, and the API's
// answer (or its refusal) settles it. See docs/ordering.md in the repository.
import { gql, type TypedDocumentNode } from '@apollo/client';
import { useMutation } from '@apollo/client/react';

import { TASK_FIELDS, type Task, type UserError } from './operations';
import { placeTask } from './task-cache';

interface MoveTaskData {
  moveTask: { __typename: 'MoveTaskPayload'; task: Task | null; currentTask: Task | null; userErrors: UserError[] } | null;
}
interface MoveTaskVariables {
  id: string;
  input: { afterTaskId?: string | null; listId?: string; ifVersion?: number };
}

export const MOVE_TASK: TypedDocumentNode<MoveTaskData, MoveTaskVariables> = gql`
  mutation MoveTask($id: ID!, $input: MoveTaskInput!) {
    moveTask(id: $id, input: $input) {
      task {
        ...TaskFields
      }
      currentTask {
        ...TaskFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
  ${TASK_FIELDS}
`;

/**
 * A key that sorts right after `after` (and before whatever followed it), or before every key when `after` is null:
 * the optimistic guess's position, which only the cache compares. The API gives the real key; no key starts with '!'
 * (below every base-62 digit), and `after` followed by the least character sorts before any longer key after it.
 */
export function guessPosition(after: Task | null): string {
  return after ? `${after.position}\u0001` : '!';
}

/**
 * Returns move(task, after): puts `task` right after `after` (null: at the top) of its list. Resolves to the
 * problem in words when the API refused the move (the list then shows the order as it was), null when it moved.
 */
export function useMoveTask(): (task: Task, after: Task | null) => Promise<string | null> {
  const [moveTask] = useMutation(MOVE_TASK);
  return async (task, after) => {
    const guess: Task = { ...task, position: guessPosition(after) };
    try {
      const { data } = await moveTask({
        variables: { id: task.id, input: { afterTaskId: after ? after.id : null } },
        optimisticResponse: { moveTask: { __typename: 'MoveTaskPayload', task: guess, currentTask: null, userErrors: [] } },
        update(cache, { data }) {
          const moved = data?.moveTask?.task;
          if (!moved) return;
          // The guess keeps the task's updatedAt; the API's answer has a later one.
          placeTask(cache, moved, { previous: task, optimistic: moved.updatedAt === task.updatedAt });
        },
      });
      const problems = data?.moveTask?.userErrors ?? [];
      return problems.length ? problems.map((e) => e.message).join(' ') : null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
}
