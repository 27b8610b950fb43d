package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"taskapi/httpapi"
	"taskapi/kafkarelay"
	"taskapi/webhook"
)

// Config is every setting of the server, read once from the environment and validated as a whole.
type Config struct {
	Host        string // the address to listen on; empty: every interface
	Port        string
	DatabaseURL string // empty: the embedded SQLite database in DataDir
	DataDir     string

	BetterAuthURL    string
	BetterAuthSecret string
	JWKSURL          string
	JWTIssuer        string
	JWTAudience      string

	MigrateOnStart  bool
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64
	MaxBatch        int
	Introspection   bool
	LogFormat       string // "json" or "text"
	LogLevel        string

	// Operations: see docs/configuration.md for what each does.
	ShutdownGrace     time.Duration // readyz says 503 this long before the listener closes
	OperationTimeout  time.Duration // bound on one GraphQL operation's resolvers, and so its database work; 0: none
	DBMaxOpenConns    int
	DBMaxIdleConns    int
	DBConnMaxLifetime time.Duration
	RateLimitRPS      float64 // 0: off
	RateLimitBurst    int
	CORSOrigins       []string       // scheme://host[:port], possibly with one wildcard
	TrustedProxies    []netip.Prefix // proxies whose X-Forwarded-For is believed; none: the peer is the client
	OTLPEndpoint      string         // OpenTelemetry traces go there when set
	PprofAddr         string         // host:port for Go's profiles; empty: not served
	HTTP              HTTPTimeouts

	// Live updates.
	EventRetention          time.Duration // events are kept at least this long
	TrashRetention          time.Duration // deleted tasks stay in the trash this long, then are purged
	DatabaseListenURL       string        // where LISTEN connects; empty: DatabaseURL
	MaxSubscriptionsPerUser int
	MaxSockets              int // live connections (WebSockets and event streams) per instance
	MaxSocketsPerUser       int // live connections of one user per instance
	MaxSocketsPerAddress    int // live connections from one client address per instance; 0: no cap

	// Webhook is where signed webhooks go (WEBHOOK_URL, WEBHOOK_SECRET, WEBHOOK_EVENTS, WEBHOOK_RETRY_SCHEDULE) and how
	// many one user may have pending (WEBHOOK_MAX_PENDING_PER_USER); without a URL none are sent.
	Webhook webhook.Config
	// Kafka is where every task.* and reminder.due event is produced (KAFKA_BROKERS, KAFKA_TOPIC_TASKS,
	// KAFKA_TOPIC_REMINDERS, KAFKA_TLS, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD); without
	// brokers none are.
	Kafka kafkarelay.Config

	// Limits bound the cost of one GraphQL document; zero fields take httpapi's defaults.
	Limits httpapi.Limits
	// QueryCacheBytes and PersistedQueryCacheBytes bound the caches of parsed documents and of persisted queries;
	// zero takes httpapi's defaults.
	QueryCacheBytes          int64
	PersistedQueryCacheBytes int64
	// ReadCacheBytes bounds the cache of reads (model.ReadCache); 0 keeps none.
	ReadCacheBytes int64

	// afterGrace, when set, is what the shutdown waits on for the grace period instead of time.After(grace): tests
	// end the period when their clients have seen the drain, rather than racing a wall-clock margin.
	afterGrace func(grace time.Duration) <-chan time.Time
}

// HTTPTimeouts are the HTTP server's limits on slow or large requests. They are not read from the environment: the
// defaults suit every deployment, and tests shorten them.
type HTTPTimeouts struct {
	ReadHeader     time.Duration
	Read           time.Duration
	Write          time.Duration
	Idle           time.Duration
	MaxHeaderBytes int
}

// defaultHTTPTimeouts leave a minute for a slow mobile client to send a 1 MiB body and read a large page, while a
// connection that sends its headers byte by byte is cut after 10 s.
var defaultHTTPTimeouts = HTTPTimeouts{
	ReadHeader:     10 * time.Second,
	Read:           30 * time.Second,
	Write:          60 * time.Second,
	Idle:           120 * time.Second,
	MaxHeaderBytes: 64 << 10,
}

