package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	goredis "github.com/redis/go-redis/v9"

	"github.com/lifelinehq/lifeline/internal/cli"
	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/demo"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/setup"
)

// defaultConfigFile is read by serve when --config is not given.
const defaultConfigFile = "lifeline.yaml"

// serve runs the gateway until ctx ends, then drains: in-flight requests
// get shutdown_grace to finish, or until force ends (a second signal).
func serve(ctx, force context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lifeline serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default ./lifeline.yaml, else provider keys from the environment, else the embedded demo)")
	listen := fs.String("listen", "", "listen address, overriding the config's listen (e.g. 127.0.0.1:8080)")
	if err := fs.Parse(args); err != nil {
		return cli.FlagError(err)
	}
	if fs.NArg() > 0 {
		return cli.Usage("serve takes no arguments: " + strings.Join(fs.Args(), " "))
	}
	if err := emptyConfigFlag(fs); err != nil {
		return err
	}
	if *listen != "" {
		if msg := config.CheckListen(*listen); msg != "" {
			return cli.Usage("--listen: " + msg + "; fix: write host:port, e.g. 127.0.0.1:8080")
		}
	}
	src, err := loadServeConfig(*configPath, *listen)
	if err != nil {
		return err
	}
	if src.demo != nil {
		defer src.demo.Close()
	}
	cfg := src.cfg
	if *listen != "" {
		cfg.Listen = *listen
	}
	log := newLogger(stderr, cfg.Log)
	if cfg.State.Backend == "redis" {
		// Before setup opens the store, whose first dials the client logs.
		goredis.SetLogger(redisLogger{log})
	}
	gcfg, err := setup.Gateway(ctx, cfg, log)
	if err != nil {
		return err
	}
	// /metrics also shows the process: goroutines, memory, open files.
	gcfg.Registry = prometheus.NewRegistry()
	gcfg.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	gw, err := gateway.New(gcfg)
	if err != nil {
		gcfg.Store.Close()
		return err
	}
	defer gw.Close()
	// From here on, every line goes through the gateway's redaction: a
	// credential in net/http's or the Redis client's lines (a panic's
	// value, an echoed request) is redacted too.
	log = gw.Logger()
	if cfg.State.Backend == "redis" {
		goredis.SetLogger(redisLogger{log}) // swapped atomically
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return listenError(cfg.Listen, err)
	}
	hs := &http.Server{
		Handler:           gw,
		BaseContext:       gw.BaseContext,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	// Ready before the log says so: whoever waits for "lifeline listening"
	// finds /readyz answering 200.
	gw.MarkReady()
	addr := ln.Addr().String()
	var routes []string
	for _, r := range gcfg.Routes {
		routes = append(routes, r.Name)
	}
	if len(gcfg.Keys) == 0 && !loopback(ln.Addr()) {
		log.Warn("no client keys are configured and lifeline listens beyond loopback: anyone who can reach "+addr+
			" may call every route on the providers' keys; fix: add keys: to the configuration, or listen on 127.0.0.1", "addr", addr)
	}
	url, everywhere := openURL(ln.Addr())
	attrs := []any{"addr", addr, "url", url}
	if everywhere {
		attrs = append(attrs, "interfaces", "all")
	}
	attrs = append(attrs, "config", src.name, "routes", strings.Join(routes, ","), "version", versionString())
	log.Info("lifeline listening", attrs...)
	if src.demo != nil {
		fmt.Fprint(stderr, demoBanner(url, everywhere))
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	grace := cfg.ShutdownGrace.D()
	log.Info("shutting down: draining in-flight requests", "grace", grace, "inflight", gw.InFlight())
	gw.Drain()
	hs.SetKeepAlivesEnabled(false) // clients' next requests go to another replica
	end := time.Now().Add(grace)
	// The listener stays open while requests are in flight, so that load
	// balancers read /readyz's 503 and new requests get a 503 that sends
	// their retries to another replica; then it closes.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for gw.InFlight() > 0 && time.Now().Before(end) && force.Err() == nil {
		select {
		case <-tick.C:
		case <-force.Done():
		}
	}
	sctx, cancel := context.WithDeadline(force, end)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		// Streams still open end with an error event rather than a silent cut.
		if force.Err() != nil {
			log.Warn("second signal: ending the remaining requests now", "inflight", gw.InFlight())
		} else {
			log.Warn("drain grace ran out; ending the remaining requests", "inflight", gw.InFlight())
		}
		gw.Abort()
		for end := time.Now().Add(2 * time.Second); gw.InFlight() > 0 && time.Now().Before(end); {
			time.Sleep(10 * time.Millisecond)
		}
		hs.Close()
	}
	log.Info("stopped")
	return nil
}

