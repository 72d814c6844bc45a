package redis_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// breakPersistence makes srv refuse writes with MISCONF, as a server whose
// RDB snapshot failed does (stop-writes-on-bgsave-error, the default): its
// dump file's path is taken by a directory. The returned function repairs
// it and waits until the server takes writes again.
func breakPersistence(t *testing.T, srv *redistest.Server) (repair func()) {
	t.Helper()
	adm := admin(t, srv)
	ctx := t.Context()
	cfg, err := adm.ConfigGet(ctx, "dir").Result()
	if err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(cfg["dir"], "dump.rdb")
	if err := os.Mkdir(dump, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := adm.ConfigSet(ctx, "save", "900 1").Err(); err != nil {
		t.Fatal(err)
	}
	lastSave := func() string {
		info, err := adm.Info(ctx, "persistence").Result()
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "rdb_last_bgsave_status:"); ok {
				return v
			}
		}
		return ""
	}
	bgsave := func(want string) {
		eventually(t, 5*time.Second, "BGSAVE "+want, func() bool {
			_ = adm.BgSave(ctx).Err() // refused while one runs
			return lastSave() == want
		})
	}
	bgsave("err")
	if err := adm.Set(ctx, "x", "1", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "MISCONF") {
		t.Fatalf("write on a server that cannot persist: %v, want MISCONF", err)
	}
	return func() {
		if err := os.Remove(dump); err != nil {
			t.Fatal(err)
		}
		bgsave("ok")
		if err := adm.ConfigSet(ctx, "save", "").Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// A server that answers but refuses writes with a reply the store did not
// list (MISCONF) is an outage like any other: the replica turns degraded,
// says so once, and its breakers and idempotency work on local state.
func TestMisconfFailsOpen(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	s := failOpenStore(t, srv, prefix(), rec)
	repair := breakPersistence(t, srv)

	// The engine's Report of a failure must count: the breaker trips.
	trip(t, s, "t", t0)
	if tk := admit(t, s, "t", store.Admission{Now: t0}); tk.Reason != store.Open {
		t.Fatalf("Admit after a trip on a server that cannot persist: %v, want open on local state", tk.Reason)
	}
	c, err := s.Claim(t.Context(), "k", fp, time.Minute)
	if err != nil || c.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", c, err)
	}
	if c, err := s.Claim(t.Context(), "k", fp, time.Minute); err != nil || c.State != store.InFlight {
		t.Fatalf("second Claim: %+v, %v; want in flight on local state", c, err)
	}
	if err := s.Health(t.Context()); !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "MISCONF") {
		t.Fatalf("Health: %v, want unavailable with MISCONF", err)
	}
	if st := s.Stats(); !st.Degraded || st.Transitions != 1 {
		t.Fatalf("Stats: %+v, want degraded after one transition", st)
	}
	if n := rec.lines("state store degraded"); n != 1 {
		t.Fatalf("%d degraded log lines, want 1:\n%s", n, rec.log.String())
	}

	repair()
	waitHealthy(t, s)
	if got := rec.history(); got != "degraded,recovered" {
		t.Fatalf("state changes %q, want degraded,recovered", got)
	}
}

// A server that cannot serve the store at start (it cannot persist) is
// tolerated like an unreachable one: the store starts degraded and
// switches to Redis once it serves. One that refuses the replica's
// credentials is not: that is a mistake in the URL.
func TestStartsDegradedWhenRefusedExceptForCredentials(t *testing.T) {
	t.Run("misconf", func(t *testing.T) {
		srv := redistest.Start(t)
		repair := breakPersistence(t, srv)
		rec := &recorder{}
		s := failOpenStore(t, srv, prefix(), rec)
		if !s.Stats().Degraded {
			t.Fatal("the store did not start degraded")
		}
		if err := s.Health(t.Context()); !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "MISCONF") {
			t.Fatalf("Health: %v, want unavailable with MISCONF", err)
		}
		if tk := admit(t, s, "t", store.Admission{Now: t0, Retry: true}); !tk.Allowed() {
			t.Fatalf("Admit: %v", tk.Reason)
		}
		repair()
		waitHealthy(t, s)
		if got := rec.history(); got != "degraded,recovered" {
			t.Fatalf("state changes %q", got)
		}
	})
	t.Run("noauth", func(t *testing.T) {
		srv := redistest.Start(t)
		adm := admin(t, srv)
		if err := adm.ConfigSet(t.Context(), "requirepass", "right-pa55").Err(); err != nil {
			t.Fatal(err)
		}
		// A URL without the password the server requires is a mistake
		// to fix, not an outage: New fails and says why.
		s, err := redis.New(t.Context(), "redis://"+srv.Addr()+"/0")
		if err == nil {
			s.Close()
			t.Fatal("New without the required password: no error")
		}
		if !strings.Contains(err.Error(), "NOAUTH") {
			t.Fatalf("New without the required password: %v, want NOAUTH", err)
		}
	})
}

// A password that the server stops accepting while the store runs (a
// rotated password: new connections are refused) is an outage too.
func TestLostAuthFailsOpen(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	s := failOpenStore(t, srv, prefix(), rec)
	admit(t, s, "t", store.Admission{Now: t0})
	adm := admin(t, srv)
	if err := adm.ConfigSet(t.Context(), "requirepass", "new-pa55").Err(); err != nil {
		t.Fatal(err)
	}
	if err := adm.Do(t.Context(), "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").Err(); err != nil {
		t.Fatal(err)
	}
	trip(t, s, "t", t0)
	if tk := admit(t, s, "t", store.Admission{Now: t0}); tk.Reason != store.Open {
		t.Fatalf("Admit after a trip: %v, want open on local state", tk.Reason)
	}
	if st := s.Stats(); !st.Degraded || st.Transitions != 1 {
		t.Fatalf("Stats: %+v", st)
	}
	// A long command from a connection without the password gets a
	// protocol error rather than NOAUTH: an outage all the same.
	if err := s.Health(t.Context()); !errors.Is(err, store.ErrUnavailable) ||
		!strings.Contains(err.Error(), "NOAUTH") && !strings.Contains(err.Error(), "unauthenticated") {
		t.Fatalf("Health: %v, want unavailable, unauthenticated", err)
	}
	if n := rec.lines("state store degraded"); n != 1 {
		t.Fatalf("%d degraded log lines, want 1:\n%s", n, rec.log.String())
	}
}

// Replies that point at a bug (a script that fails on a value it cannot
// read, a key of the wrong type) are returned to the caller, not mistaken
// for an outage.
func TestBugRepliesAreErrors(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	s := openRaw(t, srv, p, redis.WithTimeout(5*time.Second))
	adm := admin(t, srv)
	if err := adm.Set(t.Context(), p+"target:{garbled}", "not msgpack", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := adm.HSet(t.Context(), p+"target:{hash}", "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"garbled", "hash"} {
		_, err := s.Report(t.Context(), name, store.Report{Now: t0, Outcome: breaker.Failure, Breaker: br, Budget: bu})
		if err == nil || errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("Report on a %s target key: %v, want the script's error", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	if st := s.Stats(); st.Degraded || st.Transitions != 0 {
		t.Fatalf("Stats: %+v; a bug is not an outage", st)
	}
}
