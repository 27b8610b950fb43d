package model

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun/driver/pgdriver"
)

// ErrPermanent is wrapped by PermanentConnectError's errors: connecting failed in a way that trying again cannot
// cure.
var ErrPermanent = errors.New("the database refuses this configuration")

// PermanentConnectError tells the failures of connecting to PostgreSQL that retrying cannot cure (the password is
// refused, the role or database does not exist, the server's certificate is not trusted or names another host, the
// server has no TLS while the URL requires it) from the transient ones (a refused connection, a timeout, "the
// database system is starting up", too many connections), which a caller should retry. For a permanent one it
// returns an error wrapping ErrPermanent and err that says what to fix; for anything else nil.
func PermanentConnectError(err error) error {
	if err == nil {
		return nil
	}
	fix := func(what string) error { return fmt.Errorf("%w: %s: %w", ErrPermanent, what, err) }
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		switch code := pgErr.Field('C'); {
		case code == "28P01":
			return fix("the password was refused; check the user and password in DATABASE_URL")
		case code == "28000":
			return fix("the server does not let this user in (no such role, or pg_hba.conf refuses it); check the user in DATABASE_URL and the server's access rules")
		case code == "3D000":
			return fix("the database does not exist; check the database name in DATABASE_URL's path, or create it")
		case code == "42501":
			return fix("the user may not connect to this database; grant it CONNECT")
		case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"), strings.HasPrefix(code, "57"):
			return nil // connection exceptions, insufficient resources, the server starting up or shutting down
		}
		return nil
	}
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknownAuthority): // also inside tls.CertificateVerificationError
		return fix("the server's certificate is not signed by a trusted authority; for a private CA set sslrootcert=/path/to/ca.pem in DATABASE_URL (channel_binding=require verifies certificates as sslmode=verify-full does), and make sure the system CA bundle is installed (ca-certificates in a container image)")
	case errors.As(err, &hostname):
		return fix("the server's certificate does not name the host in DATABASE_URL; connect by the name the certificate carries")
	case errors.As(err, &invalid):
		return fix("the server's certificate is not valid (expired, or not for a server); renew it")
	case strings.Contains(err.Error(), "SSL is not enabled on the server"):
		return fix("the server does not offer TLS, which the sslmode in DATABASE_URL requires; enable TLS on the server or use sslmode=disable on a trusted network")
	}
	return nil
}
