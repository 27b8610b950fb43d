// Every GraphQL document the app sends, with the types of what they return. Lists select `edges` (not `nodes`)
// because relayStylePagination pages through edges.
import { gql, type TypedDocumentNode } from '@apollo/client';

export type Priority = 'LOW' | 'MEDIUM' | 'HIGH';
export type TaskStatusFilter = 'ALL' | 'PENDING' | 'COMPLETED';
export type TaskOrderField = 'CREATED_AT' | 'UPDATED_AT' | 'DUE_AT' | 'PRIORITY' | 'TITLE' | 'POSITION';
export type OrderDirection = 'ASC' | 'DESC';
export type RecurrenceFrequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export interface Task {
  __typename: 'Task';
  id: string;
  title: string;
  description: string | null;
  completed: boolean;
  priority: Priority;
  tags: string[];
  dueAt: string | null;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Counts the task's committed changes: what an edit sends as ifVersion. */
  version: number;
  /** How the series this task belongs to repeats; null for a one-off task and a completed occurrence. */
  recurrence: Recurrence | null;
  seriesId: string | null;
  /** Ordered by remindAt. */
  reminders: Reminder[];
  /** The list it is in. */
  list: { __typename?: 'TaskList'; id: string };
  /** Who created it (without email once they left the list). */
  createdBy: { __typename?: 'User'; id: string; name: string | null; email: string | null };
  /** Its key in the list's manual order: sorting by it as plain strings gives the list's order. */
  position: string;
  /** The member of its list it is assigned to; null for nobody. */
  assignee: { __typename?: 'User'; id: string; name: string | null; email: string | null } | null;
}

export interface Recurrence {
  frequency: RecurrenceFrequency;
  interval: number;
  timeZone: string;
  rrule: string;
}

export interface Reminder {
  id: string;
  remindAt: string;
  minutesBefore: number | null;
  firedAt: string | null;
}

export interface TaskFilter {
  status?: TaskStatusFilter;
  tags?: string[];
  search?: string;
  priorities?: Priority[];
  /** Only the tasks of these lists. */
  listIds?: string[];
  /** Only the tasks assigned to these users ("Assigned to me" sends the viewer's id). */
  assigneeIds?: string[];
}
export interface TaskOrder {
  field: TaskOrderField;
  direction: OrderDirection;
}

export interface UserError {
  field: string[];
  message: string;
  code: string;
}

export const TASK_FIELDS = gql`
  fragment TaskFields on Task {
    id
    title
    description
    completed
    priority
    tags
    dueAt
    completedAt
    createdAt
    updatedAt
    version
    position
    seriesId
    recurrence {
      frequency
      interval
      timeZone
      rrule
    }
    reminders {
      id
      remindAt
      minutesBefore
      firedAt
    }
    list {
      id
    }
    createdBy {
      id
      name
      email
    }
    assignee {
      id
      name
      email
    }
  }
`;

