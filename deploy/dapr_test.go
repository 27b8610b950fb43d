package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The Dapr resources' shapes, as far as the example uses them: Component (dapr.io/v1alpha1) and Subscription
// (dapr.io/v2alpha1) from Dapr's CRDs. Decoding strictly into them catches a misspelt or misplaced field, which Dapr
// would ignore or refuse at load time. (Dapr's own Go types live in its runtime's module, too big to pull in here.)
type daprMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

type daprComponent struct {
	daprMeta `json:",inline"`
	Spec     struct {
		Type     string `json:"type"`
		Version  string `json:"version"`
		Metadata []struct {
			Name         string `json:"name"`
			Value        string `json:"value,omitempty"`
			SecretKeyRef *struct {
				Name string `json:"name"`
				Key  string `json:"key"`
			} `json:"secretKeyRef,omitempty"`
		} `json:"metadata"`
	} `json:"spec"`
	Auth *struct {
		SecretStore string `json:"secretStore"`
	} `json:"auth,omitempty"`
	Scopes []string `json:"scopes"`
}

type daprSubscription struct {
	daprMeta `json:",inline"`
	Spec     struct {
		PubsubName string            `json:"pubsubname"`
		Topic      string            `json:"topic"`
		Metadata   map[string]string `json:"metadata"`
		Routes     struct {
			Default string `json:"default"`
			Rules   []struct {
				Match string `json:"match"`
				Path  string `json:"path"`
			} `json:"rules,omitempty"`
		} `json:"routes"`
		DeadLetterTopic string `json:"deadLetterTopic,omitempty"`
	} `json:"spec"`
	Scopes []string `json:"scopes"`
}

// kafkaPubsubFields are the pubsub.kafka metadata fields Dapr documents (its component reference, "Spec metadata
// fields"); a name outside them would be silently ignored.
var kafkaPubsubFields = []string{"brokers", "consumerGroup", "consumerID", "clientID", "authType", "saslUsername",
	"saslPassword", "saslMechanism", "initialOffset", "maxMessageBytes", "consumeRetryInterval", "consumeRetryEnabled",
	"version", "caCert", "clientCert", "clientKey", "skipVerify", "disableTls", "heartbeatInterval", "sessionTimeout",
	"consumerGroupRebalanceStrategy", "escapeHeaders", "channelBufferSize", "consumerFetchMin", "consumerFetchDefault"}

// TestDaprExample: the files in dapr/ decode strictly, the subscriptions name the component and the server's
// default topics, and they take the server's messages as raw payloads, since those are not CloudEvent envelopes.
func TestDaprExample(t *testing.T) {
	files, err := filepath.Glob("dapr/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in dapr/: %v", err)
	}
	var component *daprComponent
	topics := map[string]daprSubscription{}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var meta daprMeta
		if err := yaml.Unmarshal(raw, &meta); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		switch meta.APIVersion + " " + meta.Kind {
		case "dapr.io/v1alpha1 Component":
			component = &daprComponent{}
			if err := yaml.UnmarshalStrict(raw, component); err != nil {
				t.Errorf("%s: %v", file, err)
			}
		case "dapr.io/v2alpha1 Subscription":
			var s daprSubscription
			if err := yaml.UnmarshalStrict(raw, &s); err != nil {
				t.Errorf("%s: %v", file, err)
			}
			topics[s.Spec.Topic] = s
		default:
			t.Fatalf("%s: unexpected %s %s", file, meta.APIVersion, meta.Kind)
		}
	}
	if component == nil || component.Spec.Type != "pubsub.kafka" || component.Spec.Version != "v1" {
		t.Fatalf("want a pubsub.kafka v1 Component, got %+v", component)
	}
	fields := map[string]string{}
	for _, m := range component.Spec.Metadata {
		if !slices.Contains(kafkaPubsubFields, m.Name) {
			t.Errorf("component metadata %q is not a pubsub.kafka field", m.Name)
		}
		if m.Name == "saslPassword" && m.SecretKeyRef == nil {
			t.Error("saslPassword must come from a secret, not the file")
		}
		fields[m.Name] = m.Value
	}
	if fields["brokers"] == "" || fields["authType"] == "" {
		t.Error("the component needs brokers and authType")
	}
	if !strings.Contains(fields["consumerGroup"], "{appID}") {
		t.Errorf("consumerGroup %q: each app needs a group of its own to get every event", fields["consumerGroup"])
	}
	// The server's default topics (KAFKA_TOPIC_TASKS, KAFKA_TOPIC_REMINDERS).
	for _, topic := range []string{"task-events", "reminders"} {
		s, ok := topics[topic]
		if !ok {
			t.Errorf("no subscription to %s", topic)
			continue
		}
		if s.Spec.PubsubName != component.Metadata.Name {
			t.Errorf("subscription to %s uses pubsub %q, the component is %q", topic, s.Spec.PubsubName, component.Metadata.Name)
		}
		if s.Spec.Metadata["rawPayload"] != "true" {
			t.Errorf("subscription to %s: the server's messages are not CloudEvent envelopes; want rawPayload \"true\"", topic)
		}
		if !strings.HasPrefix(s.Spec.Routes.Default, "/") {
			t.Errorf("subscription to %s: default route %q", topic, s.Spec.Routes.Default)
		}
		if !slices.Equal(s.Scopes, component.Scopes) {
			t.Errorf("subscription to %s is scoped to %q, the component to %q", topic, s.Scopes, component.Scopes)
		}
	}
}
