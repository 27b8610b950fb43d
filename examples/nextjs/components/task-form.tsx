'use client';
// The fields of a task, shared by "New task" and "Edit": title, description, priority, tags, due date, and for a
// new task how it repeats and when to be reminded.
import { useId, useState, type FormEvent } from 'react';

import { isoToLocalInput } from '@/lib/format';
import type { Priority, RecurrenceFrequency, Task, UserError } from '@/lib/operations';

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

/** userErrors as "title: can't be blank", keyed by the input field they name. */
function errorsByField(errors: UserError[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const e of errors) {
    const key = e.field[1] ?? '';
    map.set(key, [...(map.get(key) ?? []), e.message]);
  }
  return map;
}

export function TaskForm({
  task,
  submitLabel,
  repeats,
  reminders,
  onSubmit,
  onCancel,
}: {
  task?: Task;
  submitLabel: string;
  /** Whether to offer "repeats" (not for a completed task, which cannot start a series). */
  repeats?: boolean;
  /** Whether to offer "remind me". */
  reminders?: boolean;
  onSubmit: (values: TaskFormValues) => Promise<UserError[]>;
  onCancel?: () => void;
}) {
  const id = useId();
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const byField = errorsByField(errors);
  const currentReminder = reminderChoice(task);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const values: TaskFormValues = {
      title: String(form.get('title') ?? ''),
      description: String(form.get('description') ?? ''),
      priority: String(form.get('priority') ?? 'MEDIUM') as Priority,
      tags: String(form.get('tags') ?? ''),
      dueAt: String(form.get('dueAt') ?? ''),
      repeats: (form.has('repeats') ? String(form.get('repeats')) : (task?.recurrence?.frequency ?? '')) as
        | RecurrenceFrequency
        | '',
      remindMinutesBefore: form.has('remind') ? String(form.get('remind')) : reminderChoice(task),
    };
    setBusy(true);
    try {
      const problems = await onSubmit(values);
      setErrors(problems);
      if (problems.length === 0 && !task) formElement.reset();
    } catch (error) {
      setErrors([{ field: [], message: (error as Error).message, code: 'INVALID' }]);
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (name: string) =>
    byField.get(name) ? (
      <span id={`${id}-${name}-error`} className="error" role="alert">
        {byField.get(name)!.join('; ')}
      </span>
    ) : null;
  const describedBy = (name: string) => (byField.get(name) ? `${id}-${name}-error` : undefined);
  const general = errors.filter((e) => !['title', 'description', 'priority', 'tags', 'dueAt'].includes(e.field[1] ?? ''));

  return (
    <form method="post" onSubmit={submit} className="task-form" aria-label={submitLabel}>
      <p>
        <label htmlFor={`${id}-title`}>Title</label>
        <input
          id={`${id}-title`}
          name="title"
          defaultValue={task?.title}
          required
          maxLength={200}
          aria-invalid={byField.has('title') || undefined}
          aria-describedby={describedBy('title')}
        />
        {fieldError('title')}
      </p>
      <p>
        <label htmlFor={`${id}-description`}>Description</label>
        <textarea
          id={`${id}-description`}
          name="description"
          defaultValue={task?.description ?? ''}
          maxLength={1000}
          rows={2}
          aria-describedby={describedBy('description')}
        />
        {fieldError('description')}
      </p>
      <p>
        <label htmlFor={`${id}-priority`}>Priority</label>
        <select id={`${id}-priority`} name="priority" defaultValue={task?.priority ?? 'MEDIUM'}>
          <option value="LOW">Low</option>
          <option value="MEDIUM">Medium</option>
          <option value="HIGH">High</option>
        </select>
      </p>
      <p>
        <label htmlFor={`${id}-tags`}>Tags (comma-separated)</label>
        <input
          id={`${id}-tags`}
          name="tags"
          defaultValue={task?.tags.join(', ')}
          aria-invalid={byField.has('tags') || undefined}
          aria-describedby={describedBy('tags')}
        />
        {fieldError('tags')}
      </p>
      <p>
        <label htmlFor={`${id}-due`}>Due</label>
        <input id={`${id}-due`} name="dueAt" type="datetime-local" step={1} defaultValue={isoToLocalInput(task?.dueAt ?? null)} />
        {fieldError('dueAt')}
      </p>
      {repeats && (
        <p>
          <label htmlFor={`${id}-repeats`}>Repeats</label>
          <select id={`${id}-repeats`} name="repeats" defaultValue={task?.recurrence?.frequency ?? ''}>
            <option value="">Never</option>
            <option value="DAILY">Daily</option>
            <option value="WEEKLY">Weekly</option>
            <option value="MONTHLY">Monthly</option>
            <option value="YEARLY">Yearly</option>
          </select>
        </p>
      )}
      {reminders && (
        <p>
          <label htmlFor={`${id}-remind`}>Remind me</label>
          <select id={`${id}-remind`} name="remind" defaultValue={currentReminder}>
            {REMINDER_CHOICES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
            {!REMINDER_CHOICES.some(([value]) => value === currentReminder) && (
              <option value={currentReminder}>{currentReminder} minutes before</option>
            )}
          </select>
        </p>
      )}
      {general.length > 0 && (
        <ul role="alert" className="error">
          {general.map((e, i) => (
            <li key={i}>
              {e.field.length > 1 ? `${e.field.slice(1).join(' ')}: ` : ''}
              {e.message}
            </li>
          ))}
        </ul>
      )}
      <p className="actions">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </p>
    </form>
  );
}
