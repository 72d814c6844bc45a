// Package redistest runs a real redis-server for tests: on a free loopback
// port, in a temporary directory, with persistence off, killed when the
// test ends. Stop and Restart drive outage drills.
//
// When redis-server is not on PATH the test is skipped, unless the
// environment variable LIFELINE_REQUIRE_REDIS is "1" (as in CI), where it
// fails instead, so that Redis tests never skip there unnoticed.
package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redisproc"
)

// RequireEnv names the environment variable that turns a missing
// redis-server from a skip into a failure.
const RequireEnv = "LIFELINE_REQUIRE_REDIS"

// stopBound bounds the wait until a killed server has exited.
const stopBound = 10 * time.Second

// Server is a redis-server process owned by one test.
type Server struct {
	tb   testing.TB
	bin  string
	dir  string
	port int

	mu   sync.Mutex
	proc *redisproc.Process // nil when stopped
	runs int                // servers started, to name their log files
}

// Start launches redis-server on a free loopback port and returns once it
// answers PING. The server is killed when tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{tb: tb, bin: Binary(tb), dir: tb.TempDir()}
	tb.Cleanup(s.Stop)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs++
	p, err := redisproc.StartFree(s.bin, s.dir, s.logPath())
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	s.proc, s.port = p, p.Port
	return s
}

// Binary returns the path of redis-server. Without one on PATH tb is
// skipped, or fails where RequireEnv is "1".
func Binary(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			tb.Fatalf("redis-server not found on PATH and %s=1: %v", RequireEnv, err)
		}
		tb.Skipf("redis-server not found on PATH (set %s=1 to fail instead): %v", RequireEnv, err)
	}
	return bin
}

// logPath names the log of the next server started. s.mu is held.
func (s *Server) logPath() string { return filepath.Join(s.dir, fmt.Sprintf("redis-%d.log", s.runs)) }

// URL returns the server's redis:// URL (database 0).
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Addr returns the server's host:port.
func (s *Server) Addr() string { return redisproc.Addr(s.port) }

// Stop kills the server (as a crash would: no shutdown handshake) and waits
// until it has exited. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	_ = s.proc.Cmd.Process.Kill()
	select {
	case <-s.proc.Exited:
	case <-time.After(stopBound):
		s.tb.Errorf("redistest: redis-server (pid %d) still running %v after kill", s.proc.Cmd.Process.Pid, stopBound)
	}
	s.proc = nil
}

// Signal sends sig to the running server's process: SIGSTOP freezes it
// as a stalled server would be (connections stay open, commands wait),
// SIGCONT resumes it.
func (s *Server) Signal(sig os.Signal) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		s.tb.Fatal("redistest: Signal on a stopped server")
	}
	if err := s.proc.Cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("redistest: %v", err)
	}
}

// Restart stops the server if it runs and starts a new one on the same
// port, with no data (persistence is off). It fails the test if the server
// does not answer PING within the start bound.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs++
	p, err := redisproc.Start(s.bin, s.dir, s.logPath(), s.port)
	if err != nil {
		s.tb.Fatalf("redistest: restarting redis-server on port %d: %v", s.port, err)
	}
	s.proc = p
}

// Ping sends one PING to addr and reports an error unless the answer is
// +PONG within a second.
func Ping(addr string) error { return redisproc.Ping(addr) }
