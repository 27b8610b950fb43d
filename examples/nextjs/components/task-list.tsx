'use client';
// The task view: a one-line quick add (title, optional due date and priority; Enter adds and the title keeps the
// focus), filters and search, the list, and a details panel for everything else, opened by clicking a task and
// closed with Escape. Create, complete and edit show at once (Apollo's optimisticResponse) and are corrected by
// the API's answer; a delete goes to the trash at once, its toast offering Undo (useDeletes). Changes made
// elsewhere arrive over the event feed and update the same cached lists (lib/task-cache.ts), whoever made them: the
// members of a shared list see each other's changes live. A VIEWER of a list sees it read-only (no quick add, no checkboxes, no edits); a refusal
// the API still gives (FORBIDDEN, say after a role changed) shows as a message that says why.
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';

import { explain, humanError } from '@/lib/errors';
import { browserTimeZone, formatInstant, localInputToISO, parseTags } from '@/lib/format';
import { API_HAS_TASK_LISTS, canWrite, displayName, type ListRole, type TaskListInfo } from '@/lib/lists';
import {
  CREATE_TASK,
  SET_TASK_COMPLETED,
  TAGS,
  TASKS,
  UPDATE_TASK,
  type CreateTaskInput,
  type Priority,
  type Recurrence,
  type Reminder,
  type Task,
  type TaskFilter,
  type TaskOrder,
  type TaskStatusFilter,
  type UpdateTaskInput,
  type UserError,
} from '@/lib/operations';
import { countsChanged, keepCreatedInView, placeTask, refreshTask, removeUndoneSuccessors } from '@/lib/task-cache';

import { ReorderHandle, useReorder, type ReorderItem } from './reorder';
import { AssigneePicker } from './assignee-picker';
import { Avatar } from './avatars';
import { useDeletes, useListsContext } from './signed-in-app';
import { reminderChoice, TaskForm, type SaveResult, type TaskFormValues } from './task-form';
import { TaskHistory } from './task-history';

export const PAGE_SIZE = 10;

const MANUAL_ORDER = 'Manual order';
const NEWEST_FIRST = 'Newest first';
const SORTS: { label: string; order?: TaskOrder }[] = [
  // A list's order by hand, which its tasks can be dragged into (components/reorder.tsx): the default on a list's
  // page, as in a todo app, new tasks at the bottom. Over every list ("All tasks") it goes list by list.
  { label: MANUAL_ORDER, order: { field: 'POSITION', direction: 'ASC' } },
  { label: NEWEST_FIRST }, // the API's default order: no orderBy, so new tasks go on top of the cached list
  { label: 'Oldest first', order: { field: 'CREATED_AT', direction: 'ASC' } },
  { label: 'Recently updated', order: { field: 'UPDATED_AT', direction: 'DESC' } },
  { label: 'Due soonest', order: { field: 'DUE_AT', direction: 'ASC' } },
  { label: 'Priority, high first', order: { field: 'PRIORITY', direction: 'DESC' } },
  { label: 'Title A–Z', order: { field: 'TITLE', direction: 'ASC' } },
];

/**
 * The sorts offered, the default first: a list's page shows the list in its manual order; "All tasks", the tasks of
 * every list together, shows the newest first (what was just added, wherever it went), with the manual order last.
 */
function sortsFor(inList: boolean) {
  return inList ? SORTS : [...SORTS.filter((s) => s.label !== MANUAL_ORDER), SORTS[0]];
}

