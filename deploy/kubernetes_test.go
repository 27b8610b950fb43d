package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// manifests are the objects in kubernetes/, each decoded strictly into the Kubernetes API's own Go types: an
// unknown or misspelt field, a wrong type or a second document in a file fails, as the API server would refuse it.
type manifests struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	pdb        *policyv1.PodDisruptionBudget
	files      []string
}

func loadManifests(t *testing.T, dir string) manifests {
	t.Helper()
	var m manifests
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		m.files = append(m.files, filepath.Base(file))
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`(?m)^---`).Match(raw) {
			t.Errorf("%s: one object per file", file)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(raw, &meta); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var obj any
		switch meta.APIVersion + " " + meta.Kind {
		case "apps/v1 Deployment":
			m.deployment = &appsv1.Deployment{}
			obj = m.deployment
		case "v1 Service":
			m.service = &corev1.Service{}
			obj = m.service
		case "policy/v1 PodDisruptionBudget":
			m.pdb = &policyv1.PodDisruptionBudget{}
			obj = m.pdb
		default:
			if o, ok := newObject(meta.APIVersion, meta.Kind); ok {
				obj = o // checked against the rest of the chart's rendering in TestChartRenders
				break
			}
			t.Fatalf("%s: unexpected %s %s", file, meta.APIVersion, meta.Kind)
		}
		if err := yaml.UnmarshalStrict(raw, obj); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
	if m.deployment == nil || m.service == nil || m.pdb == nil {
		t.Fatalf("want a Deployment, a Service and a PodDisruptionBudget in %s", dir)
	}
	return m
}

// container returns the Deployment's server container.
func (m manifests) container(t *testing.T) corev1.Container {
	t.Helper()
	cs := m.deployment.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("want one container, got %d", len(cs))
	}
	return cs[0]
}

func envVar(c corev1.Container, name string) (corev1.EnvVar, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

// durationEnv is a duration setting the Deployment sets explicitly, so that the figures checked below do not
// depend on defaults that may move.
func durationEnv(t *testing.T, c corev1.Container, name string) time.Duration {
	t.Helper()
	e, ok := envVar(c, name)
	if !ok {
		t.Fatalf("the Deployment does not set %s", name)
	}
	d, err := time.ParseDuration(e.Value)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, e.Value, err)
	}
	return d
}

