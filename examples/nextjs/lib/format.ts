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
