// Command bench measures lifeline's gateway against a bare
// httputil.ReverseProxy and against calling the upstream directly, in one
// run with interleaved rounds: latency quantiles, errors, CPU seconds per
// thousand requests and peak RSS, non-streaming at constant rates and with
// concurrent SSE streams. It writes bench/out/results.md, results.json and
// latency.svg.
//
// With -stores it compares instead the gateway on the memory state store
// with the gateway on the Redis store (a redis-server it starts on a free
// loopback port), at one rate, on a chain whose first target serves and on
// one whose first target fails: latency, the Redis commands and the
// redis-server CPU time per request. It writes bench/out/stores.md and
// stores.json.
//
//	go run ./bench              # the full run (about ten minutes)
//	go run ./bench -quick       # one short round per load
//	go run ./bench -profile cpu # the gateway in this process, with pprof profiles
//	go run ./bench -stores      # memory store against Redis store (about three minutes)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// harnessGOGC is the GOGC of the runner and of the upstream process.
const harnessGOGC = 400

// flags are the runner's command line.
type flags struct {
	rates    string
	rounds   int
	duration time.Duration
	warmup   time.Duration
	pause    time.Duration
	streams  int
	events   int
	gap      time.Duration
	quick    bool
	quiet    float64
	quietMax time.Duration
	out      string
	logLevel string
	lifeline string
	docs     string
	from     string

	stores      bool
	storeRate   int
	redisServer string

	profile         string
	profileSystem   string
	profileRate     int
	profileDuration time.Duration
}

