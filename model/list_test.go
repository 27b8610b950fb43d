package model_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
)

// expectedOrder sorts tasks as the contract orders a list: by the field, ties by id in the same direction, tasks
// without a due date last in both directions of DUE_AT, titles compared folded, byte by byte.
func expectedOrder(tasks []*model.Task, o model.TaskOrder) []*model.Task {
	out := slices.Clone(tasks)
	slices.SortFunc(out, func(a, b *model.Task) int {
		if o.Field == model.TaskOrderFieldDueAt && (a.DueAt == nil) != (b.DueAt == nil) {
			if a.DueAt == nil {
				return 1
			}
			return -1
		}
		var c int
		switch o.Field {
		case model.TaskOrderFieldCreatedAt:
			c = a.CreatedAt.Compare(b.CreatedAt)
		case model.TaskOrderFieldUpdatedAt:
			c = a.UpdatedAt.Compare(b.UpdatedAt)
		case model.TaskOrderFieldDueAt:
			if a.DueAt != nil {
				c = a.DueAt.Compare(*b.DueAt)
			}
		case model.TaskOrderFieldPriority:
			c = int(a.Priority) - int(b.Priority)
		case model.TaskOrderFieldTitle:
			c = strings.Compare(a.TitleFold, b.TitleFold)
		}
		if c == 0 {
			c = bytes.Compare(a.ID[:], b.ID[:])
		}
		if o.Direction == model.OrderDirectionDesc {
			c = -c
		}
		return c
	})
	return out
}

func ids(tasks []*model.Task) []uuid.UUID {
	out := make([]uuid.UUID, len(tasks))
	for i, t := range tasks {
		out[i] = t.ID
	}
	return out
}

// checkPage checks what every page promises: edges carry the cursor Cursor gives their task.
func checkPage(t *testing.T, page *model.TaskPage, q model.ListQuery) {
	t.Helper()
	for _, edge := range page.Edges {
		if want := model.Cursor(edge.Node, q.Order, q.Filter); edge.Cursor != want {
			t.Fatalf("edge cursor %s, want %s (Cursor)", edge.Cursor, want)
		}
	}
}

// walkForward pages through a list with first/after and returns every task seen, checking the page flags.
func walkForward(t *testing.T, s *model.Store, user string, q model.ListQuery, size int) []*model.Task {
	t.Helper()
	var out []*model.Task
	q.First, q.Last, q.Before = &size, nil, nil
	for range 1000 {
		page, err := s.ListTasks(ctx, user, q)
		if err != nil {
			t.Fatalf("ListTasks: %v", err)
		}
		checkPage(t, page, q)
		if page.HasPreviousPage != (q.After != nil) {
			t.Fatalf("hasPreviousPage = %t with after %v", page.HasPreviousPage, q.After)
		}
		if page.HasNextPage && len(page.Edges) != size {
			t.Fatalf("a page of %d before the end, want %d", len(page.Edges), size)
		}
		for _, edge := range page.Edges {
			out = append(out, edge.Node)
		}
		if !page.HasNextPage {
			return out
		}
		q.After = &page.Edges[len(page.Edges)-1].Cursor
	}
	t.Fatal("paging forward does not end")
	return nil
}

// walkBackward pages through a list with last/before from its end and returns every task seen, in list order.
func walkBackward(t *testing.T, s *model.Store, user string, q model.ListQuery, size int) []*model.Task {
	t.Helper()
	var out []*model.Task
	q.Last, q.First, q.After = &size, nil, nil
	for range 1000 {
		page, err := s.ListTasks(ctx, user, q)
		if err != nil {
			t.Fatalf("ListTasks: %v", err)
		}
		checkPage(t, page, q)
		if page.HasNextPage != (q.Before != nil) {
			t.Fatalf("hasNextPage = %t with before %v", page.HasNextPage, q.Before)
		}
		if page.HasPreviousPage && len(page.Edges) != size {
			t.Fatalf("a page of %d before the start, want %d", len(page.Edges), size)
		}
		nodes := make([]*model.Task, len(page.Edges))
		for i, edge := range page.Edges {
			nodes[i] = edge.Node
		}
		out = append(nodes, out...)
		if !page.HasPreviousPage {
			return out
		}
		q.Before = &page.Edges[0].Cursor
	}
	t.Fatal("paging backward does not end")
	return nil
}

