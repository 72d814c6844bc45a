package mock

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/lifelinehq/lifeline/internal/cli"
)

// ErrUsage is matched (errors.Is) by the error Command returns for a
// mistake in its arguments: an unknown flag, a flag value it refuses, an
// argument it does not take. The error's message says what is wrong;
// lifeline mock exits 2 on it. A config file that cannot be loaded is not a
// usage mistake.
var ErrUsage = errors.New("lifeline mock: usage mistake")

// usage is the error of a mistake in the arguments, msg saying what it is.
func usage(msg string) error { return &cli.UsageError{Msg: msg, Err: ErrUsage} }

// Command runs `lifeline mock`: a fault-injecting fake model provider that
// serves both dialects on --listen until ctx is cancelled, then shuts down
// gracefully within --grace. When force ends during that shutdown (a
// second signal; context.Background() never does), the shutdown ends at
// once, every open connection closed, and Command returns nil, as
// lifeline serve ends its drain. args are the arguments after "mock".
// --help prints the usage, every fault with an example, and returns nil; a
// mistake in args returns an error matching ErrUsage.
func Command(ctx, force context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lifeline mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	var (
		listen     = fs.String("listen", DefaultListen, "address to listen on")
		configFile = fs.String("config", "", "YAML config `file` (flags override it)")
		seed       = fs.Uint64("seed", 0, "seed: the same seed gives the same fault sequence")
		faults     = fs.String("faults", "", "fault `mix`, e.g. \"overloaded=0.1,rate_limit=0.05\"")
		latency    Range
		ttft       Range
		eventDelay Range
		stallAfter = fs.Int("stall-after", DefaultStallAfter, "events a stalled stream sends before it stalls")
		errorAfter = fs.Int("error-after", DefaultErrorAfter, "content events stream_error_after sends before the error")
		cutAfter   = fs.Int("cut-after", 0, "events a cut stream sends (0: all but the terminal event)")
		hint       = fs.String("hint", string(HintRetryAfter), "rate_limit hint `format`: "+hintNames)
		hintAfter  = fs.Duration("hint-after", DefaultHintAfter, "the wait a rate_limit hint asks for")
		hangMax    = fs.Duration("hang-max", DefaultHangMax, "bound on hang and stall, after which the connection is dropped")
		name       = fs.String("name", "mock", "name mixed into ids (give each mock its own when several share a seed)")
		text       = fs.String("text", "", "the text answer (default: a fixed sentence)")
		retry      = fs.String("should-retry", "", "x-should-retry `value` (true or false) sent on every response that is not a clean answer")
		outage     Outage
		grace      = fs.Duration("grace", DefaultGrace, "bound on the graceful shutdown (a second SIGTERM/SIGINT ends it at once)")
	)
	fs.Var(&latency, "latency", "delay before the response headers: a `range` such as 50ms or 20ms-80ms")
	fs.Var(&ttft, "ttft", "delay `range` before a stream's first content event (non-streams: added to latency)")
	fs.Var(&eventDelay, "event-delay", "delay `range` between stream events")
	fs.Var(&outage, "outage", "recurring outage `window`, e.g. \"for=8s,every=40s,after=20s,fault=overloaded\": every request fails meanwhile")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs)
			return nil
		}
		fmt.Fprintln(stderr, "lifeline mock --help lists the flags and faults.")
		// The flag set has printed the message.
		return &cli.UsageError{Msg: err.Error(), Shown: true, Err: ErrUsage}
	}
	if fs.NArg() > 0 {
		return usage(fmt.Sprintf("mock: unexpected argument %q (see lifeline mock --help)", fs.Arg(0)))
	}
	if *grace < 0 {
		return usage("mock: --grace must not be negative")
	}

	var cfg Config
	if *configFile != "" {
		c, err := LoadConfig(*configFile)
		if err != nil {
			return err
		}
		cfg = c
	}
	var flagErr error
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "seed":
			cfg.Seed = *seed
		case "faults":
			mix, err := ParseFaults(*faults)
			if err != nil {
				flagErr = usage("--faults: " + err.Error())
			}
			cfg.Faults = mix
		case "latency":
			cfg.Latency = latency
		case "ttft":
			cfg.TTFT = ttft
		case "event-delay":
			cfg.EventDelay = eventDelay
		case "stall-after":
			cfg.StallAfter = *stallAfter
		case "error-after":
			cfg.ErrorAfter = *errorAfter
		case "cut-after":
			cfg.CutAfter = *cutAfter
		case "hint":
			cfg.Hint = HintFormat(*hint)
		case "hint-after":
			cfg.HintAfter = *hintAfter
		case "hang-max":
			cfg.HangMax = *hangMax
		case "name":
			cfg.Name = *name
		case "text":
			cfg.Text = *text
		case "should-retry":
			cfg.ShouldRetry = *retry
		case "outage":
			cfg.Outage = outage
		}
	})
	if flagErr != nil {
		return flagErr
	}
	srv, err := New(cfg)
	if err != nil {
		if *configFile == "" {
			// Every setting came from the command line.
			return usage(err.Error())
		}
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("mock: listen %s: address already in use; fix: stop what listens there, or give another address with --listen", *listen)
		}
		return fmt.Errorf("mock: %w", err)
	}
	run := serve(ln, srv)
	fmt.Fprintf(stdout, "lifeline mock listening on %s (OpenAI base URL %s/v1, Anthropic base URL %s)\n", run.URL, run.URL, run.URL)
	fmt.Fprintf(stdout, "seed %d, faults: %s\n", srv.cfg.Seed, describeMix(srv.cfg.Faults))
	if srv.cfg.Outage.enabled() {
		fmt.Fprintf(stdout, "outage: %s\n", srv.cfg.Outage)
	}

	select {
	case <-ctx.Done():
	case <-run.served:
		return fmt.Errorf("mock: %w", run.serveErr)
	}
	sctx, cancel := context.WithTimeout(force, *grace)
	defer cancel()
	defer cli.Announce(force, stderr, "lifeline mock: second signal: closing the open connections now")()
	if err := run.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && force.Err() == nil {
		return err
	}
	st := srv.Stats()
	fmt.Fprintf(stdout, "lifeline mock stopped after %d requests (%d valid, %d invalid)\n", st.Requests, st.Valid, st.Invalid)
	return nil
}

