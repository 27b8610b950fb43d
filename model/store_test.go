package model_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
)

func TestCreateTask(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		t.Run("NormalizesInput", func(t *testing.T) {
			due := time.Date(2026, 12, 1, 9, 30, 15, 123456789, time.FixedZone("CET", 3600))
			task := e.create(t, "normalize", model.CreateTaskInput{
				Title:       "  Buy milk \t",
				Description: ptr(""),
				Priority:    model.PriorityHigh,
				Tags:        []string{" Home ", "home", "URGENT", "Home"},
				DueAt:       &due,
			})
			if task.ID.Version() != 7 {
				t.Errorf("id version = %d, want 7", task.ID.Version())
			}
			if task.Title != "Buy milk" || task.TitleFold != "buy milk" {
				t.Errorf("title = %q (fold %q), want trimmed", task.Title, task.TitleFold)
			}
			if task.Description != nil {
				t.Errorf("description = %q, want nil for an empty one", *task.Description)
			}
			if !slices.Equal(task.Tags, model.Tags{"home", "urgent"}) {
				t.Errorf("tags = %q, want [home urgent]", task.Tags)
			}
			wantDue := time.Date(2026, 12, 1, 8, 30, 15, 123000000, time.UTC)
			if task.DueAt == nil || !task.DueAt.Equal(wantDue) || task.DueAt.Location() != time.UTC {
				t.Errorf("dueAt = %v, want %v in UTC", task.DueAt, wantDue)
			}
			if task.Completed || task.CompletedAt != nil || !task.CreatedAt.Equal(start) || !task.UpdatedAt.Equal(start) {
				t.Errorf("new task = %+v, want pending, created and updated at %v", task, start)
			}
			// What was stored reads back the same.
			got := e.get(t, "normalize", task.ID)
			if describe(got) != describe(task) {
				t.Errorf("stored task\n%s\nwant\n%s", describe(got), describe(task))
			}
			if got.CreatedAt.Location() != time.UTC || got.DueAt.Location() != time.UTC {
				t.Errorf("times read back in %v and %v, want UTC", got.CreatedAt.Location(), got.DueAt.Location())
			}
		})

		t.Run("KeepsDescriptionAndNonASCIIAtTheLimits", func(t *testing.T) {
			title := strings.Repeat("é", model.MaxTitleLength)
			desc := strings.Repeat("Ω", model.MaxDescriptionLength)
			tag := strings.Repeat("ü", model.MaxTagLength)
			task := e.create(t, "limits", model.CreateTaskInput{Title: title, Description: &desc, Tags: []string{tag}})
			got := e.get(t, "limits", task.ID)
			if got.Title != title || got.Description == nil || *got.Description != desc || got.Tags[0] != tag {
				t.Errorf("task at the limits did not round-trip: %+v", got)
			}
		})

		tags := func(n int) []string {
			out := make([]string, n)
			for i := range out {
				out[i] = fmt.Sprintf("tag%d", i)
			}
			return out
		}
		invalid := []struct {
			name string
			in   model.CreateTaskInput
			want []string
		}{
			{"ErrTitleBlank", model.CreateTaskInput{Title: " \t\n"}, []string{"input.title:BLANK"}},
			{"ErrTitleTooLong", model.CreateTaskInput{Title: strings.Repeat("a", 201)}, []string{"input.title:TOO_LONG"}},
			{"ErrTitleNUL", model.CreateTaskInput{Title: "a\x00b"}, []string{"input.title:INVALID"}},
			{"ErrDescriptionTooLong", model.CreateTaskInput{Title: "t", Description: ptr(strings.Repeat("é", 1001))}, []string{"input.description:TOO_LONG"}},
			{"ErrDescriptionNUL", model.CreateTaskInput{Title: "t", Description: ptr("a\x00")}, []string{"input.description:INVALID"}},
			{"ErrTagsNamedByIndex", model.CreateTaskInput{Title: "t", Tags: []string{"ok", " ", strings.Repeat("x", 33), "a\x00"}},
				[]string{"input.tags.1:BLANK", "input.tags.2:TOO_LONG", "input.tags.3:INVALID"}},
			{"ErrTooManyTags", model.CreateTaskInput{Title: "t", Tags: tags(11)}, []string{"input.tags:TOO_MANY"}},
			{"ErrPriority", model.CreateTaskInput{Title: "t", Priority: model.Priority(7)}, []string{"input.priority:INVALID"}},
			{"ErrIdempotencyKeyBlank", model.CreateTaskInput{Title: "t", IdempotencyKey: ptr("")}, []string{"input.idempotencyKey:BLANK"}},
			{"ErrIdempotencyKeyTooLong", model.CreateTaskInput{Title: "t", IdempotencyKey: ptr(strings.Repeat("k", 101))}, []string{"input.idempotencyKey:TOO_LONG"}},
			{"ErrEveryProblemAtOnce", model.CreateTaskInput{Title: "", Description: ptr(strings.Repeat("d", 1001)), Tags: []string{""}, Priority: -1},
				[]string{"input.description:TOO_LONG", "input.priority:INVALID", "input.tags.0:BLANK", "input.title:BLANK"}},
		}
		for _, tc := range invalid {
			t.Run(tc.name, func(t *testing.T) {
				user := "invalid-" + tc.name
				task, err := e.store.CreateTask(ctx, user, tc.in)
				if task != nil {
					t.Errorf("task = %+v, want nil", task)
				}
				if got := problems(t, err); !slices.Equal(got, tc.want) {
					t.Errorf("problems = %q, want %q", got, tc.want)
				}
				if n := e.count(t, user, model.TaskFilter{}); n != 0 {
					t.Errorf("%d tasks written, want none", n)
				}
			})
		}

		t.Run("TenTagsAfterDroppingDuplicates", func(t *testing.T) {
			task := e.create(t, "ten-tags", model.CreateTaskInput{Title: "t", Tags: append(tags(10), "TAG0", " tag1 ")})
			if len(task.Tags) != 10 {
				t.Errorf("tags = %q, want the 10 unique ones", task.Tags)
			}
		})
	})
}

func TestCreateTaskIdempotencyKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		t.Run("ReplayReturnsTheTaskAsItIsNow", func(t *testing.T) {
			const user = "replay"
			first := e.create(t, user, model.CreateTaskInput{Title: "first", IdempotencyKey: ptr("key-1")})
			e.clock.Advance(time.Minute)
			if _, _, err := e.store.UpdateTask(ctx, user, first.ID, model.TaskPatch{Title: model.Some("edited")}); err != nil {
				t.Fatal(err)
			}
			again := e.create(t, user, model.CreateTaskInput{Title: "something else", IdempotencyKey: ptr("key-1")})
			if again.ID != first.ID || again.Title != "edited" || !again.UpdatedAt.Equal(start.Add(time.Minute)) {
				t.Errorf("replay = %+v, want task %s as edited", again, first.ID)
			}
			if n := e.count(t, user, model.TaskFilter{}); n != 1 {
				t.Errorf("%d tasks, want 1", n)
			}
		})

		t.Run("KeysArePerUser", func(t *testing.T) {
			a := e.create(t, "keys-a", model.CreateTaskInput{Title: "a", IdempotencyKey: ptr("shared")})
			b := e.create(t, "keys-b", model.CreateTaskInput{Title: "b", IdempotencyKey: ptr("shared")})
			if a.ID == b.ID || b.Title != "b" {
				t.Errorf("user b got %+v, want a task of its own", b)
			}
		})

		t.Run("ErrNotFoundAfterDelete", func(t *testing.T) {
			const user = "replay-deleted"
			task := e.create(t, user, model.CreateTaskInput{Title: "gone", IdempotencyKey: ptr("key")})
			if err := e.store.DeleteTask(ctx, user, task.ID); err != nil {
				t.Fatal(err)
			}
			_, err := e.store.CreateTask(ctx, user, model.CreateTaskInput{Title: "gone", IdempotencyKey: ptr("key")})
			wantNotFound(t, err)
			if n := e.count(t, user, model.TaskFilter{}); n != 0 {
				t.Errorf("%d tasks, want none: a deleted key's task must not come back", n)
			}
		})

		t.Run("ValidationBeforeKeyLookup", func(t *testing.T) {
			const user = "replay-invalid"
			e.create(t, user, model.CreateTaskInput{Title: "ok", IdempotencyKey: ptr("key")})
			_, err := e.store.CreateTask(ctx, user, model.CreateTaskInput{Title: " ", IdempotencyKey: ptr("key")})
			if got := problems(t, err); !slices.Equal(got, []string{"input.title:BLANK"}) {
				t.Errorf("problems = %q", got)
			}
		})

		t.Run("ConcurrentRetriesCreateOneTask", func(t *testing.T) {
			const user, n = "replay-concurrent", 8
			ids := make([]uuid.UUID, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					task, err := e.store.CreateTask(ctx, user, model.CreateTaskInput{Title: "once", IdempotencyKey: ptr("race")})
					errs[i] = err
					if task != nil {
						ids[i] = task.ID
					}
				})
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil || ids[i] != ids[0] {
					t.Errorf("request %d: id %s, err %v; want id %s", i, ids[i], errs[i], ids[0])
				}
			}
			if c := e.count(t, user, model.TaskFilter{}); c != 1 {
				t.Errorf("%d tasks, want 1", c)
			}
		})
	})
}

