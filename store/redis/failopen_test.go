package redis_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// recorder collects log lines and state changes.
type recorder struct {
	mu      sync.Mutex
	log     bytes.Buffer
	changes []string
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Write(p)
}

func (r *recorder) change(degraded bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case degraded && err != nil:
		r.changes = append(r.changes, "degraded")
	case !degraded && err == nil:
		r.changes = append(r.changes, "recovered")
	default:
		r.changes = append(r.changes, "bad call")
	}
}

// lines counts log lines that contain s.
func (r *recorder) lines(s string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Count(r.log.String(), s)
}

func (r *recorder) history() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.changes, ",")
}

// failOpenStore opens a store that notices recovery quickly. Its timeout
// is long, so that a slow machine does not fake an outage: a stopped
// server refuses connections at once.
func failOpenStore(t *testing.T, srv *redistest.Server, p string, rec *recorder) *redis.Store {
	return openRaw(t, srv, p,
		redis.WithLogger(slog.New(slog.NewTextHandler(rec, nil))),
		redis.WithStateChange(rec.change),
		redis.WithRecoverInterval(10*time.Millisecond),
		redis.WithTimeout(5*time.Second),
	)
}

// waitHealthy polls Health until it reports nil.
func waitHealthy(t *testing.T, s *redis.Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Health(t.Context())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Health still %v after the server came back", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFailOpen(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	p := prefix()
	s := failOpenStore(t, srv, p, rec)
	ctx := t.Context()
	now := time.Now()
	if err := s.Health(ctx); err != nil {
		t.Fatalf("Health before the outage: %v", err)
	}
	trip(t, s, "shared", now)
	before, err := s.Claim(ctx, "before", fp, time.Minute)
	if err != nil || before.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", before, err)
	}

	srv.Stop()

	// Every method answers without error, from local state.
	tk := admit(t, s, "t", store.Admission{Now: now})
	if !tk.Allowed() {
		t.Fatalf("Admit during the outage: %v, want admitted by the local closed breaker", tk.Reason)
	}
	report(t, s, "t", store.Report{Now: now, Ticket: tk, Outcome: breaker.Success, First: true})
	trip(t, s, "t", now) // the local breaker works
	if tk := admit(t, s, "t", store.Admission{Now: now}); tk.Reason != store.Open {
		t.Fatalf("Admit after a local trip: %v, want open", tk.Reason)
	}
	if st, err := s.Status(ctx, "t", store.StatusQuery{Now: now, Breaker: br, Budget: bu}); err != nil || st.State != breaker.Open {
		t.Fatalf("Status during the outage: %+v, %v", st, err)
	}
	c, err := s.Claim(ctx, "during", fp, time.Minute)
	if err != nil || c.State != store.Acquired {
		t.Fatalf("Claim during the outage: %+v, %v", c, err)
	}
	if c2, err := s.Claim(ctx, "during", fp, time.Minute); err != nil || c2.State != store.InFlight {
		t.Fatalf("second Claim during the outage: %+v, %v; want in flight on local state", c2, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- s.Await(ctx, "during") }()
	if err := s.Complete(ctx, "during", c.Token, store.Record{Status: 200, Body: []byte("ok")}, time.Hour); err != nil {
		t.Fatalf("Complete during the outage: %v", err)
	}
	if err := <-waited; err != nil {
		t.Fatalf("Await during the outage: %v", err)
	}
	if c, err := s.Claim(ctx, "during", fp, time.Minute); err != nil || c.State != store.Done {
		t.Fatalf("Claim after a local Complete: %+v, %v", c, err)
	}
	// A claim made in Redis before the outage can be given up quietly.
	if err := s.Release(ctx, "before", before.Token); err != nil {
		t.Fatalf("Release of a Redis claim during the outage: %v", err)
	}
	if err := s.Complete(ctx, "before", before.Token, store.Record{Status: 200}, time.Hour); err != nil {
		t.Fatalf("Complete of a Redis claim during the outage: %v", err)
	}

	err = s.Health(ctx)
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "local state") {
		t.Fatalf("Health during the outage: %v, want a description wrapping ErrUnavailable", err)
	}
	if st := s.Stats(); !st.Degraded || st.Transitions != 1 || st.LocalCalls == 0 {
		t.Fatalf("Stats during the outage: %+v", st)
	}
	if got := rec.history(); got != "degraded" {
		t.Fatalf("state changes %q, want one degraded", got)
	}
	if n := rec.lines("state store degraded"); n != 1 {
		t.Fatalf("%d degraded log lines, want 1:\n%s", n, rec.log.String())
	}

	srv.Restart()
	waitHealthy(t, s)
	if got := rec.history(); got != "degraded,recovered" {
		t.Fatalf("state changes %q, want degraded,recovered", got)
	}
	if n := rec.lines("state store recovered"); n != 1 {
		t.Fatalf("%d recovered log lines, want 1", n)
	}

	// State is shared again: another replica sees this one's trip.
	other := openRaw(t, srv, p)
	trip(t, s, "after", now)
	if tk := admit(t, other, "after", store.Admission{Now: now}); tk.Reason != store.Open {
		t.Fatalf("other replica after recovery: %v, want open", tk.Reason)
	}
	// The restarted server lost its data: the breaker tripped before the
	// outage is closed again.
	if tk := admit(t, s, "shared", store.Admission{Now: now}); !tk.Allowed() {
		t.Fatalf("target tripped before the restart: %v", tk.Reason)
	}
	// A claim made on local state is still finished there.
	c, err = s.Claim(ctx, "local-owner", fp, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(c.Token, "local:") {
		t.Fatalf("claim after recovery got a local token %q", c.Token)
	}
	if st := s.Stats(); st.Degraded || st.Transitions != 2 {
		t.Fatalf("Stats after recovery: %+v", st)
	}
}

