// Lists and sharing: the GraphQL documents, their types, and the small helpers the sidebar, the list page, the
// share dialog and the invitation page share.
import { gql, type TypedDocumentNode } from '@apollo/client';

import type { UserError } from './operations';

/**
 * Whether the API files tasks by list (`TaskFilter.listIds`, `CreateTaskInput.listId`, `Task.list`). It does: a
 * list's page shows its own tasks and adds new ones to it. Turned off (an API from before lists), every task of a
 * person is in their Inbox: the Inbox shows them all and other lists show no tasks.
 */
export const API_HAS_TASK_LISTS = true;

export type ListRole = 'OWNER' | 'EDITOR' | 'VIEWER';

export interface User {
  __typename?: 'User';
  id: string;
  name: string | null;
  email: string | null;
}

export interface ListMember {
  user: User;
  role: ListRole;
  joinedAt: string;
}

export interface TaskListInfo {
  __typename?: 'TaskList';
  id: string;
  name: string;
  isInbox: boolean;
  viewerRole: ListRole;
  /** The OWNER first, then by joinedAt. */
  members: ListMember[];
  /** How many of its tasks are not completed. */
  pendingCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface ListInvitation {
  __typename?: 'ListInvitation';
  id: string;
  role: ListRole;
  invitedBy: User;
  expiresAt: string;
  createdAt: string;
}

export const LIST_FIELDS = gql`
  fragment ListFields on TaskList {
    id
    name
    isInbox
    viewerRole
    pendingCount
    createdAt
    updatedAt
    members {
      role
      joinedAt
      user {
        id
        name
        email
      }
    }
  }
`;

const INVITATION_FIELDS = gql`
  fragment InvitationFields on ListInvitation {
    id
    role
    expiresAt
    createdAt
    invitedBy {
      id
      name
      email
    }
  }
`;

const USER_ERROR_FIELDS = `
  userErrors {
    field
    message
    code
  }
`;

/** The viewer's lists, in the API's order (the Inbox first, then by name), and who the viewer is. */
export const LISTS: TypedDocumentNode<{ viewer: { id: string } | null; lists: TaskListInfo[] | null }, Record<string, never>> = gql`
  query Lists {
    viewer {
      id
    }
    lists {
      ...ListFields
    }
  }
  ${LIST_FIELDS}
`;

export const CREATE_LIST: TypedDocumentNode<
  { createList: { list: TaskListInfo | null; userErrors: UserError[] } | null },
  { name: string }
> = gql`
  mutation CreateList($name: String!) {
    createList(input: { name: $name }) {
      list {
        ...ListFields
      }
      ${USER_ERROR_FIELDS}
    }
  }
  ${LIST_FIELDS}
`;

export const RENAME_LIST: TypedDocumentNode<
  { updateList: { list: TaskListInfo | null; userErrors: UserError[] } | null },
  { id: string; name: string }
> = gql`
  mutation RenameList($id: ID!, $name: String!) {
    updateList(id: $id, input: { name: $name }) {
      list {
        ...ListFields
      }
      ${USER_ERROR_FIELDS}
    }
  }
  ${LIST_FIELDS}
`;

export const DELETE_LIST: TypedDocumentNode<
  { deleteList: { deletedListId: string | null; deletedTaskIds: string[] } | null },
  { id: string }
> = gql`
  mutation DeleteList($id: ID!) {
    deleteList(id: $id) {
      deletedListId
      deletedTaskIds
    }
  }
`;

type MembershipResult = { list: TaskListInfo | null; userErrors: UserError[] } | null;

export const REMOVE_LIST_MEMBER: TypedDocumentNode<{ removeListMember: MembershipResult }, { listId: string; userId: string }> = gql`
  mutation RemoveListMember($listId: ID!, $userId: ID!) {
    removeListMember(listId: $listId, userId: $userId) {
      list {
        ...ListFields
      }
      ${USER_ERROR_FIELDS}
    }
  }
  ${LIST_FIELDS}
`;

export const SET_LIST_MEMBER_ROLE: TypedDocumentNode<
  { setListMemberRole: MembershipResult },
  { listId: string; userId: string; role: ListRole }
> = gql`
  mutation SetListMemberRole($listId: ID!, $userId: ID!, $role: ListRole!) {
    setListMemberRole(listId: $listId, userId: $userId, role: $role) {
      list {
        ...ListFields
      }
      ${USER_ERROR_FIELDS}
    }
  }
  ${LIST_FIELDS}
`;

/** The open invitations of a list (OWNER only), newest first. */
export const LIST_INVITATIONS: TypedDocumentNode<{ listInvitations: ListInvitation[] | null }, { listId: string }> = gql`
  query ListInvitations($listId: ID!) {
    listInvitations(listId: $listId) {
      ...InvitationFields
    }
  }
  ${INVITATION_FIELDS}
`;

export const CREATE_LIST_INVITATION: TypedDocumentNode<
  {
    createListInvitation: { invitation: ListInvitation | null; token: string | null; userErrors: UserError[] } | null;
  },
  { listId: string; role: ListRole }
> = gql`
  mutation CreateListInvitation($listId: ID!, $role: ListRole!) {
    createListInvitation(listId: $listId, role: $role) {
      invitation {
        ...InvitationFields
      }
      token
      ${USER_ERROR_FIELDS}
    }
  }
  ${INVITATION_FIELDS}
`;

export const REVOKE_LIST_INVITATION: TypedDocumentNode<{ revokeListInvitation: MembershipResult }, { id: string }> = gql`
  mutation RevokeListInvitation($id: ID!) {
    revokeListInvitation(id: $id) {
      list {
        id
      }
      ${USER_ERROR_FIELDS}
    }
  }
`;

/**
 * The preview of an invitation; null when it cannot be accepted. Only the list's id and name are read: on a preview
 * the API gives the list no members and the role accepting would give, which must not overwrite a list the viewer
 * already has in the cache.
 */
export const INVITATION: TypedDocumentNode<
  {
    invitation: {
      id: string;
      role: ListRole;
      expiresAt: string;
      invitedBy: User;
      list: { id: string; name: string };
    } | null;
  },
  { token: string }
> = gql`
  query Invitation($token: String!) {
    invitation(token: $token) {
      id
      role
      expiresAt
      invitedBy {
        id
        name
        email
      }
      list {
        id
        name
      }
    }
  }
`;

export const ACCEPT_LIST_INVITATION: TypedDocumentNode<
  { acceptListInvitation: { list: TaskListInfo | null; userErrors: UserError[] } | null },
  { token: string }
> = gql`
  mutation AcceptListInvitation($token: String!) {
    acceptListInvitation(token: $token) {
      list {
        ...ListFields
      }
      ${USER_ERROR_FIELDS}
    }
  }
  ${LIST_FIELDS}
`;

export const ROLE_LABEL: Record<ListRole, string> = { OWNER: 'Owner', EDITOR: 'Editor', VIEWER: 'Viewer' };
export const ROLE_MEANING: Record<ListRole, string> = {
  OWNER: 'renames, shares and deletes the list',
  EDITOR: 'can add, change, complete and delete tasks',
  VIEWER: 'can see the tasks but not change them',
};

/** Whether `role` may add, change, complete, move and delete the list's tasks. */
export function canWrite(role: ListRole | undefined): boolean {
  return role === 'OWNER' || role === 'EDITOR';
}

/** How a person is shown: their name, else their email, else a neutral word. */
export function displayName(user: User): string {
  return user.name?.trim() || user.email || 'Someone';
}

/** "Bob Smith (bob@example.com)", for a title attribute. */
export function fullName(user: User): string {
  const name = user.name?.trim();
  if (name && user.email) return `${name} (${user.email})`;
  return name || user.email || 'Someone';
}

/** Up to two initials: "Bob Smith" gives "BS", "alice@example.com" gives "A". */
export function initials(user: User): string {
  const name = user.name?.trim();
  if (name) {
    const words = name.split(/\s+/).filter(Boolean);
    const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
    return letters.map((w) => Array.from(w)[0]?.toUpperCase() ?? '').join('');
  }
  return (Array.from(user.email ?? '?')[0] ?? '?').toUpperCase();
}

/** The link that an invitation's token makes, on this app's origin. */
export function invitationURL(origin: string, token: string): string {
  return `${origin}/invite/${encodeURIComponent(token)}`;
}

/** The messages of the userErrors whose field path is `field`. */
export function errorsAt(errors: UserError[], ...field: string[]): string {
  return errors
    .filter((e) => e.field.length === field.length && e.field.every((part, i) => part === field[i]))
    .map((e) => e.message)
    .join(' ');
}

/** The messages of the userErrors not at any of `fields` (shown where the whole action is). */
export function otherErrors(errors: UserError[], ...fields: string[][]): string {
  return errors
    .filter((e) => !fields.some((f) => e.field.length === f.length && e.field.every((part, i) => part === f[i])))
    .map((e) => e.message)
    .join(' ');
}
