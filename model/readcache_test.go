package model_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
	"taskapi/model/modeltest"
)

// pageOf renders what a page shows a client (every task in full, cursors, pageInfo, count, event cursor), so that
// a page served from the cache can be compared with one read from the database.
func pageOf(p *model.TaskPage) string {
	var b strings.Builder
	for _, e := range p.Edges {
		fmt.Fprintf(&b, "%s %s\n", e.Cursor, describe(e.Node))
	}
	total := "<nil>"
	if p.TotalCount != nil {
		total = fmt.Sprint(*p.TotalCount)
	}
	fmt.Fprintf(&b, "next:%t previous:%t total:%s events:%q", p.HasNextPage, p.HasPreviousPage, total, p.EventCursor)
	return b.String()
}

// cachedEnv is e with a second store over the same database that keeps pages in cache; e.store, which keeps none,
// stands for the truth and for another instance of the server writing.
func cachedEnv(e *env, maxBytes int64) (*model.Store, *model.ReadCache) {
	c := model.NewReadCache(maxBytes)
	return model.NewStore(e.db).WithClock(e.clock.Now).WithReadCache(c), c
}

func hits(s model.ReadCacheStats) (n int64) {
	for _, h := range s.Hits {
		n += h
	}
	return n
}

func misses(s model.ReadCacheStats) (n int64) {
	for _, m := range s.Misses {
		n += m
	}
	return n
}

func dashboard(withCursor bool) model.ListQuery {
	pending := model.TaskStatusFilterPending
	return model.ListQuery{
		Filter:          model.TaskFilter{Status: &pending, Tags: []string{"work"}},
		Order:           &model.TaskOrder{Field: model.TaskOrderFieldDueAt, Direction: model.OrderDirectionAsc},
		First:           ptr(3),
		WithTotalCount:  true,
		WithEventCursor: withCursor,
	}
}

