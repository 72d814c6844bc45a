package demo

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/internal/cli"
)

// Command runs `lifeline demo`: the embedded demo gateway on a real
// listener under a synthetic agent workload for a fixed time, with a live
// progress line, then a summary table read from the gateway's /metrics and
// checked against the workload's own count and the mock providers'
// ledgers. It fails when any invalid answer was served as ok or the counts
// disagree. When ctx ends the workload stops and the summary of the part
// that ran is printed; when force ends too (a second signal), the demo no
// longer waits for the requests still in flight.
func Command(ctx, force context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	o.terminal = isTerminal(stdout)
	o.every = 5 * time.Second
	if o.terminal {
		o.every = time.Second
	}
	_, err = run(ctx, force, o, stdout, stderr)
	return err
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("lifeline demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: lifeline demo [--duration 30s] [--concurrency 8] [--seed N] [--listen ADDR]

Runs the embedded demo gateway (two mock providers that fail on purpose)
under a synthetic agent workload, then prints how every request was served,
read from the gateway's /metrics.

`)
		fs.PrintDefaults()
	}
	var o options
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long the workload runs")
	fs.IntVar(&o.concurrency, "concurrency", 8, "concurrent agents sending requests")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the providers' faults and the workload's mix (default: from the clock)")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "the gateway's listen address")
	if err := fs.Parse(args); err != nil {
		return o, cli.FlagError(err)
	}
	if fs.NArg() > 0 {
		return o, cli.Usage("demo takes no arguments: " + strings.Join(fs.Args(), " "))
	}
	if o.duration <= 0 {
		return o, cli.Usage("demo: --duration must be positive")
	}
	if o.concurrency < 1 || o.concurrency > 1000 {
		return o, cli.Usage("demo: --concurrency must be between 1 and 1000")
	}
	seeded := false
	fs.Visit(func(f *flag.Flag) { seeded = seeded || f.Name == "seed" })
	if !seeded {
		o.seed = uint64(time.Now().UnixNano())
	}
	return o, nil
}

// isTerminal reports whether w is a character device, where the progress
// line is rewritten in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
