// Command bench measures the task API the way its users load it: a dashboard workload (a filtered, ordered page of
// tasks, taskStats, tags, and a share of writes) sent to the real server binary over HTTP with real signed tokens, and
// beside it the raw-SQL ceiling: the same store calls, hence the same SQL, sent straight through Bun's pgdriver at the
// same concurrency. It also measures the shapes of cost (batched against separate requests, a deep page against the
// first, a large user against a typical one, cold start on both databases), writes bench/results/REPORT.md and
// bench/results/throughput.png, and marks each target met or missed. It is a module of its own (bench/go.mod), run
// from the repository's root as:
//
//	go -C bench run .               # the full run at the default sizes (a few minutes)
//	go -C bench run . -smoke        # a tiny run that proves the benchmark still works (CI); exits 1 on any failure
//	go -C bench run . -live         # the live-updates benchmark: delivery lag between instances, memory per subscription
//	go -C bench run . -live -smoke  # its tiny run (CI)
//	go -C bench run . -many         # the read cache on and off, reads spread over 3,000 users (bench/results/MANY.md)
//	go -C bench run . -soak         # ten minutes of ordinary load, sampled every minute (bench/results/SOAK.md)
//	go -C bench run . -compare REV  # the dashboard read of this tree against REV's, same data (bench/results/COMPARE.md)
//
// It creates its own PostgreSQL database through -admin-url and drops it at the end. See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the dashboard asks for Europe/Berlin; the ceiling must resolve it as the server does
)