// TestReadCacheServesOnlyWhatTheDatabaseWould: after every kind of write, made by a store without the cache (as
// another instance would), the cached store's page is exactly the one the database gives, event cursor included;
// while nobody writes, the page comes from the cache; another user's writes do not disturb it, and no user is ever
// served another's page.
func TestReadCacheServesOnlyWhatTheDatabaseWould(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const alice, bob = "cache-alice", "cache-bob"
		cached, cache := cachedEnv(e, 1<<20)
		due := func(h int) *time.Time { d := start.Add(time.Duration(h) * time.Hour); return &d }
		var ids []uuid.UUID
		for i := range 5 {
			ids = append(ids, e.create(t, alice, model.CreateTaskInput{Title: fmt.Sprintf("alice %d", i), Tags: []string{"work"}, DueAt: due(i + 1)}).ID)
			e.create(t, bob, model.CreateTaskInput{Title: fmt.Sprintf("bob %d", i), Tags: []string{"work"}, DueAt: due(i + 1)})
		}
		check := func(step string, user string, q model.ListQuery, wantHit bool) {
			t.Helper()
			before := cache.Stats()
			got, err := cached.ListTasks(ctx, user, q)
			if err != nil {
				t.Fatalf("%s: cached ListTasks: %v", step, err)
			}
			want, err := e.store.ListTasks(ctx, user, q)
			if err != nil {
				t.Fatalf("%s: ListTasks: %v", step, err)
			}
			if pageOf(got) != pageOf(want) {
				t.Fatalf("%s: the cached store served\n%s\nthe database has\n%s", step, pageOf(got), pageOf(want))
			}
			for _, edge := range got.Edges {
				if edge.Node.CreatedBy != user {
					t.Fatalf("%s: %s was served %s's task", step, user, edge.Node.CreatedBy)
				}
			}
			after := cache.Stats()
			if hit := hits(after) > hits(before); hit != wantHit {
				t.Fatalf("%s: served from the cache = %t, want %t (stats %+v then %+v)", step, hit, wantHit, before, after)
			}
		}
		// The event cursor is not part of the key: a kept page knows its position and serves both.
		for _, withCursor := range []bool{false, true} {
			q := dashboard(withCursor)
			check(fmt.Sprintf("first read (eventCursor %t)", withCursor), alice, q, withCursor)
			check(fmt.Sprintf("second read (eventCursor %t)", withCursor), alice, q, true)
			check(fmt.Sprintf("bob's first read (eventCursor %t)", withCursor), bob, q, withCursor)
			check(fmt.Sprintf("bob's second read (eventCursor %t)", withCursor), bob, q, true)
			check(fmt.Sprintf("alice again (eventCursor %t)", withCursor), alice, q, true)
		}

		writes := []struct {
			name  string
			write func() error
		}{
			{"createTask", func() error {
				_, err := e.store.CreateTask(ctx, alice, model.CreateTaskInput{Title: "new first", Tags: []string{"work"}, DueAt: due(0)})
				return err
			}},
			{"updateTask title", func() error {
				_, _, err := e.store.UpdateTask(ctx, alice, ids[1], model.TaskPatch{Title: model.Some("renamed")})
				return err
			}},
			{"updateTask tags", func() error {
				_, _, err := e.store.UpdateTask(ctx, alice, ids[2], model.TaskPatch{Tags: model.Some([]string{"home"})})
				return err
			}},
			{"updateTask dueAt", func() error {
				_, _, err := e.store.UpdateTask(ctx, alice, ids[4], model.TaskPatch{DueAt: model.Some(start.Add(-time.Hour))})
				return err
			}},
			{"updateTask reminders", func() error {
				_, _, err := e.store.UpdateTask(ctx, alice, ids[3], model.TaskPatch{Reminders: model.Some([]model.ReminderInput{{MinutesBefore: ptr(10)}})})
				return err
			}},
			{"setTaskCompleted", func() error {
				_, _, err := e.store.SetTaskCompleted(ctx, alice, ids[0], true)
				return err
			}},
			{"recurrence", func() error {
				_, _, err := e.store.UpdateTask(ctx, alice, ids[3], model.TaskPatch{Recurrence: model.Some(model.RecurrenceInput{
					Frequency: model.RecurrenceFrequencyDaily, Interval: 1, TimeZone: "Europe/Berlin"})})
				return err
			}},
			{"completing an occurrence", func() error {
				_, _, err := e.store.SetTaskCompleted(ctx, alice, ids[3], true)
				return err
			}},
			{"reopening it", func() error {
				_, _, err := e.store.SetTaskCompleted(ctx, alice, ids[3], false)
				return err
			}},
			{"deleteTask", func() error { return e.store.DeleteTask(ctx, alice, ids[1]) }},
			{"clearCompletedTasks", func() error {
				_, err := e.store.ClearCompletedTasks(ctx, alice)
				return err
			}},
		}
		for _, withCursor := range []bool{false, true} {
			q := dashboard(withCursor)
			for _, w := range writes {
				check("before "+w.name, alice, q, true)
				if err := w.write(); err != nil {
					t.Fatalf("%s: %v", w.name, err)
				}
				check("after "+w.name, alice, q, false)
				check("bob after alice's "+w.name, bob, q, true)
			}
			// Fresh tasks for the second pass's writes.
			ids = ids[:0]
			for i := range 5 {
				ids = append(ids, e.create(t, alice, model.CreateTaskInput{Title: fmt.Sprintf("again %d", i), Tags: []string{"work"}, DueAt: due(i - 3)}).ID)
			}
			check("after the refill", alice, q, false)
		}
	})
}

