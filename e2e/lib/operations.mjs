// The operations a task frontend sends, shared by the tests.
import { gql } from '@apollo/client';

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
  }
`;

export const VIEWER = gql`
  query Viewer {
    viewer {
      id
      email
      name
    }
  }
`;

export const TASKS = gql`
  query Tasks($filter: TaskFilter, $orderBy: TaskOrder, $first: Int, $after: String) {
    tasks(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      edges {
        cursor
        node {
          ...TaskFields
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      totalCount
    }
  }
  ${TASK_FIELDS}
`;

export const TASKS_BACKWARD = gql`
  query TasksBackward($filter: TaskFilter, $orderBy: TaskOrder, $last: Int, $before: String) {
    tasks(filter: $filter, orderBy: $orderBy, last: $last, before: $before) {
      edges {
        cursor
        node {
          id
          title
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      totalCount
    }
  }
`;

export const TASK = gql`
  query Task($id: ID!) {
    task(id: $id) {
      ...TaskFields
    }
  }
  ${TASK_FIELDS}
`;

export const NODE = gql`
  query Node($id: ID!) {
    node(id: $id) {
      id
      ... on Task {
        title
      }
    }
  }
`;

export const NODES = gql`
  query Nodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      id
      ... on Task {
        title
        completed
      }
    }
  }
`;

export const STATS = gql`
  query Stats($timeZone: String) {
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
      byTag {
        tag
        count
      }
    }
  }
`;

export const TAGS = gql`
  query Tags($first: Int) {
    tags(first: $first) {
      tag
      count
    }
  }
`;

export const COUNT = gql`
  query Count($filter: TaskFilter) {
    tasks(filter: $filter, first: 1) {
      totalCount
    }
  }
`;

export const CREATE_TASK = gql`
  mutation CreateTask($input: CreateTaskInput!) {
    createTask(input: $input) {
      task {
        ...TaskFields
      }
      taskEdge {
        cursor
        node {
          id
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

export const UPDATE_TASK = gql`
  mutation UpdateTask($id: ID!, $input: UpdateTaskInput!) {
    updateTask(id: $id, input: $input) {
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

export const SET_COMPLETED = gql`
  mutation SetTaskCompleted($id: ID!, $completed: Boolean!) {
    setTaskCompleted(id: $id, completed: $completed) {
      task {
        ...TaskFields
      }
    }
  }
  ${TASK_FIELDS}
`;

export const DELETE_TASK = gql`
  mutation DeleteTask($id: ID!) {
    deleteTask(id: $id) {
      deletedTaskId
    }
  }
`;

export const CLEAR_COMPLETED = gql`
  mutation ClearCompletedTasks {
    clearCompletedTasks {
      deletedTaskIds
      count
    }
  }
`;
