package kafkarelay_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"taskapi/kafkarelay"
	"taskapi/model/modeltest"
	"taskapi/webhook"
)

// selfSigned makes a certificate for 127.0.0.1, made for this test run only, and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kfake"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// TestRelayOverTLSWithSASL produces to a cluster that takes only TLS connections authenticated with SASL, as
// managed Kafka does, with each mechanism the settings offer. The database plays no part here: SQLite alone.
func TestRelayOverTLSWithSASL(t *testing.T) {
	cert, pool := selfSigned(t)
	for _, mechanism := range []string{kafkarelay.ScramSHA256, kafkarelay.ScramSHA512, kafkarelay.Plain} {
		t.Run(mechanism, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, modeltest.SQLite, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}),
				kfake.EnableSASL(), kfake.Superuser(mechanism, "taskapi", "relay-test-password"))
			f.configure(kafkarelay.Config{
				Brokers: f.cluster.ListenAddrs(), TLS: true,
				TLSConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
				SASL:      kafkarelay.SASL{Mechanism: mechanism, Username: "taskapi", Password: "relay-test-password"},
			})
			// The tests' own reader signs in as the same superuser over SCRAM or PLAIN alike.
			f.consumerOptions = []kgo.Opt{kgo.DialTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}), saslOption(mechanism)}
			f.enqueue(t, "u", webhook.TaskCreated, 0)
			f.enqueue(t, "u", webhook.ReminderDue, 1)
			f.start(t, f.queue, f.relayOptions("r1"))
			f.waitIdle(t)
			f.checkDelivered(t, f.consumeAll(t))
		})
	}
}

func saslOption(mechanism string) kgo.Opt {
	a := scram.Auth{User: "taskapi", Pass: "relay-test-password"}
	switch mechanism {
	case kafkarelay.ScramSHA256:
		return kgo.SASL(a.AsSha256Mechanism())
	case kafkarelay.ScramSHA512:
		return kgo.SASL(a.AsSha512Mechanism())
	}
	return kgo.SASL(plainAuth())
}

func plainAuth() sasl.Mechanism {
	return plain.Auth{User: "taskapi", Pass: "relay-test-password"}.AsMechanism()
}