// TestReadCacheKeysTheWholeQuery: each page of a list, each filter and order, with and without the count, is its
// own entry; a page is never served for another query.
func TestReadCacheKeysTheWholeQuery(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "cache-keys"
		cached, _ := cachedEnv(e, 1<<20)
		for i := range 7 {
			e.create(t, u, model.CreateTaskInput{Title: fmt.Sprintf("task %d", i), Tags: []string{[]string{"work", "home"}[i%2]},
				Priority: model.Priority(i % 3)})
		}
		first, err := e.store.ListTasks(ctx, u, model.ListQuery{First: ptr(2)})
		if err != nil {
			t.Fatal(err)
		}
		after := first.Edges[1].Cursor
		high := model.PriorityHigh
		queries := []model.ListQuery{
			{First: ptr(2)},
			{First: ptr(3)},
			{First: ptr(2), After: &after},
			{Last: ptr(2)},
			{First: ptr(2), WithTotalCount: true},
			{First: ptr(2), Filter: model.TaskFilter{Tags: []string{"home"}}},
			{First: ptr(2), Filter: model.TaskFilter{Priorities: []model.Priority{high}}},
			{First: ptr(2), Filter: model.TaskFilter{Search: ptr("task 3")}},
			{First: ptr(2), Order: &model.TaskOrder{Field: model.TaskOrderFieldTitle, Direction: model.OrderDirectionDesc}},
		}
		for round := range 2 {
			for i, q := range queries {
				got, err := cached.ListTasks(ctx, u, q)
				if err != nil {
					t.Fatal(err)
				}
				want, err := e.store.ListTasks(ctx, u, q)
				if err != nil {
					t.Fatal(err)
				}
				if pageOf(got) != pageOf(want) {
					t.Fatalf("round %d, query %d: served\n%s\nwant\n%s", round, i, pageOf(got), pageOf(want))
				}
			}
		}
	})
}

// TestReadCacheLeavesTheClockToTheDatabase: a list that depends on the time (overdue) is never kept, so it follows
// the clock without any write.
func TestReadCacheLeavesTheClockToTheDatabase(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "cache-clock"
		cached, cache := cachedEnv(e, 1<<20)
		d := start.Add(time.Hour)
		e.create(t, u, model.CreateTaskInput{Title: "due in an hour", DueAt: &d})
		overdue := model.ListQuery{Filter: model.TaskFilter{Overdue: ptr(true)}, WithTotalCount: true}
		for _, want := range []int{0, 0, 1} {
			if want == 1 {
				e.clock.Advance(2 * time.Hour)
			}
			page, err := cached.ListTasks(ctx, u, overdue)
			if err != nil {
				t.Fatal(err)
			}
			if *page.TotalCount != want || len(page.Edges) != want {
				t.Fatalf("overdue tasks = %d (count %d), want %d", len(page.Edges), *page.TotalCount, want)
			}
		}
		if s := cache.Stats(); hits(s) != 0 || misses(s) != 0 || s.Entries != 0 {
			t.Fatalf("the overdue list went through the cache: %+v", s)
		}
	})
}

// TestReadCacheIsBounded: the cache keeps no more than its bytes; once full, it keeps a page in place of the least
// recently used only when that page was read more often of late.
func TestReadCacheIsBounded(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const bound = 16 << 10
		cached, cache := cachedEnv(e, bound)
		for u := range 40 {
			user := fmt.Sprintf("cache-bound-%02d", u)
			for i := range 3 {
				e.create(t, user, model.CreateTaskInput{Title: fmt.Sprintf("task %d with a title of some length", i)})
			}
			if _, err := cached.ListTasks(ctx, user, model.ListQuery{First: ptr(3)}); err != nil {
				t.Fatal(err)
			}
		}
		s := cache.Stats()
		if s.Bytes > bound || s.Entries == 0 || s.Entries >= 40 {
			t.Fatalf("after 40 pages: %+v, want some but not all within %d bytes", s, bound)
		}
		// Once full, a page read once does not displace the least recently used, read as often: the first pages
		// stay and the last was not kept. Read a second time, it is read more often than the least recently used
		// and is kept in its place: the third read is served from the cache.
		for _, c := range []struct {
			user string
			hit  bool
		}{{"cache-bound-00", true}, {"cache-bound-39", false}, {"cache-bound-39", true}} {
			before := hits(cache.Stats())
			if _, err := cached.ListTasks(ctx, c.user, model.ListQuery{First: ptr(3)}); err != nil {
				t.Fatal(err)
			}
			if hit := hits(cache.Stats()) > before; hit != c.hit {
				t.Errorf("%s served from the cache = %t, want %t", c.user, hit, c.hit)
			}
		}
	})
}