func TestUpdateTask(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		due := start.Add(48 * time.Hour)
		newTask := func(t *testing.T, user string) *model.Task {
			return e.create(t, user, model.CreateTaskInput{
				Title: "Original", Description: ptr("Some words"), Priority: model.PriorityLow,
				Tags: []string{"a", "b"}, DueAt: &due,
			})
		}

		t.Run("OmittedFieldsStay", func(t *testing.T) {
			task := newTask(t, "omitted")
			e.clock.Advance(time.Second)
			got, _, err := e.store.UpdateTask(ctx, "omitted", task.ID, model.TaskPatch{Priority: model.Some(model.PriorityHigh)})
			if err != nil {
				t.Fatal(err)
			}
			want := *task
			want.Priority = model.PriorityHigh
			want.UpdatedAt = e.clock.Now()
			if describe(got) != describe(&want) {
				t.Errorf("got\n%s\nwant\n%s", describe(got), describe(&want))
			}
			if stored := e.get(t, "omitted", task.ID); describe(stored) != describe(&want) {
				t.Errorf("stored\n%s\nwant\n%s", describe(stored), describe(&want))
			}
		})

		t.Run("SetsEveryField", func(t *testing.T) {
			task := newTask(t, "every")
			e.clock.Advance(time.Second)
			newDue := time.Date(2027, 1, 2, 3, 4, 5, 678900000, time.FixedZone("X", -5*3600))
			got, _, err := e.store.UpdateTask(ctx, "every", task.ID, model.TaskPatch{
				Title:       model.Some("  Ärger  "),
				Description: model.Some("Neu"),
				Priority:    model.Some(model.PriorityMedium),
				Tags:        model.Some([]string{"C", "a", "c"}),
				DueAt:       model.Some(newDue),
				Completed:   model.Some(true),
			})
			if err != nil {
				t.Fatal(err)
			}
			now := e.clock.Now()
			if got.Title != "Ärger" || got.TitleFold != "ärger" || *got.Description != "Neu" || *got.DescriptionFold != "neu" ||
				got.Priority != model.PriorityMedium || !slices.Equal(got.Tags, model.Tags{"c", "a"}) ||
				!got.DueAt.Equal(newDue.Truncate(time.Millisecond)) || !got.Completed || !got.CompletedAt.Equal(now) ||
				!got.UpdatedAt.Equal(now) || !got.CreatedAt.Equal(task.CreatedAt) {
				t.Errorf("updated task = %s", describe(got))
			}
			if stored := e.get(t, "every", task.ID); describe(stored) != describe(got) {
				t.Errorf("stored\n%s\nwant\n%s", describe(stored), describe(got))
			}
			tags, err := e.store.Tags(ctx, "every", 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(tags) != "[{a 1} {c 1}]" {
				t.Errorf("tags = %v, want the new ones", tags)
			}
		})

		t.Run("NullClearsDescriptionAndDueAt", func(t *testing.T) {
			task := newTask(t, "null")
			got, _, err := e.store.UpdateTask(ctx, "null", task.ID, model.TaskPatch{
				Description: model.Null[string](), DueAt: model.Null[time.Time](),
			})
			if err != nil {
				t.Fatal(err)
			}
			stored := e.get(t, "null", task.ID)
			for _, tk := range []*model.Task{got, stored} {
				if tk.Description != nil || tk.DescriptionFold != nil || tk.DueAt != nil {
					t.Errorf("task = %+v, want description and dueAt cleared", tk)
				}
			}
		})

		t.Run("EmptyDescriptionClears", func(t *testing.T) {
			task := newTask(t, "empty")
			got, _, err := e.store.UpdateTask(ctx, "empty", task.ID, model.TaskPatch{Description: model.Some("  ")})
			if err != nil {
				t.Fatal(err)
			}
			if got.Description != nil || e.get(t, "empty", task.ID).Description != nil {
				t.Errorf("description = %q, want nil", *got.Description)
			}
		})

		invalid := []struct {
			name  string
			patch model.TaskPatch
			want  []string
		}{
			{"ErrNullTitle", model.TaskPatch{Title: model.Null[string]()}, []string{"input.title:INVALID"}},
			{"ErrNullPriority", model.TaskPatch{Priority: model.Null[model.Priority]()}, []string{"input.priority:INVALID"}},
			{"ErrNullTags", model.TaskPatch{Tags: model.Null[[]string]()}, []string{"input.tags:INVALID"}},
			{"ErrNullCompleted", model.TaskPatch{Completed: model.Null[bool]()}, []string{"input.completed:INVALID"}},
			{"ErrBlankTitle", model.TaskPatch{Title: model.Some(" ")}, []string{"input.title:BLANK"}},
			{"ErrBadTag", model.TaskPatch{Tags: model.Some([]string{"ok", ""})}, []string{"input.tags.1:BLANK"}},
			{"ErrSeveral", model.TaskPatch{Title: model.Null[string](), Priority: model.Some(model.Priority(9)),
				Description: model.Some(strings.Repeat("x", 1001))},
				[]string{"input.description:TOO_LONG", "input.priority:INVALID", "input.title:INVALID"}},
		}
		for _, tc := range invalid {
			t.Run(tc.name, func(t *testing.T) {
				user := "invalid-" + tc.name
				task := newTask(t, user)
				e.clock.Advance(time.Second)
				// The valid change alongside must not be written either.
				patch := tc.patch
				if !patch.Completed.Set {
					patch.Completed = model.Some(true)
				}
				got, _, err := e.store.UpdateTask(ctx, user, task.ID, patch)
				if got != nil {
					t.Errorf("task = %+v, want nil", got)
				}
				if p := problems(t, err); !slices.Equal(p, tc.want) {
					t.Errorf("problems = %q, want %q", p, tc.want)
				}
				if stored := e.get(t, user, task.ID); describe(stored) != describe(task) {
					t.Errorf("stored task changed to %s", describe(stored))
				}
			})
		}

		t.Run("ErrNotFoundBeforeValidation", func(t *testing.T) {
			task := newTask(t, "owner")
			bad := model.TaskPatch{Title: model.Null[string]()}
			for _, tc := range []struct {
				user string
				id   uuid.UUID
			}{{"intruder", task.ID}, {"owner", uuid.Must(uuid.NewV7())}} {
				_, _, err := e.store.UpdateTask(ctx, tc.user, tc.id, bad)
				wantNotFound(t, err)
				_, _, err = e.store.UpdateTask(ctx, tc.user, tc.id, model.TaskPatch{Title: model.Some("mine")})
				wantNotFound(t, err)
			}
			if stored := e.get(t, "owner", task.ID); stored.Title != "Original" {
				t.Errorf("title = %q, want it unchanged", stored.Title)
			}
		})

		t.Run("NoOpKeepsUpdatedAt", func(t *testing.T) {
			task := newTask(t, "noop")
			e.clock.Advance(time.Hour)
			same := model.TaskPatch{
				Title:       model.Some(" Original "),
				Description: model.Some("Some words"),
				Priority:    model.Some(model.PriorityLow),
				Tags:        model.Some([]string{"A", "b"}),
				DueAt:       model.Some(due.In(time.FixedZone("Y", 7200))),
				Completed:   model.Some(false),
			}
			for _, patch := range []model.TaskPatch{same, {}} {
				got, _, err := e.store.UpdateTask(ctx, "noop", task.ID, patch)
				if err != nil {
					t.Fatal(err)
				}
				if !got.UpdatedAt.Equal(task.UpdatedAt) || !e.get(t, "noop", task.ID).UpdatedAt.Equal(task.UpdatedAt) {
					t.Errorf("updatedAt = %v, want %v after a no-op", got.UpdatedAt, task.UpdatedAt)
				}
			}
			// Reordering the tags is a change: they are a list.
			got, _, err := e.store.UpdateTask(ctx, "noop", task.ID, model.TaskPatch{Tags: model.Some([]string{"b", "a"})})
			if err != nil {
				t.Fatal(err)
			}
			if !got.UpdatedAt.Equal(e.clock.Now()) {
				t.Errorf("updatedAt = %v after reordering tags, want %v", got.UpdatedAt, e.clock.Now())
			}
		})

		t.Run("CompletedAtSetAndCleared", func(t *testing.T) {
			task := newTask(t, "completion")
			e.clock.Advance(time.Minute)
			done, _, err := e.store.UpdateTask(ctx, "completion", task.ID, model.TaskPatch{Completed: model.Some(true)})
			if err != nil {
				t.Fatal(err)
			}
			if !done.Completed || done.CompletedAt == nil || !done.CompletedAt.Equal(e.clock.Now()) {
				t.Errorf("completed task = %+v, want completedAt %v", done, e.clock.Now())
			}
			e.clock.Advance(time.Minute)
			reopened, _, err := e.store.UpdateTask(ctx, "completion", task.ID, model.TaskPatch{Completed: model.Some(false)})
			if err != nil {
				t.Fatal(err)
			}
			if reopened.Completed || reopened.CompletedAt != nil || e.get(t, "completion", task.ID).CompletedAt != nil {
				t.Errorf("reopened task = %+v, want completedAt cleared", reopened)
			}
		})
	})
}