func TestLocalClaimFinishedAfterRecovery(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	p := prefix()
	s := failOpenStore(t, srv, p, rec)
	srv.Stop()
	c, err := s.Claim(t.Context(), "k", fp, time.Minute)
	if err != nil || c.State != store.Acquired {
		t.Fatalf("Claim during the outage: %+v, %v", c, err)
	}
	srv.Restart()
	waitHealthy(t, s)
	// The owner finishes after recovery; its record is on local state: a
	// duplicate that reaches this replica replays it, while in Redis, for
	// the other replicas, the key is free.
	if err := s.Complete(t.Context(), "k", c.Token, store.Record{Status: 200}, time.Hour); err != nil {
		t.Fatalf("Complete of a local claim after recovery: %v", err)
	}
	if c, err := s.Claim(t.Context(), "k", fp, time.Minute); err != nil || c.State != store.Done || c.Record.Status != 200 {
		t.Fatalf("Claim on this replica after recovery: %+v, %v; want the local record replayed", c, err)
	}
	other := open(t, srv, p)
	if c, err := other.Claim(t.Context(), "k", fp, time.Minute); err != nil || c.State != store.Acquired {
		t.Fatalf("Claim on another replica after recovery: %+v, %v; want acquired in Redis", c, err)
	}
}

func TestStartsDegraded(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	rec := &recorder{}
	s := failOpenStore(t, srv, prefix(), rec)
	if err := s.Health(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Health with no server: %v", err)
	}
	if tk := admit(t, s, "t", store.Admission{Now: t0}); !tk.Allowed() {
		t.Fatalf("Admit with no server: %v", tk.Reason)
	}
	srv.Restart()
	waitHealthy(t, s)
	if got := rec.history(); got != "degraded,recovered" {
		t.Fatalf("state changes %q", got)
	}
}

func TestAwaitEndsWhenRedisGoesAway(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	s := failOpenStore(t, srv, prefix(), rec)
	if _, err := s.Claim(t.Context(), "k", fp, time.Hour); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Await(ctx, "k") }() // before or after the outage
	srv.Stop()
	// The waiter learns of the outage when it reads the key, or when a
	// health check finds it; either way it returns nil, to claim again.
	if err := s.Health(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Health: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Await across an outage: %v, want nil", err)
	}
}

