// Where sign-in and sign-up go afterwards: the `next` query parameter when it is a path on this site (an invitation
// link opened while signed out), the task list otherwise. Never another origin ("//evil.example", "/\\evil.example").
export function safeNext(value: string | string[] | undefined): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/tasks';
  }
  return value;
}