func TestSetTaskCompleted(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		task := e.create(t, "u", model.CreateTaskInput{Title: "t"})
		e.clock.Advance(time.Minute)
		first, _, err := e.store.SetTaskCompleted(ctx, "u", task.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		completedAt := e.clock.Now()
		if !first.Completed || !first.CompletedAt.Equal(completedAt) || !first.UpdatedAt.Equal(completedAt) {
			t.Errorf("first = %+v, want completed at %v", first, completedAt)
		}

		t.Run("SecondTimeChangesNothing", func(t *testing.T) {
			e.clock.Advance(time.Minute)
			again, _, err := e.store.SetTaskCompleted(ctx, "u", task.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			if describe(again) != describe(first) || describe(e.get(t, "u", task.ID)) != describe(first) {
				t.Errorf("again = %s, want %s", describe(again), describe(first))
			}
		})

		t.Run("ReopenClearsCompletedAt", func(t *testing.T) {
			reopened, _, err := e.store.SetTaskCompleted(ctx, "u", task.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			if reopened.Completed || reopened.CompletedAt != nil || !reopened.UpdatedAt.Equal(e.clock.Now()) {
				t.Errorf("reopened = %+v", reopened)
			}
		})

		t.Run("ErrNotFound", func(t *testing.T) {
			_, _, err := e.store.SetTaskCompleted(ctx, "other", task.ID, true)
			wantNotFound(t, err)
			_, _, err = e.store.SetTaskCompleted(ctx, "u", uuid.Must(uuid.NewV7()), true)
			wantNotFound(t, err)
			if e.get(t, "u", task.ID).Completed {
				t.Error("another user completed the task")
			}
		})
	})
}

func TestDeleteTask(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		task := e.create(t, "u", model.CreateTaskInput{Title: "t", Tags: []string{"x"}})
		keep := e.create(t, "u", model.CreateTaskInput{Title: "keep"})

		wantNotFound(t, e.store.DeleteTask(ctx, "other", task.ID))
		e.get(t, "u", task.ID)

		if err := e.store.DeleteTask(ctx, "u", task.ID); err != nil {
			t.Fatal(err)
		}
		_, err := e.store.Task(ctx, "u", task.ID)
		wantNotFound(t, err)
		// A retried delete is NOT_FOUND.
		wantNotFound(t, e.store.DeleteTask(ctx, "u", task.ID))
		e.get(t, "u", keep.ID)
		// Its tags went with it.
		tags, err := e.store.Tags(ctx, "u", 10, nil)
		if err != nil || len(tags) != 0 {
			t.Errorf("tags = %v, %v; want none", tags, err)
		}
	})
}

