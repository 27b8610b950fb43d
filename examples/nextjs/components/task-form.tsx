'use client';
// The details of a task, edited in the details panel: title, description, priority, tags, due date, how it repeats
// and when to be reminded. The API's userErrors show next to the control they concern (their field path mapped to
// a control, below) and go away as soon as that control is changed.
import { useId, useState, type FormEvent, type ReactNode } from 'react';

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
}: {
  task: Task;
  onSubmit: (values: TaskFormValues) => Promise<UserError[]>;
  /** More buttons after Save (Delete, Close). */
  footer?: ReactNode;
}) {
  const id = useId();
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const currentReminder = reminderChoice(task);
  const messages = (control: Control) => errors.filter((e) => controlFor(e) === control).map((e) => e.message);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const values: TaskFormValues = {
      title: String(form.get('title') ?? ''),
      description: String(form.get('description') ?? ''),
      priority: String(form.get('priority') ?? 'MEDIUM') as Priority,
      tags: String(form.get('tags') ?? ''),
      dueAt: String(form.get('dueAt') ?? ''),
      repeats: (form.has('repeats') ? String(form.get('repeats')) : (task.recurrence?.frequency ?? '')) as
        | RecurrenceFrequency
        | '',
      remindMinutesBefore: String(form.get('remind') ?? ''),
    };
    setBusy(true);
    try {
      setErrors(await onSubmit(values));
    } catch (error) {
      setErrors([{ field: [], message: (error as Error).message, code: 'INVALID' }]);
    } finally {
      setBusy(false);
    }
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
      method="post"
      onSubmit={submit}
      onChange={(e) => changed((e.target as Element).getAttribute('name') ?? '')}
      className="flex flex-col gap-4"
      aria-label="Edit task"
    >
      <div>
        <label className="label" htmlFor={`${id}-title`}>
          Title
        </label>
        <input id={`${id}-title`} name="title" className="field" defaultValue={task.title} required maxLength={200} {...invalid('title')} />
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
          defaultValue={task.description ?? ''}
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
            defaultValue={isoToLocalInput(task.dueAt)}
            {...invalid('dueAt')}
          />
          {errorText('dueAt')}
        </div>
        <div>
          <label className="label" htmlFor={`${id}-priority`}>
            Priority
          </label>
          <select id={`${id}-priority`} name="priority" className="field" defaultValue={task.priority}>
            <option value="LOW">Low</option>
            <option value="MEDIUM">Medium</option>
            <option value="HIGH">High</option>
          </select>
        </div>
        {!task.completed && (
          <div>
            <label className="label" htmlFor={`${id}-repeats`}>
              Repeats
            </label>
            <select
              id={`${id}-repeats`}
              name="repeats"
              className="field"
              defaultValue={task.recurrence?.frequency ?? ''}
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
        <input id={`${id}-tags`} name="tags" className="field" defaultValue={task.tags.join(', ')} {...invalid('tags')} />
        {errorText('tags')}
      </div>
      {general.length > 0 && (
        <p role="alert" className="field-error">
          {general.join(' ')}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Save
        </button>
        {footer}
      </div>
    </form>
  );
}