// loadConfig reads the environment through getenv. Every problem is reported at once, each with what to do.
func loadConfig(getenv func(string) string) (Config, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	boolean := func(name string, def bool) bool {
		v := str(name, "")
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("%s=%q is not a boolean; use true or false", name, v)
		}
		return b
	}
	integer := func(name string, def, lo, hi int64) int64 {
		v := str(name, "")
		if v == "" {
			return def
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			bad("%s=%q must be a whole number from %d to %d", name, v, lo, hi)
		}
		return n
	}
	decimal := func(name string, def, lo, hi float64) float64 {
		v := str(name, "")
		if v == "" {
			return def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < lo || f > hi {
			bad("%s=%q must be a number from %g to %g", name, v, lo, hi)
		}
		return f
	}
	duration := func(name string, def time.Duration) time.Duration {
		v := str(name, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad("%s=%q is not a duration such as 15s or 1m", name, v)
		}
		return d
	}

	c := Config{
		Host:             str("HOST", ""),
		Port:             str("PORT", "8080"),
		DatabaseURL:      str("DATABASE_URL", ""),
		DataDir:          str("DATA_DIR", "./data"),
		BetterAuthURL:    str("BETTER_AUTH_URL", ""),
		BetterAuthSecret: getenv("BETTER_AUTH_SECRET"),
		JWKSURL:          str("JWT_JWKS_URL", ""),
		JWTIssuer:        str("JWT_ISSUER", ""),
		JWTAudience:      str("JWT_AUDIENCE", ""),
		MigrateOnStart:   boolean("MIGRATE_ON_START", true),
		ShutdownTimeout:  duration("SHUTDOWN_TIMEOUT", 15*time.Second),
		MaxBodyBytes:     integer("MAX_BODY_BYTES", 1<<20, 1024, 64<<20),
		MaxBatch:         int(integer("MAX_BATCH_SIZE", 10, 1, 100)),
		Introspection:    boolean("INTROSPECTION", true),
		LogFormat:        str("LOG_FORMAT", ""),
		LogLevel:         str("LOG_LEVEL", "info"),

		ShutdownGrace:     duration("SHUTDOWN_GRACE", -1),
		OperationTimeout:  duration("OPERATION_TIMEOUT", 5*time.Second),
		DBMaxOpenConns:    int(integer("DB_MAX_OPEN_CONNS", 10, 1, 1000)),
		DBMaxIdleConns:    int(integer("DB_MAX_IDLE_CONNS", 0, 1, 1000)),
		DBConnMaxLifetime: duration("DB_CONN_MAX_LIFETIME", 30*time.Minute),
		RateLimitRPS:      decimal("RATE_LIMIT_RPS", -1, 0, 1e6),
		RateLimitBurst:    int(integer("RATE_LIMIT_BURST", 50, 1, 1e6)),
		OTLPEndpoint:      str("OTEL_EXPORTER_OTLP_ENDPOINT", str("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")),
		PprofAddr:         str("PPROF_ADDR", ""),
		HTTP:              defaultHTTPTimeouts,

		// 0 keeps httpapi's default; the lower bounds keep every document GraphiQL and the clients send admissible.
		Limits: httpapi.Limits{
			MaxDocumentBytes:  int(integer("MAX_QUERY_BYTES", 0, 8<<10, 1<<20)),
			MaxTokens:         int(integer("MAX_QUERY_TOKENS", 0, 250, 100000)),
			MaxDepth:          int(integer("MAX_QUERY_DEPTH", 0, 15, 100)),
			MaxAliases:        int(integer("MAX_QUERY_ALIASES", 0, 1, 1000)),
			MaxRootFields:     int(integer("MAX_ROOT_FIELDS", 0, 1, 1000)),
			MaxFields:         int(integer("MAX_QUERY_FIELDS", 0, 500, 100000)),
			MaxDirectives:     int(integer("MAX_QUERY_DIRECTIVES", 0, 1, 10000)),
			MaxVariables:      int(integer("MAX_QUERY_VARIABLES", 0, 1, 10000)),
			MaxVariableValues: int(integer("MAX_VARIABLE_VALUES", 0, 100, 1000000)),
			MaxComplexity:     int(integer("MAX_QUERY_COMPLEXITY", 0, 100, 1000000)),
			MaxOverlaps:       int(integer("MAX_QUERY_OVERLAPS", 0, 50, 1000000)),
		},
		QueryCacheBytes:          integer("QUERY_CACHE_BYTES", 0, 64<<10, 1<<30),
		PersistedQueryCacheBytes: integer("PERSISTED_QUERY_CACHE_BYTES", 0, 64<<10, 1<<30),
		ReadCacheBytes:           integer("READ_CACHE_BYTES", 8<<20, 0, 1<<30),

		EventRetention:          duration("EVENT_RETENTION", 168*time.Hour),
		TrashRetention:          duration("TRASH_RETENTION", 720*time.Hour),
		DatabaseListenURL:       str("DATABASE_LISTEN_URL", ""),
		MaxSubscriptionsPerUser: int(integer("MAX_SUBSCRIPTIONS_PER_USER", 20, 1, 10000)),
		MaxSockets:              int(integer("MAX_SOCKETS", 10000, 1, 1000000)),
		MaxSocketsPerUser:       int(integer("MAX_SOCKETS_PER_USER", 50, 1, 10000)),
		MaxSocketsPerAddress:    int(integer("MAX_SOCKETS_PER_ADDRESS", 500, 0, 1000000)),
	}
	if c.MaxSocketsPerUser > c.MaxSockets {
		bad("MAX_SOCKETS_PER_USER=%d is above MAX_SOCKETS=%d, the live connections of the whole instance; lower it or raise MAX_SOCKETS",
			c.MaxSocketsPerUser, c.MaxSockets)
	}
	if getenv("DB_STATEMENT_TIMEOUT") != "" {
		// It bounds an operation's resolvers, not PostgreSQL's statement_timeout, which its name made people look for.
		bad("DB_STATEMENT_TIMEOUT is renamed OPERATION_TIMEOUT (the deadline of one GraphQL operation, default 5s); rename it")
	}
	if getenv("PERSISTED_QUERY_CACHE_SIZE") != "" {
		// A count of entries bounded nothing: one client filled it with large documents.
		bad("PERSISTED_QUERY_CACHE_SIZE is replaced by PERSISTED_QUERY_CACHE_BYTES, a bound in bytes (default 2097152); remove it")
	}
	// Development mode answers one person at once and restarts often: no grace period to wait through, no limit to
	// trip over. Everywhere else a load balancer needs the grace period, and the API the limit.
	if c.ShutdownGrace < 0 {
		c.ShutdownGrace = 5 * time.Second
		if c.devMode() {
			c.ShutdownGrace = 0
		}
	}
	if c.RateLimitRPS < 0 {
		c.RateLimitRPS = 10
		if c.devMode() {
			c.RateLimitRPS = 0
		}
	}
	if c.DBMaxIdleConns == 0 || c.DBMaxIdleConns > c.DBMaxOpenConns {
		if c.DBMaxIdleConns > c.DBMaxOpenConns {
			bad("DB_MAX_IDLE_CONNS=%d must not exceed DB_MAX_OPEN_CONNS=%d", c.DBMaxIdleConns, c.DBMaxOpenConns)
		}
		c.DBMaxIdleConns = c.DBMaxOpenConns
	}
	c.CORSOrigins = corsOrigins(str("CORS_ORIGINS", ""), bad)
	c.TrustedProxies = trustedProxies(str("TRUSTED_PROXIES", ""), bad)
	// The Better Auth app is where the browser signs in and gets its tokens, so it is the frontend calling this API:
	// allowing its origin by default saves the setting that every deployment beside Better Auth needs.
	if o, err := origin(c.BetterAuthURL); err == nil && o != "" && !slices.Contains(c.CORSOrigins, strings.ToLower(o)) {
		c.CORSOrigins = append(c.CORSOrigins, strings.ToLower(o))
	}
	// Development mode serves a generated secret's tokens: only this machine should reach it. Everywhere else (a
	// container, a VM behind a load balancer) the server must be reachable from outside, so every interface.
	if c.Host == "" && c.devMode() {
		c.Host = "127.0.0.1"
	}
	if c.Host != "" && !validHost(c.Host) {
		bad("HOST=%q must be an IP address or a host name without a port, such as 127.0.0.1, 0.0.0.0 or ::", c.Host)
	}
	if c.PprofAddr != "" {
		if _, port, err := net.SplitHostPort(c.PprofAddr); err != nil || port == "" {
			bad("PPROF_ADDR=%q must be host:port, such as 127.0.0.1:6060", c.PprofAddr)
		}
	}
	if c.OTLPEndpoint != "" {
		if u, err := url.Parse(c.OTLPEndpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("OTEL_EXPORTER_OTLP_ENDPOINT=%q must be an absolute http(s) URL such as http://localhost:4318", c.OTLPEndpoint)
		}
	}

	if c.EventRetention < time.Minute {
		bad("EVENT_RETENTION=%q must be at least 1m (default 168h): clients that were away longer than that get RESET", getenv("EVENT_RETENTION"))
	}
	if c.TrashRetention < time.Minute {
		bad("TRASH_RETENTION=%q must be at least 1m (default 720h): deleted tasks can be restored for this long", getenv("TRASH_RETENTION"))
	}
	if c.DatabaseListenURL != "" {
		switch {
		case !c.postgres():
			bad("DATABASE_LISTEN_URL is only for PostgreSQL; set DATABASE_URL too, or unset it for the embedded database")
		case !strings.HasPrefix(c.DatabaseListenURL, "postgres://") && !strings.HasPrefix(c.DatabaseListenURL, "postgresql://"):
			bad("DATABASE_LISTEN_URL must start with postgres:// or postgresql:// (behind Neon's pooler, the direct connection string)")
		}
	}
	c.Webhook = webhookConfig(str, getenv, bad)
	c.Webhook.MaxPendingPerUser = int(integer("WEBHOOK_MAX_PENDING_PER_USER", webhook.DefaultMaxPendingPerUser, 1, 1000000))
	c.Kafka = kafkaConfig(str, boolean, getenv, bad)

	if n, err := strconv.Atoi(c.Port); err != nil || n < 0 || n > 65535 {
		bad("PORT=%q must be a port number from 0 to 65535", c.Port)
	}
	if c.DatabaseURL != "" && !c.postgres() {
		bad("DATABASE_URL must start with postgres:// or postgresql://; leave it unset for the embedded SQLite database")
	}
	if c.BetterAuthURL != "" {
		if _, err := origin(c.BetterAuthURL); err != nil {
			bad("BETTER_AUTH_URL=%q must be an absolute http(s) URL such as https://app.example.com", c.BetterAuthURL)
		}
	}
	if c.JWKSURL != "" {
		if u, err := url.Parse(c.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("JWT_JWKS_URL=%q must be an absolute http(s) URL", c.JWKSURL)
		}
	}
	if c.BetterAuthSecret != "" && len(c.BetterAuthSecret) < 32 {
		bad("BETTER_AUTH_SECRET must be at least 32 characters long; generate one with: openssl rand -base64 32")
	}
	if c.postgres() && !c.tokensConfigured() {
		bad("with DATABASE_URL set, configure token verification: BETTER_AUTH_URL (Better Auth's JWKS), " +
			"BETTER_AUTH_SECRET (HS256) or JWT_JWKS_URL; the development secret is only for the embedded database")
	}
	switch c.LogFormat {
	case "", "json", "text":
	default:
		bad("LOG_FORMAT=%q must be json or text", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel)
	}
	if len(problems) > 0 {
		return c, errors.New("configuration: " + strings.Join(problems, "; "))
	}
	return c, nil
}

