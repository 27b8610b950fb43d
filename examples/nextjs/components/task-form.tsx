'use client';
// The details of a task, edited in the details panel: title, description, priority, tags, due date, how it repeats
// and when to be reminded. The API's userErrors show next to the control they concern (their field path mapped to
// a control, below) and go away as soon as that control is changed.
//
// A save sends the version the form was opened with (ifVersion): when someone changed the task meanwhile, the API
// writes nothing and answers CONFLICT with the task as it now is, and the form says who changed it, offering "Keep
// yours" (the same values again, at the current version) and "Take theirs" (the form shows the current task). A save
// that cannot reach the API (offline) waits, the form open, and goes out when the connection is back, where it may
// meet such a conflict too. A VIEWER of the task's list may change only their own reminder.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';

import { humanError, isNetworkError, OFFLINE_MESSAGE } from '@/lib/errors';
import { isoToLocalInput } from '@/lib/format';
import type { Actor, Priority, RecurrenceFrequency, Task, UserError } from '@/lib/operations';

import { ConflictBanner } from './conflict-banner';

export interface TaskFormValues {
  title: string;
  description: string;
  priority: Priority;
  tags: string;
  dueAt: string;
  repeats: RecurrenceFrequency | '';
  remindMinutesBefore: string;
}

const REMINDER_CHOICES = [
  ['', 'No reminder'],
  ['0', 'At the due time'],
  ['5', '5 minutes before'],
  ['15', '15 minutes before'],
  ['60', '1 hour before'],
  ['1440', '1 day before'],
] as const;

/**
 * The "Remind me" value for a task: its first reminder tied to the due date, in minutes before it; '' for none.
 * (This form offers one such reminder; the API takes up to five, also at fixed instants.)
 */
export function reminderChoice(task: Task | undefined): string {
  const tied = task?.reminders.find((r) => r.minutesBefore !== null);
  return tied ? String(tied.minutesBefore) : '';
}

/** A save the API refused because the task changed meanwhile: the task as it now is, and who changed it. */
export interface Conflict {
  current: Task;
  actor: Actor | null;
}

/** What a save came to: userErrors (none on success), and the conflict when there was one. */
export interface SaveResult {
  errors: UserError[];
  conflict?: Conflict | null;
}

/** Resolves when the browser is back online, or after `ms` (the API may have been what was unreachable). */
function backOnline(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      window.removeEventListener('online', done);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    window.addEventListener('online', done);
  });
}

type Control = 'title' | 'description' | 'priority' | 'tags' | 'dueAt' | 'repeats' | 'remind' | '';

/**
 * The control a userError belongs next to, from its field path: ["input", "tags", "3"] by Tags,
 * ["input", "reminders", "0", "minutesBefore"] by "Remind me", and a series that "needs a due date"
 * (["input", "recurrence"] or ["input", "dueAt"]) by the due date, which is what fixes it.
 */
export function controlFor(error: UserError): Control {
  const [, top = '', ...rest] = error.field;
  if (top === 'recurrence') return rest.length === 0 && /due date/i.test(error.message) ? 'dueAt' : 'repeats';
  if (top === 'reminders') return 'remind';
  if (['title', 'description', 'priority', 'tags', 'dueAt'].includes(top)) return top as Control;
  return '';
}