// openURL is the URL a user on this machine opens to reach a listener on
// addr. An unspecified address (":8080", "0.0.0.0:8080", "[::]:8080")
// listens on all interfaces, which everywhere reports; the URL then names
// 127.0.0.1, since no browser or curl opens http://[::]:8080.
func openURL(addr net.Addr) (url string, everywhere bool) {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String(), false
	}
	if ta.IP == nil || ta.IP.IsUnspecified() {
		return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(ta.Port)), true
	}
	return "http://" + ta.String(), false
}

// loopback reports whether addr is on a loopback interface, so that only
// this machine can reach it.
func loopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// configSource is the configuration serve runs on and where it came from.
type configSource struct {
	cfg  *config.Config
	name string
	demo *demo.Providers // set when running the embedded demo
}

// listenError says why serve cannot listen on addr and, when another
// process holds the address, how to choose another one.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("listen %s: address already in use; fix: stop what listens there, "+
			"or give another address with --listen (or listen: in the configuration)", addr)
	}
	return fmt.Errorf("listen: %w", err)
}

// loadServeConfig picks the configuration: --config, else ./lifeline.yaml,
// else a default chain from provider keys in the environment, else the
// embedded demo.
func loadServeConfig(path, listen string) (configSource, error) {
	if path == "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			path = defaultConfigFile
		}
	}
	if path != "" {
		cfg, err := config.Load(path, os.LookupEnv)
		return configSource{cfg: cfg, name: path}, err
	}
	if cfg, ok, err := keysConfig(os.LookupEnv); ok || err != nil {
		return configSource{cfg: cfg, name: "default chain from provider keys in the environment"}, err
	}
	p, err := demo.Start(uint64(time.Now().UnixNano()))
	if err != nil {
		return configSource{}, fmt.Errorf("starting the demo providers: %w", err)
	}
	if listen == "" {
		listen = config.DefaultListen
	}
	cfg, err := p.Config(listen)
	if err != nil {
		p.Close()
		return configSource{}, err
	}
	return configSource{cfg: cfg, name: "embedded demo", demo: p}, nil
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.SlogLevel()}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func demoBanner(base string, everywhere bool) string {
	where := ""
	if everywhere {
		where = "\n  lifeline listens on all interfaces; from this machine: " + base + "\n"
	}
	return where + `
  ┌──────────────────────────────────────────────────────────────────────────┐
  │ lifeline is running the DEMO.                                            │
  │ No lifeline.yaml and no ANTHROPIC_API_KEY / OPENAI_API_KEY were found,   │
  │ so two built-in mock providers that fail on purpose serve the routes     │
  │ "demo" and "demo-json". Send a request and watch X-Lifeline-Target and   │
  │ X-Lifeline-Attempts change as faults hit:                                │
  └──────────────────────────────────────────────────────────────────────────┘

    curl -si ` + base + `/v1/chat/completions \
      -H 'content-type: application/json' \
      -d '{"model":"demo","messages":[{"role":"user","content":"hello"}]}'

  "model":"demo-json" answers in JSON checked against a schema: an invalid
  answer is caught and the request falls back to demo-backup.

  Breaker: demo-primary goes down (529 overloaded) for ` + demo.OutageFor.String() + ` every ` + demo.OutageEvery.String() + `, the
  first time ` + demo.OutageAfter.String() + ` from now. Send requests in a loop and watch
  X-Lifeline-Target turn to demo-backup while its breaker is open, then
  back once a half-open probe finds it well and closes the breaker:

    while sleep 0.5; do curl -s -o /dev/null -D - ` + base + `/v1/chat/completions \
      -H 'content-type: application/json' \
      -d '{"model":"demo","messages":[{"role":"user","content":"hello"}]}' | grep -i x-lifeline-target; done

  Dashboard  ` + base + `/
  Status     ` + base + `/api/status   (every target's breaker state)
  Metrics    ` + base + `/metrics

  To use real providers: export ANTHROPIC_API_KEY / OPENAI_API_KEY, or write
  a lifeline.yaml (reference: docs/configuration.md).

`
}

// redisLogger routes the Redis client's own log lines (dial failures,
// reconnections, pool errors) into the gateway's log at debug level: an
// outage is reported once, at warn level, by the state store itself, and
// the client would repeat it on every failed dial.
type redisLogger struct{ log *slog.Logger }

// Printf implements go-redis's logging interface.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	if l.log.Enabled(ctx, slog.LevelDebug) {
		l.log.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
	}
}