func TestClearCompletedTasks(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ids, err := e.store.ClearCompletedTasks(ctx, "u")
		if err != nil || ids == nil || len(ids) != 0 {
			t.Fatalf("with nothing completed: %v, %v; want an empty list", ids, err)
		}
		var want []uuid.UUID
		for i := range 5 {
			task := e.create(t, "u", model.CreateTaskInput{Title: fmt.Sprint("t", i), Tags: []string{"x"}})
			if i%2 == 0 {
				if _, _, err := e.store.SetTaskCompleted(ctx, "u", task.ID, true); err != nil {
					t.Fatal(err)
				}
				want = append(want, task.ID)
			}
		}
		other := e.create(t, "other", model.CreateTaskInput{Title: "theirs"})
		if _, _, err := e.store.SetTaskCompleted(ctx, "other", other.ID, true); err != nil {
			t.Fatal(err)
		}

		ids, err = e.store.ClearCompletedTasks(ctx, "u")
		if err != nil {
			t.Fatal(err)
		}
		sortIDs(ids)
		sortIDs(want)
		if !slices.Equal(ids, want) {
			t.Errorf("deleted %v, want %v", ids, want)
		}
		if n := e.count(t, "u", model.TaskFilter{}); n != 2 {
			t.Errorf("%d tasks left, want the 2 pending", n)
		}
		e.get(t, "other", other.ID)
		tags, _ := e.store.Tags(ctx, "u", 10, nil)
		if fmt.Sprint(tags) != "[{x 2}]" {
			t.Errorf("tags = %v, want x counted on the 2 left", tags)
		}
	})
}

