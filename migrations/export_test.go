package migrations

// TasksInListsDown undoes the tasks-in-lists migration alone, for the test of its data migration.
var TasksInListsDown = tasksInListsDown