func TestBadPassword(t *testing.T) {
	srv := redistest.Start(t)
	admin := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer admin.Close()
	if err := admin.ConfigSet(t.Context(), "requirepass", "right-pa55").Err(); err != nil {
		t.Fatal(err)
	}
	s, err := redis.New(t.Context(), "redis://:s3cret-pa55@"+srv.Addr()+"/0")
	if err == nil {
		s.Close()
		t.Fatal("New with a wrong password: no error")
	}
	if strings.Contains(err.Error(), "s3cret-pa55") {
		t.Fatalf("error shows the password: %v", err)
	}
	s, err = redis.New(t.Context(), "redis://:right-pa55@"+srv.Addr()+"/0")
	if err != nil {
		t.Fatalf("New with the right password: %v", err)
	}
	defer s.Close()
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("Health: %v", err)
	}
}

// A server that answers but refuses writes (a master demoted by a
// failover) counts as an outage until it takes writes again.
func TestReadOnlyServerFailsOpen(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	s := failOpenStore(t, srv, prefix(), rec)
	admin := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer admin.Close()
	// A replica of a master that does not exist: up, but read-only.
	if err := admin.SlaveOf(t.Context(), "127.0.0.1", "1").Err(); err != nil {
		t.Fatal(err)
	}
	tk := admit(t, s, "t", store.Admission{Now: t0, Retry: true}) // a retry needs a write
	if !tk.Allowed() {
		t.Fatalf("Admit on a read-only server: %v", tk.Reason)
	}
	if err := s.Health(t.Context()); !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "READONLY") {
		t.Fatalf("Health on a read-only server: %v, want unavailable with READONLY", err)
	}
	if err := admin.SlaveOf(t.Context(), "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, s)
	if got := rec.history(); got != "degraded,recovered" {
		t.Fatalf("state changes %q", got)
	}
}

// A claim made in Redis before an outage is finished in Redis once it
// answers again, even while the store still serves on local state (until
// its next probe): the response is stored for every replica, and a failed
// request frees its key, so that the client may retry it with the same key
// at once rather than after the whole lease.
func TestRedisClaimFinishedWhileDegraded(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	s := openRaw(t, srv, p, redis.WithRecoverInterval(time.Hour), redis.WithTimeout(5*time.Second))
	ok, err := s.Claim(t.Context(), "ok", fp, time.Hour)
	if err != nil || ok.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", ok, err)
	}
	failed, err := s.Claim(t.Context(), "failed", fp, time.Hour)
	if err != nil || failed.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", failed, err)
	}
	// A blip: the server refuses writes for one call, and the store turns
	// degraded until its next probe.
	admin := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer admin.Close()
	if err := admin.SlaveOf(t.Context(), "127.0.0.1", "1").Err(); err != nil {
		t.Fatal(err)
	}
	admit(t, s, "t", store.Admission{Now: t0, Retry: true})
	if !s.Stats().Degraded {
		t.Fatal("store not degraded by a read-only server")
	}
	if err := admin.SlaveOf(t.Context(), "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}

	rec := store.Record{Status: 200, Body: []byte(`{"id":"1"}`)}
	if err := s.Complete(t.Context(), "ok", ok.Token, rec, time.Hour); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if err := s.Release(t.Context(), "failed", failed.Token); err != nil {
		t.Fatalf("Release: %v", err)
	}
	other := open(t, srv, p)
	if c, err := other.Claim(t.Context(), "ok", fp, time.Minute); err != nil || c.State != store.Done || string(c.Record.Body) != `{"id":"1"}` {
		t.Fatalf("other replica's Claim of the completed key: %+v, %v; want the stored response", c, err)
	}
	if c, err := other.Claim(t.Context(), "failed", fp, time.Minute); err != nil || c.State != store.Acquired {
		t.Fatalf("other replica's Claim of the released key: %+v, %v; want acquired", c, err)
	}
}
