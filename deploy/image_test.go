//go:build linux

package deploy

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// TestImageRecipe proves the image without Docker: it copies the repository as the build context would be (without
// what .dockerignore leaves out), builds the binary there with the script the Dockerfile runs, checks it is static,
// and runs the Dockerfile's entrypoint in an empty root that holds only the binary, the CA bundle and the data
// directory, as the image's user with the image's environment. There the server must start, migrate its embedded
// database, answer GraphQL (with a time zone, which only the embedded zone database can resolve there), pass
// `server healthcheck`, and stop cleanly on SIGTERM.
func TestImageRecipe(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the image recipe test needs root (chroot); CI runs as root")
		}
		t.Skip("needs root for chroot; CI runs it")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	final := readDockerfile(t, filepath.Join(repo, "Dockerfile")).final()

	buildContext := t.TempDir()
	copyContext(t, repo, buildContext)
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	const stamp = "v0.0.0-imagetest"
	bin := filepath.Join(root, "server")
	build := exec.Command("sh", "scripts/build-server.sh", bin, stamp)
	build.Dir = buildContext
	// The test's own -race must not leak into the image's build.
	build.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build-server.sh in the build context: %v\n%s", err, out)
	}
	assertStatic(t, bin)

	// The image's user and data directory (COPY --chown in the Dockerfile), and the CA bundle that distroless ships.
	uid, gid := imageUser(t, final)
	mustMkdir(t, filepath.Join(root, "data"), 0o755, uid, gid)
	mustMkdir(t, filepath.Join(root, "etc/ssl/certs"), 0o755, 0, 0)
	ca, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatalf("the CA bundle the image ships: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}

	env := imageEnv(final)
	env["PORT"] = freePort(t)
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	inRoot := func(ctx context.Context, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "/server", args...)
		cmd.Path = "/server" // resolved inside the root, not on this machine's PATH
		cmd.Dir = "/"
		cmd.Env = environ
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		return cmd
	}

	entry := entrypoint(t, final)
	if entry[0] != "/server" {
		t.Fatalf("ENTRYPOINT %q: want /server, where the Dockerfile copies the binary", entry)
	}
	var logs syncBuffer
	stdout, stdoutW := io.Pipe()
	srv := inRoot(context.Background(), entry[1:]...)
	srv.Stdout = stdoutW
	srv.Stderr = &logs
	if err := srv.Start(); err != nil {
		t.Fatalf("start in the empty root: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait(); stdoutW.Close() }()
	t.Cleanup(func() {
		_ = srv.Process.Kill()
	})
	// Development mode (no DATABASE_URL) prints a token to use; it is the first thing on stdout.
	tokens := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`Bearer ([A-Za-z0-9_\-.]+)`).FindStringSubmatch(sc.Text()); m != nil {
				tokens <- m[1]
			}
		}
	}()
	var tok string
	select {
	case tok = <-tokens:
	case err := <-exited:
		t.Fatalf("the server exited in the empty root: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("no token printed within a minute\n%s", logs.String())
	}

	// The image's health check, run as Docker would: the same binary, environment and user, inside the root.
	healthy := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := inRoot(ctx, "healthcheck").Run()
		cancel()
		if err == nil {
			healthy = true
			break
		}
	}
	if !healthy {
		t.Fatalf("/server healthcheck never succeeded\n%s", logs.String())
	}

	base := "http://127.0.0.1:" + env["PORT"]
	r, err := graphqlPost(base, tok, `mutation Create($input: CreateTaskInput!) {
  createTask(input: $input) { task { id } userErrors { message } }
}`, map[string]any{"input": map[string]any{"title": "from the image", "dueAt": "2026-12-01T12:00:00Z"}})
	if err != nil || len(r.Errors) > 0 || !regexp.MustCompile(`"task":\{"id":"[^"]+"\}`).Match(r.Data) {
		t.Fatalf("createTask in the empty root: %v %v %s\n%s", err, r.Errors, r.Data, logs.String())
	}
	r, err = graphqlPost(base, tok,
		`{ tasks(first: 5) { totalCount nodes { title } } taskStats(timeZone: "Europe/Berlin") { total } }`, nil)
	if err != nil || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"title":"from the image"`) ||
		!strings.Contains(string(r.Data), `"taskStats":{"total":1}`) {
		t.Fatalf("query in the empty root: %v %v %s", err, r.Errors, r.Data)
	}
	if info, err := os.Stat(filepath.Join(root, "data", "tasks.db")); err != nil || info.Sys().(*syscall.Stat_t).Uid != uid {
		t.Errorf("the embedded database in /data, owned by the image's user: %v", err)
	}
	if !strings.Contains(logs.String(), "migrations applied") || !strings.Contains(logs.String(), stamp) {
		t.Errorf("the log does not show the migrations and the stamped version:\n%s", logs.String())
	}

	var version bytes.Buffer
	v := inRoot(context.Background(), "version")
	v.Stdout = &version
	if err := v.Run(); err != nil || !strings.HasPrefix(version.String(), "server "+stamp+" ") {
		t.Errorf("server version in the root: %q %v", version.String(), err)
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop on SIGTERM")
	}
}

// assertStatic fails unless bin is an ELF executable without an interpreter or shared libraries, which is what
// distroless/static and scratch can run.
func assertStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary needs a dynamic loader: not static (CGO_ENABLED=0 missing?)")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links shared libraries %q", libs)
	}
}

// imageUser reads the final stage's USER uid:gid (numbers: the test has no passwd file to look names up in).
func imageUser(t *testing.T, final instructions.Stage) (uint32, uint32) {
	t.Helper()
	users := commands[*instructions.UserCommand](final)
	var uid, gid uint32
	if len(users) == 0 {
		t.Fatal("no USER in the final stage")
	}
	user := users[len(users)-1].User
	if _, err := fmt.Sscanf(user, "%d:%d", &uid, &gid); err != nil || uid == 0 {
		t.Fatalf("USER %q: want a numeric non-root uid:gid", user)
	}
	return uid, gid
}

func mustMkdir(t *testing.T, dir string, mode os.FileMode, uid, gid uint32) {
	t.Helper()
	if err := os.MkdirAll(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// copyContext copies the files git tracks (and the working tree's changes to them) from repo to dst, leaving out
// what .dockerignore excludes, so that the build sees what `docker build .` would send.
func copyContext(t *testing.T, repo, dst string) {
	t.Helper()
	ignore := dockerignore(t, filepath.Join(repo, ".dockerignore"))
	ls := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z")
	ls.Dir = repo
	var names []string
	if listed, err := ls.Output(); err == nil {
		names = strings.Split(string(listed), "\x00")
	} else {
		// Not a git checkout (a source archive): everything under repo is the context.
		err := filepath.WalkDir(repo, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(repo, p)
			if d.IsDir() && rel == ".git" {
				return filepath.SkipDir
			}
			if !d.IsDir() {
				names = append(names, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	copied := 0
	for _, name := range names {
		if name == "" || ignore(name) {
			continue
		}
		src := filepath.Join(repo, name)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the working tree, or not a file
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
		copied++
	}
	if copied == 0 {
		t.Fatal("the build context is empty")
	}
}

// dockerignore returns whether a slash-separated path is left out of the build context, by Docker's own rules
// (the patterns and their matching are BuildKit's, as `docker build` applies them).
func dockerignore(t *testing.T, file string) func(string) bool {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return func(name string) bool {
		excluded, err := pm.MatchesOrParentMatches(name)
		if err != nil {
			t.Fatal(err)
		}
		return excluded
	}
}

// gqlResult is a GraphQL response, its errors left undecoded.
type gqlResult struct {
	Data   json.RawMessage   `json:"data"`
	Errors []json.RawMessage `json:"errors"`
}

// graphqlPost posts one operation as tok's user and decodes the answer; err is a transport failure or a status
// other than 200.
func graphqlPost(baseURL, tok, query string, vars map[string]any) (gqlResult, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return gqlResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return gqlResult{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return gqlResult{}, err
	}
	var out gqlResult
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("decode %s: %w", raw, err)
	}
	return out, nil
}

// syncBuffer is a bytes.Buffer that the server's output and the test may use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
