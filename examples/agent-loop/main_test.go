package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lifelinehq/lifeline/mock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// noKeys is an environment without provider keys.
func noKeys(string) string { return "" }

var stepLine = regexp.MustCompile(`(?m)^step (\d+): served by (\S+) after (\d+) attempt`)

// With no keys and no -url, the example runs on its own flaky mock
// providers and still answers: every fault is absorbed by a retry or a
// fallback.
func TestRunsOnItsOwnMocks(t *testing.T) {
	for _, seed := range []string{"1", "2", "3"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-seed", seed}, &out, noKeys); err != nil {
			t.Fatalf("seed %s: %v\n%s", seed, err, out.String())
		}
		steps := stepLine.FindAllStringSubmatch(out.String(), -1)
		if len(steps) != 4 || !strings.Contains(out.String(), "final answer after 4 step(s)") {
			t.Fatalf("seed %s: want 4 steps and a final answer:\n%s", seed, out.String())
		}
	}
}

// The flaky primary's faults show: over a few runs, some step is served
// by the backup or after more than one attempt.
func TestOwnMocksShowRecovery(t *testing.T) {
	recovered := false
	for _, seed := range []string{"1", "2", "3"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-seed", seed}, &out, noKeys); err != nil {
			t.Fatal(err)
		}
		for _, m := range stepLine.FindAllStringSubmatch(out.String(), -1) {
			recovered = recovered || m[2] == "mock-openai/gpt-mock" || m[3] != "1"
		}
	}
	if !recovered {
		t.Fatal("no step needed a retry or a fallback: the primary's faults are not reaching the loop")
	}
}

// With -url, the loop runs against that provider: one model call per step.
func TestRunsAgainstURL(t *testing.T) {
	for _, kind := range []string{"openai", "anthropic"} {
		t.Run(kind, func(t *testing.T) {
			p := startMock(t, mock.Config{Seed: 1})
			url := p.URL
			if kind == "openai" {
				url += "/v1"
			}
			var out bytes.Buffer
			if err := run(context.Background(), []string{"-url", url, "-kind", kind, "-steps", "3"}, &out, noKeys); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if got := p.Server.Stats().Requests; got != 3 {
				t.Fatalf("the provider got %d calls, want 3 (one per step):\n%s", got, out.String())
			}
			if !strings.Contains(out.String(), "served by provider/mock-model") {
				t.Fatalf("output:\n%s", out.String())
			}
		})
	}
}

// One deadline spans every step: each call fits the deadline on its own,
// four in a row do not, and the loop stops at the deadline with
// deadline_exceeded instead of taking four calls' time.
func TestDeadlineSpansAllSteps(t *testing.T) {
	p := startMock(t, mock.Config{Seed: 1, Latency: mock.Range{Min: 150 * time.Millisecond, Max: 150 * time.Millisecond}})
	var out bytes.Buffer
	start := time.Now()
	err := run(context.Background(), []string{"-url", p.URL + "/v1", "-deadline", "400ms", "-steps", "4"}, &out, noKeys)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("the loop answered in %s, past its 400ms deadline:\n%s", elapsed, out.String())
	}
	if !strings.Contains(err.Error(), "deadline_exceeded") && !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("error %v, want a deadline error", err)
	}
	if elapsed > 2*time.Second {
		t.Fatalf("the loop ran %s past a 400ms deadline", elapsed)
	}
	// 150ms a call: at most three fit in 400ms, the third cut short.
	if got := p.Server.Stats().Requests; got < 1 || got > 3 {
		t.Fatalf("the provider got %d calls; want at most 3 within the deadline:\n%s", got, out.String())
	}
}

// The loop stops at its deadline even in the middle of a call that would
// run far past it: a provider that never answers holds the first step, and
// the loop ends at the deadline, not when the provider gives up.
func TestDeadlineCutsAHangingCall(t *testing.T) {
	p := startMock(t, mock.Config{Seed: 1, Faults: map[mock.Fault]float64{mock.Hang: 1}, HangMax: 20 * time.Second})
	var out bytes.Buffer
	start := time.Now()
	err := run(context.Background(), []string{"-url", p.URL + "/v1", "-deadline", "300ms"}, &out, noKeys)
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "step 1 failed") {
		t.Fatalf("error %v, want step 1 to fail at the deadline:\n%s", err, out.String())
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "deadline_exceeded") {
		t.Fatalf("error %v, want a deadline error", err)
	}
	// The provider would hold the call for 20s.
	if elapsed > 5*time.Second {
		t.Fatalf("the loop ran %s past a 300ms deadline", elapsed)
	}
}

// The example builds and runs as a command.
func TestBuildAndRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "agent-loop")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p := startMock(t, mock.Config{Seed: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-url", p.URL+"/v1", "-deadline", "30s")
	cmd.Env = append(os.Environ(), "ANTHROPIC_API_KEY=", "OPENAI_API_KEY=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "final answer") {
		t.Fatalf("agent-loop: %v\n%s", err, out)
	}
}

func startMock(t *testing.T, cfg mock.Config) *mock.Running {
	t.Helper()
	p, err := mock.Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