// seedOrdering creates tasks with ties in every sort field: equal creation times, equal priorities, titles equal
// but for case, non-ASCII titles, equal due dates and tasks without one.
func seedOrdering(t *testing.T, e *env, user string) []*model.Task {
	t.Helper()
	titles := []string{"apple", "Apple", "APPLE", "banana", "Äpfel", "éclair", "Ωmega", "zebra", "Zebra crossing",
		"10 things", "_under", "apple pie", "Banana", "ähnlich"}
	var tasks []*model.Task
	for i, title := range titles {
		in := model.CreateTaskInput{Title: title, Priority: model.Priority(i % 3)}
		switch i % 4 {
		case 0: // no due date
		case 1:
			in.DueAt = ptr(start.Add(24 * time.Hour))
		default:
			in.DueAt = ptr(start.Add(time.Duration(i) * time.Hour))
		}
		tasks = append(tasks, e.create(t, user, in))
		if i%3 == 0 {
			e.clock.Advance(time.Millisecond) // the others share a creation time with their neighbour
		}
	}
	// Vary updatedAt, with a tie.
	for _, i := range []int{3, 7, 1, 11} {
		e.clock.Advance(time.Second)
		task, _, err := e.store.UpdateTask(ctx, user, tasks[i].ID, model.TaskPatch{Description: model.Some(fmt.Sprint("edit ", i))})
		if err != nil {
			t.Fatal(err)
		}
		tasks[i] = task
	}
	return tasks
}

func TestListTasksOrder(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const user = "orderer"
		tasks := seedOrdering(t, e, user)
		for _, field := range model.TaskOrderFields {
			for _, dir := range []model.OrderDirection{model.OrderDirectionAsc, model.OrderDirectionDesc} {
				order := model.TaskOrder{Field: field, Direction: dir}
				t.Run(string(field)+"_"+string(dir), func(t *testing.T) {
					want := ids(expectedOrder(tasks, order))
					q := model.ListQuery{Order: &order}
					for _, size := range []int{1, 3, 100} {
						if got := ids(walkForward(t, e.store, user, q, size)); !slices.Equal(got, want) {
							t.Errorf("forward by %d:\n%v\nwant\n%v", size, got, want)
						}
						if got := ids(walkBackward(t, e.store, user, q, size)); !slices.Equal(got, want) {
							t.Errorf("backward by %d:\n%v\nwant\n%v", size, got, want)
						}
					}
				})
			}
		}

		t.Run("DefaultIsCreatedAtDesc", func(t *testing.T) {
			want := ids(expectedOrder(tasks, model.DefaultTaskOrder))
			if got := ids(walkForward(t, e.store, user, model.ListQuery{}, 5)); !slices.Equal(got, want) {
				t.Errorf("default order:\n%v\nwant\n%v", got, want)
			}
		})

		t.Run("TitleCaseTiesBreakOnID", func(t *testing.T) {
			asc := titles(walkForward(t, e.store, user, model.ListQuery{Order: &model.TaskOrder{Field: model.TaskOrderFieldTitle, Direction: model.OrderDirectionAsc}}, 100))
			// apple, Apple, APPLE were created in this order, so their ids ascend.
			want := []string{"10 things", "_under", "apple", "Apple", "APPLE", "apple pie", "banana", "Banana",
				"zebra", "Zebra crossing", "ähnlich", "Äpfel", "éclair", "Ωmega"}
			if !slices.Equal(asc, want) {
				t.Errorf("TITLE ASC = %q\nwant %q", asc, want)
			}
		})

		t.Run("NoDueDateLastBothWays", func(t *testing.T) {
			for _, dir := range []model.OrderDirection{model.OrderDirectionAsc, model.OrderDirectionDesc} {
				got := walkForward(t, e.store, user, model.ListQuery{Order: &model.TaskOrder{Field: model.TaskOrderFieldDueAt, Direction: dir}}, 4)
				seenNull := false
				for _, task := range got {
					if task.DueAt == nil {
						seenNull = true
					} else if seenNull {
						t.Errorf("DUE_AT %s: a task with a due date after one without", dir)
					}
				}
			}
		})

		t.Run("EmptyList", func(t *testing.T) {
			page, err := e.store.ListTasks(ctx, "nobody", model.ListQuery{})
			if err != nil || len(page.Edges) != 0 || page.HasNextPage || page.HasPreviousPage {
				t.Errorf("empty list = %+v, %v", page, err)
			}
		})
	})
}

