package redis_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// stallStreak is the timeouts in a row after which a store degrades.
const stallStreak = 3

// degradeByTimeouts reads target name's status through s, whose server
// does not answer, until s degrades, and fails t unless that takes at most
// stallStreak calls.
func degradeByTimeouts(t *testing.T, s *redis.Store, name string) {
	t.Helper()
	for i := 0; !s.Stats().Degraded; i++ {
		if i == stallStreak {
			t.Fatalf("store not degraded after %d calls in a row timed out: %+v", i, s.Stats())
		}
		if _, err := s.Status(t.Context(), name, store.StatusQuery{Now: t0, Breaker: br, Budget: bu}); err != nil {
			t.Fatalf("Status while Redis does not answer: %v", err)
		}
	}
}

// timedStatus reads a status through s and fails t unless it returns
// without error within bound.
func timedStatus(t *testing.T, s *redis.Store, bound time.Duration) {
	t.Helper()
	begin := time.Now()
	if _, err := s.Status(t.Context(), "t", store.StatusQuery{Now: t0, Breaker: br, Budget: bu}); err != nil {
		t.Fatalf("Status: %v", err)
	}
	if took := time.Since(begin); took > bound {
		t.Fatalf("Status returned after %v, want within %v", took.Round(time.Millisecond), bound)
	}
}

// slogTo returns a logger that writes to rec.
func slogTo(rec *recorder) *slog.Logger { return slog.New(slog.NewTextHandler(rec, nil)) }