export function TaskForm({
  task,
  onSubmit,
  footer,
  readOnly = false,
}: {
  task: Task;
  /** Saves the values, sending `ifVersion` (the version of the task the form shows). */
  onSubmit: (values: TaskFormValues, ifVersion: number) => Promise<SaveResult>;
  /** More buttons after Save (Delete, Close). */
  footer?: ReactNode;
  /** A VIEWER of the task's list: only "Remind me" (their own reminder) can change. */
  readOnly?: boolean;
}) {
  const id = useId();
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  // The task as the form shows it: as it was when the form opened, or the current one after "Take theirs". Changes
  // arriving meanwhile (live) do not touch what the person is typing; their save meets them as a conflict.
  const [base, setBase] = useState(task);
  const [generation, setGeneration] = useState(0);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [mine, setMine] = useState<TaskFormValues | null>(null);
  const [offline, setOffline] = useState(false);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const currentReminder = reminderChoice(base);
  const messages = (control: Control) => errors.filter((e) => controlFor(e) === control).map((e) => e.message);

  async function save(values: TaskFormValues, ifVersion: number) {
    setBusy(true);
    try {
      for (;;) {
        try {
          const result = await onSubmit(values, ifVersion);
          if (!mounted.current) return;
          setOffline(false);
          setConflict(result.conflict ?? null);
          if (result.conflict) setMine(values);
          setErrors(result.errors.filter((e) => e.code !== 'CONFLICT'));
          return;
        } catch (error) {
          if (!isNetworkError(error)) throw error;
          // Offline: the form stays as it is and the save goes out once the connection is back.
          if (!mounted.current) return;
          setOffline(true);
          await backOnline(5000);
          if (!mounted.current) return;
        }
      }
    } catch (error) {
      if (mounted.current) setErrors([{ field: [], message: humanError(error), code: 'INVALID' }]);
    } finally {
      if (mounted.current) setBusy(false);
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string, fallback: string) => (form.has(name) ? String(form.get(name)) : fallback);
    // A disabled control (a VIEWER's) is not in the form data: its value is the task's own.
    const values: TaskFormValues = {
      title: text('title', base.title),
      description: text('description', base.description ?? ''),
      priority: text('priority', base.priority) as Priority,
      tags: text('tags', base.tags.join(', ')),
      dueAt: text('dueAt', isoToLocalInput(base.dueAt)),
      repeats: text('repeats', base.recurrence?.frequency ?? '') as RecurrenceFrequency | '',
      remindMinutesBefore: String(form.get('remind') ?? ''),
    };
    await save(values, base.version);
  }

  function keepMine() {
    if (!conflict || !mine) return;
    void save(mine, conflict.current.version);
  }

  function takeTheirs() {
    if (!conflict) return;
    setBase(conflict.current);
    setGeneration((g) => g + 1); // the fields start again from the current task
    setConflict(null);
    setErrors([]);
  }

  // A changed control takes its messages away; a changed "Repeats" also those of the series it asked for.
  function changed(name: string) {
    setErrors((list) =>
      list.filter((e) => controlFor(e) !== name && !(name === 'repeats' && e.field[1] === 'recurrence')),
    );
  }

  const errorText = (control: Control) => {
    const list = messages(control);
    return list.length ? (
      <span id={`${id}-${control}-error`} className="field-error" role="alert">
        {list.join(' ')}
      </span>
    ) : null;
  };
  const invalid = (control: Control) => (messages(control).length ? { 'aria-invalid': true, 'aria-describedby': `${id}-${control}-error` } : {});
  const general = messages('');

  return (
    <form
      key={generation}
      method="post"
      onSubmit={submit}
      onChange={(e) => changed((e.target as Element).getAttribute('name') ?? '')}
      className="flex flex-col gap-4"
      aria-label="Edit task"
    >
      {conflict && (
        <ConflictBanner conflict={conflict} mine={mine} busy={busy} onKeepMine={keepMine} onTakeTheirs={takeTheirs} />
      )}
      <div>
        <label className="label" htmlFor={`${id}-title`}>
          Title
        </label>
        <input id={`${id}-title`} name="title" className="field" defaultValue={base.title} disabled={readOnly} required maxLength={200} {...invalid('title')} />
        {errorText('title')}
      </div>
      <div>
        <label className="label" htmlFor={`${id}-description`}>
          Description
        </label>
        <textarea
          id={`${id}-description`}
          name="description"
          className="field"
          defaultValue={base.description ?? ''}
          disabled={readOnly}
          maxLength={1000}
          rows={3}
          {...invalid('description')}
        />
        {errorText('description')}
      </div>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <div>
          <label className="label" htmlFor={`${id}-due`}>
            Due
          </label>
          <input
            id={`${id}-due`}
            name="dueAt"
            type="datetime-local"
            step={1}
            className="field"
            defaultValue={isoToLocalInput(base.dueAt)}
            disabled={readOnly}
            {...invalid('dueAt')}
          />
          {errorText('dueAt')}
        </div>
        <div>
          <label className="label" htmlFor={`${id}-priority`}>
            Priority
          </label>
          <select id={`${id}-priority`} name="priority" className="field" defaultValue={base.priority} disabled={readOnly}>
            <option value="LOW">Low</option>
            <option value="MEDIUM">Medium</option>
            <option value="HIGH">High</option>
          </select>
        </div>
        {!base.completed && (
          <div>
            <label className="label" htmlFor={`${id}-repeats`}>
              Repeats
            </label>
            <select
              id={`${id}-repeats`}
              name="repeats"
              className="field"
              defaultValue={base.recurrence?.frequency ?? ''}
              disabled={readOnly}
              {...invalid('repeats')}
            >
              <option value="">Never</option>
              <option value="DAILY">Daily</option>
              <option value="WEEKLY">Weekly</option>
              <option value="MONTHLY">Monthly</option>
              <option value="YEARLY">Yearly</option>
            </select>
            {errorText('repeats')}
          </div>
        )}
        <div>
          <label className="label" htmlFor={`${id}-remind`}>
            Remind me
          </label>
          <select id={`${id}-remind`} name="remind" className="field" defaultValue={currentReminder} {...invalid('remind')}>
            {REMINDER_CHOICES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
            {!REMINDER_CHOICES.some(([value]) => value === currentReminder) && (
              <option value={currentReminder}>{currentReminder} minutes before</option>
            )}
          </select>
          {errorText('remind')}
        </div>
      </div>
      <div>
        <label className="label" htmlFor={`${id}-tags`}>
          Tags (comma-separated)
        </label>
        <input id={`${id}-tags`} name="tags" className="field" defaultValue={base.tags.join(', ')} disabled={readOnly} {...invalid('tags')} />
        {errorText('tags')}
      </div>
      {general.length > 0 && (
        <p role="alert" className="field-error">
          {general.join(' ')}
        </p>
      )}
      {offline && (
        <p role="status" className="offline text-sm text-amber-700 dark:text-amber-400">
          {OFFLINE_MESSAGE}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {readOnly ? 'Save reminder' : 'Save'}
        </button>
        {footer}
      </div>
    </form>
  );
}
