package deploy

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	lintpb "github.com/moby/buildkit/frontend/subrequests/lint"
	digest "github.com/opencontainers/go-digest"
)

// offlineImages answers BuildKit's base-image lookups without a registry: every image has an empty Linux
// configuration. Lint rules about the Dockerfile itself do not need more.
type offlineImages struct {
	mu   sync.Mutex
	refs []string
}

func (o *offlineImages) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	o.mu.Lock()
	o.refs = append(o.refs, ref)
	o.mu.Unlock()
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}`)
	return ref, digest.FromBytes([]byte(ref)), config, nil
}

// lint runs what `docker build --check` runs, BuildKit's Dockerfile frontend (every stage parsed and converted,
// every lint rule applied), with no daemon and no registry.
func lint(t *testing.T, dt []byte, images *offlineImages) *lintpb.LintResults {
	t.Helper()
	// The source map only labels the warnings' locations; the frontend wants it marshalled.
	src := llb.Scratch()
	def, err := src.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sm := llb.NewSourceMap(&src, "Dockerfile", "Dockerfile", dt)
	sm.Definition = def
	res, err := dockerfile2llb.DockerfileLint(context.Background(), dt, dockerfile2llb.ConvertOpt{SourceMap: sm, MetaResolver: images})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestDockerfileLint(t *testing.T) {
	dt, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	images := &offlineImages{}
	res := lint(t, dt, images)
	if res.Error != nil {
		t.Errorf("the Dockerfile does not build: %s", res.Error.Message)
	}
	for _, w := range res.Warnings {
		t.Errorf("lint %s: %s (%s)", w.RuleName, w.Detail, w.URL)
	}
	if len(images.refs) < 2 {
		t.Errorf("the frontend looked up %q: want the build stage's and the final stage's base images", images.refs)
	}
}

// TestDockerfileLintCatches shows that the check above is alive: a Dockerfile with mistakes BuildKit warns about
// fails it, and one that does not parse is an error.
func TestDockerfileLintCatches(t *testing.T) {
	res := lint(t, []byte("from golang:1.26 as build\nRUN true\nFROM scratch\nCMD /server serve\n"), &offlineImages{})
	rules := map[string]bool{}
	for _, w := range res.Warnings {
		rules[w.RuleName] = true
	}
	for _, want := range []string{"ConsistentInstructionCasing", "JSONArgsRecommended"} {
		if !rules[want] {
			t.Errorf("no %s warning for a Dockerfile that deserves one; got %v", want, rules)
		}
	}
	if res := lint(t, []byte("FROM scratch\nHEALTHCHECK --bogus=1 CMD [\"/server\"]\n"), &offlineImages{}); res.Error == nil {
		t.Error("an unknown HEALTHCHECK flag was accepted")
	}
}

// dockerfile is the Dockerfile as BuildKit's frontend reads it: the instructions' names in order, and its stages with
// their commands decoded.
type dockerfile struct {
	names  []string // lower case: from, run, env...
	stages []instructions.Stage
}

func readDockerfile(t *testing.T, file string) dockerfile {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ast, err := parser.Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := dockerfile{stages: stages}
	for _, n := range ast.AST.Children {
		d.names = append(d.names, strings.ToLower(n.Value))
	}
	return d
}

// final returns the last stage, the image that ships.
func (d dockerfile) final() instructions.Stage { return d.stages[len(d.stages)-1] }

// commands returns a stage's commands of type C, in order.
func commands[C instructions.Command](s instructions.Stage) []C {
	var out []C
	for _, c := range s.Commands {
		if c, ok := c.(C); ok {
			out = append(out, c)
		}
	}
	return out
}

// imageEnv collects the ENV pairs of a stage.
func imageEnv(s instructions.Stage) map[string]string {
	env := map[string]string{}
	for _, c := range commands[*instructions.EnvCommand](s) {
		for _, kv := range c.Env {
			env[kv.Key] = kv.Value
		}
	}
	return env
}

// execForm returns the last command line of a stage's ENTRYPOINT or CMD, which must be in the exec form
// (["/server", "serve"]): a shell form would need a shell the image lacks.
func execForm(t *testing.T, what string, lines []instructions.ShellDependantCmdLine) []string {
	t.Helper()
	if len(lines) == 0 || lines[len(lines)-1].PrependShell || len(lines[len(lines)-1].CmdLine) == 0 {
		t.Fatalf("%s %v: want the exec form, [\"/server\", ...]: the image has no shell", what, lines)
	}
	return lines[len(lines)-1].CmdLine
}

// entrypoint returns the final stage's ENTRYPOINT followed by its CMD, what the container runs.
func entrypoint(t *testing.T, s instructions.Stage) []string {
	t.Helper()
	var entry, cmd []instructions.ShellDependantCmdLine
	for _, c := range commands[*instructions.EntrypointCommand](s) {
		entry = append(entry, c.ShellDependantCmdLine)
	}
	for _, c := range commands[*instructions.CmdCommand](s) {
		cmd = append(cmd, c.ShellDependantCmdLine)
	}
	return append(slices.Clone(execForm(t, "ENTRYPOINT", entry)), execForm(t, "CMD", cmd)...)
}

// TestDockerfile checks what the image promises and no Docker daemon is here to show: a static binary built by
// the shared script, a minimal base with the CA bundle, a non-root user, every interface, a health check without
// shell or curl. TestImageRecipe runs what these instructions describe.
func TestDockerfile(t *testing.T) {
	d := readDockerfile(t, "../Dockerfile")
	known := map[string]bool{"from": true, "run": true, "copy": true, "env": true, "arg": true, "workdir": true,
		"user": true, "expose": true, "healthcheck": true, "entrypoint": true, "cmd": true, "label": true}
	for _, name := range d.names {
		if !known[name] {
			t.Errorf("unknown or unexpected instruction %s", strings.ToUpper(name))
		}
	}
	var runs []string
	for _, s := range d.stages {
		for _, r := range commands[*instructions.RunCommand](s) {
			runs = append(runs, strings.Join(r.CmdLine, " "))
		}
	}
	if !strings.Contains(strings.Join(runs, "\n"), "scripts/build-server.sh /out/server") {
		t.Errorf("the build stage does not run scripts/build-server.sh, which the test of the recipe runs: %q", runs)
	}
	final := d.final()
	if !regexp.MustCompile(`^(gcr\.io/distroless/static(-debian\d+)?(:[\w.-]+)?|scratch)$`).MatchString(final.BaseName) {
		t.Errorf("final base %q: want distroless/static (or scratch with a CA bundle)", final.BaseName)
	}
	users := commands[*instructions.UserCommand](final)
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1].User, "0") || strings.HasPrefix(users[len(users)-1].User, "root") {
		t.Errorf("USER %v: the image must run as a non-root user", users)
	}
	if env := imageEnv(final); env["HOST"] != "0.0.0.0" {
		t.Errorf("ENV HOST=%q: in a container the server must listen on every interface", env["HOST"])
	}
	hc := commands[*instructions.HealthCheckCommand](final)
	if len(hc) != 1 {
		t.Fatalf("%d HEALTHCHECK instructions in the final stage, want 1", len(hc))
	}
	if test := hc[0].Health.Test; len(test) == 0 || test[0] != "CMD" || strings.Join(test[1:], " ") != "/server healthcheck" {
		t.Errorf("HEALTHCHECK runs %q, want the exec form of /server healthcheck", test)
	}
	entrypoint(t, final)
}
