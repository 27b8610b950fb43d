package model_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"taskapi/model"
	"taskapi/model/modeltest"
)

// TestPermanentConnectError tells the connection failures that retrying cannot cure, each with what to fix, from
// the transient ones, against servers that fail in each way.
func TestPermanentConnectError(t *testing.T) {
	ping := func(t *testing.T, url string) error {
		t.Helper()
		db, err := model.OpenDB(ctx, model.DBConfig{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err = db.PingContext(pingCtx)
		if err == nil {
			t.Fatal("ping succeeded")
		}
		return err
	}
	cases := []struct {
		name, code, message, sslmode string
		fix                          string // "" for a transient error
	}{
		{"PasswordRefused", "28P01", `password authentication failed for user "u"`, "disable", "password was refused"},
		{"NoSuchRole", "28000", `role "u" does not exist`, "disable", "does not let this user in"},
		{"NoSuchDatabase", "3D000", `database "nope" does not exist`, "disable", "database does not exist"},
		{"CertificateNotTrusted", "", "", "verify-full", "not signed by a trusted authority"},
		{"NoTLSOnTheServer", "28P01", "unused", "require", "does not offer TLS"},
		{"StartingUp", "57P03", "the database system is starting up", "disable", ""},
		{"TooManyConnections", "53300", "sorry, too many clients already", "disable", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := modeltest.NewFakePostgres(t, c.code, c.message)
			err := ping(t, "postgres://u:pw@"+srv.Addr+"/nope?sslmode="+c.sslmode)
			got := model.PermanentConnectError(err)
			switch {
			case c.fix == "" && got != nil:
				t.Errorf("%v is transient, but PermanentConnectError says %v", err, got)
			case c.fix != "" && (got == nil || !errors.Is(got, model.ErrPermanent) || !strings.Contains(got.Error(), c.fix)):
				t.Errorf("%v: PermanentConnectError = %v, want it to say %q", err, got, c.fix)
			}
		})
	}
	t.Run("RealServerNoSuchDatabase", func(t *testing.T) {
		if !slices.Contains(modeltest.Databases(t), modeltest.Postgres) {
			t.Skip("no PostgreSQL") // modeltest.Databases fails the test instead under CI
		}
		u, err := url.Parse(modeltest.PostgresURL())
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/no_such_database_for_this_test"
		got := model.PermanentConnectError(ping(t, u.String()))
		if got == nil || !strings.Contains(got.Error(), "database does not exist") {
			t.Errorf("PermanentConnectError = %v", got)
		}
	})
	t.Run("ConnectionRefusedIsTransient", func(t *testing.T) {
		err := ping(t, "postgres://u@127.0.0.1:1/x?sslmode=disable")
		if got := model.PermanentConnectError(err); got != nil {
			t.Errorf("%v: PermanentConnectError = %v", err, got)
		}
	})
}
