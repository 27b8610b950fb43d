package migrations

// TasksInListsDown undoes the tasks-in-lists migration alone, for the test of its data migration.
var TasksInListsDown = tasksInListsDown

// TaskVersionsDown undoes the task-versions migration alone, so that the tests of older data migrations can undo
// those beneath it.
var TaskVersionsDown = taskVersionsDown

// TrashDown undoes the trash migration alone, so that the tests of earlier data migrations can undo theirs.
var TrashDown = trashDown

// TaskPositionsDown undoes the task-positions migration alone, so that the tests of earlier data migrations can undo
// theirs, and the test of its own backfill can apply it to tasks written before it.
var TaskPositionsDown = taskPositionsDown

// TaskAssigneesDown undoes the task-assignees migration alone, so that the tests of earlier data migrations can
// undo theirs.
var TaskAssigneesDown = taskAssigneesDown
