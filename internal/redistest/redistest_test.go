package redistest_test

import (
	"bufio"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/lifelinehq/lifeline/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStartStopRestart(t *testing.T) {
	s := redistest.Start(t)
	if strings.HasSuffix(s.Addr(), ":6379") {
		t.Fatalf("server on the default port: %s", s.Addr())
	}
	if !strings.HasPrefix(s.URL(), "redis://127.0.0.1:") {
		t.Fatalf("URL %q, want a loopback redis:// URL", s.URL())
	}
	if err := redistest.Ping(s.Addr()); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	s.Stop()
	if err := redistest.Ping(s.Addr()); err == nil {
		t.Fatal("PING answered after Stop")
	}
	s.Stop() // a second Stop does nothing
	addr := s.Addr()
	s.Restart()
	if s.Addr() != addr {
		t.Fatalf("Restart moved the server from %s to %s", addr, s.Addr())
	}
	if err := redistest.Ping(s.Addr()); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
}

func TestTwoServersApart(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("two servers on %s", a.Addr())
	}
}

// fakeTB records how Start gave up.
type fakeTB struct {
	testing.TB
	outcome string
}

func (f *fakeTB) Helper()                   {}
func (f *fakeTB) Cleanup(func())            {}
func (f *fakeTB) TempDir() string           { return f.TB.TempDir() }
func (f *fakeTB) Fatalf(string, ...any)     { f.outcome = "fatal"; runtime.Goexit() }
func (f *fakeTB) Skipf(string, ...any)      { f.outcome = "skip"; runtime.Goexit() }
func (f *fakeTB) Errorf(s string, a ...any) { f.TB.Errorf(s, a...) }

// run calls fn in a goroutine, as a test body, and returns how f saw it
// end: "fatal", "skip", or "" when fn returned.
func run(f *fakeTB, fn func()) string {
	f.outcome = ""
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
	return f.outcome
}

// startWithout runs Start with no redis-server on PATH.
func startWithout(t *testing.T, require string) string {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(redistest.RequireEnv, require)
	f := &fakeTB{TB: t}
	return run(f, func() { redistest.Start(f) })
}

// A port taken while the server was stopped: Restart must fail rather than
// hand the test another server.
func TestRestartRefusesTakenPort(t *testing.T) {
	f := &fakeTB{TB: t}
	var s *redistest.Server
	switch got := run(f, func() { s = redistest.Start(f) }); got {
	case "":
	case "skip":
		// No redis-server here, and none required: Start skipped, so does
		// this test (with RequireEnv set, Start fails instead).
		t.Skip("no redis-server")
	default:
		t.Fatalf("Start: %s", got)
	}
	s.Stop()
	l, err := net.Listen("tcp", s.Addr())
	if err != nil {
		t.Skipf("port taken by someone else meanwhile: %v", err)
	}
	defer l.Close()
	go impostor(l)
	if got := run(f, s.Restart); got != "fatal" {
		t.Fatalf("Restart onto a port held by another server: %q, want fatal", got)
	}
}

// impostor answers PING and INFO like a redis-server whose pid is 1, until
// l is closed.
func impostor(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		if strings.HasPrefix(line, "PING") {
			c.Write([]byte("+PONG\r\n"))
		} else {
			info := "# Server\r\nprocess_id:1\r\n"
			fmt.Fprintf(c, "$%d\r\n%s\r\n", len(info), info)
		}
		c.Close()
	}
}

func TestMissingServer(t *testing.T) {
	for _, c := range []struct{ require, want string }{
		{"", "skip"},
		{"0", "skip"},
		{"1", "fatal"},
	} {
		t.Run(fmt.Sprintf("%s=%q", redistest.RequireEnv, c.require), func(t *testing.T) {
			if got := startWithout(t, c.require); got != c.want {
				t.Fatalf("Start without redis-server: %s, want %s", got, c.want)
			}
		})
	}
}
