package deploy

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	helmlint "helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

const chartDir = "helm/taskapi"

// rendered is one object the chart rendered, decoded strictly into its Kubernetes API type.
type rendered struct {
	template string // e.g. deployment.yaml
	kind     string
	obj      any
}

// release is what the chart rendered for one set of values.
type release struct {
	objects []rendered
	raw     map[string]string // template file name -> rendered text, empty ones left out
}

func (r release) find(kind string) any {
	for _, o := range r.objects {
		if o.kind == kind {
			return o.obj
		}
	}
	return nil
}

func (r release) deployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	d, ok := r.find("Deployment").(*appsv1.Deployment)
	if !ok {
		t.Fatal("no Deployment rendered")
	}
	return d
}

func (r release) container(t *testing.T) corev1.Container {
	t.Helper()
	cs := r.deployment(t).Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("want one container, got %d", len(cs))
	}
	return cs[0]
}

// newObject maps every kind the chart may render to its API type; any other kind fails the test.
func newObject(apiVersion, kind string) (any, bool) {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}, true
	case "v1 Service":
		return &corev1.Service{}, true
	case "v1 ServiceAccount":
		return &corev1.ServiceAccount{}, true
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, true
	case "networking.k8s.io/v1 NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, true
	case "networking.k8s.io/v1 Ingress":
		return &networkingv1.Ingress{}, true
	case "monitoring.coreos.com/v1 ServiceMonitor":
		return &monitoringv1.ServiceMonitor{}, true
	}
	return nil, false
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	c, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// render does what helm template does with the release name taskapi: the values coalesced with the chart's
// defaults, checked against values.schema.json, then the templates rendered. The error is the schema's or a
// template's (fail).
func render(t *testing.T, values map[string]any) (release, error) {
	t.Helper()
	c := loadChart(t)
	vals, err := chartutil.CoalesceValues(c, values)
	if err != nil {
		return release{}, err
	}
	opts := common.ReleaseOptions{Name: "taskapi", Namespace: "default", IsInstall: true}
	top, err := chartutil.ToRenderValuesWithSchemaValidation(c, vals, opts, common.DefaultCapabilities, false)
	if err != nil {
		return release{}, err
	}
	out, err := engine.Render(c, top)
	if err != nil {
		return release{}, err
	}
	r := release{raw: map[string]string{}}
	for _, name := range slices.Sorted(maps.Keys(out)) {
		base := path.Base(name)
		if base == "NOTES.txt" || strings.TrimSpace(out[name]) == "" {
			continue
		}
		r.raw[base] = out[name]
		docs := regexp.MustCompile(`(?m)^---\s*$`).Split(out[name], -1)
		if n := len(slices.DeleteFunc(docs, func(d string) bool { return strings.TrimSpace(d) == "" })); n != 1 {
			t.Errorf("%s renders %d objects: want one per template", base, n)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(out[name]), &meta); err != nil {
			t.Fatalf("%s: %v\n%s", base, err, out[name])
		}
		obj, ok := newObject(meta.APIVersion, meta.Kind)
		if !ok {
			t.Fatalf("%s: unexpected %s %s", base, meta.APIVersion, meta.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(out[name]), obj); err != nil {
			t.Errorf("%s does not decode strictly into %s: %v\n%s", base, meta.Kind, err, out[name])
		}
		r.objects = append(r.objects, rendered{template: base, kind: meta.Kind, obj: obj})
	}
	return r, nil
}

func mustRender(t *testing.T, values map[string]any) release {
	t.Helper()
	r, err := render(t, values)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// values reads YAML as helm --values would.
func values(t *testing.T, text string) map[string]any {
	t.Helper()
	v, err := loader.LoadValues(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// options switch on each of the chart's options, one at a time; "everything" switches on all at once.
var options = map[string]string{
	"autoscaling": `
autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 12, behavior: {scaleDown: {stabilizationWindowSeconds: 300}}}`,
	"ingress": `
ingress:
  enabled: true
  className: nginx
  annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"}
  hosts: [{host: api.example.com, paths: [{path: /, pathType: Prefix}]}]
  tls: [{secretName: api-example-com-tls, hosts: [api.example.com]}]`,
	"serviceMonitor": `
serviceMonitor: {enabled: true, interval: 15s, scrapeTimeout: 10s, labels: {release: kube-prometheus-stack}}`,
	"networkPolicyRestricted": `
networkPolicy:
  ingressFrom:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
  egress:
    enabled: true
    rules:
      - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
        ports: [{port: 5432, protocol: TCP}]
      - ports: [{port: 443, protocol: TCP}]`,
	"kafka": `
config:
  KAFKA_BROKERS: b0.kafka.example.com:9092,b1.kafka.example.com:9092
  KAFKA_TOPIC_TASKS: taskapi.task-events
  KAFKA_TOPIC_REMINDERS: taskapi.reminders
  KAFKA_TLS: true
  KAFKA_SASL_MECHANISM: SCRAM-SHA-512
  KAFKA_SASL_USERNAME: taskapi`,
	"webhooksAndSettings": `
config:
  WEBHOOK_URL: https://hooks.example.com/taskapi
  WEBHOOK_EVENTS: task.created,task.updated,task.deleted,reminder.due
  WEBHOOK_RETRY_SCHEDULE: 5s,1m,10m
  READ_CACHE_BYTES: 16777216
  RATE_LIMIT_RPS: 2.5
  MAX_BATCH_SIZE: 20
  INTROSPECTION: false
  OPERATION_TIMEOUT: 3s
  TRUSTED_PROXIES: 10.0.0.0/8,fd00::/8
  CORS_ORIGINS: https://app.example.com
extraEnv:
  - name: OTEL_EXPORTER_OTLP_HEADERS
    valueFrom: {secretKeyRef: {name: otel, key: headers}}
extraEnvFrom:
  - configMapRef: {name: taskapi-extra}`,
	"existingServiceAccountAndSecret": `
existingSecret: taskapi-prod
serviceAccount: {create: false, name: taskapi-runner}`,
	"imageDigestAndScheduling": `
image: {repository: registry.example.com/team/taskapi, digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", pullPolicy: Always}
imagePullSecrets: [{name: registry}]
podAnnotations: {example.com/team: tasks}
podLabels: {team: tasks}
priorityClassName: high
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Equal, value: api, effect: NoSchedule}]
topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app.kubernetes.io/name: taskapi}}}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app.kubernetes.io/name: taskapi}}}`,
	"pdbMaxUnavailable": `
replicaCount: 1
podDisruptionBudget: {maxUnavailable: 1}`,
	"everythingOff": `
podDisruptionBudget: {enabled: false}
networkPolicy: {enabled: false}
serviceAccount: {create: false}`,
}

// everything merges every option but everythingOff.
func everything(t *testing.T) map[string]any {
	all := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(options)) {
		if name != "everythingOff" && name != "pdbMaxUnavailable" {
			all = loader.MergeMaps(all, values(t, options[name]))
		}
	}
	return all
}

func lintMessages(t *testing.T, vals map[string]any) []support.Message {
	t.Helper()
	var bad []support.Message
	for _, m := range helmlint.RunAll(chartDir, vals, "default").Messages {
		if m.Severity >= support.WarningSev {
			bad = append(bad, m)
		}
	}
	return bad
}

// TestChartLint runs helm lint's rules (Chart.yaml, values against the schema, templates rendered and parsed) with
// the default values, each option and all of them.
func TestChartLint(t *testing.T) {
	cases := map[string]map[string]any{"defaults": nil, "everything": everything(t)}
	for name, text := range options {
		cases[name] = values(t, text)
	}
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		t.Run(name, func(t *testing.T) {
			for _, m := range lintMessages(t, cases[name]) {
				t.Error(m.Error())
			}
		})
	}
}

// TestChartRenders renders the chart with the default values, each option and all of them, decodes every object
// strictly into its API type (in render), and checks that the objects fit together.
func TestChartRenders(t *testing.T) {
	cases := map[string]map[string]any{"defaults": nil, "everything": everything(t)}
	for name, text := range options {
		cases[name] = values(t, text)
	}
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		t.Run(name, func(t *testing.T) {
			r := mustRender(t, cases[name])
			checkRelease(t, r)
		})
	}

	t.Run("defaults", func(t *testing.T) {
		r := mustRender(t, nil)
		got := map[string]bool{}
		for _, o := range r.objects {
			got[o.kind] = true
		}
		for _, kind := range []string{"Deployment", "Service", "ServiceAccount", "PodDisruptionBudget", "NetworkPolicy"} {
			if !got[kind] {
				t.Errorf("no %s by default", kind)
			}
		}
		for _, kind := range []string{"HorizontalPodAutoscaler", "Ingress", "ServiceMonitor"} {
			if got[kind] {
				t.Errorf("a %s by default: it is an option", kind)
			}
		}
		c := r.container(t)
		if c.Image != "taskapi:"+loadChart(t).Metadata.AppVersion {
			t.Errorf("image %q: want the chart's appVersion as the tag", c.Image)
		}
		for _, name := range []string{"KAFKA_BROKERS", "KAFKA_SASL_PASSWORD", "WEBHOOK_URL", "LOG_LEVEL"} {
			if _, ok := envVar(c, name); ok {
				t.Errorf("%s is set by default: unset settings must take the server's own default", name)
			}
		}
		np := r.find("NetworkPolicy").(*networkingv1.NetworkPolicy)
		if slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
			t.Error("egress is restricted by default: the database and the token issuer are wherever the user runs them")
		}
	})

	t.Run("autoscaling", func(t *testing.T) {
		r := mustRender(t, values(t, options["autoscaling"]))
		if r.deployment(t).Spec.Replicas != nil {
			t.Error("with the autoscaler on, the Deployment sets replicas: every upgrade would reset the autoscaler's count")
		}
		hpa := r.find("HorizontalPodAutoscaler").(*autoscalingv2.HorizontalPodAutoscaler)
		if *hpa.Spec.MinReplicas != 3 || hpa.Spec.MaxReplicas != 12 || hpa.Spec.Behavior == nil {
			t.Errorf("autoscaler %+v: want 3 to 12 with the behavior given", hpa.Spec)
		}
	})

	t.Run("kafka", func(t *testing.T) {
		c := mustRender(t, values(t, options["kafka"])).container(t)
		for name, want := range map[string]string{
			"KAFKA_BROKERS": "b0.kafka.example.com:9092,b1.kafka.example.com:9092", "KAFKA_TLS": "true",
			"KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": "taskapi", "KAFKA_TOPIC_TASKS": "taskapi.task-events",
		} {
			if e, _ := envVar(c, name); e.Value != want {
				t.Errorf("%s=%q, want %q", name, e.Value, want)
			}
		}
		e, _ := envVar(c, "KAFKA_SASL_PASSWORD")
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Key != "kafka-sasl-password" || e.ValueFrom.SecretKeyRef.Optional != nil {
			t.Errorf("KAFKA_SASL_PASSWORD must come from the Secret's kafka-sasl-password, required: %+v", e)
		}
	})

	t.Run("numbersAsWritten", func(t *testing.T) {
		c := mustRender(t, values(t, options["webhooksAndSettings"])).container(t)
		for name, want := range map[string]string{"READ_CACHE_BYTES": "16777216", "RATE_LIMIT_RPS": "2.5", "MAX_BATCH_SIZE": "20", "INTROSPECTION": "false"} {
			if e, _ := envVar(c, name); e.Value != want {
				t.Errorf("%s=%q, want %q", name, e.Value, want)
			}
		}
	})

	t.Run("existingSecret", func(t *testing.T) {
		r := mustRender(t, values(t, options["existingServiceAccountAndSecret"]))
		c := r.container(t)
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name != "taskapi-prod" {
				t.Errorf("%s comes from Secret %q, want existingSecret taskapi-prod", e.Name, e.ValueFrom.SecretKeyRef.Name)
			}
		}
		if r.find("ServiceAccount") != nil || r.deployment(t).Spec.Template.Spec.ServiceAccountName != "taskapi-runner" {
			t.Error("serviceAccount.create false with a name: use that account, create none")
		}
	})

	t.Run("imageDigest", func(t *testing.T) {
		c := mustRender(t, values(t, options["imageDigestAndScheduling"])).container(t)
		if !strings.HasSuffix(c.Image, "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") {
			t.Errorf("image %q: want it by digest", c.Image)
		}
	})
}

