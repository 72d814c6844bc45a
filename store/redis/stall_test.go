package redis_test

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lifelinehq/lifeline/internal/redistest"
)

// admin returns a plain go-redis client of srv, closed when t ends.
func admin(t *testing.T, srv *redistest.Server) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { c.Close() })
	return c
}

// freeze stops srv's process (SIGSTOP), as a stall of the server would
// (a long fork, a swapped-out host, a paused VM): connections stay open,
// commands are buffered and run when it resumes. The returned function
// resumes it (SIGCONT); so does the end of the test.
func freeze(t *testing.T, srv *redistest.Server) (resume func()) {
	t.Helper()
	srv.Signal(syscall.SIGSTOP)
	resumed := false
	resume = func() {
		if !resumed {
			resumed = true
			srv.Signal(syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	return resume
}

// scriptRuns returns how many EVALSHA and EVAL commands srv has run.
func scriptRuns(t *testing.T, srv *redistest.Server) int {
	t.Helper()
	info, err := admin(t, srv).Info(t.Context(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.SplitSeq(info, "\r\n") {
		for _, cmd := range []string{"cmdstat_evalsha:calls=", "cmdstat_eval:calls="} {
			if v, ok := strings.CutPrefix(line, cmd); ok {
				v, _, _ = strings.Cut(v, ",")
				k, _ := strconv.Atoi(v)
				n += k
			}
		}
	}
	return n
}

// eventually polls cond every few milliseconds until it holds, and fails
// t if it does not within bound.
func eventually(t *testing.T, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
