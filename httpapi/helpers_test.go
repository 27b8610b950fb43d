package httpapi_test

import (
	"encoding/json"
	"testing"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
)

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
const (
	taskFields = apitest.TaskFields
	createTask = apitest.CreateTask
)

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