func TestListTasksArguments(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for i := range 25 {
			e.create(t, "u", model.CreateTaskInput{Title: fmt.Sprint("task ", i)})
		}
		page, err := e.store.ListTasks(ctx, "u", model.ListQuery{})
		if err != nil || len(page.Edges) != 20 || !page.HasNextPage || page.HasPreviousPage {
			t.Fatalf("default page: %d edges, next %t, previous %t, %v; want 20 with a next page", len(page.Edges), page.HasNextPage, page.HasPreviousPage, err)
		}
		page, err = e.store.ListTasks(ctx, "u", model.ListQuery{First: ptr(100)})
		if err != nil || len(page.Edges) != 25 || page.HasNextPage {
			t.Fatalf("first 100: %d edges, next %t, %v", len(page.Edges), page.HasNextPage, err)
		}

		for _, tc := range []struct {
			name  string
			q     model.ListQuery
			field string
		}{
			{"ErrFirstZero", model.ListQuery{First: ptr(0)}, "first"},
			{"ErrFirstTooBig", model.ListQuery{First: ptr(101)}, "first"},
			{"ErrFirstNegative", model.ListQuery{First: ptr(-1)}, "first"},
			{"ErrLastZero", model.ListQuery{Last: ptr(0)}, "last"},
			{"ErrLastTooBig", model.ListQuery{Last: ptr(101)}, "last"},
			{"ErrFirstAndLast", model.ListQuery{First: ptr(1), Last: ptr(1)}, "first"},
			{"ErrSearchTooLong", model.ListQuery{Filter: model.TaskFilter{Search: ptr(strings.Repeat("ü", 101))}}, "filter.search"},
			{"ErrUnknownOrder", model.ListQuery{Order: &model.TaskOrder{Field: "COLOUR", Direction: model.OrderDirectionAsc}}, "orderBy"},
			{"ErrUnknownStatus", model.ListQuery{Filter: model.TaskFilter{Status: ptr(model.TaskStatusFilter("DONE"))}}, "filter.status"},
			{"ErrMalformedAfter", model.ListQuery{After: ptr("not a cursor!")}, "after"},
			{"ErrMalformedBefore", model.ListQuery{Last: ptr(2), Before: ptr(base64.RawURLEncoding.EncodeToString([]byte(`{"h":1}`)))}, "before"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := e.store.ListTasks(ctx, "u", tc.q)
				if page != nil {
					t.Errorf("page = %+v, want nil", page)
				}
				wantInputError(t, err, tc.field)
			})
		}

		t.Run("SearchOf100Characters", func(t *testing.T) {
			if _, err := e.store.ListTasks(ctx, "u", model.ListQuery{Filter: model.TaskFilter{Search: ptr(strings.Repeat("ü", 100))}}); err != nil {
				t.Error(err)
			}
			_, err := e.store.CountTasks(ctx, "u", model.TaskFilter{Search: ptr(strings.Repeat("ü", 101))})
			wantInputError(t, err, "filter.search")
		})
	})
}