// describeMix formats a fault mix in draw order.
func describeMix(mix map[Fault]float64) string {
	var parts []string
	for _, f := range Faults() {
		if p := mix[f]; p > 0 {
			parts = append(parts, fmt.Sprintf("%s=%g", f, p))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// printHelp writes the usage: flags, faults with examples, headers and the
// config file shape.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: lifeline mock [flags]

A fake model provider for tests: it speaks the OpenAI Chat Completions
dialect (POST /v1/chat/completions, /chat/completions) and the Anthropic
Messages dialect (POST /v1/messages), JSON and SSE, text, tool calls and
structured output, and injects faults: drawn from a seeded mix, or forced
per request with a header. GET /_mock/ledger and /_mock/stats return what
it sent as JSON; a ledger entry holds the request's sequence number, path,
model, fault, status, validity, response, tool-call and request ids, when
the request arrived (received), and the Idempotency-Key it carried
(idempotency_key).

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)

	fmt.Fprint(w, `
Faults (names for --faults, the config's faults: map and X-Mock-Fault):
`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, fi := range faultTable {
		fmt.Fprintf(tw, "  %s\t%s\n", fi.fault, fi.help)
		if fi.arg != "" {
			fmt.Fprintf(tw, "  \t  arg: %s\n", fi.arg)
		}
		fmt.Fprintf(tw, "  \t  e.g. %s\n", fi.example)
	}
	_ = tw.Flush()

	fmt.Fprint(w, `
Request headers:
  X-Mock-Fault: NAME             force this fault on the request (none forces a clean answer)
  X-Mock-Fault-Arg: ARG          its argument: tokens joined by ':' — a count N, a duration, a word
  X-Mock-Should-Retry: BOOL      true|false: if the response is not a clean answer (an error status,
                                 a broken stream, an invalid output) it carries x-should-retry: BOOL,
                                 the header that overrides the SDKs' retry rule (overrides --should-retry)
  X-Mock-Latency: RANGE          override --latency for the request
  X-Mock-Ttft: RANGE             override --ttft for the request
Responses carry X-Mock-Fault when a fault was injected. A mistake in these headers
(an unknown fault, a token the forced fault does not take, a wait without its unit
such as "250" for "250ms", a malformed range) gets a 400 invalid_request_error that
names the header.

Requests the real API refuses get its 400 invalid_request_error, whatever the fault:
a body that is not JSON, no model, no messages or an empty list, a message that
is not an object or has a role the dialect does not take (Anthropic: only user
and assistant), content that is neither a string nor a list, an OpenAI tool
message without tool_call_id, and (Anthropic) an empty message other than a
final assistant one or no max_tokens; OpenAI's error carries its param and code.

During an --outage window every request without X-Mock-Fault gets the outage's
fault (default overloaded). The config's schemas: map answers a model's plain
requests with JSON generated from its schema (see the config file below).

Example:
  lifeline mock --seed 7 --faults "overloaded=0.1,rate_limit=0.05,cut=0.02" --latency 20ms-80ms
  curl -s localhost:9090/v1/messages -H 'X-Mock-Fault: rate_limit' -H 'X-Mock-Fault-Arg: http-date:2s' \
    -d '{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}'

Config file (--config):
`)
	fmt.Fprint(w, exampleYAML)
}

// exampleYAML is the config file shape, printed by --help.
const exampleYAML = `  seed: 7
  name: mock
  faults:            # probability per fault; the rest are clean answers
    overloaded: 0.1
    rate_limit: 0.05
  latency: 20ms-80ms # before the response headers
  ttft: 200ms        # before a stream's first content event
  event_delay: 5ms   # between stream events
  stall_after: 3
  error_after: 2
  cut_after: 0       # 0: all but the terminal event
  hint: retry-after  # retry-after | retry-after-ms | http-date | reset | none
  hint_after: 1s
  hang_max: 60s
  text: "Hello!"
  ledger_size: 100000
  should_retry: false # x-should-retry on every response that is not a clean answer
  outage:            # a recurring window in which every request fails
    after: 20s       # the first one, from the start
    for: 8s
    every: 40s       # 0: only once
    fault: overloaded
  schemas:           # model → JSON schema of its answers to plain requests
    json-model: {type: object, required: [answer], properties: {answer: {type: string}}}
`
