package model_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
	"taskapi/model/modeltest"
)

// expectedTask is what the in-memory model says a user's task is.
type expectedTask struct {
	title     string
	completed bool
	tags      []string
}

// TestRandomOperationsMatchModel runs thousands of random operations for several users, many of them aimed at other
// users' task ids, and checks every answer against an in-memory model of what each user should see: no operation
// may reveal or change another user's task.
func TestRandomOperationsMatchModel(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			store := model.NewStore(modeltest.MustOpenDB(t, kind))
			rng := rand.New(rand.NewPCG(1, uint64(len(kind))))
			users := []string{"u1", "u2", "u3", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"}
			want := map[string]map[uuid.UUID]*expectedTask{}
			for _, u := range users {
				want[u] = map[uuid.UUID]*expectedTask{}
			}
			var allIDs []uuid.UUID // every id ever created, by anyone, deleted or not
			tagPool := []string{"home", "work", "urgent", "later"}

			// pickID returns an id of the user's own tasks, another user's, a deleted one or a random one.
			pickID := func(user string) uuid.UUID {
				if len(allIDs) == 0 || rng.IntN(10) == 0 {
					return uuid.Must(uuid.NewV7())
				}
				return allIDs[rng.IntN(len(allIDs))]
			}
			check := func(step int, op string, err error, wantErr error) {
				t.Helper()
				if !errors.Is(err, wantErr) && !(err == nil && wantErr == nil) {
					t.Fatalf("step %d %s: err = %v, want %v", step, op, err, wantErr)
				}
			}

			const steps = 2000
			for step := 0; step < steps; step++ {
				user := users[rng.IntN(len(users))]
				mine := want[user]
				switch op := rng.IntN(8); op {
				case 0, 1: // create
					tags := []string{tagPool[rng.IntN(len(tagPool))]}
					task, err := store.CreateTask(ctx, user, model.CreateTaskInput{Title: fmt.Sprintf("t%d", step), Tags: tags, Priority: model.PriorityMedium})
					check(step, "create", err, nil)
					mine[task.ID] = &expectedTask{title: task.Title, tags: tags}
					allIDs = append(allIDs, task.ID)
				case 2: // read
					id := pickID(user)
					task, err := store.Task(ctx, user, id)
					if exp, ok := mine[id]; ok {
						check(step, "read", err, nil)
						if task.Title != exp.title || task.Completed != exp.completed || task.CreatedBy != user {
							t.Fatalf("step %d: read %+v, want %+v", step, task, exp)
						}
					} else {
						check(step, "read", err, model.ErrNotFound)
					}
				case 3: // update title
					id := pickID(user)
					title := fmt.Sprintf("renamed %d", step)
					_, _, err := store.UpdateTask(ctx, user, id, model.TaskPatch{Title: model.Some(title)})
					if exp, ok := mine[id]; ok {
						check(step, "update", err, nil)
						exp.title = title
					} else {
						check(step, "update", err, model.ErrNotFound)
					}
				case 4: // complete or reopen
					id := pickID(user)
					completed := rng.IntN(2) == 0
					_, _, err := store.SetTaskCompleted(ctx, user, id, completed)
					if exp, ok := mine[id]; ok {
						check(step, "complete", err, nil)
						exp.completed = completed
					} else {
						check(step, "complete", err, model.ErrNotFound)
					}
				case 5: // delete
					id := pickID(user)
					err := store.DeleteTask(ctx, user, id)
					if _, ok := mine[id]; ok {
						check(step, "delete", err, nil)
						delete(mine, id)
					} else {
						check(step, "delete", err, model.ErrNotFound)
					}
				case 6: // clear completed, rarely
					if rng.IntN(10) != 0 {
						continue
					}
					ids, err := store.ClearCompletedTasks(ctx, user)
					check(step, "clear", err, nil)
					var wantIDs []uuid.UUID
					for id, exp := range mine {
						if exp.completed {
							wantIDs = append(wantIDs, id)
							delete(mine, id)
						}
					}
					if !sameIDs(ids, wantIDs) {
						t.Fatalf("step %d: cleared %v, want %v", step, ids, wantIDs)
					}
				case 7: // the whole view: list, counts, stats, tags, nodes
					checkView(t, ctx, store, user, mine, allIDs, step)
				}
			}
			for _, u := range users {
				checkView(t, ctx, store, u, want[u], allIDs, steps)
			}
		})
	}
}

// checkView compares everything a user can list or count with the model.
func checkView(t *testing.T, ctx context.Context, store *model.Store, user string, mine map[uuid.UUID]*expectedTask, allIDs []uuid.UUID, step int) {
	t.Helper()
	hundred := 100
	var listed []uuid.UUID
	var after *string
	for {
		page, err := store.ListTasks(ctx, user, model.ListQuery{First: &hundred, After: after})
		if err != nil {
			t.Fatalf("step %d: list: %v", step, err)
		}
		for _, e := range page.Edges {
			listed = append(listed, e.Node.ID)
			if e.Node.CreatedBy != user {
				t.Fatalf("step %d: %s listed a task of %s", step, user, e.Node.CreatedBy)
			}
		}
		if !page.HasNextPage {
			break
		}
		after = &page.Edges[len(page.Edges)-1].Cursor
	}
	var wantIDs []uuid.UUID
	completed := 0
	tagCounts := map[string]int{}
	for id, exp := range mine {
		wantIDs = append(wantIDs, id)
		if exp.completed {
			completed++
		}
		for _, tag := range exp.tags {
			tagCounts[tag]++
		}
	}
	if !sameIDs(listed, wantIDs) {
		t.Fatalf("step %d: %s lists %d tasks, want %d", step, user, len(listed), len(wantIDs))
	}
	if n, err := store.CountTasks(ctx, user, model.TaskFilter{}); err != nil || n != len(mine) {
		t.Fatalf("step %d: count = %d (%v), want %d", step, n, err, len(mine))
	}
	stats, err := store.Stats(ctx, user, time.UTC, nil)
	if err != nil || stats.Total != len(mine) || stats.Completed != completed {
		t.Fatalf("step %d: stats = %+v (%v), want total %d completed %d", step, stats, err, len(mine), completed)
	}
	tags, err := store.Tags(ctx, user, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tc := range tags {
		got[tc.Tag] = tc.Count
	}
	for tag, n := range tagCounts {
		if got[tag] != n {
			t.Fatalf("step %d: tag %s count %d, want %d", step, tag, got[tag], n)
		}
	}
	if len(got) != len(tagCounts) {
		t.Fatalf("step %d: tags %v, want %v", step, got, tagCounts)
	}
	// TasksByID over every id ever made returns exactly the user's own.
	byID, err := store.TasksByID(ctx, user, allIDs)
	if err != nil {
		t.Fatal(err)
	}
	for i, task := range byID {
		_, own := mine[allIDs[i]]
		if (task != nil) != own || (task != nil && task.CreatedBy != user) {
			t.Fatalf("step %d: TasksByID slot %d = %v, own %v", step, i, task, own)
		}
	}
}

func sameIDs(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	sa := slices.Clone(a)
	sb := slices.Clone(b)
	cmp := func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) }
	slices.SortFunc(sa, cmp)
	slices.SortFunc(sb, cmp)
	return slices.Equal(sa, sb)
}