func TestListTasksCursor(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const user = "cursor"
		for _, title := range []string{"a", "b", "c", "d", "e", "f", "g"} {
			e.create(t, user, model.CreateTaskInput{Title: title, Tags: []string{"x"}})
		}
		byTitle := &model.TaskOrder{Field: model.TaskOrderFieldTitle, Direction: model.OrderDirectionAsc}
		list := func(q model.ListQuery) *model.TaskPage {
			t.Helper()
			q.Order = byTitle
			page, err := e.store.ListTasks(ctx, user, q)
			if err != nil {
				t.Fatal(err)
			}
			return page
		}
		nodes := func(p *model.TaskPage) []string {
			var out []*model.Task
			for _, edge := range p.Edges {
				out = append(out, edge.Node)
			}
			return titles(out)
		}

		first := list(model.ListQuery{First: ptr(2)})
		cursorB := first.Edges[1].Cursor

		t.Run("ValidAfterItsTaskIsDeleted", func(t *testing.T) {
			if err := e.store.DeleteTask(ctx, user, first.Edges[1].Node.ID); err != nil {
				t.Fatal(err)
			}
			next := list(model.ListQuery{First: ptr(2), After: &cursorB})
			if got := nodes(next); !slices.Equal(got, []string{"c", "d"}) || !next.HasNextPage || !next.HasPreviousPage {
				t.Errorf("after deleted b: %q (next %t, previous %t), want [c d] with pages on both sides", got, next.HasNextPage, next.HasPreviousPage)
			}
			prev := list(model.ListQuery{Last: ptr(2), Before: &cursorB})
			if got := nodes(prev); !slices.Equal(got, []string{"a"}) || prev.HasPreviousPage || !prev.HasNextPage {
				t.Errorf("before deleted b: %q (previous %t, next %t), want [a]", got, prev.HasPreviousPage, prev.HasNextPage)
			}
		})

		t.Run("ValidAfterItsTaskIsEdited", func(t *testing.T) {
			page := list(model.ListQuery{First: ptr(2), After: &cursorB}) // c, d
			cursorD := page.Edges[1].Cursor
			if _, _, err := e.store.UpdateTask(ctx, user, page.Edges[1].Node.ID, model.TaskPatch{Title: model.Some("A0")}); err != nil {
				t.Fatal(err)
			}
			next := list(model.ListQuery{First: ptr(2), After: &cursorD})
			if got := nodes(next); !slices.Equal(got, []string{"e", "f"}) {
				t.Errorf("after edited d: %q, want [e f]", got)
			}
			prev := list(model.ListQuery{Last: ptr(10), Before: &cursorD})
			if got := nodes(prev); !slices.Equal(got, []string{"a", "A0", "c"}) {
				t.Errorf("before edited d: %q, want [a A0 c]", got)
			}
		})

		t.Run("BothBounds", func(t *testing.T) {
			all := list(model.ListQuery{First: ptr(100)})
			after, before := all.Edges[0].Cursor, all.Edges[4].Cursor
			got := list(model.ListQuery{First: ptr(2), After: &after, Before: &before})
			if !slices.Equal(nodes(got), nodes(all)[1:3]) || !got.HasNextPage || !got.HasPreviousPage {
				t.Errorf("first 2 between: %q (next %t), want %q", nodes(got), got.HasNextPage, nodes(all)[1:3])
			}
			got = list(model.ListQuery{Last: ptr(10), After: &after, Before: &before})
			if !slices.Equal(nodes(got), nodes(all)[1:4]) || got.HasPreviousPage || !got.HasNextPage {
				t.Errorf("last 10 between: %q (previous %t), want %q", nodes(got), got.HasPreviousPage, nodes(all)[1:4])
			}
		})

		t.Run("ErrForeignCursor", func(t *testing.T) {
			for _, q := range []model.ListQuery{
				{Order: &model.TaskOrder{Field: model.TaskOrderFieldTitle, Direction: model.OrderDirectionDesc}, After: &cursorB},
				{Order: byTitle, Filter: model.TaskFilter{Tags: []string{"x"}}, After: &cursorB},
				{Order: byTitle, Filter: model.TaskFilter{Status: ptr(model.TaskStatusFilterPending)}, After: &cursorB},
				{After: &cursorB}, // the default order
			} {
				_, err := e.store.ListTasks(ctx, user, q)
				wantInputError(t, err, "after")
				q.After, q.Before, q.Last = nil, &cursorB, ptr(1)
				_, err = e.store.ListTasks(ctx, user, q)
				wantInputError(t, err, "before")
			}
		})

		t.Run("EquivalentFiltersShareCursors", func(t *testing.T) {
			f1 := model.TaskFilter{Tags: []string{"X ", "y", "x"}, Priorities: []model.Priority{model.PriorityHigh, model.PriorityLow, model.PriorityHigh}, Search: ptr("")}
			f2 := model.TaskFilter{Tags: []string{"y", "x"}, Priorities: []model.Priority{model.PriorityLow, model.PriorityHigh}, Status: ptr(model.TaskStatusFilterAll), Search: nil}
			page, err := e.store.ListTasks(ctx, user, model.ListQuery{Order: byTitle, Filter: f1, First: ptr(1)})
			if err != nil || len(page.Edges) != 1 {
				t.Fatalf("page = %+v, %v", page, err)
			}
			if _, err := e.store.ListTasks(ctx, user, model.ListQuery{Order: byTitle, Filter: f2, After: &page.Edges[0].Cursor}); err != nil {
				t.Errorf("cursor of an equivalent filter refused: %v", err)
			}
		})
	})
}

