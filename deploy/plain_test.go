package deploy

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite kubernetes/ from the chart's default rendering")

// TestPlainManifestsMatchChart: kubernetes/ holds what the chart renders with its default values (release name
// taskapi), one file per template. go test -run TestPlainManifestsMatchChart -update rewrites it.
func TestPlainManifestsMatchChart(t *testing.T) {
	r := mustRender(t, nil)
	want := map[string]string{}
	for name, text := range r.raw {
		want[name] = plainHeader + strings.TrimLeft(text, "\n")
	}
	want["kustomization.yaml"] = kustomization(slices.Sorted(maps.Keys(r.raw)))
	if *update {
		old, _ := filepath.Glob("kubernetes/*.yaml")
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
		for name, text := range want {
			writeFile(t, filepath.Join("kubernetes", name), text)
		}
	}
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	slices.Sort(got)
	if names := slices.Sorted(maps.Keys(want)); !slices.Equal(got, names) {
		t.Fatalf("kubernetes/ holds %q, the chart renders %q: run go test -run TestPlainManifestsMatchChart -update in deploy/", got, names)
	}
	for name, text := range want {
		raw, err := os.ReadFile(filepath.Join("kubernetes", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, []byte(text)) {
			t.Errorf("kubernetes/%s differs from the chart's rendering: run go test -run TestPlainManifestsMatchChart -update in deploy/", name)
		}
	}
}

const plainHeader = `# Rendered from the Helm chart in deploy/helm/taskapi with its default values, as
# helm template taskapi deploy/helm/taskapi renders it. Do not edit: change the chart, then run
# go test -run TestPlainManifestsMatchChart -update in deploy/.
`

func kustomization(files []string) string {
	var b strings.Builder
	b.WriteString(plainHeader)
	b.WriteString("# kubectl apply -k deploy/kubernetes, after creating the Secret taskapi (see deploy/helm/taskapi/README.md).\n")
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for _, f := range files {
		fmt.Fprintf(&b, "  - %s\n", f)
	}
	return b.String()
}