// config is every setting of one run.
type config struct {
	AdminURL        string
	Users           int
	Tasks           int
	BigTasks        int
	DeepPage        int
	PageSize        int
	Concurrency     int
	Pool            int
	Duration        time.Duration
	Warmup          time.Duration
	Sweep           []int
	SweepDuration   time.Duration
	ShapeDuration   time.Duration
	ColdRuns        int
	CountRuns       int
	Writes          float64
	Auth            string
	Out             string
	Smoke           bool
	KeepDB          bool
	Profile         string
	ProfileDuration time.Duration
	Timeout         time.Duration
	Seed            uint64
	RequirePeers    bool
	Live            bool
	LiveIdle        int
	LiveRate        float64
	Many            bool
	ManyLevels      []int
	Soak            bool
	SoakDuration    time.Duration
	SoakIdle        int
	SoakRate        float64
	Compare         string
	CompareRounds   int
	CompareCompact  bool
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	switch {
	case cfg.Live:
		err = runLive(ctx, cfg)
	case cfg.Many:
		err = runMany(ctx, cfg)
	case cfg.Soak:
		err = runSoak(ctx, cfg)
	case cfg.Compare != "":
		err = runCompare(ctx, cfg)
	default:
		err = run(ctx, cfg)
	}
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: FAILED:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&c.AdminURL, "admin-url", "postgres://root@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL URL whose role may create databases; the benchmark creates its own database there and drops it")
	fs.IntVar(&c.Users, "users", 100, "users of the workload (half sign EdDSA tokens through the JWKS, half HS256; see -auth)")
	fs.IntVar(&c.Tasks, "tasks", 1000, "tasks seeded per user of the workload")
	fs.IntVar(&c.BigTasks, "big-tasks", 100000, "tasks of the one large user (the deep page and the large-user comparison)")
	fs.IntVar(&c.DeepPage, "deep-page", 500, "the deep page compared with page 1")
	fs.IntVar(&c.PageSize, "page-size", 20, "tasks per page (first)")
	fs.IntVar(&c.Concurrency, "concurrency", 32, "concurrent clients of the main measurement")
	fs.IntVar(&c.Pool, "pool", 10, "database connections of the server (DB_MAX_OPEN_CONNS) and of the ceiling alike")
	fs.DurationVar(&c.Duration, "duration", 20*time.Second, "measured time of the main measurement, server and ceiling each")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "unmeasured time before each measurement")
	sweep := fs.String("sweep", "1,4,16,32,64", "concurrency levels of the sweep (the chart); empty skips it")
	fs.DurationVar(&c.SweepDuration, "sweep-duration", 5*time.Second, "measured time of each sweep level, server and ceiling each")
	fs.DurationVar(&c.ShapeDuration, "shape-duration", 4*time.Second, "measured time of each shape measurement")
	fs.IntVar(&c.ColdRuns, "cold-runs", 5, "cold starts measured per database")
	fs.IntVar(&c.CountRuns, "count-runs", 20, "requests per operation when counting SQL statements")
	fs.Float64Var(&c.Writes, "writes", 0.15, "share of writes in the workload (createTask, updateTask, setTaskCompleted alike)")
	fs.StringVar(&c.Auth, "auth", "mixed", "token kinds: mixed (half the users each), eddsa or hs256")
	fs.StringVar(&c.Out, "out", "", "directory for REPORT.md and throughput.png (default bench/results; with -smoke a temporary one)")
	fs.BoolVar(&c.Smoke, "smoke", false, "tiny sizes, one concurrency level, a few seconds: proves the benchmark works; exits 1 on any failure")
	fs.BoolVar(&c.KeepDB, "keep-db", false, "keep the benchmark database at the end instead of dropping it")
	fs.StringVar(&c.Profile, "profile", "auto", "CPU profile of the in-process handler: auto (when a target is missed), always or never")
	fs.DurationVar(&c.ProfileDuration, "profile-duration", 10*time.Second, "length of the CPU profile")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Minute, "the whole run gives up after this long")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the workload's random choices")
	fs.BoolVar(&c.RequirePeers, "require-peers", false, "fail instead of skipping PostGraphile or pgbench when node, npm or pgbench is missing (CI)")
	fs.BoolVar(&c.Live, "live", false, "run the live-updates benchmark instead (two instances, idle subscribers, delivery lag; writes bench/results/LIVE.md)")
	fs.IntVar(&c.LiveIdle, "live-idle", 1000, "with -live: idle subscriptions held on the second instance, one WebSocket and one user each")
	fs.Float64Var(&c.LiveRate, "live-rate", 50, "with -live: createTask per second on the first instance")
	fs.BoolVar(&c.Many, "many", false, "run the many-users benchmark instead (the read cache on and off, users read at random; writes bench/results/MANY.md)")
	manyLevels := fs.String("many-levels", "300,1000,3000", "with -many: numbers of users read at random, one measurement each (the first n of -users)")
	fs.BoolVar(&c.Soak, "soak", false, "run the soak instead (idle subscribers, the dashboard mix, reminders and webhooks for -soak-duration; writes bench/results/SOAK.md)")
	fs.DurationVar(&c.SoakDuration, "soak-duration", 10*time.Minute, "with -soak: how long the load runs")
	fs.IntVar(&c.SoakIdle, "soak-idle", 1000, "with -soak: idle subscriptions held throughout, one WebSocket and one user each")
	fs.Float64Var(&c.SoakRate, "soak-rate", 100, "with -soak: requests per second of the dashboard mix")
	fs.StringVar(&c.Compare, "compare", "", "run the comparison instead: the dashboard read of this tree against the server of this git revision, on the same data, in alternating rounds (writes bench/results/COMPARE.md)")
	fs.IntVar(&c.CompareRounds, "compare-rounds", 6, "with -compare: rounds, each measuring both sides (ABBA order)")
	fs.BoolVar(&c.CompareCompact, "compare-compact", false, "with -compare: VACUUM FULL both databases after the upgrade, so that both sides read compact tables (the upgrade's rewrites of every task leave the new side's heap larger; VACUUM FULL or pg_repack is what an operator runs to take that back)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	levels, err := parseLevels(*sweep)
	if err != nil {
		return c, err
	}
	c.Sweep = levels
	if c.ManyLevels, err = parseLevels(*manyLevels); err != nil {
		return c, err
	}
	if c.Many {
		// Many more users than the read cache holds, each with a typical number of tasks.
		many := map[string]func(){
			"users":       func() { c.Users = 3000 },
			"tasks":       func() { c.Tasks = 50 },
			"concurrency": func() { c.Concurrency = 16 },
			"duration":    func() { c.Duration = 10 * time.Second },
			"warmup":      func() { c.Warmup = 5 * time.Second },
		}
		if c.Smoke {
			delete(many, "concurrency")
			delete(many, "duration")
			delete(many, "warmup")
			many["users"] = func() { c.Users = 60 }
			many["tasks"] = func() { c.Tasks = 20 }
			many["many-levels"] = func() { c.ManyLevels = []int{6, 60} }
		}
		for name, apply := range many {
			if !set[name] {
				apply()
				set[name] = true // not the smoke's sizes below
			}
		}
	}
	if c.Soak {
		soak := map[string]func(){"users": func() { c.Users = 100 }, "tasks": func() { c.Tasks = 200 }}
		if c.Smoke {
			soak = map[string]func(){
				"users": func() { c.Users = 10 }, "tasks": func() { c.Tasks = 20 },
				"soak-duration": func() { c.SoakDuration = 10 * time.Second }, "soak-idle": func() { c.SoakIdle = 20 },
				"soak-rate": func() { c.SoakRate = 20 },
			}
		}
		for name, apply := range soak {
			if !set[name] {
				apply()
				set[name] = true // not the smoke's sizes below
			}
		}
	}
	if c.Compare != "" {
		// Short rounds, many of them: each side's figure is a median over the rounds.
		compare := map[string]func(){
			"duration": func() { c.Duration = 10 * time.Second },
			"warmup":   func() { c.Warmup = time.Second },
		}
		if c.Smoke {
			compare = map[string]func(){
				"compare-rounds": func() { c.CompareRounds = 2 },
				"duration":       func() { c.Duration = time.Second },
				"warmup":         func() { c.Warmup = 200 * time.Millisecond },
				"timeout":        func() { c.Timeout = 5 * time.Minute }, // two builds, one of them of another tree
			}
		}
		for name, apply := range compare {
			if !set[name] {
				apply()
				set[name] = true // not the smoke's sizes below
			}
		}
	}
	if c.Smoke {
		// Tiny sizes unless given explicitly: seconds, not minutes, and every path still taken once.
		smoke := map[string]func(){
			"users":            func() { c.Users = 4 },
			"tasks":            func() { c.Tasks = 50 },
			"big-tasks":        func() { c.BigTasks = 400 },
			"deep-page":        func() { c.DeepPage = 4 },
			"concurrency":      func() { c.Concurrency = 4 },
			"duration":         func() { c.Duration = 1500 * time.Millisecond },
			"warmup":           func() { c.Warmup = 300 * time.Millisecond },
			"sweep":            func() { c.Sweep = nil },
			"shape-duration":   func() { c.ShapeDuration = 300 * time.Millisecond },
			"cold-runs":        func() { c.ColdRuns = 1 },
			"count-runs":       func() { c.CountRuns = 2 },
			"profile":          func() { c.Profile = "never" },
			"profile-duration": func() { c.ProfileDuration = time.Second },
			"timeout":          func() { c.Timeout = 2 * time.Minute },
			"live-idle":        func() { c.LiveIdle = 20 },
		}
		for name, apply := range smoke {
			if !set[name] {
				apply()
			}
		}
	}
	var problems []string
	check := func(ok bool, msg string) {
		if !ok {
			problems = append(problems, msg)
		}
	}
	check(c.Users >= 2, "-users must be at least 2")
	check(c.Tasks >= 1 && c.Tasks <= 1_000_000, "-tasks must be 1 to 1000000")
	check(c.BigTasks >= 1 && c.BigTasks <= 2_000_000, "-big-tasks must be 1 to 2000000")
	check(c.DeepPage >= 2, "-deep-page must be at least 2")
	check(c.PageSize >= 1 && c.PageSize <= 100, "-page-size must be 1 to 100")
	check(c.Concurrency >= 1 && c.Concurrency <= 1024, "-concurrency must be 1 to 1024")
	check(c.Pool >= 1 && c.Pool <= 1000, "-pool must be 1 to 1000")
	check(c.Duration > 0 && c.Duration <= time.Hour, "-duration must be positive and at most 1h")
	check(c.Warmup >= 0 && c.Warmup <= 10*time.Minute, "-warmup must be 0 to 10m")
	check(c.SweepDuration > 0 && c.ShapeDuration > 0, "-sweep-duration and -shape-duration must be positive")
	check(c.ColdRuns >= 1 && c.ColdRuns <= 100, "-cold-runs must be 1 to 100")
	check(c.CountRuns >= 1 && c.CountRuns <= 1000, "-count-runs must be 1 to 1000")
	check(c.Writes >= 0 && c.Writes <= 1, "-writes must be 0 to 1")
	check(c.Auth == "mixed" || c.Auth == "eddsa" || c.Auth == "hs256", "-auth must be mixed, eddsa or hs256")
	check(c.Profile == "auto" || c.Profile == "always" || c.Profile == "never", "-profile must be auto, always or never")
	check(c.ProfileDuration > 0 && c.ProfileDuration <= 10*time.Minute, "-profile-duration must be positive and at most 10m")
	check(c.Timeout > 0, "-timeout must be positive")
	check(c.LiveIdle >= 0 && c.LiveIdle <= 20_000, "-live-idle must be 0 to 20000")
	check(c.LiveRate >= 1 && c.LiveRate <= 1000, "-live-rate must be 1 to 1000")
	separate := 0
	for _, on := range []bool{c.Live, c.Many, c.Soak, c.Compare != ""} {
		if on {
			separate++
		}
	}
	check(separate <= 1, "-live, -many, -soak and -compare are separate runs: give one")
	check(c.CompareRounds >= 1 && c.CompareRounds <= 100, "-compare-rounds must be 1 to 100")
	check(!c.CompareCompact || c.Compare != "", "-compare-compact goes with -compare")
	check(c.SoakDuration >= 10*time.Second && c.SoakDuration <= 24*time.Hour, "-soak-duration must be 10s to 24h")
	check(c.SoakIdle >= 0 && c.SoakIdle <= 20_000, "-soak-idle must be 0 to 20000")
	check(c.SoakRate >= 1 && c.SoakRate <= 10_000, "-soak-rate must be 1 to 10000")
	for _, l := range c.ManyLevels {
		check(l >= 2, "-many-levels must be at least 2 users each")
	}
	for _, l := range c.Sweep {
		check(l >= 1 && l <= 1024, "-sweep levels must be 1 to 1024")
	}
	if len(problems) > 0 {
		return c, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

func parseLevels(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil, fmt.Errorf("-sweep: %q is not a number", part)
		}
		out = append(out, n)
	}
	return out, nil
}

// moduleRoot returns the directory of the server's module, taskapi, where `go build ./cmd/server` runs: the
// repository's root, which bench/go.mod's replace directive names. The benchmark measures the server it sits beside.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := commandOutput(ctx, "", "go", "list", "-m", "-f", "{{.Dir}}", "taskapi")
	if err != nil {
		return "", fmt.Errorf("go list -m taskapi: run the benchmark inside its module (go -C bench run . from the repository's root): %w: %s", err, strings.TrimSpace(out))
	}
	dir := strings.TrimSpace(out)
	if dir == "" {
		return "", errors.New("go list -m taskapi: no directory; run the benchmark inside its module (go -C bench run . from the repository's root)")
	}
	return dir, nil
}
