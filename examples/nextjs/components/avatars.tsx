// Members as overlapping circles with their initials; each circle's title (a tooltip) is the name and email. The
// colour comes from the user id, so a person keeps theirs everywhere.
import { fullName, initials, type ListMember, type User } from '@/lib/lists';

const COLOURS = [
  'bg-accent-600 text-white',
  'bg-emerald-600 text-white',
  'bg-amber-500 text-zinc-950',
  'bg-rose-600 text-white',
  'bg-sky-600 text-white',
  'bg-violet-600 text-white',
];

function colour(id: string): string {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return COLOURS[hash % COLOURS.length];
}

export function Avatar({ user, size = 'sm' }: { user: User; size?: 'sm' | 'md' }) {
  const dimensions = size === 'sm' ? 'size-6 text-[0.625rem]' : 'size-8 text-xs';
  return (
    <span
      className={`avatar inline-flex shrink-0 items-center justify-center rounded-full font-semibold ring-2 ring-zinc-50 select-none dark:ring-zinc-900 ${dimensions} ${colour(user.id)}`}
      title={fullName(user)}
      data-user-id={user.id}
    >
      {initials(user)}
    </span>
  );
}

/** Up to `max` avatars, then "+N". Hidden from screen readers: the caller says who the members are in words. */
export function Avatars({ members, max = 3 }: { members: ListMember[]; max?: number }) {
  const shown = members.slice(0, max);
  const more = members.length - shown.length;
  return (
    <span className="avatars flex shrink-0 -space-x-1" aria-hidden="true">
      {shown.map((m) => (
        <Avatar key={m.user.id} user={m.user} />
      ))}
      {more > 0 && (
        <span
          className="inline-flex size-6 items-center justify-center rounded-full bg-zinc-200 text-[0.625rem] font-semibold text-zinc-700 ring-2 ring-zinc-50 dark:bg-zinc-700 dark:text-zinc-200 dark:ring-zinc-900"
          title={members.slice(max).map((m) => fullName(m.user)).join(', ')}
        >
          +{more}
        </span>
      )}
    </span>
  );
}

/** "Shared with Alice and Bob": the members other than the viewer, in words. */
export function sharedWith(members: ListMember[], viewerId: string | null): string {
  const others = members.filter((m) => m.user.id !== viewerId).map((m) => m.user.name?.trim() || m.user.email || 'someone');
  if (others.length === 0) return '';
  if (others.length === 1) return `Shared with ${others[0]}`;
  return `Shared with ${others.slice(0, -1).join(', ')} and ${others.at(-1)}`;
}
