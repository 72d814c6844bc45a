package redisproc_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/lifelinehq/lifeline/internal/redisproc"
	"github.com/lifelinehq/lifeline/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestStartOnAHeldPort: a server asked for a port another redis-server
// holds is not taken for ready; Start fails with the reason and the new
// process's log, and the other server goes on.
func TestStartOnAHeldPort(t *testing.T) {
	bin := redistest.Binary(t)
	held := redistest.Start(t)
	_, p, _ := strings.Cut(held.Addr(), "127.0.0.1:")
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	proc, err := redisproc.Start(bin, dir, filepath.Join(dir, "second.log"), port)
	if err == nil {
		proc.Cmd.Process.Kill()
		<-proc.Exited
		t.Fatalf("a second server on the held port %d was taken for ready", port)
	}
	if !strings.Contains(err.Error(), "exited during start-up") && !strings.Contains(err.Error(), "held by another") {
		t.Fatalf("error %q names neither the exit nor the other server", err)
	}
	if err := redisproc.Ping(held.Addr()); err != nil {
		t.Fatalf("the server holding the port no longer answers: %v", err)
	}
}

func TestStartFree(t *testing.T) {
	bin := redistest.Binary(t)
	dir := t.TempDir()
	proc, err := redisproc.StartFree(bin, dir, filepath.Join(dir, "redis.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		proc.Cmd.Process.Kill()
		<-proc.Exited
	}()
	if proc.Port == 6379 || !strings.HasPrefix(proc.Addr(), "127.0.0.1:") {
		t.Fatalf("server at %s, want a loopback port other than 6379", proc.Addr())
	}
	if err := redisproc.Ping(proc.Addr()); err != nil {
		t.Fatalf("PING after StartFree: %v", err)
	}
}
