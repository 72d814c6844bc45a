package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lifelinehq/lifeline/internal/syncbuffer"
)

// binary is the lifeline command built once for every test.
var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "lifeline-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "the go tool is needed to build the binary:", err)
		return 1
	}
	binary = filepath.Join(dir, "lifeline")
	build := exec.Command(goTool, "build", "-o", binary, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		return 1
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			return 1
		}
	}
	return code
}

// Credentials of the test configurations, passed through the environment.
const (
	anthropicKey = "sk-ant-SECRET-abc123"
	openaiKey    = "sk-SECRET-xyz789"
	clientKey    = "client-SECRET-key-42"
)

var secrets = []string{anthropicKey, openaiKey, clientKey}

// testEnv is the environment of every command: the credentials, and none
// of the caller's provider keys or base URLs.
func testEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANTHROPIC_") && !strings.HasPrefix(kv, "OPENAI_") {
			env = append(env, kv)
		}
	}
	return append(env, "TEST_ANTHROPIC_KEY="+anthropicKey, "TEST_OPENAI_KEY="+openaiKey, "TEST_CLIENT_KEY="+clientKey)
}

// writeConfig writes a configuration file into a fresh folder.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lifeline.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// lifeline runs the binary to completion and returns its output and exit
// status.
func lifeline(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = testEnv()
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

// server is a running `lifeline serve`.
type server struct {
	cmd    *exec.Cmd
	addr   string
	logs   *syncbuffer.Buffer
	exited chan struct{}
	err    error // the exit error, once exited is closed
}

// serve starts `lifeline serve --config path --listen 127.0.0.1:0` and
// waits until it listens; the address comes from its JSON log.
func serve(t *testing.T, path string) *server {
	t.Helper()
	return serveOn(t, path, "127.0.0.1:0")
}

// serveOn is serve listening on listen.
func serveOn(t *testing.T, path, listen string) *server {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--config", path, "--listen", listen)
	cmd.Env = testEnv()
	cmd.Dir = t.TempDir()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &syncbuffer.Buffer{}, exited: make(chan struct{})}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.logs.Write([]byte(line + "\n"))
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "lifeline listening" {
				listening <- rec.Addr
			}
		}
		io.Copy(io.Discard, pipe)
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			cmd.Process.Kill()
			<-s.exited
		}
	})
	select {
	case s.addr = <-listening:
	case <-s.exited:
		t.Fatalf("serve exited before listening: %v\n%s", s.err, s.logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not start:\n%s", s.logs.String())
	}
	return s
}

// url is the server's URL for path.
func (s *server) url(path string) string { return "http://" + s.addr + path }

// terminate sends SIGTERM.
func (s *server) terminate(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
}

// wait waits for the process to exit and returns its exit status.
func (s *server) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-s.exited:
	case <-time.After(within):
		t.Fatalf("serve still running after %v:\n%s", within, s.logs.String())
	}
	if ee, ok := s.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if s.err != nil {
		t.Fatal(s.err)
	}
	return 0
}

// noSecrets fails when any credential appears in text.
func noSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("a credential leaked into %s:\n%s", where, text)
		}
	}
}
