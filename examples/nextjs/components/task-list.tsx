'use client';
// The task list: a new-task form, filters (status, tag, search), sort, the list itself with complete, edit and
// delete, and "Load more", which asks for the page after the last cursor. Changes made here update the cached lists
// at once (lib/task-cache.ts); changes made elsewhere arrive over the event feed and do the same.
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useId, useMemo, useState } from 'react';

import { browserTimeZone, formatInstant, localInputToISO, parseTags } from '@/lib/format';
import {
  CREATE_TASK,
  DELETE_TASK,
  SET_TASK_COMPLETED,
  TAGS,
  TASKS,
  UPDATE_TASK,
  type CreateTaskInput,
  type Recurrence,
  type Reminder,
  type Task,
  type TaskFilter,
  type TaskOrder,
  type TaskStatusFilter,
  type UpdateTaskInput,
  type UserError,
} from '@/lib/operations';
import { countsChanged, placeTask, removeTask, removeUndoneSuccessors } from '@/lib/task-cache';

import { reminderChoice, TaskForm, type TaskFormValues } from './task-form';

export const PAGE_SIZE = 10;

const SORTS: { label: string; order?: TaskOrder }[] = [
  { label: 'Newest first' }, // the API's default order: no orderBy, so new tasks go on top of the cached list
  { label: 'Oldest first', order: { field: 'CREATED_AT', direction: 'ASC' } },
  { label: 'Recently updated', order: { field: 'UPDATED_AT', direction: 'DESC' } },
  { label: 'Due soonest', order: { field: 'DUE_AT', direction: 'ASC' } },
  { label: 'Priority, high first', order: { field: 'PRIORITY', direction: 'DESC' } },
  { label: 'Title A–Z', order: { field: 'TITLE', direction: 'ASC' } },
];

