package model_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/model"
	"taskapi/model/modeltest"
)

// start is the fixed time tests begin at.
var start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// clock is a time source for the store that moves only when told to.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is one test database with a store over it.
type env struct {
	kind  string
	db    *bun.DB
	store *model.Store
	clock *clock
}

// forEachDB runs fn as a subtest on a fresh database of every kind modeltest.Databases offers.
func forEachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			c := &clock{t: start}
			fn(t, &env{kind: kind, db: db, store: model.NewStore(db).WithClock(c.Now), clock: c})
		})
	}
}

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

// create creates a task or fails the test.
func (e *env) create(t testing.TB, userID string, in model.CreateTaskInput) *model.Task {
	t.Helper()
	task, err := e.store.CreateTask(ctx, userID, in)
	if err != nil {
		t.Fatalf("CreateTask(%q): %v", in.Title, err)
	}
	return task
}

// get reads a task or fails the test.
func (e *env) get(t testing.TB, userID string, id uuid.UUID) *model.Task {
	t.Helper()
	task, err := e.store.Task(ctx, userID, id)
	if err != nil {
		t.Fatalf("Task(%s): %v", id, err)
	}
	return task
}

// count counts the user's tasks or fails the test.
func (e *env) count(t testing.TB, userID string, f model.TaskFilter) int {
	t.Helper()
	n, err := e.store.CountTasks(ctx, userID, f)
	if err != nil {
		t.Fatalf("CountTasks: %v", err)
	}
	return n
}

// problems returns the problems of a *ValidationError as "field.path:CODE", sorted, failing the test when err is
// not one or a problem has no message.
func problems(t testing.TB, err error) []string {
	t.Helper()
	var v *model.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("error = %v, want *model.ValidationError", err)
	}
	var out []string
	for _, p := range v.Problems {
		if p.Message == "" {
			t.Errorf("problem %v has no message", p.Field)
		}
		out = append(out, strings.Join(p.Field, ".")+":"+string(p.Code))
	}
	slices.Sort(out)
	return out
}

// wantNotFound fails the test unless err is ErrNotFound.
func wantNotFound(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
}

// wantInputError fails the test unless err is an *InputError for field.
func wantInputError(t testing.TB, err error, field string) {
	t.Helper()
	var ie *model.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error = %v, want *model.InputError for %s", err, field)
	}
	if ie.Field != field || ie.Message == "" {
		t.Fatalf("InputError = %+v, want field %s with a message", ie, field)
	}
}

// titles returns the titles of tasks.
func titles(tasks []*model.Task) []string {
	out := make([]string, len(tasks))
	for i, t := range tasks {
		out[i] = t.Title
	}
	return out
}

// statementCounter counts the statements a database runs.
type statementCounter struct {
	mu sync.Mutex
	n  int
}

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return ctx
}

func (c *statementCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// statements returns how many statements fn ran on e's database.
func (e *env) statements(t testing.TB, fn func(s *model.Store)) int {
	t.Helper()
	counter := &statementCounter{}
	db := e.db.WithQueryHook(counter)
	fn(model.NewStore(db).WithClock(e.clock.Now))
	return counter.n
}

// describe renders every field of a task, pointers followed, times as RFC 3339 with their zone, for comparisons
// and failure messages.
func describe(t *model.Task) string {
	if t == nil {
		return "<nil>"
	}
	str := func(s *string) string {
		if s == nil {
			return "<nil>"
		}
		return fmt.Sprintf("%q", *s)
	}
	tm := func(t *time.Time) string {
		if t == nil {
			return "<nil>"
		}
		return t.Format(time.RFC3339Nano) + "@" + t.Location().String()
	}
	return fmt.Sprintf("{id:%s user:%q title:%q fold:%q description:%s descriptionFold:%s completed:%t priority:%s tags:%q due:%s completedAt:%s created:%s updated:%s}",
		t.ID, t.CreatedBy, t.Title, t.TitleFold, str(t.Description), str(t.DescriptionFold), t.Completed, t.Priority,
		[]string(t.Tags), tm(t.DueAt), tm(t.CompletedAt), tm(&t.CreatedAt), tm(&t.UpdatedAt))
}