// streakStore opens a store on srv whose calls time out after timeout,
// recording its log and state changes in rec.
func streakStore(t *testing.T, url string, timeout time.Duration, rec *recorder) *redis.Store {
	t.Helper()
	s, err := redis.New(t.Context(), url, redis.WithPrefix(prefix()),
		redis.WithLogger(slogTo(rec)),
		redis.WithStateChange(rec.change),
		redis.WithTimeout(timeout),
		redis.WithRecoverInterval(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A lone call that times out while Redis is otherwise fine (a stall of the
// server, or of this host) is answered from local state within its bound,
// but the store stays shared: no switch, no log line, and the next call
// goes to Redis again. Only calls that time out in a row, with no answer
// in between, switch it.
func TestLoneTimeoutKeepsStoreShared(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	const timeout = 300 * time.Millisecond
	s := streakStore(t, srv.URL(), timeout, rec)
	defer s.Close()
	timedStatus(t, s, 10*time.Second) // a connection is open, the script loaded
	bound := timeout + time.Second    // slack for a loaded machine

	// Fewer than stallStreak timeouts at a time, each followed by an
	// answer: the store never degrades.
	for round := range 3 {
		resume := freeze(t, srv)
		for range stallStreak - 2 {
			timedStatus(t, s, bound)
		}
		// A key of its own each round: a key claimed on local state is
		// answered from there while its claim lives.
		c, err := s.Claim(t.Context(), "stalled-"+strconv.Itoa(round), fp, time.Minute)
		if err != nil || c.State != store.Acquired || !strings.HasPrefix(c.Token, "local:") {
			t.Fatalf("Claim while Redis stalls: %+v, %v; want acquired on local state", c, err)
		}
		if st := s.Stats(); st.Degraded || st.Transitions != 0 {
			t.Fatalf("round %d: after %d timeouts in a row: %+v, want shared", round, stallStreak-1, st)
		}
		resume()
		// The stall is over: the next call is answered by Redis.
		c, err = s.Claim(t.Context(), "after", fp, time.Minute)
		if err != nil || strings.HasPrefix(c.Token, "local:") {
			t.Fatalf("round %d: Claim after the stall: %+v, %v; want it from Redis", round, c, err)
		}
		if err := s.Release(t.Context(), "after", c.Token); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if st.Degraded || st.Transitions != 0 || st.Timeouts != 3*(stallStreak-1) {
		t.Fatalf("Stats: %+v; want shared, no transition, %d timeouts", st, 3*(stallStreak-1))
	}
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("Health: %v", err)
	}
	if got := rec.history(); got != "" {
		t.Fatalf("state changes %q, want none", got)
	}
	if n := rec.lines("state store degraded"); n != 0 {
		t.Fatalf("%d degraded log lines, want none:\n%s", n, rec.log.String())
	}
}

// stallStreak calls in a row that time out switch the store, once; the
// calls before the switch were answered within their bound all the same.
func TestTimeoutsInARowDegrade(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	const timeout = 300 * time.Millisecond
	s := streakStore(t, srv.URL(), timeout, rec)
	defer s.Close()
	timedStatus(t, s, 10*time.Second)

	resume := freeze(t, srv)
	for i := range stallStreak {
		if s.Stats().Degraded {
			t.Fatalf("degraded after %d timeouts, want %d", i, stallStreak)
		}
		timedStatus(t, s, timeout+time.Second)
	}
	st := s.Stats()
	if !st.Degraded || st.Transitions != 1 || st.Timeouts != stallStreak-1 {
		t.Fatalf("Stats after %d timeouts in a row: %+v; want degraded, %d timeouts before", stallStreak, st, stallStreak-1)
	}
	if n := rec.lines("state store degraded"); n != 1 || !strings.Contains(rec.log.String(), "timeout") {
		t.Fatalf("%d degraded log lines, want 1 naming the timeout:\n%s", n, rec.log.String())
	}
	// Degraded: calls answer from local state without waiting.
	timedStatus(t, s, timeout/2)
	resume()
	waitHealthy(t, s)
	if got := rec.history(); got != "degraded,recovered" {
		t.Fatalf("state changes %q", got)
	}
	// The count starts again after the recovery: one timeout does not
	// switch the store back to local state.
	resume = freeze(t, srv)
	timedStatus(t, s, timeout+time.Second)
	resume()
	if st := s.Stats(); st.Degraded || st.Transitions != 2 {
		t.Fatalf("Stats after one timeout past the recovery: %+v", st)
	}
}

// A refused connection proves that Redis is down: the first call that
// meets it switches the store, with no count of timeouts.
func TestRefusedConnectionDegradesAtOnce(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	s := streakStore(t, srv.URL(), 5*time.Second, rec)
	defer s.Close()
	timedStatus(t, s, 10*time.Second)
	srv.Stop()
	timedStatus(t, s, 5*time.Second)
	if st := s.Stats(); !st.Degraded || st.Transitions != 1 || st.Timeouts != 0 {
		t.Fatalf("Stats after one refused call: %+v, want degraded", st)
	}
	if got := rec.history(); got != "degraded" {
		t.Fatalf("state changes %q", got)
	}
}

// Calls that all time out at once when Redis stops answering (a network
// partition) each count: the store degrades at once, and each call
// returns within its bound.
func TestConcurrentTimeoutsDegrade(t *testing.T) {
	srv := redistest.Start(t)
	bh := newBlackhole(t, srv.Addr())
	rec := &recorder{}
	const timeout = 300 * time.Millisecond
	s := streakStore(t, bh.URL(), timeout, rec)
	defer func() {
		bh.stop()
		s.Close()
	}()
	timedStatus(t, s, 10*time.Second)
	bh.swallow()
	var wg sync.WaitGroup
	const n = 8
	for range n {
		wg.Go(func() { timedStatus(t, s, timeout+time.Second) })
	}
	wg.Wait()
	if st := s.Stats(); !st.Degraded || st.Transitions != 1 || st.Timeouts > stallStreak-1 {
		t.Fatalf("Stats after %d calls timed out together: %+v; want degraded, at most %d timeouts counted before", n, st, stallStreak-1)
	}
	if n := rec.lines("state store degraded"); n != 1 {
		t.Fatalf("%d degraded log lines, want 1", n)
	}
}

// A call cut by its caller's deadline is not one the store's bound ended:
// it does not count toward a switch.
func TestCallersDeadlineDoesNotCount(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	s := streakStore(t, srv.URL(), 5*time.Second, rec)
	defer s.Close()
	timedStatus(t, s, 10*time.Second)
	resume := freeze(t, srv)
	defer resume()
	for range 2 * stallStreak {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		_, err := s.Status(ctx, "t", store.StatusQuery{Now: t0, Breaker: br, Budget: bu})
		cancel()
		if err == nil {
			t.Fatal("Status past its caller's deadline: no error")
		}
	}
	if st := s.Stats(); st.Degraded || st.Timeouts != 0 {
		t.Fatalf("Stats after calls cut by their caller: %+v, want shared, no timeouts", st)
	}
}

// An Admit that times out while the store stays shared is answered from
// local state; Redis runs it when the stall ends, and the probe it took
// there is undone at once, with no outage.
func TestLoneTimedOutAdmitLeavesNoPhantomProbe(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	cfg := br
	cfg.HalfOpenProbes = 2
	a := openRaw(t, srv, p, redis.WithTimeout(300*time.Millisecond), redis.WithClaimLease(300*time.Millisecond))
	b := open(t, srv, p, redis.WithCacheTTL(0))
	admit(t, a, "warm", store.Admission{Now: t0, Breaker: cfg})
	end := halfOpen(t, b, "t", cfg)
	if tk := admit(t, b, "t", store.Admission{Now: end, Breaker: cfg}); !tk.Breaker.Probe {
		t.Fatalf("first admission at half-open: %v, want a probe", tk.Reason)
	}
	resume := freeze(t, srv)
	if tk := admit(t, a, "t", store.Admission{Now: end, Breaker: cfg}); !tk.Allowed() {
		t.Fatalf("Admit while Redis stalls: %v, want admitted on local state", tk.Reason)
	}
	resume()
	// The undo goes out with the maintenance loop's next run (every
	// 100 ms here); a probe admitted by B and reported neutral frees its
	// slot again.
	eventually(t, 10*time.Second, "the timed-out Admit's probe undone", func() bool {
		tk := admit(t, b, "t", store.Admission{Now: end.Add(time.Second), Breaker: cfg})
		if !tk.Breaker.Probe {
			return false
		}
		report(t, b, "t", store.Report{Now: end.Add(time.Second), Ticket: tk, Outcome: breaker.Neutral, Breaker: cfg, Budget: bu})
		return true
	})
	wantProbes(t, b, "t", end.Add(time.Second), cfg, 1)
	if st := a.Stats(); st.Degraded || st.Transitions != 0 {
		t.Fatalf("A: %+v, want shared throughout", st)
	}
}