// TestReadCacheReadsAfterConcurrentWrites: readers racing a writer of the same user never see a page older than a
// write that had committed before their read began (each reader checks for every task created before it started).
func TestReadCacheReadsAfterConcurrentWrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "cache-race"
		cached, _ := cachedEnv(e, 1<<20)
		q := model.ListQuery{First: ptr(100), WithTotalCount: true, Order: &model.TaskOrder{Field: model.TaskOrderFieldCreatedAt, Direction: model.OrderDirectionAsc}}
		var mu sync.Mutex
		committed := 0 // tasks whose creation has returned
		done := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					mu.Lock()
					atLeast := committed
					mu.Unlock()
					page, err := cached.ListTasks(ctx, u, q)
					if err != nil {
						t.Error(err)
						return
					}
					if *page.TotalCount < atLeast || len(page.Edges) < atLeast {
						t.Errorf("a read begun after %d creations saw %d tasks (count %d)", atLeast, len(page.Edges), *page.TotalCount)
						return
					}
				}
			})
		}
		for i := range 40 {
			e.create(t, u, model.CreateTaskInput{Title: fmt.Sprintf("task %d", i)})
			mu.Lock()
			committed = i + 1
			mu.Unlock()
		}
		close(done)
		wg.Wait()
	})
}

// TestReadCacheStatsHoldWhileTheyAreTrue: statistics are served from the cache while the user does not write and
// the clock has not moved past the next pending task's due time or the end of the day in the zone asked for; each
// zone is its own entry; every figure served equals the database's at that moment.
func TestReadCacheStatsHoldWhileTheyAreTrue(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "cache-stats"
		cached, cache := cachedEnv(e, 1<<20)
		berlin, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)) // 21:00 in Berlin
		at := func(h, m int) *time.Time { d := time.Date(2026, 11, 25, h, m, 0, 0, time.UTC); return &d }
		e.create(t, u, model.CreateTaskInput{Title: "due at 20:30", DueAt: at(20, 30), Tags: []string{"work"}})
		e.create(t, u, model.CreateTaskInput{Title: "due at 22:30", DueAt: at(22, 30), Tags: []string{"home"}})
		e.create(t, u, model.CreateTaskInput{Title: "no due date", Tags: []string{"work"}})
		check := func(step string, loc *time.Location, wantHit bool) *model.TaskStats {
			t.Helper()
			before := cache.Stats().Hits[1]
			got, err := cached.Stats(ctx, u, loc, nil)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			want, err := e.store.Stats(ctx, u, loc, nil)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", *want) {
				t.Fatalf("%s: served %+v, the database has %+v", step, *got, *want)
			}
			if hit := cache.Stats().Hits[1] > before; hit != wantHit {
				t.Fatalf("%s: served from the cache = %t, want %t", step, hit, wantHit)
			}
			return got
		}
		check("first read", berlin, false)
		check("second read", berlin, true)
		check("in UTC, its own entry", time.UTC, false)
		e.clock.Set(*at(20, 30)) // the first task is due now, not yet overdue
		if s := check("at the due time", berlin, true); s.Overdue != 0 {
			t.Fatalf("overdue = %d at the due time", s.Overdue)
		}
		e.clock.Set(at(20, 30).Add(time.Millisecond))
		if s := check("just after it", berlin, false); s.Overdue != 1 || s.DueToday != 2 {
			t.Fatalf("overdue %d, due today %d just after the first due time; want 1 and 2", s.Overdue, s.DueToday)
		}
		check("again", berlin, true)
		// Midnight in Berlin (23:00 UTC) ends the day there, before the second task falls due in UTC's view.
		e.clock.Set(*at(22, 0))
		check("before the second due time", berlin, true)
		e.clock.Set(*at(22, 31))
		if s := check("after the second due time", berlin, false); s.Overdue != 2 {
			t.Fatalf("overdue = %d after both due times", s.Overdue)
		}
		e.clock.Set(*at(23, 0)) // the next day in Berlin: nothing is due today any more
		if s := check("the next day in Berlin", berlin, false); s.DueToday != 0 {
			t.Fatalf("due today = %d on the next day", s.DueToday)
		}
		check("the next day, again", berlin, true)
		// A write, by a store without the cache, changes every figure it touches.
		if _, err := e.store.CreateTask(ctx, u, model.CreateTaskInput{Title: "new", Tags: []string{"errand"}}); err != nil {
			t.Fatal(err)
		}
		if s := check("after a createTask", berlin, false); s.Total != 4 {
			t.Fatalf("total = %d after the fourth task", s.Total)
		}
		if _, err := e.store.ClearCompletedTasks(ctx, u); err != nil { // no change, no event: still cached
			t.Fatal(err)
		}
		check("after a clear that cleared nothing", berlin, true)
		if _, err := cached.Stats(ctx, "cache-stats-other", berlin, nil); err != nil {
			t.Fatal(err)
		}
		other, err := cached.Stats(ctx, "cache-stats-other", berlin, nil)
		if err != nil || other.Total != 0 {
			t.Fatalf("another user's statistics: %+v, %v", other, err)
		}
	})
}

