package deploy

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
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
