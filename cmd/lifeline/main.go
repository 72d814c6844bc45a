// Command lifeline is the reliability gateway between AI agents and model
// APIs.
//
//	lifeline serve [--config FILE] [--listen ADDR]   run the gateway
//	lifeline check [--config FILE]                   validate a config, print the resolved routes
//	lifeline mock [flags]                            run the fault-injecting mock provider
//	lifeline demo [--duration 30s]                   run the demo gateway under a synthetic agent workload
//	lifeline version                                 print the version
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
	"strings"
	"syscall"

	"github.com/lifelinehq/lifeline/internal/cli"
	"github.com/lifelinehq/lifeline/internal/demo"
	"github.com/lifelinehq/lifeline/mock"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const usage = `lifeline — the reliability layer between AI agents and model APIs

Usage:
  lifeline serve [--config FILE] [--listen ADDR]   run the gateway
  lifeline check [--config FILE]                   validate a config and print the resolved routes
  lifeline mock [flags]                            run the fault-injecting mock provider (--help for faults)
  lifeline demo [--duration 30s]                   run the demo gateway under a synthetic agent workload
  lifeline version                                 print the version

serve reads --config FILE, else ./lifeline.yaml, else builds a default chain
from ANTHROPIC_API_KEY / OPENAI_API_KEY (and ANTHROPIC_BASE_URL /
OPENAI_BASE_URL when set), else starts the embedded demo.
Configuration reference: docs/configuration.md
`

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	ctx, force := stopContexts(sigs)
	os.Exit(run(ctx, force, os.Args[1:], os.Stdout, os.Stderr))
}

// stopContexts turns SIGTERM/SIGINT into two contexts: ctx ends at the
// first signal (stop gracefully), force at the second (stop now).
func stopContexts(sigs <-chan os.Signal) (ctx, force context.Context) {
	ctx, stop := context.WithCancel(context.Background())
	force, now := context.WithCancel(context.Background())
	go func() {
		<-sigs
		stop()
		<-sigs
		now()
	}()
	return ctx, force
}

// run executes one subcommand and returns the process exit code. ctx ends
// when the command should stop; force, when serve, mock or demo should
// stop without waiting out its shutdown grace.
func run(ctx, force context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, force, args[1:], stdout, stderr)
	case "check":
		err = check(args[1:], stdout, stderr)
	case "mock":
		err = mock.Command(ctx, force, args[1:], stdout, stderr)
	case "demo":
		err = demo.Command(ctx, force, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		if len(args) > 1 {
			return extraArgs(args, stderr)
		}
		fmt.Fprintln(stdout, "lifeline", versionString())
		return 0
	case "help", "--help", "-h":
		if len(args) > 1 {
			return extraArgs(args, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "lifeline: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	if ue := (*cli.UsageError)(nil); errors.As(err, &ue) {
		if !ue.Shown {
			fmt.Fprintln(stderr, "lifeline:", err)
		}
		return 2
	}
	fmt.Fprintln(stderr, "lifeline:", err)
	return 1
}

// extraArgs reports arguments after a command that takes none and returns
// the usage error's exit code.
func extraArgs(args []string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "lifeline: %s takes no arguments: %s\n\n%s", args[0], strings.Join(args[1:], " "), usage)
	return 2
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