// checkRelease checks what holds for every set of values: selectors match the pods, references name what was
// rendered, the pod is hardened and its secrets come from the Secret.
func checkRelease(t *testing.T, r release) {
	t.Helper()
	d := r.deployment(t)
	pod := d.Spec.Template
	podLabels := labels.Set(pod.Labels)
	matches := func(what string, sel *metav1.LabelSelector) {
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil || sel == nil || s.Empty() || !s.Matches(podLabels) {
			t.Errorf("%s's selector does not match the pods: %v", what, err)
		}
	}
	matches("the Deployment", d.Spec.Selector)
	svc, _ := r.find("Service").(*corev1.Service)
	if svc == nil || len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
		t.Error("the Service's selector does not match the pods")
	}
	c := r.container(t)
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("the Service must target the container's one port, http: %+v", c.Ports)
	}
	if e, _ := envVar(c, "PORT"); e.Value != fmt.Sprint(c.Ports[0].ContainerPort) {
		t.Errorf("PORT=%q, the container port is %d", e.Value, c.Ports[0].ContainerPort)
	}
	for _, o := range r.objects {
		if o.obj.(metav1.Object).GetName() != d.Name && o.kind != "ServiceAccount" {
			t.Errorf("%s is named %q, the Deployment %q", o.kind, o.obj.(metav1.Object).GetName(), d.Name)
		}
		if ns := o.obj.(metav1.Object).GetNamespace(); ns != "" {
			t.Errorf("%s sets namespace %q: helm --namespace decides", o.kind, ns)
		}
	}
	if pdb, ok := r.find("PodDisruptionBudget").(*policyv1.PodDisruptionBudget); ok {
		matches("the PodDisruptionBudget", pdb.Spec.Selector)
	}
	if np, ok := r.find("NetworkPolicy").(*networkingv1.NetworkPolicy); ok {
		matches("the NetworkPolicy", &np.Spec.PodSelector)
		if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].Ports) != 1 || np.Spec.Ingress[0].Ports[0].Port.String() != "http" {
			t.Errorf("the NetworkPolicy must open the http port: %+v", np.Spec.Ingress)
		}
	}
	if hpa, ok := r.find("HorizontalPodAutoscaler").(*autoscalingv2.HorizontalPodAutoscaler); ok {
		if ref := hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
			t.Errorf("the autoscaler scales %+v, not the Deployment", ref)
		}
	}
	if ing, ok := r.find("Ingress").(*networkingv1.Ingress); ok {
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				if b := p.Backend.Service; b == nil || b.Name != svc.Name || b.Port.Name != svc.Spec.Ports[0].Name {
					t.Errorf("Ingress path %s goes to %+v, not the Service's http port", p.Path, b)
				}
			}
		}
	}
	if sm, ok := r.find("ServiceMonitor").(*monitoringv1.ServiceMonitor); ok {
		s, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
		if err != nil || !s.Matches(labels.Set(svc.Labels)) {
			t.Errorf("the ServiceMonitor does not select the Service: %v", err)
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "http" || sm.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("the ServiceMonitor must scrape /metrics on port http: %+v", sm.Spec.Endpoints)
		}
	}
	spec := pod.Spec
	if name := spec.ServiceAccountName; name != "" {
		if sa, ok := r.find("ServiceAccount").(*corev1.ServiceAccount); ok && sa.Name != name {
			t.Errorf("the pods run as %q, the chart creates %q", name, sa.Name)
		}
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Error("the pods mount a Kubernetes API token the server never uses")
	}
	sc, csc := spec.SecurityContext, c.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != dockerfileUID(t) {
		t.Errorf("pod security context %+v: want runAsNonRoot and the image's user %d", sc, dockerfileUID(t))
	}
	if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		t.Errorf("container security context %+v: want a read-only root filesystem and no privilege escalation", csc)
	}
	e, ok := envVar(c, "DATABASE_URL")
	if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Optional != nil {
		t.Errorf("DATABASE_URL must come from the Secret, not optional: %+v", e)
	}
	for _, name := range secretSettings {
		if e, ok := envVar(c, name); ok && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("%s must come from the Secret: %+v", name, e)
		}
	}
}

