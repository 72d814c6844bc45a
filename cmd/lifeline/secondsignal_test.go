//go:build unix

package main_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/syncbuffer"
)

// started is a lifeline command running in the background, its stdout
// scanned line by line.
type started struct {
	cmd    *exec.Cmd
	out    demoOutput
	errb   syncbuffer.Buffer // written by exec's copying goroutine
	lines  chan string
	done   chan struct{}
	exited error
}

// start runs bin with args.
func start(t *testing.T, bin string, args ...string) *started {
	t.Helper()
	s := &started{cmd: exec.Command(bin, args...), lines: make(chan string, 64), done: make(chan struct{})}
	s.cmd.Dir = t.TempDir()
	pipe, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = &s.errb
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			s.out.add(sc.Text() + "\n")
			select {
			case s.lines <- sc.Text():
			default:
			}
		}
		io.Copy(io.Discard, pipe)
		s.exited = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// find returns the first submatch of re in the command's output.
func (s *started) find(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line := <-s.lines:
			if m := re.FindStringSubmatch(line); m != nil {
				return m[1]
			}
		case <-s.done:
			t.Fatalf("exited before printing %s: %v\n%s%s", re, s.exited, s.out.String(), s.errb.String())
		case <-timeout:
			t.Fatalf("did not print %s:\n%s", re, s.out.String())
		}
	}
}

// signal sends sig to the command.
func (s *started) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// wantPromptExit checks that the command, signalled a second time at
// start, exits 0 within 5 s, although what keeps it busy would hold it
// much longer.
func (s *started) wantPromptExit(t *testing.T, start time.Time) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after the second signal:\n%s%s", s.out.String(), s.errb.String())
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("exited %v after the second signal, want at once", el)
	}
	if s.exited != nil {
		t.Errorf("exit: %v, want status 0\n%s%s", s.exited, s.out.String(), s.errb.String())
	}
	if !strings.Contains(s.errb.String(), "second signal") {
		t.Errorf("the forced stop was not reported on stderr:\n%s", s.errb.String())
	}
}

// A second SIGTERM/SIGINT ends the mock's graceful shutdown at once, as it
// ends serve's drain: a response still under way (here, one waiting a
// minute for its first token, within a minute's grace) no longer holds the
// process.
func TestMockSecondSignalStopsAtOnce(t *testing.T) {
	s := start(t, buildLifeline(t), "mock", "--listen", "127.0.0.1:0", "--grace", "60s")
	base := s.find(t, regexp.MustCompile(`^lifeline mock listening on (http://\S+) `))

	req, err := http.NewRequest(http.MethodPost, base+"/v1/messages",
		strings.NewReader(`{"model":"m","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Mock-Fault", "none")
	req.Header.Set("X-Mock-Ttft", "60s")
	hc := &http.Client{Transport: &http.Transport{}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}

	s.signal(t, syscall.SIGTERM)
	// The mock shuts down: it accepts nothing more, the open stream holds it.
	addr := strings.TrimPrefix(base, "http://")
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the mock still accepts connections 5s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-s.done:
		t.Fatalf("the mock exited with a response under way:\n%s", s.out.String())
	default:
	}
	s.signal(t, syscall.SIGINT)
	s.wantPromptExit(t, time.Now())
}

// A second SIGTERM/SIGINT stops the demo at once: it no longer waits for
// the requests its gateway still serves (here, one whose body never comes)
// before it prints what ran and exits.
func TestDemoSecondSignalStopsAtOnce(t *testing.T) {
	s := start(t, buildLifeline(t), "demo", "--duration", "10m", "--concurrency", "1")
	base := s.find(t, regexp.MustCompile(`^  gateway +(http://\S+)$`))

	// A request whose body stalls: the gateway serves it until its 60 s
	// body bound.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"model":"chat","messages":[{"role":"user","content":"hi"}]}`
	fmt.Fprintf(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: demo\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		len(body)+100, body)

	s.signal(t, syscall.SIGTERM)
	// The workload stops; the stalled request is the one left in flight.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if metricValue(t, hc, base, "lifeline_inflight_requests") == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stalled request is not in flight")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.signal(t, syscall.SIGINT)
	s.wantPromptExit(t, time.Now())
	if !strings.Contains(s.out.String(), "the workload was interrupted after") {
		t.Errorf("no summary of the part that ran:\n%s", s.out.String())
	}
}

// metricValue is the value of the unlabelled metric name on base's
// /metrics, empty when it cannot be read.
func metricValue(t *testing.T, hc *http.Client, base, name string) string {
	t.Helper()
	resp, err := hc.Get(base + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			return v
		}
	}
	return ""
}
