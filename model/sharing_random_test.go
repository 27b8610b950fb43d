package model_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"

	"taskapi/model"
)

// TestRandomSharing runs random invitations, role changes, removals, task writes and reads by several users, and
// compares every answer with a model of who may see and write what: membership decides, and nothing else.
func TestRandomSharing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const ops = 1500
		users := []string{"ann", "ben", "cat", "dan"}
		rng := rand.New(rand.NewPCG(21, 2))
		type list struct {
			id      uuid.UUID
			members map[string]model.ListRole
		}
		var lists []*list
		tasks := map[uuid.UUID]*list{} // every task, by the list it is in
		var taskIDs []uuid.UUID
		for _, u := range users { // every Inbox, as the store makes it when first needed
			if _, err := e.store.EnsureInbox(ctx, u); err != nil {
				t.Fatal(err)
			}
			lists = append(lists, &list{id: model.InboxID(u), members: map[string]model.ListRole{u: model.ListRoleOwner}})
		}
		pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
		// want is what a write by user on l must answer: nil, ErrForbidden, or not found.
		want := func(user string, l *list) error {
			switch l.members[user] {
			case model.ListRoleOwner, model.ListRoleEditor:
				return nil
			case model.ListRoleViewer:
				return model.ErrForbidden
			}
			return model.ErrNotFound
		}
		check := func(step int, what string, got, want error) {
			t.Helper()
			ok := (want == nil && got == nil) || (want != nil && errors.Is(got, want))
			if !ok {
				t.Fatalf("step %d, %s: got %v, want %v", step, what, got, want)
			}
		}
		for step := range ops {
			user := pick(users)
			l := lists[rng.IntN(len(lists))]
			switch op := rng.IntN(100); {
			case op < 5 && len(lists) < 12: // a new list
				nl, err := e.store.CreateList(ctx, user, model.CreateListInput{Name: fmt.Sprint("list ", step)})
				if err != nil {
					t.Fatal(err)
				}
				lists = append(lists, &list{id: nl.ID, members: map[string]model.ListRole{user: model.ListRoleOwner}})
			case op < 15: // its owner invites someone, who accepts
				owner := ""
				for u, r := range l.members {
					if r == model.ListRoleOwner {
						owner = u
					}
				}
				other := pick(users)
				if l.id == model.InboxID(owner) || l.members[other] != "" {
					continue
				}
				role := []model.ListRole{model.ListRoleEditor, model.ListRoleViewer}[rng.IntN(2)]
				e.share(t, owner, l.id, other, role)
				l.members[other] = role
			case op < 20: // a role change, by whoever tries
				other := pick(users)
				role := []model.ListRole{model.ListRoleEditor, model.ListRoleViewer}[rng.IntN(2)]
				_, err := e.store.SetListMemberRole(ctx, user, l.id, other, role)
				switch {
				case l.members[user] == "":
					check(step, "role change by a non-member", err, model.ErrNotFound)
				case l.members[user] != model.ListRoleOwner:
					check(step, "role change by a non-owner", err, model.ErrForbidden)
				case l.members[other] == "":
					check(step, "role change of a non-member", err, model.ErrNotFound)
				case l.members[other] == model.ListRoleOwner:
					if err == nil {
						t.Fatalf("step %d: the owner's role changed", step)
					}
				default:
					check(step, "role change", err, nil)
					l.members[other] = role
				}
			case op < 26: // a removal, or leaving
				other := pick(users)
				if rng.IntN(2) == 0 {
					other = user
				}
				_, err := e.store.RemoveListMember(ctx, user, l.id, other)
				switch {
				case l.members[user] == "":
					check(step, "removal by a non-member", err, model.ErrNotFound)
				case l.members[other] == "":
					check(step, "removal of a non-member", err, model.ErrNotFound)
				case l.members[other] == model.ListRoleOwner:
					if err == nil {
						t.Fatalf("step %d: the owner was removed", step)
					}
				case other != user && l.members[user] != model.ListRoleOwner:
					check(step, "removal by a non-owner", err, model.ErrForbidden)
				default:
					check(step, "removal", err, nil)
					delete(l.members, other)
				}
			case op < 50: // a task created in the list
				task, err := e.store.CreateTask(ctx, user, model.CreateTaskInput{Title: fmt.Sprint("task ", step), ListID: &l.id})
				check(step, "create", err, want(user, l))
				if err == nil {
					tasks[task.ID] = l
					taskIDs = append(taskIDs, task.ID)
				}
			case op < 65 && len(taskIDs) > 0: // a task changed
				id := taskIDs[rng.IntN(len(taskIDs))]
				tl := tasks[id]
				_, _, err := e.store.UpdateTask(ctx, user, id, model.TaskPatch{Title: model.Some(fmt.Sprint("changed ", step))})
				if tl == nil {
					check(step, "update of a deleted task", err, model.ErrNotFound)
				} else {
					check(step, "update", err, want(user, tl))
				}
			case op < 72 && len(taskIDs) > 0: // a task deleted
				id := taskIDs[rng.IntN(len(taskIDs))]
				tl := tasks[id]
				err := e.store.DeleteTask(ctx, user, id)
				if tl == nil {
					check(step, "delete of a deleted task", err, model.ErrNotFound)
				} else {
					check(step, "delete", err, want(user, tl))
					if err == nil {
						delete(tasks, id)
					}
				}
			default: // reads: every task the user may see, and one task by id
				var visible []uuid.UUID
				for id, tl := range tasks {
					if tl.members[user] != "" {
						visible = append(visible, id)
					}
				}
				n, err := e.store.CountTasks(ctx, user, model.TaskFilter{})
				if err != nil || n != len(visible) {
					t.Fatalf("step %d: %s counts %d tasks (%v), the model %d", step, user, n, err, len(visible))
				}
				var seen []uuid.UUID
				var after *string
				for {
					page, err := e.store.ListTasks(ctx, user, model.ListQuery{First: ptr(100), After: after})
					if err != nil {
						t.Fatal(err)
					}
					for _, edge := range page.Edges {
						seen = append(seen, edge.Node.ID)
					}
					if !page.HasNextPage {
						break
					}
					after = &page.Edges[len(page.Edges)-1].Cursor
				}
				slices.SortFunc(seen, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
				slices.SortFunc(visible, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
				if !slices.Equal(seen, visible) {
					t.Fatalf("step %d: %s lists %d tasks, the model %d", step, user, len(seen), len(visible))
				}
				if len(taskIDs) > 0 {
					id := taskIDs[rng.IntN(len(taskIDs))]
					_, err := e.store.Task(ctx, user, id)
					if tl := tasks[id]; tl != nil && tl.members[user] != "" {
						check(step, "read", err, nil)
					} else {
						check(step, "read of an invisible task", err, model.ErrNotFound)
					}
				}
			}
		}
	})
}
