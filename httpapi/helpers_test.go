package httpapi_test

import (
	"encoding/json"
	"testing"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
)

// taskFields are all the scalar fields of a task.
const taskFields = `id title description completed priority tags dueAt completedAt createdAt updatedAt`

const createTask = `mutation($input: CreateTaskInput!) {
	createTask(input: $input) { task { ` + taskFields + ` } taskEdge { cursor node { id } } userErrors { field message code } }
}`

// create makes a task for user and returns it.
func (a *api) create(user string, input map[string]any) map[string]any {
	a.T.Helper()
	r := a.Do(user, createTask, map[string]any{"input": input}).NoErrors(a.T)
	if errs := path(r.Data, "createTask", "userErrors").([]any); len(errs) > 0 {
		a.T.Fatalf("userErrors: %v", errs)
	}
	return path(r.Data, "createTask", "task").(map[string]any)
}

// api is a running handler over a fresh database (see internal/apitest). The package's tests add methods of their own.
type api struct{ *apitest.API }

func newAPI(t testing.TB, kind string) *api {
	t.Helper()
	return newAPIWith(t, kind, httpapi.Options{})
}

func newAPIWith(t testing.TB, kind string, opts httpapi.Options) *api {
	t.Helper()
	return &api{apitest.New(t, kind, opts)}
}

// The shared test client's pieces, under the names this package's tests use.
type (
	result   = apitest.Result
	gqlError = apitest.GQLError
)

var (
	testSecret = apitest.Secret
	token      = apitest.Token
	path       = apitest.Path
	str        = apitest.Str
	forEachDB  = apitest.ForEachDB
)

// jsonEqual reports whether a and b encode to the same JSON.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
