// Package redistest runs a real redis-server for tests: on a free loopback
// port, in a temporary directory, with persistence off, killed when the
// test ends. Stop and Restart drive outage drills.
//
// When redis-server is not on PATH the test is skipped, unless the
// environment variable LIFELINE_REQUIRE_REDIS is "1" (as in CI), where it
// fails instead, so that Redis tests never skip there unnoticed.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireEnv names the environment variable that turns a missing
// redis-server from a skip into a failure.
const RequireEnv = "LIFELINE_REQUIRE_REDIS"

// Bounds of waiting for the server.
const (
	startBound = 10 * time.Second // until a new server answers PING
	stopBound  = 10 * time.Second // until a killed server has exited
)

// Server is a redis-server process owned by one test.
type Server struct {
	tb   testing.TB
	bin  string
	dir  string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	runs   int           // servers started, to name their log files
}

// Start launches redis-server on a free loopback port and returns once it
// answers PING. The server is killed when tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			tb.Fatalf("redis-server not found on PATH and %s=1: %v", RequireEnv, err)
		}
		tb.Skipf("redis-server not found on PATH (set %s=1 to fail instead): %v", RequireEnv, err)
	}
	s := &Server{tb: tb, bin: bin, dir: tb.TempDir()}
	tb.Cleanup(s.Stop)
	// A port found free may be taken before the server binds it; try again
	// with another one.
	var last error
	for range 5 {
		if s.port, last = freePort(); last != nil {
			continue
		}
		if last = s.start(); last == nil {
			return s
		}
	}
	tb.Fatalf("redistest: starting redis-server: %v", last)
	return nil
}

// URL returns the server's redis:// URL (database 0).
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Addr returns the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Stop kills the server (as a crash would: no shutdown handshake) and waits
// until it has exited. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.exited:
	case <-time.After(stopBound):
		s.tb.Errorf("redistest: redis-server (pid %d) still running %v after kill", s.cmd.Process.Pid, stopBound)
	}
	s.cmd, s.exited = nil, nil
}

// Restart stops the server if it runs and starts a new one on the same
// port, with no data (persistence is off). It fails the test if the server
// does not answer PING within the start bound.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.tb.Fatalf("redistest: restarting redis-server on port %d: %v", s.port, err)
	}
}

// start launches the server on s.port and waits for PING.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs++
	logPath := filepath.Join(s.dir, fmt.Sprintf("redis-%d.log", s.runs))
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--logfile", logPath,
	)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	if err := waitPing(s.Addr(), cmd.Process.Pid, exited); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%w\n%s", err, tail(string(log), 10))
	}
	s.cmd, s.exited = cmd, exited
	return nil
}

// waitPing polls addr with PING until it answers +PONG, the process exits,
// or the start bound passes. The server that answers must be process pid:
// when the port was taken meanwhile, another server answers there.
func waitPing(addr string, pid int, exited <-chan struct{}) error {
	deadline := time.Now().Add(startBound)
	for {
		err := Ping(addr)
		if err == nil {
			got, err := serverPID(addr)
			switch {
			case err != nil:
				return err
			case got != pid:
				return fmt.Errorf("port of %s is held by another redis-server (pid %d)", addr, got)
			}
			return nil
		}
		select {
		case <-exited:
			return errors.New("redis-server exited during start-up")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG from %s within %v: %w", addr, startBound, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Ping sends one PING to addr in the inline protocol and reports an error
// unless the answer is +PONG within a second.
func Ping(addr string) error {
	line, _, err := command(addr, "PING")
	if err != nil {
		return err
	}
	if line != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// serverPID asks the server at addr for its process id (INFO server).
func serverPID(addr string) (int, error) {
	_, body, err := command(addr, "INFO server")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(body, "\r\n") {
		if v, ok := strings.CutPrefix(line, "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, errors.New("INFO server has no process_id")
}

// command sends one inline command and returns the reply's first line and,
// for a bulk reply, its body. It gives up after a second.
func command(addr, cmd string) (line, body string, err error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", "", err
	}
	r := bufio.NewReader(c)
	if line, err = r.ReadString('\n'); err != nil {
		return "", "", err
	}
	line = strings.TrimSpace(line)
	if n, ok := strings.CutPrefix(line, "$"); ok {
		size, err := strconv.Atoi(n)
		if err != nil || size < 0 {
			return line, "", fmt.Errorf("bad bulk reply %q", line)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return line, "", err
		}
		body = string(buf[:size])
	}
	return line, body, nil
}

// freePort returns a loopback TCP port that was free a moment ago, never
// Redis's default 6379 (a developer's own server may want it).
func freePort() (int, error) {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 6379 {
			return port, nil
		}
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