// TestListTasksWhileAdding pages by CREATED_AT while tasks are added between pages, some in the same millisecond as
// the last one: no task is seen twice, and none that existed when paging began is missed.
func TestListTasksWhileAdding(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for _, dir := range []model.OrderDirection{model.OrderDirectionAsc, model.OrderDirectionDesc} {
			t.Run(string(dir), func(t *testing.T) {
				user := "adding-" + string(dir)
				var existing []uuid.UUID
				for i := range 9 {
					existing = append(existing, e.create(t, user, model.CreateTaskInput{Title: fmt.Sprint("old ", i)}).ID)
					if i%2 == 0 {
						e.clock.Advance(time.Millisecond)
					}
				}
				q := model.ListQuery{Order: &model.TaskOrder{Field: model.TaskOrderFieldCreatedAt, Direction: dir}, First: ptr(2)}
				seen := map[uuid.UUID]bool{}
				var added []uuid.UUID
				for range 100 {
					page, err := e.store.ListTasks(ctx, user, q)
					if err != nil {
						t.Fatal(err)
					}
					for _, edge := range page.Edges {
						if seen[edge.Node.ID] {
							t.Fatalf("task %q seen twice", edge.Node.Title)
						}
						seen[edge.Node.ID] = true
					}
					if !page.HasNextPage {
						break
					}
					q.After = &page.Edges[len(page.Edges)-1].Cursor
					added = append(added, e.create(t, user, model.CreateTaskInput{Title: "new"}).ID)
					if len(added)%2 == 0 {
						e.clock.Advance(time.Millisecond)
					}
				}
				for _, id := range existing {
					if !seen[id] {
						t.Errorf("task %s missed", id)
					}
				}
				if dir == model.OrderDirectionAsc {
					for _, id := range added {
						if !seen[id] {
							t.Errorf("added task %s missed in ascending order", id)
						}
					}
				}
			})
		}
	})
}

// TestListTasksDeepPage checks that a page deep in a long list is right and costs the statements of the first.
func TestListTasksDeepPage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const user = "deep"
		var tasks []*model.Task
		for i := range 300 {
			in := model.CreateTaskInput{Title: fmt.Sprintf("task %03d", i), Priority: model.Priority(i % 3)}
			if i%5 != 0 {
				in.DueAt = ptr(start.Add(time.Duration(i%37) * time.Hour))
			}
			tasks = append(tasks, e.create(t, user, in))
			e.clock.Advance(time.Millisecond)
		}
		for _, order := range []model.TaskOrder{
			model.DefaultTaskOrder,
			{Field: model.TaskOrderFieldDueAt, Direction: model.OrderDirectionAsc},
			{Field: model.TaskOrderFieldPriority, Direction: model.OrderDirectionDesc},
		} {
			want := expectedOrder(tasks, order)
			firstCost := e.statements(t, func(s *model.Store) {
				if _, err := s.ListTasks(ctx, user, model.ListQuery{Order: &order, First: ptr(10)}); err != nil {
					t.Fatal(err)
				}
			})
			after := model.Cursor(want[200], &order, model.TaskFilter{})
			var page *model.TaskPage
			deepCost := e.statements(t, func(s *model.Store) {
				var err error
				if page, err = s.ListTasks(ctx, user, model.ListQuery{Order: &order, First: ptr(10), After: &after}); err != nil {
					t.Fatal(err)
				}
			})
			var got []*model.Task
			for _, edge := range page.Edges {
				got = append(got, edge.Node)
			}
			if !slices.Equal(ids(got), ids(want[201:211])) {
				t.Errorf("%v: deep page %q, want %q", order, titles(got), titles(want[201:211]))
			}
			// The deep page adds only the probe for hasPreviousPage.
			if firstCost != 1 || deepCost != 2 {
				t.Errorf("%v: first page %d statements, deep page %d; want 1 and 2", order, firstCost, deepCost)
			}
		}
	})
}

