package model

import (
	"net/url"
	"strings"
	"testing"
)

// TestPostgresDSN pins down how a PostgreSQL URL is prepared for pgdriver, channel_binding above all. It is an
// internal test because what it checks, the driver's configuration, cannot be seen from outside without a server
// of each kind.
func TestPostgresDSN(t *testing.T) {
	const neon = "postgresql://alex:s3cret@ep-cool-sun-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require"

	t.Run("NeonPooledURL", func(t *testing.T) {
		dsn, err := postgresDSN(neon)
		if err != nil {
			t.Fatal(err)
		}
		c, err := pgConnector(dsn)
		if err != nil {
			t.Fatal(err)
		}
		conf := c.Config()
		if conf.Addr != "ep-cool-sun-123456-pooler.eu-central-1.aws.neon.tech:5432" || conf.User != "alex" ||
			conf.Password != "s3cret" || conf.Database != "neondb" {
			t.Errorf("config = %s@%s/%s", conf.User, conf.Addr, conf.Database)
		}
		if _, ok := conf.ConnParams["channel_binding"]; ok {
			t.Error("channel_binding reaches the server as a session setting, which fails every connection")
		}
		// channel_binding=require: the certificate and host name are verified, and SNI names the endpoint (Neon
		// routes by it).
		tls := conf.TLSConfig
		if tls == nil || tls.InsecureSkipVerify || tls.ServerName != "ep-cool-sun-123456-pooler.eu-central-1.aws.neon.tech" {
			t.Errorf("TLS config = %+v, want verification of the Neon host", tls)
		}
	})

	for _, tc := range []struct {
		name, query, want string // want: the query pgdriver gets, or the start of the error
	}{
		{"RequireBecomesVerifyFull", "sslmode=require&channel_binding=require", "sslmode=verify-full"},
		{"VerifyCAStays", "sslmode=verify-ca&channel_binding=require", "sslmode=verify-ca"},
		{"VerifyFullStays", "channel_binding=require&sslmode=verify-full", "sslmode=verify-full"},
		{"PreferIsDropped", "sslmode=require&channel_binding=prefer", "sslmode=require"},
		{"DisableIsDropped", "sslmode=disable&channel_binding=disable", "sslmode=disable"},
		{"SystemRootsAreTheDefault", "sslmode=verify-full&sslrootcert=system", "sslmode=verify-full"},
		{"OtherParametersStay", "sslmode=disable&application_name=tasks&connect_timeout=3", "application_name=tasks&connect_timeout=3&sslmode=disable"},
		{"ErrRequireWithoutTLS", "sslmode=disable&channel_binding=require", "error: model: the database URL has channel_binding=require but sslmode=\"disable\""},
		{"ErrRequireWithoutSSLMode", "channel_binding=require", "error: model: the database URL has channel_binding=require but sslmode=\"\""},
		{"ErrRequireWithPrefer", "sslmode=prefer&channel_binding=require", "error: model: the database URL has channel_binding=require but sslmode=\"prefer\""},
		{"NeonEndpointOptionIsDropped", "sslmode=require&options=endpoint%3Dep-cool-sun-123456", "sslmode=require"},
		{"NeonEndpointOptionWithDashC", "sslmode=require&options=-c%20endpoint%3Dep-cool-sun-123456", "sslmode=require"},
		{"PgdriverTimeoutsStay", "sslmode=disable&dial_timeout=2s&read_timeout=5s&write_timeout=5s", "dial_timeout=2s&read_timeout=5s&sslmode=disable&write_timeout=5s"},
		{"ErrSessionSetting", "sslmode=disable&statement_timeout=1234", "error: model: the database URL has the parameter(s) statement_timeout,"},
		{"ErrSeveralUnknown", "search_path=x&sslmode=disable&target_session_attrs=any", "error: model: the database URL has the parameter(s) search_path, target_session_attrs,"},
		{"ErrOtherOptions", "sslmode=disable&options=-c%20statement_timeout%3D5", "error: model: the database URL has options=\"-c statement_timeout=5\""},
		{"ErrUnknownChannelBinding", "sslmode=require&channel_binding=always", "error: model: the database URL has channel_binding=\"always\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn, err := postgresDSN("postgres://u:s3cret@db.example.com:6543/tasks?" + tc.query)
			if strings.HasPrefix(tc.want, "error: ") {
				if err == nil || !strings.HasPrefix(err.Error(), strings.TrimPrefix(tc.want, "error: ")) {
					t.Fatalf("error = %v, want %s", err, tc.want)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q repeats the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(dsn)
			if u.RawQuery != tc.want || u.Host != "db.example.com:6543" || u.Path != "/tasks" {
				t.Errorf("dsn = %s, want query %s", dsn, tc.want)
			}
			if _, err := pgConnector(dsn); err != nil {
				t.Errorf("pgdriver refuses %s: %v", dsn, err)
			}
		})
	}
}

// TestPgConnectorPanics checks that a URL pgdriver cannot use is an error, where pgdriver would panic.
func TestPgConnectorPanics(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:s3cret@db.example.com/tasks?sslmode=verify-full&sslrootcert=%2Fno%2Fsuch%2Fca.pem",
		"postgres://u:s3cret@db.example.com/tasks?sslmode=sometimes",
		"postgres://:s3cret@db.example.com/tasks",
	} {
		if _, err := pgConnector(dsn); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("pgConnector(%s) = %v, want an error without the password", dsn, err)
		}
	}
}