const PRIORITY_LABEL = { LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High' } as const;
const PRIORITY_STYLE = {
  LOW: 'text-zinc-500 dark:text-zinc-400',
  MEDIUM: 'text-amber-700 dark:text-amber-400',
  HIGH: 'text-red-700 dark:text-red-400 font-semibold',
} as const;

/** An optimistic task's id: the real one replaces it when the API answers. */
const OPTIMISTIC = 'optimistic-';
const isOptimistic = (task: Task) => task.id.startsWith(OPTIMISTIC);

/** "reminder 15 min before", "reminder at the due time", "reminded Dec 2, 2026, 9:00 AM". */
function reminderLabel(r: Reminder): string {
  if (r.firedAt) return `reminded ${formatInstant(r.firedAt)}`;
  if (r.minutesBefore === 0) return 'reminder at the due time';
  if (r.minutesBefore !== null) return `reminder ${r.minutesBefore} min before`;
  return `reminder ${formatInstant(r.remindAt)}`;
}

const UNITS = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' } as const;
/** "repeats weekly", "repeats every 2 weeks". */
function repeatsLabel(r: Recurrence): string {
  if (r.interval === 1) return `repeats ${r.frequency === 'DAILY' ? 'daily' : r.frequency.toLowerCase()}`;
  return `repeats every ${r.interval} ${UNITS[r.frequency]}s`;
}

/**
 * The filter as the API gets it: only what is set, so that equal filters share one cached list. `listId` narrows it
 * to one list once the API files tasks by list (until then every task is in the Inbox, which shows them all).
 */
function buildFilter(
  listId: string | undefined,
  status: TaskStatusFilter,
  tag: string,
  search: string,
  assignedTo: string | null,
): TaskFilter | undefined {
  const filter: TaskFilter = {};
  if (listId && API_HAS_TASK_LISTS) filter.listIds = [listId];
  // "Assigned to me" as assigneeIds with the viewer's id, not assignedToMe: the cache can tell which tasks match it.
  if (assignedTo) filter.assigneeIds = [assignedTo];
  if (status !== 'ALL') filter.status = status;
  if (tag) filter.tags = [tag];
  if (search.trim()) filter.search = search.trim();
  return Object.keys(filter).length ? filter : undefined;
}

/** `value`, once it has stayed the same for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** What went wrong, in words: a FORBIDDEN refusal says it is the person's role in the list (lib/errors.ts). */
const errorMessage = humanError;
export { FORBIDDEN_MESSAGE } from '@/lib/errors';

/**
 * The tasks of `list`, or of every list when there is none ("All tasks"). `header` replaces the "All tasks" heading
 * (a list's page puts its name, members and actions there).
 */
export function TaskList({ list, header }: { list?: TaskListInfo; header?: ReactNode } = {}) {
  const id = useId();
  const [status, setStatus] = useState<TaskStatusFilter>('ALL');
  const [tag, setTag] = useState('');
  const [search, setSearch] = useState('');
  const sorts = sortsFor(!!list);
  const [sortLabel, setSortLabel] = useState(sorts[0].label);
  const [mine, setMine] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [selected, setSelected] = useState<Task | null>(null);
  const deletes = useDeletes();
  // Typing in the search box asks the API once the typing pauses, not on every key.
  const settledSearch = useSettled(search, 300);
  const listId = list?.id;
  const { lists: allLists, viewerId } = useListsContext();
  // Where quick add puts a task: this list, or the Inbox in "All tasks".
  const targetListId = listId ?? allLists?.find((l) => l.isInbox)?.id;
  const roles = useMemo(() => new Map<string, ListRole>((allLists ?? []).map((l) => [l.id, l.viewerRole])), [allLists]);
  // A task whose list's role is not known yet is writable: the API has the last word.
  const writable = (task: Task) => !roles.has(task.list.id) || canWrite(roles.get(task.list.id));
  const readOnly = !!list && !canWrite(list.viewerRole);
  const me = useMemo(
    () => (allLists ?? []).flatMap((l) => l.members).find((m) => m.user.id === viewerId)?.user ?? null,
    [allLists, viewerId],
  );
  const assignedTo = mine ? viewerId : null;
  const filter = useMemo(
    () => buildFilter(listId, status, tag, settledSearch, assignedTo),
    [listId, status, tag, settledSearch, assignedTo],
  );
  const orderBy = (sorts.find((s) => s.label === sortLabel) ?? sorts[0]).order;

  const { data, previousData, loading, error, fetchMore } = useQuery(TASKS, {
    variables: { filter, orderBy, first: PAGE_SIZE },
    fetchPolicy: 'cache-and-network',
    nextFetchPolicy: 'cache-first',
  });
  const tags = useQuery(TAGS, { variables: { listId: API_HAS_TASK_LISTS ? (listId ?? null) : null } });
  const connection = (data ?? previousData)?.tasks;
  const [loadingMore, setLoadingMore] = useState(false);

  const [createTask] = useMutation(CREATE_TASK);
  const [updateTask] = useMutation(UPDATE_TASK);
  const [setTaskCompleted] = useMutation(SET_TASK_COMPLETED);

  async function create(values: { title: string; dueAt: string; priority: Priority }): Promise<UserError[]> {
    const dueAt = localInputToISO(values.dueAt);
    // A retried request (a flaky network) creates the task once.
    const idempotencyKey = crypto.randomUUID();
    const input: CreateTaskInput = { title: values.title, priority: values.priority, tags: [], dueAt, idempotencyKey };
    if (targetListId && API_HAS_TASK_LISTS) input.listId = targetListId;
    const now = new Date().toISOString();
    const guess: Task = {
      __typename: 'Task',
      id: `${OPTIMISTIC}${idempotencyKey}`,
      title: values.title.trim(),
      description: null,
      completed: false,
      priority: values.priority,
      tags: [],
      dueAt,
      completedAt: null,
      createdAt: now,
      updatedAt: now,
      version: 1,
      recurrence: null,
      seriesId: null,
      reminders: [],
      list: { __typename: 'TaskList', id: targetListId ?? '' },
      position: '~', // after every key: a new task goes to the end of its list's manual order

      createdBy: me ? { __typename: 'User', ...me } : { __typename: 'User', id: viewerId ?? '', name: null, email: null },
      assignee: null,
    };
    const { data } = await createTask({
      variables: { input },
      // A blank title is the API's to refuse (next to the field): no guess shows for it, nor before the list and
      // the viewer are known.
      optimisticResponse: guess.title && targetListId && viewerId
        ? { createTask: { __typename: 'CreateTaskPayload', task: guess, taskEdge: null, userErrors: [] } as never }
        : undefined,
      update(cache, { data }) {
        const payload = data?.createTask;
        if (!payload?.task) return;
        const optimistic = isOptimistic(payload.task);
        placeTask(cache, payload.task, { cursor: payload.taskEdge?.cursor, previous: null, optimistic });
        // At the bottom of this list's manual order even when more of it is still to load: the person sees it.
        keepCreatedInView(cache, payload.task);
        if (!optimistic) countsChanged(cache);
      },
    });
    return explain(data?.createTask?.userErrors ?? []);
  }

  async function edit(task: Task, values: TaskFormValues, ifVersion: number): Promise<SaveResult> {
    // A VIEWER changes only their own reminder (the API refuses the rest): nothing else is sent, nor a version.
    if (!writable(task)) {
      const reminders = values.remindMinutesBefore ? [{ minutesBefore: Number(values.remindMinutesBefore) }] : [];
      const { data } = await updateTask({
        variables: { id: task.id, input: { reminders } },
        update(cache, { data }) {
          if (data?.updateTask?.task) refreshTask(cache, data.updateTask.task);
        },
      });
      return { errors: explain(data?.updateTask?.userErrors ?? []) };
    }
    const input: UpdateTaskInput = {
      ifVersion,
      title: values.title,
      description: values.description || null,
      priority: values.priority,
      tags: parseTags(values.tags),
      dueAt: localInputToISO(values.dueAt),
    };
    // The series is sent only when it changes: a new frequency starts at every 1, "Never" (null) ends it here.
    if (!task.completed && values.repeats !== (task.recurrence?.frequency ?? '')) {
      input.recurrence = values.repeats
        ? { frequency: values.repeats, interval: 1, timeZone: task.recurrence?.timeZone ?? browserTimeZone() }
        : null;
    }
    if (values.remindMinutesBefore !== reminderChoice(task)) {
      input.reminders = values.remindMinutesBefore ? [{ minutesBefore: Number(values.remindMinutesBefore) }] : [];
    }
    // The guess: the fields as typed (the API trims and lower-cases tags itself; the answer corrects it). Its
    // updatedAt is the task's own, which is how the update below tells it from the answer.
    const guess: Task = {
      ...task,
      title: values.title.trim() || task.title,
      description: input.description ?? null,
      priority: values.priority,
      tags: (input.tags ?? []).map((t) => t.toLowerCase()),
      dueAt: input.dueAt ?? null,
    };
    const { data } = await updateTask({
      variables: { id: task.id, input },
      optimisticResponse: {
        updateTask: { __typename: 'UpdateTaskPayload', task: guess, nextOccurrence: null, userErrors: [] } as never,
      },
      update(cache, { data }) {
        const payload = data?.updateTask;
        // A conflict: nothing was written, and the task as it now is goes where it belongs (its event may follow).
        if (payload?.currentTask) placeTask(cache, payload.currentTask, { previous: task });
        if (!payload?.task) return;
        const optimistic = payload.task.updatedAt === task.updatedAt;
        placeTask(cache, payload.task, { previous: task, optimistic });
        if (optimistic) return;
        if (payload.nextOccurrence) placeTask(cache, payload.nextOccurrence, { previous: null });
        countsChanged(cache);
      },
    });
    const errors = explain(data?.updateTask?.userErrors ?? []);
    const current = data?.updateTask?.currentTask;
    if (current && errors.some((e) => e.code === 'CONFLICT')) {
      return { errors, conflict: { current, actor: current.history?.nodes[0]?.actor ?? null } };
    }
    return { errors };
  }

  /** Moves `task` to another list; its userErrors (or a failure) come back for the list picker to show. */
  async function move(task: Task, toListId: string): Promise<string | null> {
    const guess: Task = { ...task, list: { __typename: 'TaskList', id: toListId } };
    try {
      const { data } = await updateTask({
        variables: { id: task.id, input: { listId: toListId } },
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
      const problems = explain(data?.updateTask?.userErrors ?? []);
      return problems.length ? problems.map((e) => e.message).join(' ') : null;
    } catch (error) {
      return errorMessage(error);
    }
  }

  async function toggle(task: Task) {
    setProblem(null);
    const completed = !task.completed;
    const guess: Task = { ...task, completed, completedAt: completed ? new Date().toISOString() : null };
    try {
      await setTaskCompleted({
        variables: { id: task.id, completed },
        optimisticResponse: {
          setTaskCompleted: { __typename: 'SetTaskCompletedPayload', task: guess, nextOccurrence: null } as never,
        },
        update(cache, { data }) {
          const payload = data?.setTaskCompleted;
          if (!payload?.task) return;
          // The guess keeps the task's updatedAt; the API's answer has a later one.
          if (payload.task.updatedAt === task.updatedAt) {
            placeTask(cache, payload.task, { previous: task, optimistic: true });
            return;
          }
          placeTask(cache, payload.task, { previous: task });
          // Completing an occurrence of a series creates the next one; reopening it may take that one back.
          if (payload.nextOccurrence) placeTask(cache, payload.nextOccurrence, { previous: null });
          removeUndoneSuccessors(cache, payload.task);
          countsChanged(cache);
        },
      });
    } catch (error) {
      setProblem(`Could not update “${task.title}”: ${errorMessage(error)}`);
    }
  }

  function remove(task: Task) {
    if (selected?.id === task.id) setSelected(null);
    deletes.remove(task);
  }

  async function loadMore() {
    if (!connection?.pageInfo.endCursor) return;
    setLoadingMore(true);
    try {
      await fetchMore({ variables: { after: connection.pageInfo.endCursor } });
    } catch (error) {
      setProblem(`Could not load more: ${errorMessage(error)}`);
    } finally {
      setLoadingMore(false);
    }
  }

  const loaded = connection?.edges.map((e) => e.node) ?? [];
  const tasks = loaded.filter((t) => !deletes.hidden.has(t.id));
  const total = connection ? connection.totalCount - (loaded.length - tasks.length) : 0;
  // The panel shows the task as the cache has it now (a live update included), or as it was when opened.
  const current = selected ? (loaded.find((t) => t.id === selected.id) ?? selected) : null;
  // A list (not "All tasks") in its manual order can be reordered by whoever may change it.
  const reorderable = !!listId && orderBy?.field === 'POSITION' && !readOnly;
  const reorder = useReorder(tasks);

  return (
    <div className="flex min-h-full">
      <div className="mx-auto flex w-full max-w-3xl min-w-0 flex-1 flex-col gap-4 px-4 py-6 sm:px-6">
        {header ?? <h1 className="text-xl font-semibold">All tasks</h1>}
        {readOnly ? (
          <p className="read-only rounded-md border border-zinc-200 px-3 py-2 text-sm text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
            You can view this list but not change it.
          </p>
        ) : (
          <QuickAdd onCreate={create} />
        )}

        <form
          method="post"
          role="search"
          aria-label="Filter and sort tasks"
          className="grid grid-cols-2 gap-3 sm:grid-cols-4"
          onSubmit={(e) => e.preventDefault()}
        >
          <div className="col-span-2 sm:col-span-1">
            <label className="label" htmlFor={`${id}-search`}>
              Search
            </label>
            <input
              id={`${id}-search`}
              type="search"
              className="field"
              value={search}
              maxLength={100}
              onChange={(e) => setSearch(e.target.value)}
            />
          </div>
          <div>
            <label className="label" htmlFor={`${id}-status`}>
              Show
            </label>
            <select id={`${id}-status`} className="field" value={status} onChange={(e) => setStatus(e.target.value as TaskStatusFilter)}>
              <option value="ALL">All</option>
              <option value="PENDING">Pending</option>
              <option value="COMPLETED">Completed</option>
            </select>
          </div>
          <div>
            <label className="label" htmlFor={`${id}-tag`}>
              Tag
            </label>
            <select id={`${id}-tag`} className="field" value={tag} onChange={(e) => setTag(e.target.value)}>
              <option value="">Any tag</option>
              {(tags.data?.tags ?? []).map((t) => (
                <option key={t.tag} value={t.tag}>
                  {t.tag} ({t.count})
                </option>
              ))}
              {tag && !tags.data?.tags?.some((t) => t.tag === tag) && <option value={tag}>{tag}</option>}
            </select>
          </div>
          <div className="col-span-2 sm:col-span-1">
            <label className="label" htmlFor={`${id}-sort`}>
              Sort
            </label>
            <select id={`${id}-sort`} className="field" value={sortLabel} onChange={(e) => setSortLabel(e.target.value)}>
              {sorts.map((s) => (
                <option key={s.label} value={s.label}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <label className="assigned-to-me col-span-2 flex items-center gap-2 text-sm sm:col-span-4">
            <input type="checkbox" className="size-4 accent-accent-600" checked={mine} onChange={(e) => setMine(e.target.checked)} />
            Assigned to me
          </label>
        </form>

        {problem && (
          <p role="alert" className="field-error">
            {problem}
          </p>
        )}
        {reorderable && reorder.problem && (
          <p role="alert" className="field-error">
            {reorder.problem}
          </p>
        )}
        {reorderable && reorder.hint}
        {error && !connection && (
          <p role="alert" className="field-error">
            Could not load your tasks: {error.message}
          </p>
        )}
        <p aria-live="polite" className="count text-xs text-zinc-500 dark:text-zinc-400">
          {connection ? `Showing ${tasks.length} of ${total} ${total === 1 ? 'task' : 'tasks'}` : loading ? 'Loading…' : ''}
        </p>
        {connection && tasks.length === 0 && (
          <p className="rounded-md border border-dashed border-zinc-300 p-6 text-center text-zinc-500 dark:border-zinc-700">
            No tasks here yet.
          </p>
        )}
        <ul
          className="tasks divide-y divide-zinc-200 rounded-md border border-zinc-200 empty:hidden dark:divide-zinc-800 dark:border-zinc-800"
          aria-label="Tasks"
          aria-busy={loading || undefined}
        >
          {tasks.map((task, index) => (
            <TaskItem
              key={task.id}
              task={task}
              reorder={reorderable && !isOptimistic(task) ? reorder.item(task, index) : undefined}
              selected={current?.id === task.id}
              writable={writable(task)}
              onToggle={toggle}
              onDelete={remove}
              onOpen={setSelected}
            />
          ))}
        </ul>
        {connection?.pageInfo.hasNextPage && (
          <button type="button" className="btn self-center" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
      {current && (
        <DetailsPanel
          task={current}
          lists={allLists ?? []}
          writable={writable(current)}
          onMove={async (toListId) => {
            const problem = await move(current, toListId);
            // Moved out of the list on screen: it is no longer here to show.
            if (!problem && listId && toListId !== listId) setSelected(null);
            return problem;
          }}
          onClose={() => setSelected(null)}
          onSave={async (values, ifVersion) => {
            const result = await edit(current, values, ifVersion);
            if (result.errors.length === 0) setSelected(null);
            return result;
          }}
          onDelete={() => remove(current)}
        />
      )}
    </div>
  );
}

/** One line: title, then an optional due date and priority. Enter adds; the title keeps the focus for the next. */
function QuickAdd({ onCreate }: { onCreate: (values: { title: string; dueAt: string; priority: Priority }) => Promise<UserError[]> }) {
  const id = useId();
  const titleRef = useRef<HTMLInputElement>(null);
  const [errors, setErrors] = useState<UserError[]>([]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const elements = form.elements;
    const title = (elements.namedItem('title') as HTMLInputElement).value;
    const dueAt = (elements.namedItem('dueAt') as HTMLInputElement).value;
    const priority = (elements.namedItem('priority') as HTMLSelectElement).value as Priority;
    // Empty at once, ready for the next task; the typed title comes back if the API refuses it.
    form.reset();
    titleRef.current?.focus();
    try {
      const problems = await onCreate({ title, dueAt, priority });
      setErrors(problems);
      if (problems.length && titleRef.current && !titleRef.current.value) titleRef.current.value = title;
    } catch (error) {
      setErrors([{ field: [], message: errorMessage(error), code: 'INVALID' }]);
    }
  }

  const titleErrors = errors.filter((e) => e.field[1] === 'title' || e.field.length < 2);
  const otherErrors = errors.filter((e) => !titleErrors.includes(e));
  return (
    <form
      method="post"
      aria-label="Add task"
      onSubmit={submit}
      onChange={() => setErrors([])}
      className="rounded-md border border-zinc-200 p-2 shadow-sm dark:border-zinc-800"
    >
      <div className="flex flex-wrap items-center gap-2">
        <label className="sr-only" htmlFor={`${id}-title`}>
          Title
        </label>
        <input
          ref={titleRef}
          id={`${id}-title`}
          name="title"
          autoComplete="off"
          placeholder="Add a task, press Enter"
          maxLength={200}
          className="min-w-0 flex-1 basis-48 rounded-md bg-transparent px-2 py-2 text-base outline-none placeholder:text-zinc-400"
          aria-invalid={titleErrors.length ? true : undefined}
          aria-describedby={titleErrors.length ? `${id}-title-error` : undefined}
        />
        <label className="sr-only" htmlFor={`${id}-due`}>
          Due
        </label>
        <input id={`${id}-due`} name="dueAt" type="datetime-local" step={1} className="field w-auto" />
        <label className="sr-only" htmlFor={`${id}-priority`}>
          Priority
        </label>
        <select id={`${id}-priority`} name="priority" defaultValue="MEDIUM" className="field w-auto">
          <option value="LOW">Low</option>
          <option value="MEDIUM">Medium</option>
          <option value="HIGH">High</option>
        </select>
        <button type="submit" className="btn btn-primary">
          Add task
        </button>
      </div>
      {titleErrors.length > 0 && (
        <p id={`${id}-title-error`} role="alert" className="field-error px-2">
          {titleErrors.map((e) => e.message).join(' ')}
        </p>
      )}
      {otherErrors.length > 0 && (
        <p role="alert" className="field-error px-2">
          {otherErrors.map((e) => e.message).join(' ')}
        </p>
      )}
    </form>
  );
}

function DetailsPanel({
  task,
  lists,
  writable,
  onMove,
  onClose,
  onSave,
  onDelete,
}: {
  task: Task;
  /** The viewer's lists: where the task may move, and whether its list is shared. */
  lists: TaskListInfo[];
  /** False for a VIEWER of the task's list: the details are read-only. */
  writable: boolean;
  onMove: (listId: string) => Promise<string | null>;
  onClose: () => void;
  onSave: (values: TaskFormValues, ifVersion: number) => Promise<SaveResult>;
  onDelete: () => void;
}) {
  const headingId = useId();
  const moveId = useId();
  const ref = useRef<HTMLElement>(null);
  const [moveProblem, setMoveProblem] = useState<string | null>(null);
  const [moving, setMoving] = useState(false);
  const inList = lists.find((l) => l.id === task.list.id);
  const shared = (inList?.members.length ?? 0) > 1;
  // Where it may go: the lists the viewer writes, and the one it is in.
  const targets = lists.filter((l) => l.id === task.list.id || canWrite(l.viewerRole));
  useEffect(() => setMoveProblem(null), [task.id]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  // Opened: the focus moves into the panel, to its title field.
  useEffect(() => {
    ref.current?.querySelector<HTMLInputElement>('input[name="title"]')?.focus();
  }, [task.id]);

  return (
    <aside
      ref={ref}
      aria-labelledby={headingId}
      className="fixed inset-0 z-20 flex flex-col gap-4 overflow-y-auto bg-white p-4 sm:p-6 lg:sticky lg:top-0 lg:z-auto lg:h-dvh lg:w-96 lg:shrink-0 lg:border-l lg:border-zinc-200 dark:bg-zinc-950 lg:dark:border-zinc-800"
    >
      <div className="flex items-center justify-between gap-2">
        <h2 id={headingId} className="text-xl font-semibold">
          Task details
        </h2>
        <button type="button" className="btn" onClick={onClose} aria-label="Close details" title="Close (Escape)">
          Close
        </button>
      </div>
      {writable && targets.length > 1 && (
        <div>
          <label className="label" htmlFor={moveId}>
            List
          </label>
          <select
            id={moveId}
            className="field"
            value={task.list.id}
            disabled={moving}
            aria-invalid={moveProblem ? true : undefined}
            aria-describedby={moveProblem ? `${moveId}-error` : undefined}
            onChange={async (event) => {
              setMoving(true);
              setMoveProblem(null);
              setMoveProblem(await onMove(event.target.value));
              setMoving(false);
            }}
          >
            {targets.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
          {moveProblem && (
            <p id={`${moveId}-error`} role="alert" className="field-error">
              {moveProblem}
            </p>
          )}
        </div>
      )}
      {!writable && (
        <p className="read-only text-sm text-zinc-600 dark:text-zinc-400">
          You can view {inList ? `“${inList.name}”` : 'this list'} but not change its tasks; your own reminder is yours
          to set.
        </p>
      )}
      {/* A VIEWER sees the details but cannot change them (the API would refuse: FORBIDDEN), except their own reminder. */}
      <fieldset className="min-w-0">
        <TaskForm
          key={task.id}
          task={task}
          readOnly={!writable}
          onSubmit={onSave}
          footer={
            writable ? (
              <button type="button" className="btn btn-danger ml-auto" onClick={onDelete}>
                Delete
              </button>
            ) : null
          }
        />
      </fieldset>
      {(shared || task.assignee) && <AssigneePicker key={task.id} task={task} writable={writable} />}
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 border-t border-zinc-200 pt-4 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
        {(shared || !inList) && (
          <>
            <dt>Created by</dt>
            <dd className="created-by">{displayName(task.createdBy)}</dd>
          </>
        )}
        {!inList ? null : !writable || shared || lists.length > 1 ? (
          <>
            <dt>In list</dt>
            <dd className="in-list">{inList.name}</dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>{formatInstant(task.createdAt)}</dd>
        <dt>Updated</dt>
        <dd>{formatInstant(task.updatedAt)}</dd>
        {task.completedAt && (
          <>
            <dt>Completed</dt>
            <dd>{formatInstant(task.completedAt)}</dd>
          </>
        )}
      </dl>
      <TaskHistory task={task} />
    </aside>
  );
}

function TaskItem({
  task,
  selected,
  writable,
  onToggle,
  onDelete,
  onOpen,
  reorder,
}: {
  task: Task;
  selected: boolean;
  /** Set when the list can be reordered: the row is a drop target and gets a drag handle. */
  reorder?: ReorderItem;
  /** False for a VIEWER of the task's list: no checkbox to tick, no Delete. */
  writable: boolean;
  onToggle: (task: Task) => Promise<void>;
  onDelete: (task: Task) => void;
  onOpen: (task: Task) => void;
}) {
  const id = useId();
  const pending = isOptimistic(task);
  return (
    <li
      aria-labelledby={`${id}-title`}
      className={`${task.completed ? 'task done' : 'task'} group flex items-start gap-3 px-3 py-3 ${selected ? 'bg-accent-50 dark:bg-accent-700/20' : ''}`}
      data-task-id={task.id}
      {...reorder?.row}
    >
      {reorder && <ReorderHandle handle={reorder.handle} />}
      <input
        type="checkbox"
        className="mt-1 size-4 shrink-0 accent-accent-600"
        checked={task.completed}
        disabled={pending || !writable}
        onChange={() => void onToggle(task)}
        aria-label={`Completed: ${task.title}`}
      />
      <button
        type="button"
        className="min-w-0 flex-1 text-left"
        disabled={pending}
        onClick={() => onOpen(task)}
        aria-expanded={selected}
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-meta`}
      >
        <span
          id={`${id}-title`}
          className={`title block text-base break-words ${task.completed ? 'text-zinc-500 line-through' : 'font-medium'}`}
        >
          {task.title}
        </span>
        {task.description && (
          <span className="description mt-1 block text-sm break-words text-zinc-600 dark:text-zinc-400">{task.description}</span>
        )}
        <span id={`${id}-meta`} className="meta mt-1 flex flex-wrap gap-x-3 gap-y-1 text-xs text-zinc-500 dark:text-zinc-400">
          <span className={`priority ${PRIORITY_STYLE[task.priority]}`}>{PRIORITY_LABEL[task.priority]} priority</span>
          {task.dueAt && (
            <span>
              due <time dateTime={task.dueAt}>{formatInstant(task.dueAt)}</time>
            </span>
          )}
          {task.assignee && (
            <span className="assignee inline-flex items-center gap-1">
              <Avatar user={task.assignee} />
              <span className="sr-only">assigned to</span>
              {displayName(task.assignee)}
            </span>
          )}
          {task.recurrence && <span className="repeats">{repeatsLabel(task.recurrence)}</span>}
          {task.reminders.map((r) => (
            <span key={r.id} className="reminder">
              {reminderLabel(r)}
            </span>
          ))}
          {task.tags.map((t) => (
            <span key={t} className="tag rounded-full bg-zinc-100 px-2 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">
              #{t}
            </span>
          ))}
        </span>
      </button>
      {writable && (
        <button
          type="button"
          className="btn btn-danger shrink-0 px-2 py-1 text-xs sm:opacity-0 sm:group-focus-within:opacity-100 sm:group-hover:opacity-100"
          disabled={pending}
          onClick={() => onDelete(task)}
          aria-label={`Delete ${task.title}`}
        >
          Delete
        </button>
      )}
    </li>
  );
}
