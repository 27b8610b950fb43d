package model_test

import (
	"fmt"
	"testing"

	"taskapi/model"
)

// TestWriteStatementsDoNotGrowWithMembers pins the fan-out's cost: a write to a list of 50 members runs exactly the
// statements of a write to a list of one (the events of every member are one statement, not one per member), and
// the last member's feed still gets the write.
func TestWriteStatementsDoNotGrowWithMembers(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		cost := func(members int) []int {
			owner := fmt.Sprint("owner-of-", members)
			list := e.newList(t, owner, fmt.Sprint("list of ", members))
			if members > 1 {
				e.seedMembers(t, list.ID, members-1, model.ListRoleEditor)
			}
			last := fmt.Sprint("m", members-2)
			if members == 1 {
				last = owner
			}
			cursor, err := e.store.TaskEventCursor(ctx, last)
			if err != nil {
				t.Fatal(err)
			}
			var task *model.Task
			var costs []int
			for _, write := range []struct {
				name string
				fn   func(s *model.Store) error
			}{
				{"create", func(s *model.Store) (err error) {
					task, err = s.CreateTask(ctx, owner, model.CreateTaskInput{Title: "Milk", ListID: &list.ID, Tags: []string{"shop"}})
					return err
				}},
				{"update", func(s *model.Store) error {
					_, _, err := s.UpdateTask(ctx, owner, task.ID, model.TaskPatch{Title: model.Some("Oat milk")})
					return err
				}},
				{"complete", func(s *model.Store) error {
					_, _, err := s.SetTaskCompleted(ctx, owner, task.ID, true)
					return err
				}},
				{"delete", func(s *model.Store) error { return s.DeleteTask(ctx, owner, task.ID) }},
			} {
				costs = append(costs, e.statements(t, func(s *model.Store) {
					if err := write.fn(s); err != nil {
						t.Fatalf("%s with %d members: %v", write.name, members, err)
					}
				}))
			}
			page, err := e.store.TaskEvents(ctx, last, cursor, 10)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []model.TaskEventKind
			for _, ev := range page.Events {
				if ev.TaskID != nil && *ev.TaskID == task.ID {
					kinds = append(kinds, ev.Kind)
				}
			}
			if len(kinds) != 4 || kinds[0] != model.TaskEventCreated {
				t.Fatalf("the last of %d members got %v, want the four writes' events", members, kinds)
			}
			return costs
		}
		one, fifty := cost(1), cost(model.MaxListMembers)
		if fmt.Sprint(one) != fmt.Sprint(fifty) {
			t.Fatalf("statements of create, update, complete, delete: %v with 1 member, %v with %d", one, fifty,
				model.MaxListMembers)
		}
		t.Logf("statements of create, update, complete, delete: %v, whatever the members", one)
	})
}