// TestReadCacheTags: tag counts are served from the cache until the user writes; each limit is its own entry.
func TestReadCacheTags(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "cache-tags"
		cached, cache := cachedEnv(e, 1<<20)
		task := e.create(t, u, model.CreateTaskInput{Title: "a", Tags: []string{"work", "home"}})
		e.create(t, u, model.CreateTaskInput{Title: "b", Tags: []string{"work"}})
		check := func(step string, limit int, wantHit bool) {
			t.Helper()
			before := cache.Stats().Hits[2]
			got, err := cached.Tags(ctx, u, limit, nil)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			want, err := e.store.Tags(ctx, u, limit, nil)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: served %v, the database has %v", step, got, want)
			}
			if hit := cache.Stats().Hits[2] > before; hit != wantHit {
				t.Fatalf("%s: served from the cache = %t, want %t", step, hit, wantHit)
			}
		}
		check("first read", 10, false)
		check("second read", 10, true)
		check("another limit", 1, false)
		if _, _, err := e.store.UpdateTask(ctx, u, task.ID, model.TaskPatch{Tags: model.Some([]string{"errand"})}); err != nil {
			t.Fatal(err)
		}
		check("after the tags changed", 10, false)
		check("the other limit after the change", 1, false)
		check("then", 10, true)
		if _, err := cached.Tags(ctx, u, 0, nil); err == nil {
			t.Fatal("a limit of 0 was accepted")
		}
	})
}