// listenAddr is host:port for net.Listen.
func (c Config) listenAddr() string {
	return net.JoinHostPort(strings.Trim(c.Host, "[]"), c.Port)
}

// validHost accepts an IP address (IPv6 with or without brackets) or a DNS name.
func validHost(h string) bool {
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return true
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func (c Config) postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// tokensConfigured reports whether any token verification is set up.
func (c Config) tokensConfigured() bool {
	return c.BetterAuthURL != "" || c.BetterAuthSecret != "" || c.JWKSURL != ""
}

// devMode is the zero-setup local mode: embedded database, no token settings, a generated secret.
func (c Config) devMode() bool { return !c.postgres() && !c.tokensConfigured() }

// jwksURL is where the key set is: JWT_JWKS_URL, or Better Auth's jwt() plugin endpoint.
func (c Config) jwksURL() string {
	if c.JWKSURL != "" {
		return c.JWKSURL
	}
	if c.BetterAuthURL != "" {
		return strings.TrimRight(c.BetterAuthURL, "/") + "/api/auth/jwks"
	}
	return ""
}

// keySetIssuer and keySetAudience default to the origin of BETTER_AUTH_URL, which is what Better Auth puts in iss
// and aud.
func (c Config) keySetIssuer() string {
	if c.JWTIssuer != "" {
		return c.JWTIssuer
	}
	o, _ := origin(c.BetterAuthURL)
	return o
}

func (c Config) keySetAudience() string {
	if c.JWTAudience != "" {
		return c.JWTAudience
	}
	o, _ := origin(c.BetterAuthURL)
	return o
}

// webhookConfig reads the WEBHOOK_ settings. A URL needs a secret: the receiver must be able to tell the server's
// webhooks from anyone else's POSTs. The events and the schedule are checked even without a URL, so that a typo does
// not wait to be found until webhooks are turned on.
func webhookConfig(str func(name, def string) string, getenv func(string) string, bad func(string, ...any)) webhook.Config {
	var c webhook.Config
	if raw := str("WEBHOOK_URL", ""); raw != "" {
		u, err := webhook.ParseURL(raw)
		if err != nil {
			bad("WEBHOOK_URL %v", err)
		}
		c.URL = u
	}
	if raw := strings.TrimSpace(getenv("WEBHOOK_SECRET")); raw != "" {
		s, err := webhook.ParseSecret(raw)
		if err != nil {
			bad("WEBHOOK_SECRET %v", err)
		}
		c.Secret = s
	} else if c.URL != "" {
		bad(`WEBHOOK_URL is set but WEBHOOK_SECRET is not; webhooks are always signed: generate a secret with: echo "whsec_$(openssl rand -base64 32)"`)
	}
	events, err := webhook.ParseEvents(str("WEBHOOK_EVENTS", ""))
	if err != nil {
		bad("WEBHOOK_EVENTS: %v", err)
	}
	c.Events = events
	schedule, err := webhook.ParseSchedule(str("WEBHOOK_RETRY_SCHEDULE", ""))
	if err != nil {
		bad("WEBHOOK_RETRY_SCHEDULE: %v", err)
	}
	c.RetrySchedule = schedule
	return c
}

// kafkaConfig reads the KAFKA_ settings. Every one is checked even without brokers, so that a typo does not wait
// to be found until Kafka is turned on; the SASL settings come as a set, and PLAIN, which sends the password as it
// is, only over TLS.
func kafkaConfig(str func(name, def string) string, boolean func(name string, def bool) bool, getenv func(string) string,
	bad func(string, ...any)) kafkarelay.Config {
	var c kafkarelay.Config
	brokers, err := kafkarelay.ParseBrokers(str("KAFKA_BROKERS", ""))
	if err != nil {
		bad("KAFKA_BROKERS entry %v", err)
	}
	c.Brokers = brokers
	topic := func(name, raw string) string {
		if raw == "" {
			return "" // the default
		}
		t, err := kafkarelay.ParseTopic(raw)
		if err != nil {
			bad("%s=%q %v", name, raw, err)
		}
		return t
	}
	c.TopicTasks = topic("KAFKA_TOPIC_TASKS", str("KAFKA_TOPIC_TASKS", ""))
	c.TopicReminders = topic("KAFKA_TOPIC_REMINDERS", str("KAFKA_TOPIC_REMINDERS", ""))
	c.TLS = boolean("KAFKA_TLS", false)
	mechanism, err := kafkarelay.ParseMechanism(str("KAFKA_SASL_MECHANISM", ""))
	if err != nil {
		bad("KAFKA_SASL_MECHANISM=%v", err)
	}
	c.SASL = kafkarelay.SASL{
		Mechanism: mechanism,
		Username:  str("KAFKA_SASL_USERNAME", ""),
		Password:  kafkarelay.Password(getenv("KAFKA_SASL_PASSWORD")),
	}
	switch {
	case mechanism != "" && (c.SASL.Username == "" || c.SASL.Password == ""):
		bad("KAFKA_SASL_MECHANISM=%s needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (the user your Kafka provider made for this server)", mechanism)
	case mechanism == "" && (c.SASL.Username != "" || c.SASL.Password != ""):
		bad("KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set but KAFKA_SASL_MECHANISM is not; set it to SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN, as your Kafka provider says")
	case mechanism == kafkarelay.Plain && !c.TLS:
		bad("KAFKA_SASL_MECHANISM=PLAIN sends the password as it is; set KAFKA_TLS=true (managed Kafka always offers TLS)")
	}
	if len(c.Brokers) == 0 && (mechanism != "" || c.TLS) {
		bad("KAFKA_TLS or KAFKA_SASL_MECHANISM is set but KAFKA_BROKERS is not; list the brokers as host:port, comma-separated")
	}
	return c
}

// corsOrigins reads CORS_ORIGINS: comma-separated origins, each scheme://host[:port], where the leftmost labels of
// a domain of two labels or more may be a wildcard (https://*.example.com). "*" alone is refused: the API allows
// credentials, and a wildcard would let every site on the web call it in a signed-in user's name.
func corsOrigins(raw string, bad func(string, ...any)) []string {
	var out []string
	for _, o := range strings.Split(raw, ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		u, err := url.Parse(strings.Replace(o, "*", "wildcard", 1))
		switch {
		case o == "*" || strings.HasPrefix(o, "*"):
			bad("CORS_ORIGINS must list origins such as https://app.example.com, not %q: with credentials allowed, "+
				"a wildcard for every origin would let any site call the API for a signed-in user", o)
		case strings.Count(o, "*") > 1, err != nil, u.Scheme != "https" && u.Scheme != "http", u.Host == "",
			u.Path != "", u.RawQuery != "", u.Fragment != "", u.User != nil,
			// A wildcard may stand for the leftmost labels of a domain with at least two labels of its own.
			strings.Contains(o, "*") && (!strings.HasPrefix(u.Host, "wildcard.") ||
				!strings.Contains(strings.TrimPrefix(u.Host, "wildcard."), ".")):
			bad("CORS_ORIGINS entry %q must be an origin such as https://app.example.com or https://*.example.com "+
				"(scheme and host, no path)", o)
		default:
			out = append(out, strings.ToLower(o))
		}
	}
	return out
}

// trustedProxies reads TRUSTED_PROXIES: comma-separated IP addresses and CIDR prefixes, IPv4 or IPv6, of the
// reverse proxies and load balancers in front of the server. An address is a prefix of its own full length; the
// host bits of a prefix are dropped (10.1.2.3/8 is 10.0.0.0/8), and IPv4-mapped IPv6 addresses are their IPv4
// addresses, which is how requests from them are seen. Every entry must parse: a typo skipped would go unnoticed
// until the clients behind that proxy shared one rate limit.
func trustedProxies(raw string, bad func(string, ...any)) []netip.Prefix {
	var out []netip.Prefix
	for _, e := range strings.Split(raw, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(e, "/") {
			p, err = netip.ParsePrefix(e)
			if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
			}
			p = p.Masked()
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(e); err == nil && a.Zone() == "" {
				a = a.Unmap()
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil || !p.IsValid() {
			bad("TRUSTED_PROXIES entry %q must be an IP address or a CIDR prefix, such as 10.0.0.0/8, 192.0.2.10 or fd00::/8", e)
			continue
		}
		out = append(out, p)
	}
	return out
}

// origin returns scheme://host[:port] of an absolute http(s) URL; "" for "".
func origin(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("not an absolute http(s) URL: %q", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}
