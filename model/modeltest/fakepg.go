package modeltest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"io"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// FakePostgres is a listener on 127.0.0.1 that answers like a PostgreSQL server that refuses every connection in
// one way, for tests of how connection failures are told apart. It never runs a query.
type FakePostgres struct {
	// Addr is host:port to put into a URL.
	Addr string
	// Connections counts the connections accepted so far.
	Connections atomic.Int64
}

// NewFakePostgres answers each connection's startup message with an ErrorResponse of severity FATAL and the given
// SQLSTATE code and message (an SSLRequest is declined first, as a server without TLS would). With code "" it
// accepts TLS instead, with a self-signed certificate for 127.0.0.1 that no client trusts. It stops at the end of
// the test.
func NewFakePostgres(t testing.TB, code, message string) *FakePostgres {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	f := &FakePostgres{Addr: ln.Addr().String()}
	var cert tls.Certificate
	if code == "" {
		cert = selfSigned(t)
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			f.Connections.Add(1)
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				msg, err := readStartup(conn)
				if err != nil {
					return
				}
				if isSSLRequest(msg) {
					if code == "" {
						_, _ = conn.Write([]byte{'S'})
						_ = tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
						return
					}
					_, _ = conn.Write([]byte{'N'})
					if _, err := readStartup(conn); err != nil {
						return
					}
				}
				_, _ = conn.Write(errorResponse(code, message))
			}()
		}
	}()
	return f
}

// readStartup reads one untyped message: a length (itself included) and the body.
func readStartup(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size < 4 || size > 1<<16 {
		return nil, io.ErrUnexpectedEOF
	}
	body := make([]byte, size-4)
	_, err := io.ReadFull(r, body)
	return body, err
}

func isSSLRequest(body []byte) bool {
	return len(body) == 4 && binary.BigEndian.Uint32(body) == 80877103
}

func errorResponse(code, message string) []byte {
	var fields []byte
	for _, f := range []struct {
		k byte
		v string
	}{{'S', "FATAL"}, {'V', "FATAL"}, {'C', code}, {'M', message}} {
		fields = append(append(append(fields, f.k), f.v...), 0)
	}
	fields = append(fields, 0)
	out := []byte{'E', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], uint32(len(fields)+4))
	return append(out, fields...)
}

func selfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
