package model_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
)

// feedCursor is the user's latest feed position, or fails the test.
func (e *env) feedCursor(t testing.TB, userID string) string {
	t.Helper()
	c, err := e.store.TaskEventCursor(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// kindOf is one expected event: its kind and the task it is about.
type kindOf struct {
	kind model.TaskEventKind
	id   uuid.UUID
}

// wantEvents fails the test unless events are want, in order.
func wantEvents(t testing.TB, events []*model.TaskEvent, want ...kindOf) {
	t.Helper()
	got := make([]kindOf, len(events))
	for i, ev := range events {
		got[i].kind = ev.Kind
		if ev.TaskID != nil {
			got[i].id = *ev.TaskID
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func TestSeriesEvents(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		t.Run("CompletingEmitsUpdatedThenCreatedAndUndoUpdatedThenDeleted", func(t *testing.T) {
			first := e.series(t, "events", "2026-11-25T09:00:00+01:00", berlinDaily)
			cursor := e.feedCursor(t, "events")
			_, next := e.complete(t, "events", first.ID)
			events := e.events(t, "events", cursor)
			wantEvents(t, events, kindOf{model.TaskEventUpdated, first.ID}, kindOf{model.TaskEventCreated, next.ID})
			if done := events[0].Task; !done.Completed || done.Recurrence() != nil {
				t.Errorf("UPDATED carries %s with recurrence %v, want the completed record", describe(done), done.Recurrence())
			}
			if created := events[1].Task; created.Recurrence() == nil || created.SeriesID == nil || *created.SeriesID != first.ID ||
				!created.DueAt.Equal(*next.DueAt) {
				t.Errorf("CREATED carries %s, series %v, recurrence %v", describe(created), created.SeriesID, created.Recurrence())
			}
			if !events[0].At.Equal(events[1].At) || events[1].Position != events[0].Position+1 {
				t.Errorf("the events are at %v #%d and %v #%d, want one transaction's, one after the other",
					events[0].At, events[0].Position, events[1].At, events[1].Position)
			}

			cursor = e.feedCursor(t, "events")
			e.complete(t, "events", first.ID)
			wantEvents(t, e.events(t, "events", cursor)) // a repeated completion emits nothing

			e.clock.Advance(time.Minute)
			if _, _, err := e.store.SetTaskCompleted(ctx, "events", first.ID, false); err != nil {
				t.Fatal(err)
			}
			events = e.events(t, "events", cursor)
			wantEvents(t, events, kindOf{model.TaskEventUpdated, first.ID}, kindOf{model.TaskEventDeleted, next.ID})
			if reopened := events[0].Task; reopened.Completed || reopened.Recurrence() == nil {
				t.Errorf("UPDATED of the undo carries %s, recurrence %v", describe(reopened), reopened.Recurrence())
			}
			if events[1].Task != nil {
				t.Errorf("DELETED carries a task: %s", describe(events[1].Task))
			}
		})

		t.Run("TheLastOccurrenceEmitsOnlyUpdated", func(t *testing.T) {
			rec := berlinDaily
			rec.Count = ptr(1)
			last := e.series(t, "last", "2026-11-25T09:00:00+01:00", rec)
			cursor := e.feedCursor(t, "last")
			e.complete(t, "last", last.ID)
			wantEvents(t, e.events(t, "last", cursor), kindOf{model.TaskEventUpdated, last.ID})
		})

		t.Run("RefusedInputAndOtherUsersEmitNothing", func(t *testing.T) {
			first := e.series(t, "quiet", "2026-11-25T09:00:00+01:00", berlinDaily)
			cursor := e.feedCursor(t, "quiet")
			if _, _, err := e.store.UpdateTask(ctx, "quiet", first.ID, model.TaskPatch{DueAt: model.Null[time.Time]()}); err == nil {
				t.Fatal("clearing a recurring task's due date was accepted")
			}
			_, _, err := e.store.SetTaskCompleted(ctx, "intruder", first.ID, true)
			wantNotFound(t, err)
			wantEvents(t, e.events(t, "quiet", cursor))
			wantEvents(t, e.events(t, "intruder", model.EventCursor("intruder", 0)))
		})
	})
}
