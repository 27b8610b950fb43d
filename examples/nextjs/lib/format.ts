// Small conversions between the API's values and form fields.

/** "home, Errands ,," -> ["home", "Errands"]; the API trims and lower-cases them itself. */
export function parseTags(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** A datetime-local field's value (the browser's local time) as an instant, or null when empty. */
export function localInputToISO(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An instant as a datetime-local field's value in the browser's time zone, to the second. */
export function isoToLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// The one date format of the app: the person's locale and time zone (the browser's), e.g. "Dec 7, 2026, 4:16 PM" or
// "7 Dec 2026, 16:16". Every date the pages show goes through formatInstant.
let instantFormat: Intl.DateTimeFormat | undefined;
export function formatInstant(iso: string): string {
  instantFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return instantFormat.format(new Date(iso));
}

/** The browser's IANA time zone, for taskStats' "due today" and a series' wall clock. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

// How long ago an instant was, in the person's locale: "5 min. ago", "yesterday", "3 days ago"; past a week, the
// instant itself (formatInstant). Shown with the instant as the element's title.
let relativeFormat: Intl.RelativeTimeFormat | undefined;
export function formatAgo(iso: string, now: number = Date.now()): string {
  relativeFormat ??= new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relativeFormat.format(0, 'second');
  if (abs < 45 * 60) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86400) return relativeFormat.format(Math.round(seconds / 86400), 'day');
  return formatInstant(iso);
}