// secretSettings are the settings that only the Secret may carry.
var secretSettings = []string{"DATABASE_URL", "DATABASE_LISTEN_URL", "BETTER_AUTH_URL", "BETTER_AUTH_SECRET",
	"JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "WEBHOOK_SECRET", "KAFKA_SASL_PASSWORD"}

// TestChartSchemaRejects: a wrong value fails helm lint (and so install and upgrade) with a message naming it.
func TestChartSchemaRejects(t *testing.T) {
	for name, c := range map[string]struct{ values, want string }{
		"ReplicasNotANumber":      {`replicaCount: two`, "replicaCount"},
		"UnknownTopLevelKey":      {`replicas: 3`, "replicas"},
		"MisspeltSetting":         {`config: {LOG_LEVLE: debug}`, "LOG_LEVLE"},
		"SecretInValues":          {`config: {DATABASE_URL: "postgres://u:p@db/tasks"}`, "DATABASE_URL"},
		"LogLevel":                {`config: {LOG_LEVEL: verbose}`, "LOG_LEVEL"},
		"Duration":                {`config: {SHUTDOWN_GRACE: 5 seconds}`, "SHUTDOWN_GRACE"},
		"WholeNumber":             {`config: {DB_MAX_OPEN_CONNS: lots}`, "DB_MAX_OPEN_CONNS"},
		"OutOfRange":              {`config: {MAX_BATCH_SIZE: 1000}`, "MAX_BATCH_SIZE"},
		"Boolean":                 {`config: {MIGRATE_ON_START: "yes"}`, "MIGRATE_ON_START"},
		"WebhookEvent":            {`config: {WEBHOOK_EVENTS: task.moved}`, "WEBHOOK_EVENTS"},
		"KafkaMechanism":          {`config: {KAFKA_BROKERS: "k:9092", KAFKA_SASL_USERNAME: u, KAFKA_SASL_MECHANISM: SCRAM-SHA-1}`, "KAFKA_SASL_MECHANISM"},
		"KafkaSASLWithoutUser":    {`config: {KAFKA_BROKERS: "k:9092", KAFKA_SASL_MECHANISM: PLAIN}`, "KAFKA_SASL_USERNAME"},
		"KafkaBrokersWithoutPort": {`config: {KAFKA_BROKERS: kafka.example.com}`, "KAFKA_BROKERS"},
		"KafkaPlainWithoutTLS":    {`config: {KAFKA_BROKERS: "k:9092", KAFKA_SASL_USERNAME: u, KAFKA_SASL_MECHANISM: PLAIN}`, "KAFKA_TLS"},
		"PullPolicy":              {`image: {pullPolicy: Sometimes}`, "pullPolicy"},
		"Digest":                  {`image: {digest: latest}`, "digest"},
		"ServiceType":             {`service: {type: External}`, "type"},
		"ProbeField":              {`probes: {readiness: {periodSecond: 5}}`, "periodSecond"},
		"AutoscalingTarget":       {`autoscaling: {targetCPUUtilizationPercentage: 150}`, "targetCPUUtilizationPercentage"},
		"PDBPercent":              {`podDisruptionBudget: {minAvailable: half}`, "minAvailable"},
		"IngressPathType":         {`ingress: {enabled: true, hosts: [{host: a.example.com, paths: [{path: /, pathType: Glob}]}]}`, "pathType"},
		"SecretName":              {`existingSecret: My_Secret`, "existingSecret"},
	} {
		t.Run(name, func(t *testing.T) {
			msgs := lintMessages(t, values(t, c.values))
			var text []string
			for _, m := range msgs {
				if m.Severity == support.ErrorSev {
					text = append(text, m.Error())
				}
			}
			if len(text) == 0 {
				t.Fatalf("helm lint accepted %s", c.values)
			}
			if all := strings.Join(text, "\n"); !strings.Contains(all, c.want) {
				t.Errorf("helm lint refused %s without naming %s:\n%s", c.values, c.want, all)
			}
		})
	}
}

// TestChartTemplateRefuses: combinations the schema cannot see stop the rendering with a message.
func TestChartTemplateRefuses(t *testing.T) {
	for name, c := range map[string]struct{ values, want string }{
		"PDBBlocksDrains":           {`replicaCount: 1`, "podDisruptionBudget.minAvailable (1) must be below the replicas (1)"},
		"PDBBlocksDrainsAutoscaled": {`autoscaling: {enabled: true, minReplicas: 2}` + "\npodDisruptionBudget: {minAvailable: 2}", "must be below the replicas (2)"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := render(t, values(t, c.values))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
}

// TestChartCoversSettings: every setting the server reads is a value of the chart (or comes from the Secret, or is
// fixed by it), and every setting the chart passes is one the server reads, so that none is silently ignored.
func TestChartCoversSettings(t *testing.T) {
	server := serverSettings(t)
	chartValues := map[string]bool{}
	for name := range loadChart(t).Values["config"].(map[string]any) {
		chartValues[name] = true
	}
	fixed := map[string]string{
		"HOST":                       "the chart sets 0.0.0.0",
		"PORT":                       "the chart sets the container's port",
		"DATA_DIR":                   "the embedded database's directory: the chart runs on PostgreSQL only",
		"PERSISTED_QUERY_CACHE_SIZE": "replaced by PERSISTED_QUERY_CACHE_BYTES; the server refuses it",
		"DB_STATEMENT_TIMEOUT":       "the former name of OPERATION_TIMEOUT",
	}
	for _, name := range secretSettings {
		fixed[name] = "from existingSecret"
	}
	// Settings of server versions still to come: the chart passes them only when set.
	ahead := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(server)) {
		if !chartValues[name] && fixed[name] == "" {
			t.Errorf("cmd/server reads %s, which the chart does not offer: add it to config in values.yaml and values.schema.json", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(chartValues)) {
		if !server[name] && !ahead[name] {
			t.Errorf("config.%s is not a setting cmd/server reads", name)
		}
	}
	var schema struct {
		Properties struct {
			Config struct {
				Properties map[string]any `json:"properties"`
			} `json:"config"`
		} `json:"properties"`
	}
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(maps.Keys(schema.Properties.Config.Properties)), slices.Sorted(maps.Keys(chartValues)); !slices.Equal(got, want) {
		t.Errorf("values.schema.json describes config %q, values.yaml lists %q", got, want)
	}
}

// serverSettings are the environment variables cmd/server reads, from its source.
func serverSettings(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../cmd/server/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cmd/server sources: %v", err)
	}
	read := regexp.MustCompile(`\b(?:str|boolean|integer|decimal|duration|getenv)\("([A-Z][A-Z0-9_]+)"`)
	out := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range read.FindAllSubmatch(raw, -1) {
			out[string(m[1])] = true
		}
	}
	if !out["DATABASE_URL"] || !out["GOMEMLIMIT"] {
		t.Fatalf("reading the settings out of cmd/server found only %v", slices.Sorted(maps.Keys(out)))
	}
	return out
}