func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t, "kubernetes")
	d := m.deployment
	c := m.container(t)
	pod := d.Spec.Template.Spec

	t.Run("Kustomization", func(t *testing.T) {
		var k struct {
			APIVersion string   `json:"apiVersion"`
			Kind       string   `json:"kind"`
			Resources  []string `json:"resources"`
		}
		raw, err := os.ReadFile("kubernetes/kustomization.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.UnmarshalStrict(raw, &k); err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(slices.Values(k.Resources))
		if k.Kind != "Kustomization" || !slices.Equal(got, m.files) {
			t.Errorf("kustomization lists %q, the directory holds %q", got, m.files)
		}
	})

	t.Run("Selectors", func(t *testing.T) {
		podLabels := labels.Set(d.Spec.Template.Labels)
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || !sel.Matches(podLabels) {
			t.Errorf("the Deployment's selector does not match its pods: %v", err)
		}
		if !labels.SelectorFromSet(m.service.Spec.Selector).Matches(podLabels) || len(m.service.Spec.Selector) == 0 {
			t.Error("the Service's selector does not match the pods")
		}
		if sel, err := metav1.LabelSelectorAsSelector(m.pdb.Spec.Selector); err != nil || !sel.Matches(podLabels) {
			t.Errorf("the PodDisruptionBudget's selector does not match the pods: %v", err)
		}
		ports := map[string]int32{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		for _, p := range m.service.Spec.Ports {
			if _, ok := ports[p.TargetPort.String()]; !ok && int(p.TargetPort.IntVal) == 0 {
				t.Errorf("Service port %s targets %s, which the container does not name", p.Name, p.TargetPort.String())
			}
		}
		if port, ok := envVar(c, "PORT"); !ok || port.Value != strconv.Itoa(int(ports["http"])) {
			t.Errorf("PORT=%q, the container port is %d", port.Value, ports["http"])
		}
	})

	t.Run("Probes", func(t *testing.T) {
		for name, want := range map[string]struct {
			probe *corev1.Probe
			path  string
		}{"startup": {c.StartupProbe, "/healthz"}, "liveness": {c.LivenessProbe, "/healthz"}, "readiness": {c.ReadinessProbe, "/readyz"}} {
			if want.probe == nil || want.probe.HTTPGet == nil || want.probe.HTTPGet.Path != want.path || want.probe.HTTPGet.Port.String() != "http" {
				t.Errorf("%s probe %+v: want GET %s on port http", name, want.probe, want.path)
			}
		}
		// The readiness probe must take the pod out while SHUTDOWN_GRACE still serves everything.
		grace := durationEnv(t, c, "SHUTDOWN_GRACE")
		r := c.ReadinessProbe
		if noticed := time.Duration(r.PeriodSeconds*r.FailureThreshold) * time.Second; noticed > grace {
			t.Errorf("readiness notices a shutdown after %s, past SHUTDOWN_GRACE=%s", noticed, grace)
		}
		// The server listens once the database answers (it retries for about 30 s) and migrations are applied.
		if s := c.StartupProbe; time.Duration(s.PeriodSeconds*s.FailureThreshold)*time.Second < time.Minute {
			t.Errorf("the startup probe gives up after %ds: want at least a minute", s.PeriodSeconds*s.FailureThreshold)
		}
	})

	t.Run("GracePeriodMatchesShutdown", func(t *testing.T) {
		grace, timeout := durationEnv(t, c, "SHUTDOWN_GRACE"), durationEnv(t, c, "SHUTDOWN_TIMEOUT")
		if pod.TerminationGracePeriodSeconds == nil {
			t.Fatal("no terminationGracePeriodSeconds")
		}
		got := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
		// A few seconds on top for closing the pool and flushing traces; not much more, or a stuck pod lingers.
		if got < grace+timeout+3*time.Second || got > grace+timeout+15*time.Second {
			t.Errorf("terminationGracePeriodSeconds %s: want SHUTDOWN_GRACE %s + SHUTDOWN_TIMEOUT %s + a few seconds", got, grace, timeout)
		}
		for _, hook := range []*corev1.Lifecycle{c.Lifecycle} {
			if hook != nil && hook.PreStop != nil {
				t.Error("a preStop hook delays SIGTERM beyond what the grace period allows for; the server drains itself (SHUTDOWN_GRACE)")
			}
		}
	})

	t.Run("Secrets", func(t *testing.T) {
		for _, name := range []string{"DATABASE_URL", "BETTER_AUTH_SECRET", "BETTER_AUTH_URL"} {
			e, ok := envVar(c, name)
			if !ok || e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name == "" {
				t.Errorf("%s must come from a Secret: %+v", name, e)
			}
		}
		if e, _ := envVar(c, "DATABASE_URL"); e.ValueFrom.SecretKeyRef.Optional != nil && *e.ValueFrom.SecretKeyRef.Optional {
			t.Error("DATABASE_URL is optional: without it the pod would start on an embedded database inside the container")
		}
		for _, e := range c.Env {
			if !knownSetting(t, e.Name) {
				t.Errorf("env %s is not a setting docs/configuration.md lists", e.Name)
			}
		}
	})

	t.Run("ResourcesMatchMeasuredMemory", func(t *testing.T) {
		peak := measuredPeakRSS(t)
		req := c.Resources.Requests[corev1.ResourceMemory]
		limit := c.Resources.Limits[corev1.ResourceMemory]
		if req.Value() < peak || req.Value() > 2*peak {
			t.Errorf("memory request %s: want between the measured peak RSS (%d MiB) and twice that", req.String(), peak>>20)
		}
		if limit.Cmp(req) <= 0 {
			t.Errorf("memory limit %s must exceed the request %s", limit.String(), req.String())
		}
		if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
			t.Error("no CPU request")
		}
		e, ok := envVar(c, "GOMEMLIMIT")
		if !ok {
			t.Fatal("no GOMEMLIMIT: the Go runtime would not know the limit")
		}
		soft, err := resource.ParseQuantity(strings.TrimSuffix(strings.TrimSuffix(e.Value, "B"), "i") + "i")
		if err != nil || soft.Cmp(req) < 0 || soft.Cmp(limit) >= 0 {
			t.Errorf("GOMEMLIMIT=%s: want between the request %s and the limit %s", e.Value, req.String(), limit.String())
		}
	})

	t.Run("Hardened", func(t *testing.T) {
		sc := pod.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != dockerfileUID(t) {
			t.Errorf("pod security context %+v: want runAsNonRoot and the image's user %d", sc, dockerfileUID(t))
		}
		csc := c.SecurityContext
		if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
			t.Errorf("container security context %+v", csc)
		}
		if d.Spec.Replicas == nil || m.pdb.Spec.MinAvailable == nil || int32(m.pdb.Spec.MinAvailable.IntValue()) >= *d.Spec.Replicas {
			t.Error("the PodDisruptionBudget must leave room to evict a pod (minAvailable below replicas)")
		}
	})
}