func TestListTasksSearch(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const user = "searcher"
		for _, tc := range []struct{ title, description string }{
			{"Äpfel kaufen", ""},
			{"Kuchen", "Mit ÄPFELN und Zimt"},
			{"éclair backen", ""},
			{"ΩMEGA release", ""},
			{"100% done", ""},
			{"snake_case names", ""},
			{`back\slash`, ""},
			{"abc", "xyz"},
		} {
			in := model.CreateTaskInput{Title: tc.title}
			if tc.description != "" {
				in.Description = ptr(tc.description)
			}
			e.create(t, user, in)
		}
		e.create(t, "someone else", model.CreateTaskInput{Title: "Äpfel too"})

		for _, tc := range []struct {
			search string
			want   []string
		}{
			{"äpfel", []string{"Äpfel kaufen", "Kuchen"}},
			{"ÄPFEL", []string{"Äpfel kaufen", "Kuchen"}},
			{"ÉCLAIR", []string{"éclair backen"}},
			{"ωmega", []string{"ΩMEGA release"}},
			{"Zimt", []string{"Kuchen"}},
			{"%", []string{"100% done"}},
			{"_", []string{"snake_case names"}},
			{`\`, []string{`back\slash`}},
			{"a%c", nil},
			{"a_c", nil},
			{"b%", nil},
			{"XYZ", []string{"abc"}},
			{"nothing", nil},
		} {
			t.Run(tc.search, func(t *testing.T) {
				f := model.TaskFilter{Search: ptr(tc.search)}
				order := &model.TaskOrder{Field: model.TaskOrderFieldTitle, Direction: model.OrderDirectionAsc}
				got := titles(walkForward(t, e.store, user, model.ListQuery{Filter: f, Order: order}, 100))
				want := slices.Clone(tc.want)
				slices.SortFunc(want, func(a, b string) int { return strings.Compare(model.Fold(a), model.Fold(b)) })
				if !slices.Equal(got, want) {
					t.Errorf("search %q = %q, want %q", tc.search, got, want)
				}
				if n := e.count(t, user, f); n != len(tc.want) {
					t.Errorf("count = %d, want %d", n, len(tc.want))
				}
			})
		}
		if n := e.count(t, user, model.TaskFilter{Search: ptr("")}); n != 8 {
			t.Errorf("empty search counts %d, want all 8", n)
		}
	})
}

func TestListTasksFilter(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const user = "filterer"
		type seed struct {
			title     string
			priority  model.Priority
			tags      []string
			due       *time.Time
			completed bool
		}
		at := func(d time.Duration) *time.Time { return ptr(start.Add(d)) }
		for _, s := range []seed{
			{"t1", model.PriorityHigh, []string{"home"}, at(-time.Hour), false},
			{"t2", model.PriorityMedium, []string{"work"}, at(time.Hour), false},
			{"t3", model.PriorityLow, []string{"home", "work"}, at(-time.Hour), true},
			{"t4", model.PriorityHigh, nil, nil, false},
			{"t5", model.PriorityLow, []string{"errand"}, at(0), false},
			{"t6", model.PriorityMedium, nil, at(48 * time.Hour), true},
		} {
			task := e.create(t, user, model.CreateTaskInput{Title: s.title, Priority: s.priority, Tags: s.tags, DueAt: s.due})
			if s.completed {
				if _, _, err := e.store.SetTaskCompleted(ctx, user, task.ID, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		e.create(t, "other", model.CreateTaskInput{Title: "t1", Priority: model.PriorityHigh, Tags: []string{"home"}, DueAt: at(-time.Hour)})

		all := []string{"t1", "t2", "t3", "t4", "t5", "t6"}
		status := func(s model.TaskStatusFilter) *model.TaskStatusFilter { return &s }
		cases := []struct {
			name   string
			filter model.TaskFilter
			want   []string
		}{
			{"None", model.TaskFilter{}, all},
			{"StatusAll", model.TaskFilter{Status: status(model.TaskStatusFilterAll)}, all},
			{"StatusPending", model.TaskFilter{Status: status(model.TaskStatusFilterPending)}, []string{"t1", "t2", "t4", "t5"}},
			{"StatusCompleted", model.TaskFilter{Status: status(model.TaskStatusFilterCompleted)}, []string{"t3", "t6"}},
			{"OnePriority", model.TaskFilter{Priorities: []model.Priority{model.PriorityHigh}}, []string{"t1", "t4"}},
			{"AnyOfPriorities", model.TaskFilter{Priorities: []model.Priority{model.PriorityHigh, model.PriorityLow, model.PriorityHigh}}, []string{"t1", "t3", "t4", "t5"}},
			{"EmptyPrioritiesNoConstraint", model.TaskFilter{Priorities: []model.Priority{}}, all},
			{"OneTag", model.TaskFilter{Tags: []string{"home"}}, []string{"t1", "t3"}},
			{"AnyOfTagsNormalized", model.TaskFilter{Tags: []string{" HOME", "work"}}, []string{"t1", "t2", "t3"}},
			{"EmptyTagsNoConstraint", model.TaskFilter{Tags: []string{}}, all},
			{"UnknownTag", model.TaskFilter{Tags: []string{"nope"}}, nil},
			{"DueAfterInclusive", model.TaskFilter{DueAfter: at(0)}, []string{"t2", "t5", "t6"}},
			{"DueBeforeExclusive", model.TaskFilter{DueBefore: at(0)}, []string{"t1", "t3"}},
			{"DueBetween", model.TaskFilter{DueAfter: at(-time.Hour), DueBefore: at(time.Hour)}, []string{"t1", "t3", "t5"}},
			{"OverdueTrue", model.TaskFilter{Overdue: ptr(true)}, []string{"t1"}},
			{"OverdueFalse", model.TaskFilter{Overdue: ptr(false)}, []string{"t2", "t3", "t4", "t5", "t6"}},
			{"OverdueFalsePending", model.TaskFilter{Overdue: ptr(false), Status: status(model.TaskStatusFilterPending)}, []string{"t2", "t4", "t5"}},
			{"Combined", model.TaskFilter{Status: status(model.TaskStatusFilterPending), Tags: []string{"home", "errand"},
				Priorities: []model.Priority{model.PriorityHigh, model.PriorityLow}}, []string{"t1", "t5"}},
			{"SearchAndTags", model.TaskFilter{Search: ptr("T"), Tags: []string{"work"}, DueBefore: at(time.Hour)}, []string{"t3"}},
		}
		run := func(t *testing.T, filter model.TaskFilter, want []string) {
			t.Helper()
			order := &model.TaskOrder{Field: model.TaskOrderFieldTitle, Direction: model.OrderDirectionAsc}
			if got := titles(walkForward(t, e.store, user, model.ListQuery{Filter: filter, Order: order}, 2)); !slices.Equal(got, want) {
				t.Errorf("tasks = %q, want %q", got, want)
			}
			if n := e.count(t, user, filter); n != len(want) {
				t.Errorf("count = %d, want %d", n, len(want))
			}
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) { run(t, tc.filter, tc.want) })
		}

		t.Run("OverdueFollowsTheClock", func(t *testing.T) {
			e.clock.Advance(2 * time.Hour)
			defer e.clock.Set(start)
			run(t, model.TaskFilter{Overdue: ptr(true)}, []string{"t1", "t2", "t5"})
		})
	})
}
