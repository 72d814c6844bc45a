//go:build unix

package main_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestDemoCommandPrintsTheSummary runs `lifeline demo` briefly with its
// output going to a pipe: plain progress lines, then the summary table and
// its checks, exit status 0.
func TestDemoCommandPrintsTheSummary(t *testing.T) {
	bin := buildLifeline(t)
	cmd := exec.Command(bin, "demo", "--duration", "3s", "--concurrency", "4", "--seed", "3")
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("lifeline demo: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	text := out.String()
	for _, want := range []string{
		"lifeline demo: 4 concurrent agents for 3s (seed 3)",
		"Summary: the workload ran",
		"served first try", "served after retry", "served by fallback", "rejected", "other failures",
		"invalid outputs caught", "upstream calls per request", "p50 latency", "p99 latency", "breaker trips",
		"invalid served as ok: 0 ",
		"the workload's own count agrees with /metrics",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if !regexp.MustCompile(`(?m)^\[ *\d+s/3s\] \d+ requests: `).MatchString(text) {
		t.Errorf("no progress line:\n%s", text)
	}
	if strings.Contains(text, "\r") {
		t.Errorf("progress lines rewritten in place although stdout is not a terminal:\n%q", text)
	}
}

// TestDemoServesMetricsDuringTheRunAndStopsOnInterrupt starts a long demo,
// reads the gateway's address from its output, fetches /metrics and
// /api/status during the run, then interrupts it: the summary of the part
// that ran is printed and the exit status is 0.
func TestDemoServesMetricsDuringTheRunAndStopsOnInterrupt(t *testing.T) {
	bin := buildLifeline(t)
	cmd := exec.Command(bin, "demo", "--duration", "10m", "--concurrency", "2")
	cmd.Dir = t.TempDir()
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var exitErr error
	var out demoOutput
	gateway := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			out.add(sc.Text() + "\n")
			if m := regexp.MustCompile(`^  gateway +(http://\S+)$`).FindStringSubmatch(sc.Text()); m != nil {
				gateway <- m[1]
			}
		}
		io.Copy(io.Discard, pipe)
		exitErr = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
	})
	var base string
	select {
	case base = <-gateway:
	case <-done:
		t.Fatalf("demo exited before printing its address: %v\n%s%s", exitErr, out.String(), errb.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("demo printed no gateway address:\n%s", out.String())
	}

	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, path := range []string{"/metrics", "/api/status"} {
		resp, err := hc.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s during the run: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s during the run: %s", path, resp.Status)
		}
		if path == "/metrics" && !bytes.Contains(b, []byte("lifeline_breaker_state")) {
			t.Errorf("/metrics during the run lacks lifeline_breaker_state:\n%s", b)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		if exitErr != nil {
			t.Errorf("interrupted demo: %v (want exit status 0)\n%s%s", exitErr, out.String(), errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("demo did not stop within 30s of SIGINT:\n%s", out.String())
	}
	for _, want := range []string{"the workload was interrupted after", "invalid served as ok: 0 ", "requests"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// demoOutput collects output written by one goroutine and read by another.
type demoOutput struct {
	mu sync.Mutex
	b  strings.Builder
}

func (d *demoOutput) add(s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.b.WriteString(s)
}

func (d *demoOutput) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.b.String()
}