func sortIDs(ids []uuid.UUID) {
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
}

func TestTasksByID(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		a := e.create(t, "u", model.CreateTaskInput{Title: "a"})
		b := e.create(t, "u", model.CreateTaskInput{Title: "b"})
		theirs := e.create(t, "other", model.CreateTaskInput{Title: "theirs"})
		missing := uuid.Must(uuid.NewV7())

		got, err := e.store.TasksByID(ctx, "u", []uuid.UUID{b.ID, missing, a.ID, theirs.ID, b.ID})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, task := range got {
			if task == nil {
				names = append(names, "<nil>")
			} else {
				names = append(names, task.Title)
			}
		}
		if want := []string{"b", "<nil>", "a", "<nil>", "b"}; !slices.Equal(names, want) {
			t.Errorf("TasksByID = %q, want %q", names, want)
		}
		if got, err := e.store.TasksByID(ctx, "u", nil); err != nil || len(got) != 0 {
			t.Errorf("TasksByID(nil) = %v, %v", got, err)
		}
		if n := e.statements(t, func(s *model.Store) { _, _ = s.TasksByID(ctx, "u", []uuid.UUID{a.ID, b.ID}) }); n != 1 {
			t.Errorf("TasksByID ran %d statements, want 1", n)
		}
	})
}

