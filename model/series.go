package model

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/recur"
)

// A series is a chain of tasks that share a SeriesID. Only its pending occurrence carries the rule. Completing it
// keeps it, completed and without a rule, as the record of that occurrence and creates the next one in the same
// transaction; reopening it while that next one is still pending and untouched undoes the completion.

// seriesChange is what a patch does to a task's series, worked out before anything is written.
type seriesChange struct {
	// userID is the user making the change, whose reminders the next occurrence carries.
	userID  string
	columns []string
	// next is the occurrence that completing the task creates; nil when it creates none.
	next *Task
	// undone is the occurrence that reopening the task deletes, because it undoes the completion that created it.
	undone *Task
}

// planSeries works out what a patch does to the series of task, which before was the task before the patch and
// which task.apply has already patched. It reads the occurrence an undo would delete, locked; it writes nothing.
// Problems with the recurrence go to p: under ["input", "recurrence", ...] for the recurrence the patch sets, and
// at ["input", "dueAt"] for a due date that the task's current rule cannot keep.
func planSeries(ctx context.Context, tx bun.IDB, userID string, before, task *Task, patch TaskPatch, now time.Time, p *problems) (seriesChange, error) {
	ch := seriesChange{userID: userID}
	rule := before.Rule
	if before.Completed && !task.Completed && (before.CompletedRule != nil || before.NextOccurrenceID != nil) {
		// Reopened: an undo when the occurrence its completion created is still pending and unchanged (a task's
		// updatedAt moves with every change, so unchanged is updatedAt = createdAt); otherwise a plain task.
		if before.NextOccurrenceID != nil {
			next, err := getTask(ctx, tx, userID, *before.NextOccurrenceID, true)
			switch {
			case errors.Is(err, ErrNotFound):
			case err != nil:
				return ch, err
			case !next.Completed && next.UpdatedAt.Equal(next.CreatedAt):
				ch.undone = next
				rule = before.CompletedRule
			}
		}
		task.CompletedRule, task.NextOccurrenceID = nil, nil
		ch.columns = append(ch.columns, "completed_recurrence", "next_occurrence_id")
	}

	dueMoved := (task.DueAt == nil) != (before.DueAt == nil) ||
		(task.DueAt != nil && !task.DueAt.Equal(*before.DueAt))
	switch {
	case patch.Recurrence.Set && patch.Recurrence.Null:
		rule = nil // the series ends at this task
	case patch.Recurrence.Set:
		rule = p.rule(patch.Recurrence.Value, task.DueAt, task.Completed)
	case rule != nil && task.DueAt == nil:
		p.add(UserErrorCodeInvalid, "A recurring task needs a due date; end the series with recurrence: null to clear it.", "input", "dueAt")
	case rule != nil && dueMoved:
		if rule.Until != nil && task.DueAt.After(*rule.Until) {
			p.add(UserErrorCodeInvalid, "The due date can't be after the recurrence's until.", "input", "dueAt")
			break
		}
		// The series keeps the wall clock of the occurrence's new due date.
		anchored := rule.Anchor(*task.DueAt)
		rule = &anchored
	}

	if !before.Completed && task.Completed && rule != nil && task.DueAt != nil {
		next, rest, ok := rule.Next(*task.DueAt, now)
		task.CompletedRule = rule
		rule = nil
		if ok {
			id, err := uuid.NewV7()
			if err != nil {
				return ch, err
			}
			ch.next = &Task{
				ID:              id,
				ListID:          task.ListID, // the next occurrence stays in the list
				CreatedBy:       task.CreatedBy,
				AssigneeID:      task.AssigneeID, // still a member: the list is the same
				Title:           task.Title,
				TitleFold:       task.TitleFold,
				Description:     task.Description,
				DescriptionFold: task.DescriptionFold,
				Priority:        task.Priority,
				Tags:            append(Tags{}, task.Tags...),
				DueAt:           &next,
				CreatedAt:       now,
				UpdatedAt:       now,
				Version:         1,
				Rule:            &rest,
			}
			task.NextOccurrenceID = &id
		}
		ch.columns = append(ch.columns, "completed_recurrence", "next_occurrence_id")
	}

	if !sameRule(before.Rule, rule) {
		task.Rule = rule
		ch.columns = append(ch.columns, "recurrence")
	}
	// A series is named after its first occurrence.
	if (task.Rule != nil || ch.next != nil) && task.SeriesID == nil {
		task.SeriesID = &task.ID
		ch.columns = append(ch.columns, "series_id")
	}
	if ch.next != nil {
		ch.next.SeriesID = task.SeriesID
	}
	return ch, nil
}

// apply writes the occurrences a series change creates or deletes, after the task itself was written. The next
// occurrence gets the reminders among reminders (the task's, as the patch left them) that are tied to the due date,
// moved with it; reminders at a fixed instant stay with the occurrence they were set on.
func (ch seriesChange) apply(ctx context.Context, tx bun.IDB, reminders []*Reminder, now time.Time) error {
	if ch.undone != nil {
		// task_tags rows go with the task (ON DELETE CASCADE).
		if _, err := tx.NewDelete().Model((*Task)(nil)).
			Where(visibleTasks, ch.userID).Where("t.id = ?", ch.undone.ID).Exec(ctx); err != nil {
			return fmt.Errorf("delete the undone occurrence: %w", err)
		}
	}
	if ch.next != nil {
		// The next occurrence goes to the end of its list, as a new task does.
		var err error
		if ch.next.Position, err = placeTask(ctx, tx, ch.userID, ch.next.ListID, Placement{}, ch.next.ID); err != nil {
			return fmt.Errorf("place the next occurrence: %w", err)
		}
		if _, err := tx.NewInsert().Model(ch.next).Exec(ctx); err != nil {
			return fmt.Errorf("insert the next occurrence: %w", err)
		}
		if err := insertTags(ctx, tx, ch.next); err != nil {
			return fmt.Errorf("insert the next occurrence's tags: %w", err)
		}
		var carried []ReminderInput
		for _, r := range reminders {
			if r.MinutesBefore != nil {
				carried = append(carried, ReminderInput{MinutesBefore: r.MinutesBefore})
			}
		}
		if ch.next.Reminders, err = insertReminders(ctx, tx, ch.userID, ch.next, carried, now); err != nil {
			return fmt.Errorf("insert the next occurrence's reminders: %w", err)
		}
	}
	return nil
}

// events are the feed events of what apply wrote, which follow the task's own UPDATED: CREATED for the next
// occurrence, DELETED for the one an undo removed.
func (ch seriesChange) events() []NewEvent {
	var out []NewEvent
	if ch.next != nil {
		out = append(out, NewEvent{Kind: TaskEventCreated, TaskID: ch.next.ID, Task: ch.next})
	}
	if ch.undone != nil {
		out = append(out, NewEvent{Kind: TaskEventDeleted, TaskID: ch.undone.ID, ListID: ch.undone.ListID})
	}
	return out
}

// sameRule reports whether two rules are the same, comparing what the database stores.
func sameRule(a, b *recur.Rule) bool {
	if a == nil || b == nil {
		return a == b
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