// TestReadCacheKnowsItsOwnWrites: after a write through the cached store, the next read of a kept result computes
// it with the one statement that reads it, not first the position (which a write elsewhere does need); and what it
// serves is what the database has either way.
func TestReadCacheKnowsItsOwnWrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "cache-own-writes"
		counter := &statementCounter{}
		cache := model.NewReadCache(1 << 20)
		cached := model.NewStore(e.db.WithQueryHook(counter)).WithClock(e.clock.Now).WithReadCache(cache)
		due := start.Add(time.Hour) // the dashboard's first statement (tasks with a due date) then has rows to carry the position
		task := e.create(t, u, model.CreateTaskInput{Title: "a", Tags: []string{"work"}, DueAt: &due})
		q := dashboard(true)
		read := func(step string) int {
			t.Helper()
			counter.mu.Lock()
			counter.n = 0
			counter.mu.Unlock()
			got, err := cached.ListTasks(ctx, u, q)
			if err != nil {
				t.Fatal(err)
			}
			counter.mu.Lock()
			n := counter.n
			counter.mu.Unlock()
			want, err := e.store.ListTasks(ctx, u, q)
			if err != nil {
				t.Fatal(err)
			}
			if pageOf(got) != pageOf(want) {
				t.Fatalf("%s: served\n%s\nthe database has\n%s", step, pageOf(got), pageOf(want))
			}
			return n
		}
		expect := func(step string, got, want int) {
			t.Helper()
			if got != want {
				t.Fatalf("%s: %d statements, want %d", step, got, want)
			}
		}
		computed := read("first read") // what reading the page costs on this database
		expect("from the cache", read("from the cache"), 1)
		if _, _, err := cached.UpdateTask(ctx, u, task.ID, model.TaskPatch{Title: model.Some("b")}); err != nil {
			t.Fatal(err)
		}
		expect("after a write of its own", read("after a write of its own"), computed)
		expect("from the cache again", read("from the cache again"), 1)
		if _, _, err := e.store.UpdateTask(ctx, u, task.ID, model.TaskPatch{Title: model.Some("c")}); err != nil {
			t.Fatal(err)
		}
		expect("after a write elsewhere", read("after a write elsewhere"), 1+computed)
		if _, err := cached.CreateTask(ctx, u, model.CreateTaskInput{Title: "d", Tags: []string{"work"}, DueAt: &due}); err != nil {
			t.Fatal(err)
		}
		if _, err := cached.ClearCompletedTasks(ctx, u); err != nil { // nothing to clear: no event, no note
			t.Fatal(err)
		}
		expect("after a create of its own", read("after a create of its own"), computed)
	})
}

// TestReadCacheMissCostsNoStatementMore: a read the cache cannot serve (nothing kept, or what was kept is too old)
// sends the statements a store without the cache sends, and no more: the feed position it keeps a result with rides
// in the result's own statement. (On SQLite a page and its position are read in a transaction instead.) A read it
// serves sends one, the position.
func TestReadCacheMissCostsNoStatementMore(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "cache-miss-cost"
		due := start.Add(time.Hour)
		for i := range 3 {
			e.create(t, u, model.CreateTaskInput{Title: fmt.Sprintf("t%d", i), Tags: []string{"work"}, DueAt: &due})
		}
		counter := &statementCounter{}
		cached := model.NewStore(e.db.WithQueryHook(counter)).WithClock(e.clock.Now).WithReadCache(model.NewReadCache(1 << 20))
		reads := []struct {
			name     string
			sqlite   bool // whether the miss's count holds on SQLite too
			read     func(s *model.Store) error
			computed int
		}{
			{name: "tasks", read: func(s *model.Store) error { _, err := s.ListTasks(ctx, u, dashboard(false)); return err }},
			{name: "taskStats", sqlite: true, read: func(s *model.Store) error { _, err := s.Stats(ctx, u, nil, nil); return err }},
			{name: "tags", sqlite: true, read: func(s *model.Store) error { _, err := s.Tags(ctx, u, 10, nil); return err }},
		}
		for i := range reads {
			r := &reads[i]
			r.computed = e.statements(t, func(s *model.Store) {
				if err := r.read(s); err != nil {
					t.Fatal(err)
				}
			})
		}
		count := func(r string, read func(s *model.Store) error) int {
			t.Helper()
			counter.mu.Lock()
			counter.n = 0
			counter.mu.Unlock()
			if err := read(cached); err != nil {
				t.Fatalf("%s: %v", r, err)
			}
			counter.mu.Lock()
			defer counter.mu.Unlock()
			return counter.n
		}
		for _, r := range reads {
			if e.kind == modeltest.Postgres || r.sqlite {
				if got := count(r.name, r.read); got != r.computed {
					t.Errorf("%s, nothing kept: %d statements, computed without the cache %d", r.name, got, r.computed)
				}
			} else {
				count(r.name, r.read)
			}
			if got := count(r.name, r.read); got != 1 {
				t.Errorf("%s, kept: %d statements, want 1", r.name, got)
			}
		}
	})
}
