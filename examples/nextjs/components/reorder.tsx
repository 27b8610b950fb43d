'use client';
// Reordering a list by hand: drag a task by its handle and drop it on another (it takes that task's place), or focus
// the handle and press Alt+ArrowUp / Alt+ArrowDown to move it one place. Each move is one moveTask (lib/use-move-task.ts),
// shown at once and settled by the API. Used by the task list when it shows a list in its manual order.
import { useState, type DragEvent, type KeyboardEvent } from 'react';

import type { Task } from '@/lib/operations';
import { useMoveTask } from '@/lib/use-move-task';

/** What a task's row and its handle need to take part in reordering. */
export interface ReorderItem {
  row: {
    onDragOver: (event: DragEvent<HTMLElement>) => void;
    onDrop: (event: DragEvent<HTMLElement>) => void;
    'data-drop-target'?: boolean;
  };
  handle: {
    draggable: true;
    onDragStart: (event: DragEvent<HTMLElement>) => void;
    onDragEnd: () => void;
    onKeyDown: (event: KeyboardEvent<HTMLElement>) => void;
    'aria-label': string;
    'aria-describedby': string;
  };
}

export const REORDER_HINT_ID = 'reorder-hint';

/**
 * Reordering of `tasks` (the list as shown, in its manual order). Returns the props of each task's row and handle,
 * the problem of the last refused move, and the hint that the handles' aria-describedby points to.
 */
export function useReorder(tasks: Task[]) {
  const move = useMoveTask();
  const [dragged, setDragged] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  /** Moves the task at index `from` so that it ends up at index `to` of the list as shown. */
  async function moveTo(from: number, to: number) {
    if (from === to || from < 0 || to < 0 || to >= tasks.length) return;
    const task = tasks[from];
    const rest = tasks.filter((_, i) => i !== from);
    const after = to === 0 ? null : rest[to - 1];
    setProblem(null);
    const refused = await move(task, after);
    if (refused) setProblem(`Could not move “${task.title}”: ${refused}`);
  }

  function item(task: Task, index: number): ReorderItem {
    return {
      row: {
        onDragOver(event) {
          if (!dragged || dragged === task.id) return;
          event.preventDefault(); // a drop target
          event.dataTransfer.dropEffect = 'move';
          if (over !== task.id) setOver(task.id);
        },
        onDrop(event) {
          event.preventDefault();
          const from = tasks.findIndex((t) => t.id === (dragged ?? event.dataTransfer.getData('text/plain')));
          setDragged(null);
          setOver(null);
          void moveTo(from, index); // it takes the place of the task it was dropped on
        },
        'data-drop-target': over === task.id || undefined,
      },
      handle: {
        draggable: true,
        onDragStart(event) {
          event.dataTransfer.effectAllowed = 'move';
          event.dataTransfer.setData('text/plain', task.id);
          const row = event.currentTarget.closest('li');
          if (row) event.dataTransfer.setDragImage(row, 16, 16);
          setDragged(task.id);
        },
        onDragEnd() {
          setDragged(null);
          setOver(null);
        },
        onKeyDown(event) {
          if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
          event.preventDefault();
          void moveTo(index, event.key === 'ArrowUp' ? index - 1 : index + 1);
          // The row moves in the page, which may take the focus from its handle: give it back for the next press.
          requestAnimationFrame(() =>
            document.querySelector<HTMLElement>(`li[data-task-id="${CSS.escape(task.id)}"] .reorder-handle`)?.focus(),
          );
        },
        'aria-label': `Reorder ${task.title}`,
        'aria-describedby': REORDER_HINT_ID,
      },
    };
  }

  const hint = (
    <p id={REORDER_HINT_ID} className="sr-only">
      Drag to reorder, or press Alt+Arrow Up or Alt+Arrow Down to move the task one place.
    </p>
  );
  return { item, problem, hint };
}

/** The drag handle of a task's row: a button, so that it takes the focus for the keyboard moves. */
export function ReorderHandle({ handle }: { handle: ReorderItem['handle'] }) {
  return (
    <button
      type="button"
      className="reorder-handle mt-0.5 shrink-0 cursor-grab touch-none rounded px-1 text-zinc-400 hover:text-zinc-700 focus-visible:text-zinc-700 dark:hover:text-zinc-200"
      title="Drag to reorder (Alt+↑/↓)"
      {...handle}
    >
      <span aria-hidden="true">⠿</span>
    </button>
  );
}