func main() {
	var f flags
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.StringVar(&f.rates, "rates", "1000,2000,4000", "non-streaming rates, requests per second, comma-separated")
	fs.IntVar(&f.rounds, "rounds", 3, "interleaved rounds per load")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "length of one system's turn in a round")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "unrecorded load on each system before a load's rounds")
	fs.DurationVar(&f.pause, "pause", 500*time.Millisecond, "idle time before each turn")
	fs.IntVar(&f.streams, "streams", 200, "concurrent streams (0: no streaming load)")
	fs.IntVar(&f.events, "events", 20, "events per stream")
	fs.DurationVar(&f.gap, "gap", 20*time.Millisecond, "upstream time between two events of a stream (20ms: a model writing 50 tokens a second)")
	fs.Float64Var(&f.quiet, "quiet", 0.9, "before each turn, wait until this share of the machine's CPU is idle (0: do not wait)")
	fs.DurationVar(&f.quietMax, "quiet-max", time.Minute, "longest wait for -quiet before a turn starts anyway")
	fs.BoolVar(&f.quick, "quick", false, "one round of 2s per load, 500ms warm-up: a check that everything works, not a measurement")
	fs.StringVar(&f.out, "out", "", "output directory (default bench/out in the module)")
	fs.StringVar(&f.logLevel, "log", "info", "lifeline's log.level; its log goes to /dev/null")
	fs.StringVar(&f.docs, "docs", "", "a Markdown page whose results section (between the results markers; with -stores, the stores markers) is replaced by this run's; the outputs are also copied to bench/results")
	fs.StringVar(&f.from, "from", "", "measure nothing: rewrite the outputs (and -docs) from this results.json (with -stores: stores.json) of an earlier run")
	fs.StringVar(&f.lifeline, "lifeline", "", "a lifeline binary to run instead of building ./cmd/lifeline")
	fs.BoolVar(&f.stores, "stores", false, "compare the memory and Redis state stores instead: one gateway on each, -store-rate requests per second, -rounds rounds of -duration; writes stores.md and stores.json (-docs: the page's state-store section)")
	fs.IntVar(&f.storeRate, "store-rate", 1000, "with -stores: requests per second")
	fs.StringVar(&f.redisServer, "redis-server", "", "with -stores: the redis-server binary (default: redis-server on PATH)")
	fs.StringVar(&f.profile, "profile", "", "profile instead of benchmarking: 'cpu' writes cpu.pprof and allocs.pprof of the proxy run in this process")
	fs.StringVar(&f.profileSystem, "profile-system", lifeline, "system to profile: lifeline or proxy")
	fs.IntVar(&f.profileRate, "profile-rate", 4000, "rate of the profiled load, requests per second")
	fs.DurationVar(&f.profileDuration, "profile-duration", 15*time.Second, "length of the profiled load")
	fs.Parse(os.Args[1:])
	raiseFileLimit()
	// The load generator (this process) and the upstream collect garbage
	// less often, leaving more of the shared cores to the paths measured,
	// which run with the defaults.
	debug.SetGCPercent(harnessGOGC)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case f.stores && f.from != "":
		err = rewriteStores(f, os.Stdout)
	case f.stores:
		err = storesRun(ctx, f, os.Stdout)
	case f.from != "":
		err = rewrite(f, os.Stdout)
	case f.profile != "":
		err = profileRun(ctx, f, os.Stdout)
	default:
		err = benchRun(ctx, f, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// plan turns the flags into a plan.
func (f flags) plan() (plan, error) {
	p := f.schedule()
	p.streams, p.events, p.gap = f.streams, f.events, f.gap
	for _, s := range strings.Split(f.rates, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		r, err := strconv.Atoi(s)
		if err != nil || r <= 0 {
			return p, fmt.Errorf("-rates: %q is not a positive integer", s)
		}
		p.rates = append(p.rates, r)
	}
	return p, p.checkSchedule()
}

// schedule is the plan's rounds and their timing, as the flags set them
// or, with -quick, shortened to one short round.
func (f flags) schedule() plan {
	p := plan{rounds: f.rounds, duration: f.duration, warmup: f.warmup, pause: f.pause, quiet: f.quiet, quietMax: f.quietMax}
	if f.quick {
		p.rounds, p.duration, p.warmup, p.pause = 1, 2*time.Second, 500*time.Millisecond, 200*time.Millisecond
		p.quietMax = min(p.quietMax, 5*time.Second)
	}
	return p
}

// checkSchedule refuses a plan without a round to measure.
func (p plan) checkSchedule() error {
	if p.rounds < 1 || p.duration <= 0 {
		return errors.New("-rounds and -duration must be positive")
	}
	return nil
}

// benchRun builds and starts the three processes, runs the plan and
// writes the outputs.
func benchRun(ctx context.Context, f flags, stdout io.Writer) error {
	p, err := f.plan()
	if err != nil {
		return err
	}
	ss, err := openSession(ctx, f, stdout, "building lifeline, bareproxy and upstream")
	if err != nil {
		return err
	}
	defer ss.close()
	up, err := ss.startServer("upstream", ss.bins.upstream,
		"-events", strconv.Itoa(p.events), "-gap", p.gap.String(), "-gogc", strconv.Itoa(harnessGOGC))
	if err != nil {
		return err
	}
	defer up.stop()
	px, err := ss.startServer("bareproxy", ss.bins.bareproxy, "-upstream", up.url)
	if err != nil {
		return err
	}
	defer px.stop()
	gw, err := ss.startGateway("lifeline", "lifeline.yaml", func(addr string) string {
		return lifelineConfig(addr, up.url, f.logLevel)
	})
	if err != nil {
		return err
	}
	defer gw.stop()
	systems := []system{
		{name: direct, url: up.url},
		{name: proxy, url: px.url, pid: px.Pid()},
		{name: lifeline, url: gw.url, pid: gw.Pid()},
	}
	scs, err := execute(ctx, p, systems, up.Pid(), stdout)
	if err != nil {
		return err
	}
	d, err := newReport(p, f, scs).document()
	if err != nil {
		return err
	}
	return ss.emit(d, f.docs, stdout)
}

// newReport describes the run.
func newReport(p plan, f flags, scs []*scenarioResult) *report {
	return &report{
		origin: newOrigin(), Command: runCommand(),
		Plan: planJSON{Rates: p.rates, Rounds: p.rounds, RoundSecond: p.duration.Seconds(), Warmup: p.warmup.Seconds(),
			Streams: p.streams, Events: p.events, GapMillis: ms(p.gap), LogLevel: f.logLevel},
		Scenarios: scs, Checks: checks(scs),
	}
}

// raiseFileLimit lifts the open-file limit to its hard maximum for this
// process and the servers it starts: an overloaded system makes the
// open-model load generator hold thousands of connections.
func raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
