package mock

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --help lists every fault with an example, the request headers and the
// config shape, on stdout, and succeeds.
func TestCommandHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		var stdout, stderr bytes.Buffer
		if err := Command(context.Background(), context.Background(), []string{arg}, &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		out := stdout.String()
		for _, fi := range faultTable {
			if !strings.Contains(out, "  "+string(fi.fault)+" ") || !strings.Contains(out, fi.example) {
				t.Errorf("%s: fault %s or its example %q missing", arg, fi.fault, fi.example)
			}
		}
		for _, s := range []string{"X-Mock-Fault:", "X-Mock-Fault-Arg:", "-listen", "127.0.0.1:9090", "-seed", "-faults",
			"-latency", "-ttft", "-stall-after", "-hint", "hint_after:", "faults:",
			"X-Mock-Should-Retry:", "-should-retry", "-outage", "outage:", "schemas:", "max_tokens"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: %q missing from the help", arg, s)
			}
		}
		if stderr.Len() != 0 {
			t.Errorf("%s wrote to stderr: %s", arg, stderr.String())
		}
	}
}

// lineWriter hands each line written to a channel.
type lineWriter struct{ lines chan string }

func (w lineWriter) Write(p []byte) (int, error) {
	for l := range strings.SplitSeq(strings.TrimRight(string(p), "\n"), "\n") {
		w.lines <- l
	}
	return len(p), nil
}

// The command serves on --listen with the config file and flags merged
// (flags win: seed 9, the flag's mix; the file's hint format stays), and stops when its context is cancelled.
func TestCommandServesUntilCancelled(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "mock.yaml")
	if err := os.WriteFile(cfgFile, []byte("seed: 5\nfaults: {overloaded: 1}\nhint: http-date\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := lineWriter{make(chan string, 16)}
	errc := make(chan error, 1)
	go func() {
		errc <- Command(ctx, context.Background(), []string{"--listen", "127.0.0.1:0", "--config", cfgFile, "--faults", "rate_limit=1", "--hint-after", "3s", "--seed", "9"}, out, &bytes.Buffer{})
	}()
	var first string
	select {
	case first = <-out.lines:
	case err := <-errc:
		t.Fatalf("command ended: %v", err)
	}
	url := strings.Fields(strings.TrimPrefix(first, "lifeline mock listening on "))[0]
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q", first)
	}
	if l := <-out.lines; !strings.Contains(l, "seed 9") || !strings.Contains(l, "rate_limit=1") {
		t.Errorf("second line %q", l)
	}
	resp, err := http.Post(url+"/v1/messages", "application/json", strings.NewReader(`{"model":"m","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || !strings.HasSuffix(resp.Header.Get("Retry-After"), " GMT") {
		t.Errorf("status %d retry-after %q; want the flag's mix and the file's hint format", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	exp, err := http.ParseTime(resp.Header.Get("Retry-After"))
	if err != nil || time.Until(exp) < time.Second || time.Until(exp) > 5*time.Second {
		t.Errorf("retry-after %q is not about 3s away", resp.Header.Get("Retry-After"))
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("command: %v", err)
	}
	if l := <-out.lines; !strings.Contains(l, "stopped after 1 requests") {
		t.Errorf("last line %q", l)
	}
}

// --outage and --should-retry reach the server: inside the window every
// request fails with the outage's fault, carrying x-should-retry.
func TestCommandOutageAndShouldRetryFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := lineWriter{make(chan string, 16)}
	errc := make(chan error, 1)
	go func() {
		errc <- Command(ctx, context.Background(), []string{"--listen", "127.0.0.1:0", "--outage", "for=1h,fault=server_error", "--should-retry", "false"}, out, &bytes.Buffer{})
	}()
	url := strings.Fields(strings.TrimPrefix(<-out.lines, "lifeline mock listening on "))[0]
	<-out.lines // seed and faults
	if l := <-out.lines; l != "outage: for=1h0m0s,fault=server_error" {
		t.Errorf("third line %q, want the outage", l)
	}
	resp, err := http.Post(url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || resp.Header.Get("X-Should-Retry") != "false" {
		t.Errorf("status %d, x-should-retry %q; want 500 and false", resp.StatusCode, resp.Header.Get("X-Should-Retry"))
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// A --listen address another process holds is named, with the fix, once:
// the command's caller adds its own "lifeline:" prefix.
func TestCommandNamesAnAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	err = Command(t.Context(), context.Background(), []string{"--listen", addr}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Fatal("the mock started on an address in use")
	}
	msg := err.Error()
	if !strings.Contains(msg, addr+": address already in use") || !strings.Contains(msg, "--listen") || strings.Contains(msg, "lifeline") {
		t.Fatalf("error %q; want the address, that it is in use, the --listen fix, and no program name", msg)
	}
}