export interface TaskEdge {
  __typename?: 'TaskEdge';
  cursor: string;
  node: Task;
}
export interface TasksData {
  tasks: {
    totalCount: number;
    edges: TaskEdge[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  } | null;
}
export interface TasksVars {
  filter?: TaskFilter;
  orderBy?: TaskOrder;
  first: number;
  after?: string | null;
}
export const TASKS: TypedDocumentNode<TasksData, TasksVars> = gql`
  query Tasks($filter: TaskFilter, $orderBy: TaskOrder, $first: Int!, $after: String) {
    tasks(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...TaskFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${TASK_FIELDS}
`;

export interface TagCount {
  tag: string;
  count: number;
}
export const TAGS: TypedDocumentNode<{ tags: TagCount[] | null }, { listId?: string | null }> = gql`
  query Tags($listId: ID) {
    tags(first: 100, listId: $listId) {
      tag
      count
    }
  }
`;

export interface TaskStats {
  total: number;
  completed: number;
  pending: number;
  overdue: number;
  dueToday: number;
  completionRate: number;
  byPriority: { priority: Priority; count: number }[];
}
export const TASK_STATS: TypedDocumentNode<{ taskStats: TaskStats | null }, { timeZone: string }> = gql`
  query TaskStats($timeZone: String!) {
    taskStats(timeZone: $timeZone) {
      total
      completed
      pending
      overdue
      dueToday
      completionRate
      byPriority {
        priority
        count
      }
    }
  }
`;

export interface RecurrenceInput {
  frequency: RecurrenceFrequency;
  interval?: number;
  timeZone: string;
}
export interface ReminderInput {
  minutesBefore?: number;
  at?: string;
}
export interface CreateTaskInput {
  title: string;
  description?: string | null;
  priority?: Priority;
  tags?: string[];
  dueAt?: string | null;
  recurrence?: RecurrenceInput;
  reminders?: ReminderInput[];
  idempotencyKey?: string;
  /** The list to create it in; default: the viewer's Inbox. */
  listId?: string;
}
export const CREATE_TASK: TypedDocumentNode<
  { createTask: { task: Task | null; taskEdge: TaskEdge | null; userErrors: UserError[] } | null },
  { input: CreateTaskInput }
> = gql`
  mutation CreateTask($input: CreateTaskInput!) {
    createTask(input: $input) {
      task {
        ...TaskFields
      }
      taskEdge {
        cursor
        node {
          ...TaskFields
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
  ${TASK_FIELDS}
`;

export interface UpdateTaskInput {
  title?: string;
  description?: string | null;
  priority?: Priority;
  tags?: string[];
  dueAt?: string | null;
  completed?: boolean;
  /** null stops the series at this task. */
  recurrence?: RecurrenceInput | null;
  /** Replaces them all; [] removes them. */
  reminders?: ReminderInput[];
  /** Moves the task to this list (OWNER or EDITOR in both). */
  listId?: string;
  /** Writes only when the task is at this version; otherwise a CONFLICT userError and currentTask. */
  ifVersion?: number;
  /** Assigns the task to a member of its list; null unassigns it. */
  assigneeId?: string | null;
}

/** Who made a change, as a task's history or an event names them. */
export interface Actor {
  __typename?: 'User';
  id: string;
  name: string | null;
  email: string | null;
}

/** On CONFLICT: the task as it now is, with who changed it last (its history's newest entry). */
export type CurrentTask = Task & { history?: { nodes: { actor: Actor | null; at: string }[] } };
export const UPDATE_TASK: TypedDocumentNode<
  {
    updateTask: {
      task: Task | null;
      nextOccurrence: Task | null;
      currentTask?: CurrentTask | null;
      userErrors: UserError[];
    } | null;
  },
  { id: string; input: UpdateTaskInput }
> = gql`
  mutation UpdateTask($id: ID!, $input: UpdateTaskInput!) {
    updateTask(id: $id, input: $input) {
      task {
        ...TaskFields
      }
      nextOccurrence {
        ...TaskFields
      }
      currentTask {
        ...TaskFields
        history(first: 1) {
          nodes {
            at
            actor {
              id
              name
              email
            }
          }
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
  ${TASK_FIELDS}
`;

export const SET_TASK_COMPLETED: TypedDocumentNode<
  { setTaskCompleted: { task: Task | null; nextOccurrence: Task | null } | null },
  { id: string; completed: boolean }
> = gql`
  mutation SetTaskCompleted($id: ID!, $completed: Boolean!) {
    setTaskCompleted(id: $id, completed: $completed) {
      task {
        ...TaskFields
      }
      nextOccurrence {
        ...TaskFields
      }
    }
  }
  ${TASK_FIELDS}
`;

export const DELETE_TASK: TypedDocumentNode<{ deleteTask: { deletedTaskId: string | null } | null }, { id: string }> =
  gql`
    mutation DeleteTask($id: ID!) {
      deleteTask(id: $id) {
        deletedTaskId
      }
    }
  `;

export type TaskEventKind =
  | 'CREATED'
  | 'UPDATED'
  | 'DELETED'
  | 'REMINDER_DUE'
  | 'RESET'
  | 'LIST_ADDED'
  | 'LIST_UPDATED'
  | 'LIST_REMOVED'
  | 'RESTORED';
export interface TaskEvent {
  cursor: string;
  kind: TaskEventKind;
  taskId: string | null;
  /** The task's list, or the LIST_* event's list; null for RESET. */
  listId: string | null;
  task: Task | null;
  reminder: Reminder | null;
  at: string;
  /** Who made the change; null for the server's own. */
  actor: Actor | null;
}

/** The viewer's position in their event feed: subscribe after it to miss nothing that happens from now on. */
export const TASK_EVENT_CURSOR: TypedDocumentNode<{ taskEventCursor: string }, Record<string, never>> = gql`
  query TaskEventCursor {
    taskEventCursor
  }
`;

export const TASK_EVENTS: TypedDocumentNode<{ taskEvents: TaskEvent }, { after: string | null }> = gql`
  subscription TaskEvents($after: String) {
    taskEvents(after: $after) {
      cursor
      kind
      taskId
      listId
      at
      actor {
        id
        name
        email
      }
      task {
        ...TaskFields
      }
      reminder {
        id
        remindAt
        minutesBefore
        firedAt
      }
    }
  }
  ${TASK_FIELDS}
`;

/** A task in the trash: the task as it was, and when it went there. */
export type TrashedTask = Task & { deletedAt: string | null };
export interface TrashData {
  trash: {
    totalCount: number;
    edges: { cursor: string; node: TrashedTask }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  } | null;
}
/** The deleted tasks the viewer may restore (lists where they are OWNER or EDITOR), newest deletion first. */
export const TRASH: TypedDocumentNode<TrashData, { first: number; after?: string | null }> = gql`
  query Trash($first: Int, $after: String) {
    trash(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...TaskFields
          deletedAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${TASK_FIELDS}
`;

export const RESTORE_TASK: TypedDocumentNode<
  { restoreTask: { task: Task | null; userErrors: UserError[] } | null },
  { id: string }
> = gql`
  mutation RestoreTask($id: ID!) {
    restoreTask(id: $id) {
      task {
        ...TaskFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
  ${TASK_FIELDS}
`;

export const PURGE_TRASH: TypedDocumentNode<
  { purgeTrash: { purgedTaskIds: string[]; count: number } | null },
  Record<string, never>
> = gql`
  mutation PurgeTrash {
    purgeTrash {
      purgedTaskIds
      count
    }
  }
`;

/** One change in a task's history: who, when, what kind, which fields (GraphQL names). */
export interface TaskChange {
  at: string;
  actor: Actor | null;
  kind: TaskEventKind;
  fields: string[];
}
export interface TaskHistoryData {
  task: {
    id: string;
    history: { nodes: TaskChange[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  } | null;
}
export const TASK_HISTORY: TypedDocumentNode<TaskHistoryData, { id: string; first: number; after?: string | null }> = gql`
  query TaskHistory($id: ID!, $first: Int, $after: String) {
    task(id: $id) {
      id
      history(first: $first, after: $after) {
        nodes {
          at
          kind
          fields
          actor {
            id
            name
            email
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;
