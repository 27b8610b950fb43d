'use client';
// Shown next to the details form when a save met a change someone made while the person was editing (the API's
// CONFLICT): who changed it, what they changed that the form has differently, and the two ways on.
import { useListsContext } from './signed-in-app';
import type { Conflict, TaskFormValues } from './task-form';

import { formatInstant, isoToLocalInput, parseTags } from '@/lib/format';
import { displayName } from '@/lib/lists';

const PRIORITY = { LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High' } as const;

/** The fields where the current task differs from what the person typed, as "label: theirs". */
function differences(conflict: Conflict, mine: TaskFormValues | null): { label: string; theirs: string }[] {
  if (!mine) return [];
  const t = conflict.current;
  const out: { label: string; theirs: string }[] = [];
  if (mine.title.trim() !== t.title) out.push({ label: 'Title', theirs: t.title });
  if ((mine.description.trim() || null) !== (t.description ?? null)) out.push({ label: 'Description', theirs: t.description ?? '(none)' });
  if (mine.priority !== t.priority) out.push({ label: 'Priority', theirs: PRIORITY[t.priority] });
  if (parseTags(mine.tags).map((x) => x.toLowerCase()).join(',') !== t.tags.join(','))
    out.push({ label: 'Tags', theirs: t.tags.join(', ') || '(none)' });
  if (mine.dueAt !== isoToLocalInput(t.dueAt)) out.push({ label: 'Due', theirs: t.dueAt ? formatInstant(t.dueAt) : '(none)' });
  return out;
}

export function ConflictBanner({
  conflict,
  mine,
  busy,
  onKeepMine,
  onTakeTheirs,
}: {
  conflict: Conflict;
  /** What the person tried to save. */
  mine: TaskFormValues | null;
  busy: boolean;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
}) {
  const { viewerId } = useListsContext();
  const who = !conflict.actor
    ? 'Someone'
    : conflict.actor.id === viewerId
      ? 'You (in another tab or device)'
      : displayName(conflict.actor);
  const diff = differences(conflict, mine);
  return (
    <div
      role="alert"
      className="conflict flex flex-col gap-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
    >
      <p>
        <strong>Changed by {who} while you were editing.</strong> Nothing of yours was saved yet.
      </p>
      {diff.length > 0 && (
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
          {diff.map((d) => (
            <div key={d.label} className="contents">
              <dt className="font-medium">Their {d.label.toLowerCase()}</dt>
              <dd className="break-words">{d.theirs}</dd>
            </div>
          ))}
        </dl>
      )}
      <div className="flex flex-wrap gap-2">
        <button type="button" className="btn btn-primary" disabled={busy} onClick={onKeepMine}>
          Keep yours
        </button>
        <button type="button" className="btn" disabled={busy} onClick={onTakeTheirs}>
          Take theirs
        </button>
      </div>
    </div>
  );
}