const PRIORITY_LABEL = { LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High' } as const;

/** "reminder 15 min before", "reminder at the due time", "reminded 2 Dec, 09:00". */
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

/** The filter as the API gets it: only what is set, so that equal filters share one cached list. */
function buildFilter(status: TaskStatusFilter, tag: string, search: string): TaskFilter | undefined {
  const filter: TaskFilter = {};
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function TaskList() {
  const id = useId();
  const [status, setStatus] = useState<TaskStatusFilter>('ALL');
  const [tag, setTag] = useState('');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  // Typing in the search box asks the API once the typing pauses, not on every key.
  const settledSearch = useSettled(search, 300);
  const filter = useMemo(() => buildFilter(status, tag, settledSearch), [status, tag, settledSearch]);
  const orderBy = SORTS[sort].order;

  const { data, previousData, loading, error, fetchMore } = useQuery(TASKS, {
    variables: { filter, orderBy, first: PAGE_SIZE },
    fetchPolicy: 'cache-and-network',
    nextFetchPolicy: 'cache-first',
  });
  const tags = useQuery(TAGS);
  const connection = (data ?? previousData)?.tasks;
  const [loadingMore, setLoadingMore] = useState(false);

  const [createTask] = useMutation(CREATE_TASK);
  const [updateTask] = useMutation(UPDATE_TASK);
  const [setTaskCompleted] = useMutation(SET_TASK_COMPLETED);
  const [deleteTask] = useMutation(DELETE_TASK);

  async function create(values: TaskFormValues): Promise<UserError[]> {
    const dueAt = localInputToISO(values.dueAt);
    const input: CreateTaskInput = {
      title: values.title,
      description: values.description || null,
      priority: values.priority,
      tags: parseTags(values.tags),
      dueAt,
      // A retried request (a flaky network) creates the task once.
      idempotencyKey: crypto.randomUUID(),
    };
    if (values.repeats) input.recurrence = { frequency: values.repeats, interval: 1, timeZone: browserTimeZone() };
    if (values.remindMinutesBefore) input.reminders = [{ minutesBefore: Number(values.remindMinutesBefore) }];
    const { data } = await createTask({
      variables: { input },
      update(cache, { data }) {
        const payload = data?.createTask;
        if (!payload?.task) return;
        placeTask(cache, payload.task, { cursor: payload.taskEdge?.cursor, previous: null });
        countsChanged(cache);
      },
    });
    return data?.createTask?.userErrors ?? [];
  }

  async function edit(task: Task, values: TaskFormValues): Promise<UserError[]> {
    const input: UpdateTaskInput = {
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
    const { data } = await updateTask({
      variables: { id: task.id, input },
      update(cache, { data }) {
        const payload = data?.updateTask;
        if (!payload?.task) return;
        placeTask(cache, payload.task, { previous: task });
        if (payload.nextOccurrence) placeTask(cache, payload.nextOccurrence, { previous: null });
        countsChanged(cache);
      },
    });
    return data?.updateTask?.userErrors ?? [];
  }

  async function toggle(task: Task) {
    setProblem(null);
    try {
      await setTaskCompleted({
        variables: { id: task.id, completed: !task.completed },
        update(cache, { data }) {
          const payload = data?.setTaskCompleted;
          if (!payload?.task) return;
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

  async function remove(task: Task) {
    setProblem(null);
    try {
      await deleteTask({
        variables: { id: task.id },
        update(cache, { data }) {
          if (!data?.deleteTask?.deletedTaskId) return;
          removeTask(cache, task.id);
          countsChanged(cache);
        },
      });
    } catch (error) {
      setProblem(`Could not delete “${task.title}”: ${errorMessage(error)}`);
    }
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

  const tasks = connection?.edges.map((e) => e.node) ?? [];
  return (
    <>
      <h1>Tasks</h1>
      <section aria-labelledby={`${id}-new`}>
        <h2 id={`${id}-new`}>New task</h2>
        <TaskForm submitLabel="Add task" repeats reminders onSubmit={create} />
      </section>

      <section aria-labelledby={`${id}-list`}>
        <h2 id={`${id}-list`}>Your tasks</h2>
        <form method="post" role="search" aria-label="Filter and sort tasks" className="filters" onSubmit={(e) => e.preventDefault()}>
          <p>
            <label htmlFor={`${id}-status`}>Show</label>
            <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as TaskStatusFilter)}>
              <option value="ALL">All</option>
              <option value="PENDING">Pending</option>
              <option value="COMPLETED">Completed</option>
            </select>
          </p>
          <p>
            <label htmlFor={`${id}-tag`}>Tag</label>
            <select id={`${id}-tag`} value={tag} onChange={(e) => setTag(e.target.value)}>
              <option value="">Any tag</option>
              {(tags.data?.tags ?? []).map((t) => (
                <option key={t.tag} value={t.tag}>
                  {t.tag} ({t.count})
                </option>
              ))}
              {tag && !tags.data?.tags?.some((t) => t.tag === tag) && <option value={tag}>{tag}</option>}
            </select>
          </p>
          <p>
            <label htmlFor={`${id}-search`}>Search</label>
            <input id={`${id}-search`} type="search" value={search} maxLength={100} onChange={(e) => setSearch(e.target.value)} />
          </p>
          <p>
            <label htmlFor={`${id}-sort`}>Sort</label>
            <select id={`${id}-sort`} value={sort} onChange={(e) => setSort(Number(e.target.value))}>
              {SORTS.map((s, i) => (
                <option key={s.label} value={i}>
                  {s.label}
                </option>
              ))}
            </select>
          </p>
        </form>

        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        {error && !connection && (
          <p role="alert" className="error">
            Could not load your tasks: {error.message}
          </p>
        )}
        <p aria-live="polite" className="count">
          {connection
            ? `Showing ${tasks.length} of ${connection.totalCount} ${connection.totalCount === 1 ? 'task' : 'tasks'}`
            : loading
              ? 'Loading…'
              : ''}
        </p>
        {connection && tasks.length === 0 && <p>No tasks here yet.</p>}
        <ul className="tasks" aria-label="Tasks" aria-busy={loading || undefined}>
          {tasks.map((task) => (
            <TaskItem key={task.id} task={task} onToggle={toggle} onDelete={remove} onEdit={edit} />
          ))}
        </ul>
        {connection?.pageInfo.hasNextPage && (
          <button type="button" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        )}
      </section>
    </>
  );
}

function TaskItem({
  task,
  onToggle,
  onDelete,
  onEdit,
}: {
  task: Task;
  onToggle: (task: Task) => Promise<void>;
  onDelete: (task: Task) => void;
  onEdit: (task: Task, values: TaskFormValues) => Promise<UserError[]>;
}) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  // The box shows the click at once; the task as the API returns it takes over when the mutation is done.
  const [toggling, setToggling] = useState<boolean | null>(null);

  if (editing) {
    return (
      <li aria-labelledby={`${id}-title`} className="task editing">
        <h3 id={`${id}-title`}>Edit “{task.title}”</h3>
        <TaskForm
          task={task}
          repeats={!task.completed}
          reminders
          submitLabel="Save"
          onSubmit={async (values) => {
            const problems = await onEdit(task, values);
            if (problems.length === 0) setEditing(false);
            return problems;
          }}
          onCancel={() => setEditing(false)}
        />
      </li>
    );
  }
  return (
    <li aria-labelledby={`${id}-title`} className={task.completed ? 'task done' : 'task'} data-task-id={task.id}>
      <input
        type="checkbox"
        id={`${id}-done`}
        checked={toggling ?? task.completed}
        disabled={toggling !== null}
        onChange={async () => {
          setToggling(!task.completed);
          try {
            await onToggle(task);
          } finally {
            setToggling(null);
          }
        }}
        aria-label={`Completed: ${task.title}`}
      />
      <div className="body">
        <span id={`${id}-title`} className="title">
          {task.title}
        </span>
        {task.description && <p className="description">{task.description}</p>}
        <p className="meta">
          <span className={`priority ${task.priority.toLowerCase()}`}>{PRIORITY_LABEL[task.priority]} priority</span>
          {task.dueAt && (
            <span>
              {' · due '}
              <time dateTime={task.dueAt}>{formatInstant(task.dueAt)}</time>
            </span>
          )}
          {task.recurrence && <span className="repeats"> · {repeatsLabel(task.recurrence)}</span>}
          {task.reminders.map((r) => (
            <span key={r.id} className="reminder">
              {' · '}
              {reminderLabel(r)}
            </span>
          ))}
          {task.tags.length > 0 && (
            <span className="tags">
              {' · '}
              {task.tags.map((t) => (
                <span key={t} className="tag">
                  #{t}
                </span>
              ))}
            </span>
          )}
        </p>
      </div>
      <p className="actions">
        <button type="button" onClick={() => setEditing(true)} aria-label={`Edit ${task.title}`}>
          Edit
        </button>
        <button type="button" onClick={() => onDelete(task)} aria-label={`Delete ${task.title}`}>
          Delete
        </button>
      </p>
    </li>
  );
}
