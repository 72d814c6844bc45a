// Command agent-loop is a multi-step, tool-using agent on lifeline's
// library face: the official openai-go client with lifeline's
// http.RoundTripper, and one wall-clock deadline for the whole loop.
//
// Every step (a model call, then the tools it asks for) runs under the
// same context, whose deadline is the loop's: lifeline bounds each
// attempt, retry, backoff and fallback by what is left of it, and a wait
// that would overrun it is not started. The loop either answers before the
// deadline or stops at it (with lifeline's deadline_exceeded, or the
// context's deadline error when it falls during a call); it never takes
// longer.
//
// Where requests go:
//
//   - with no -url and no provider keys in the environment, the example
//     starts two mock providers of its own (package mock): a flaky
//     Anthropic-dialect primary and a steady OpenAI-dialect backup, so you
//     see retries and fallbacks (and translation between the dialects) at
//     once;
//   - with ANTHROPIC_API_KEY and/or OPENAI_API_KEY set, the route is
//     Anthropic (claude-sonnet-4-5) then OpenAI (gpt-4.1);
//   - with -url, one OpenAI-compatible server (`lifeline mock`, vLLM,
//     Ollama…) or, with -kind anthropic, an Anthropic-dialect one.
//
// Usage:
//
//	go run ./examples/agent-loop [-deadline 60s] [-steps 4] [-url URL -kind openai -model NAME]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "agent-loop:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	deadline time.Duration
	steps    int
	url      string
	kind     string
	model    string
	seed     uint64
	faults   string
}

// run parses args, builds the route and runs the loop, printing each step
// to out. getenv reads provider keys.
func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("agent-loop", flag.ContinueOnError)
	fs.SetOutput(out)
	var o options
	fs.DurationVar(&o.deadline, "deadline", 60*time.Second, "one wall-clock deadline for the whole loop, every step and retry included")
	fs.IntVar(&o.steps, "steps", 4, "most model calls; the last one is asked to answer without tools")
	fs.StringVar(&o.url, "url", "", "base `URL` of one provider, e.g. http://127.0.0.1:9090/v1 (lifeline mock) or http://127.0.0.1:11434/v1 (Ollama)")
	fs.StringVar(&o.kind, "kind", "openai", "dialect of -url: openai (any OpenAI-compatible server) or anthropic")
	fs.StringVar(&o.model, "model", "mock-model", "model name sent to -url")
	fs.Uint64Var(&o.seed, "seed", 1, "fault sequence of the example's own mock providers")
	fs.StringVar(&o.faults, "faults", "overloaded=0.25,server_error=0.15,bad_tool_args=0.15",
		"fault `mix` of the example's own flaky primary (see lifeline mock --help)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.steps < 1 {
		return fmt.Errorf("-steps must be at least 1")
	}
	c, err := newChain(o, getenv)
	if err != nil {
		return err
	}
	defer c.close()
	fmt.Fprintf(out, "route %s: %s\n", c.route.Name(), c.describe())

	// The loop's deadline: one context for every step.
	ctx, cancel := context.WithTimeout(ctx, o.deadline)
	defer cancel()
	return agent{client: c.client(), model: c.model, steps: o.steps, out: out}.run(ctx)
}
