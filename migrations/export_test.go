package migrations

// TasksInListsDown undoes the tasks-in-lists migration alone, for the test of its data migration.
var TasksInListsDown = tasksInListsDown

// TaskVersionsDown undoes the task-versions migration alone, so that the tests of older data migrations can undo
// those beneath it.
var TaskVersionsDown = taskVersionsDown

// TrashDown undoes the trash migration alone, so that the tests of earlier data migrations can undo theirs.
var TrashDown = trashDown

// TaskAssigneesDown undoes the task-assignees migration alone, so that the tests of earlier data migrations can
// undo theirs.
var TaskAssigneesDown = taskAssigneesDown