// TestIsolation checks that user B can neither see nor change user A's task through any method, and that every
// list, count and figure leaves A's tasks out.
func TestIsolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const a, b = "user-a", "user-b"
		due := start.Add(-time.Hour)
		task := e.create(t, a, model.CreateTaskInput{Title: "secret", Tags: []string{"private"}, DueAt: &due,
			Priority: model.PriorityHigh, IdempotencyKey: ptr("k")})
		done := e.create(t, a, model.CreateTaskInput{Title: "done"})
		if _, _, err := e.store.SetTaskCompleted(ctx, a, done.ID, true); err != nil {
			t.Fatal(err)
		}
		before := []*model.Task{e.get(t, a, task.ID), e.get(t, a, done.ID)}

		_, err := e.store.Task(ctx, b, task.ID)
		wantNotFound(t, err)
		byID, err := e.store.TasksByID(ctx, b, []uuid.UUID{task.ID, done.ID})
		if err != nil || byID[0] != nil || byID[1] != nil {
			t.Errorf("TasksByID = %v, %v; want nils", byID, err)
		}
		_, _, err = e.store.UpdateTask(ctx, b, task.ID, model.TaskPatch{Title: model.Some("mine")})
		wantNotFound(t, err)
		_, _, err = e.store.SetTaskCompleted(ctx, b, task.ID, true)
		wantNotFound(t, err)
		wantNotFound(t, e.store.DeleteTask(ctx, b, task.ID))
		if ids, err := e.store.ClearCompletedTasks(ctx, b); err != nil || len(ids) != 0 {
			t.Errorf("ClearCompletedTasks = %v, %v; want none", ids, err)
		}
		page, err := e.store.ListTasks(ctx, b, model.ListQuery{})
		if err != nil || len(page.Edges) != 0 || page.HasNextPage {
			t.Errorf("ListTasks = %+v, %v; want empty", page, err)
		}
		page, err = e.store.ListTasks(ctx, b, model.ListQuery{Filter: model.TaskFilter{Tags: []string{"private"}, Search: ptr("secret")}})
		if err != nil || len(page.Edges) != 0 {
			t.Errorf("filtered ListTasks = %+v, %v; want empty", page, err)
		}
		if n := e.count(t, b, model.TaskFilter{}); n != 0 {
			t.Errorf("CountTasks = %d, want 0", n)
		}
		stats, err := e.store.Stats(ctx, b, time.UTC, nil)
		if err != nil || stats.Total != 0 || stats.Overdue != 0 || len(stats.ByTag) != 0 || stats.ByPriority[0].Count != 0 {
			t.Errorf("Stats = %+v, %v; want zeros", stats, err)
		}
		if tags, err := e.store.Tags(ctx, b, 100, nil); err != nil || len(tags) != 0 {
			t.Errorf("Tags = %v, %v; want none", tags, err)
		}
		// B's key of the same name is B's own.
		if mine := e.create(t, b, model.CreateTaskInput{Title: "b's", IdempotencyKey: ptr("k")}); mine.ID == task.ID {
			t.Error("user b's idempotency key returned user a's task")
		}

		for i, id := range []uuid.UUID{task.ID, done.ID} {
			if after := e.get(t, a, id); describe(after) != describe(before[i]) {
				t.Errorf("user a's task changed:\n%s\nwant\n%s", describe(after), describe(before[i]))
			}
		}
		if n := e.count(t, a, model.TaskFilter{}); n != 2 {
			t.Errorf("user a has %d tasks, want 2", n)
		}
	})
}

func TestPing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		if err := e.store.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestErrUnavailable checks that a database that cannot be reached is reported as ErrUnavailable, with the cause.
func TestErrUnavailable(t *testing.T) {
	t.Run("ClosedPool", func(t *testing.T) {
		db, err := model.OpenDB(ctx, model.DBConfig{DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		_ = db.Close()
		s := model.NewStore(db)
		if err := s.Ping(ctx); !errors.Is(err, model.ErrUnavailable) {
			t.Errorf("Ping = %v, want ErrUnavailable", err)
		}
		_, err = s.ListTasks(ctx, "u", model.ListQuery{})
		if !errors.Is(err, model.ErrUnavailable) {
			t.Errorf("ListTasks = %v, want ErrUnavailable", err)
		}
	})

	t.Run("NothingListening", func(t *testing.T) {
		db, err := model.OpenDB(ctx, model.DBConfig{URL: "postgres://u:pw@127.0.0.1:1/db?sslmode=disable"})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s := model.NewStore(db)
		_, err = s.CreateTask(ctx, "u", model.CreateTaskInput{Title: "t"})
		if !errors.Is(err, model.ErrUnavailable) {
			t.Fatalf("CreateTask = %v, want ErrUnavailable", err)
		}
		if !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("error %q does not keep its cause", err)
		}
		_, err = s.Task(ctx, "u", uuid.Must(uuid.NewV7()))
		if !errors.Is(err, model.ErrUnavailable) || errors.Is(err, model.ErrNotFound) {
			t.Errorf("Task = %v, want ErrUnavailable", err)
		}
	})
}
