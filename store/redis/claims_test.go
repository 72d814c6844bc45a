package redis_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// gatewayLease is the lease the gateway passes to Claim by default
// (timeouts.total plus a margin).
const gatewayLease = 330 * time.Second

// awaitFreed checks that key is in flight for s (another owns it), waits
// for its owner to be gone, and fails t unless that happens within bound;
// then s must be able to claim key.
func awaitFreed(t *testing.T, s *redis.Store, key string, bound time.Duration) time.Duration {
	t.Helper()
	if c, err := s.Claim(t.Context(), key, fp, time.Minute); err != nil || c.State != store.InFlight {
		t.Fatalf("Claim of %s: %+v, %v; want in flight, owned by another", key, c, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), bound)
	defer cancel()
	begin := time.Now()
	if err := s.Await(ctx, key); err != nil {
		t.Fatalf("Await: %v after %v: the dead owner's claim still holds the key", err, time.Since(begin))
	}
	took := time.Since(begin)
	if c, err := s.Claim(t.Context(), key, fp, time.Minute); err != nil || c.State != store.Acquired {
		t.Fatalf("Claim after the owner was gone: %+v, %v; want acquired", c, err)
	}
	return took
}

// A Claim that times out during a Redis stall is answered from local state,
// but Redis runs its script when the stall ends: a marker no live request
// owns. It must free the key within the claim lease, not the caller's
// lease, so that duplicates on other replicas proceed.
func TestStalledClaimFreesKeyWithinClaimLease(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	const claimLease = time.Second
	a := openRaw(t, srv, p, redis.WithTimeout(200*time.Millisecond), redis.WithClaimLease(claimLease),
		redis.WithRecoverInterval(10*time.Millisecond))
	b := open(t, srv, p)
	// The claim script is loaded, and a connection is open.
	if c, err := a.Claim(t.Context(), "warm", fp, time.Minute); err != nil || c.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", c, err)
	}

	resume := freeze(t, srv)
	c, err := a.Claim(t.Context(), "k", fp, gatewayLease)
	if err != nil || c.State != store.Acquired || !strings.HasPrefix(c.Token, "local:") {
		t.Fatalf("Claim during the stall: %+v, %v; want acquired on local state", c, err)
	}
	resume()

	// Redis has run the timed-out claim: the key is in flight for B.
	took := awaitFreed(t, b, "k", claimLease+3*time.Second)
	t.Logf("orphaned claim freed after %v", took)
}

// A claim whose owner is gone without completing or releasing it (its
// process crashed or closed the store) frees its key within the claim
// lease: a failed request may be retried with the same key.
func TestDeadOwnersClaimFreesKeyWithinClaimLease(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	const claimLease = time.Second
	a := openRaw(t, srv, p, redis.WithClaimLease(claimLease))
	b := open(t, srv, p)
	if c, err := a.Claim(t.Context(), "k", fp, gatewayLease); err != nil || c.State != store.Acquired {
		t.Fatalf("Claim on A: %+v, %v", c, err)
	}
	if err := a.Close(); err != nil { // the owner is gone: nothing renews its claim
		t.Fatal(err)
	}
	took := awaitFreed(t, b, "k", claimLease+3*time.Second)
	t.Logf("dead owner's claim freed after %v", took)
}

// A live owner's claim outlives many claim leases, renewed by its store,
// until it completes; and it is never renewed past the caller's lease.
func TestHeldClaimRenewedWithinCallersLease(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	const claimLease = 500 * time.Millisecond
	a := open(t, srv, p, redis.WithClaimLease(claimLease))
	b := open(t, srv, p)

	held, err := a.Claim(t.Context(), "held", fp, gatewayLease)
	if err != nil || held.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", held, err)
	}
	began := time.Now()
	short, err := a.Claim(t.Context(), "short", fp, 3*claimLease)
	if err != nil || short.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", short, err)
	}
	// B waits for "short": A renews it past the claim lease, up to its
	// caller's lease and no further.
	ctx, cancel := context.WithTimeout(t.Context(), 10*claimLease)
	defer cancel()
	if err := b.Await(ctx, "short"); err != nil {
		t.Fatalf("Await: %v", err)
	}
	switch took := time.Since(began); {
	case took < 3*claimLease-100*time.Millisecond:
		t.Fatalf("a claim with a lease of %v freed after %v: not renewed", 3*claimLease, took)
	case took > 3*claimLease+300*time.Millisecond:
		t.Fatalf("a claim with a lease of %v freed after %v: renewed past its caller's lease", 3*claimLease, took)
	}
	if c, err := b.Claim(t.Context(), "short", fp, time.Minute); err != nil || c.State != store.Acquired {
		t.Fatalf("Claim of a key whose owner's lease ran out: %+v, %v; want acquired", c, err)
	}
	// The other claim, three claim leases old, is still A's.
	if c, err := b.Claim(t.Context(), "held", fp, time.Minute); err != nil || c.State != store.InFlight {
		t.Fatalf("Claim of a held key after %v: %+v, %v; want in flight", time.Since(began), c, err)
	}
	rec := store.Record{Status: 200, Body: []byte(`{"id":"1"}`)}
	if err := a.Complete(t.Context(), "held", held.Token, rec, time.Hour); err != nil {
		t.Fatal(err)
	}
	if c, err := b.Claim(t.Context(), "held", fp, time.Minute); err != nil || c.State != store.Done {
		t.Fatalf("Claim after Complete: %+v, %v; want done", c, err)
	}
	// The late owner cannot free B's claim of "short".
	if err := a.Release(t.Context(), "short", short.Token); err != nil {
		t.Fatal(err)
	}
	if c, err := a.Claim(t.Context(), "short", fp, time.Minute); err != nil || c.State != store.InFlight {
		t.Fatalf("Claim on A of B's key: %+v, %v; want in flight", c, err)
	}
}

// An answer whose claim Redis no longer holds (lost in a restart or a
// failover without persistence) is not stored, as Complete's contract
// says, and the store says so in its log: an operator learns that a
// duplicate may run the request again.
func TestCompleteOfALostClaimIsLogged(t *testing.T) {
	srv := redistest.Start(t)
	var logs syncbuffer.Buffer
	s := open(t, srv, prefix(), redis.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	c, err := s.Claim(t.Context(), "lost", fp, gatewayLease)
	if err != nil || c.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", c, err)
	}
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rc.Close()
	if err := rc.FlushDB(t.Context()).Err(); err != nil { // Redis lost its data
		t.Fatal(err)
	}
	if err := s.Complete(t.Context(), "lost", c.Token, store.Record{Status: 200, Body: []byte("{}")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "idempotent answer was not stored") {
		t.Fatalf("no log line for an answer whose claim was lost; the log:\n%s", logs.String())
	}
	// A claim that holds logs nothing more.
	c, err = s.Claim(t.Context(), "kept", fp, gatewayLease)
	if err != nil || c.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", c, err)
	}
	if err := s.Complete(t.Context(), "kept", c.Token, store.Record{Status: 200, Body: []byte("{}")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "not stored"); n != 1 {
		t.Fatalf("%d lines for one lost answer and one stored:\n%s", n, logs.String())
	}
}