// TestManifestDecodingIsAlive: a misspelt field fails the strict decoding TestKubernetesManifests relies on.
func TestManifestDecodingIsAlive(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("kubernetes/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(raw), "readinessProbe:", "readynessProbe:", 1)
	if bad == string(raw) {
		t.Fatal("no readinessProbe to misspell")
	}
	writeFile(t, filepath.Join(dir, "deployment.yaml"), bad)
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict([]byte(bad), &d); err == nil || !strings.Contains(err.Error(), "readynessProbe") {
		t.Errorf("a misspelt field was accepted: %v", err)
	}
	wrongType := strings.Replace(string(raw), "replicas: 2", "replicas: two", 1)
	if err := yaml.UnmarshalStrict([]byte(wrongType), &d); err == nil {
		t.Error("replicas: two was accepted")
	}
}

// measuredPeakRSS reads the server's peak RSS from the benchmark report, in bytes.
func measuredPeakRSS(t *testing.T) int64 {
	t.Helper()
	raw, err := os.ReadFile("../bench/results/REPORT.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmHWM ([0-9.]+) MiB`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("no peak RSS (VmHWM … MiB) in bench/results/REPORT.md")
	}
	mib, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return int64(mib * (1 << 20))
}

// dockerfileUID is the numeric user the image runs as.
func dockerfileUID(t *testing.T) int64 {
	t.Helper()
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^USER (\d+)`).FindAllSubmatch(raw, -1)
	if m == nil {
		t.Fatal("no numeric USER in the Dockerfile")
	}
	uid, _ := strconv.ParseInt(string(m[len(m)-1][1]), 10, 64)
	return uid
}

// knownSetting reports whether name is one of the server's settings, a name in the first column of a table headed
// Variable in docs/configuration.md (which the server's TestConfigurationDoc holds to what it reads), or a Go
// runtime variable; a misspelt setting would be silently ignored by the server.
func knownSetting(t *testing.T, name string) bool {
	t.Helper()
	if name == "GOMEMLIMIT" || name == "GOMAXPROCS" {
		return true
	}
	raw, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile("`[A-Z][A-Z0-9_]*`")
	settings := false // inside a table headed Variable
	for _, line := range strings.Split(string(raw), "\n") {
		cells := strings.Split(strings.TrimSpace(line), "|")
		if len(cells) < 3 {
			settings = false
			continue
		}
		first := strings.TrimSpace(cells[1])
		if first == "Variable" {
			settings = true
		}
		if settings && slices.Contains(names.FindAllString(first, -1), "`"+name+"`") {
			return true
		}
	}
	return false
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func writeFile(t *testing.T, file, body string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
