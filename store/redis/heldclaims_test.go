package redis_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// claimShared claims key through s in Redis and returns the token.
func claimShared(t *testing.T, s *redis.Store, key string) string {
	t.Helper()
	c, err := s.Claim(t.Context(), key, fp, time.Minute)
	if err != nil || c.State != store.Acquired || strings.HasPrefix(c.Token, "local:") {
		t.Fatalf("Claim: %+v, %v; want acquired in Redis", c, err)
	}
	return c.Token
}

// sharedClaim starts a Redis server, opens a store over it whose calls
// are bounded at 300 ms (with opts), and claims key "k" through it in
// Redis: it returns the server, the store and the claim's token.
func sharedClaim(t *testing.T, opts ...redis.Option) (*redistest.Server, *redis.Store, string) {
	t.Helper()
	srv := redistest.Start(t)
	s := openRaw(t, srv, prefix(), append([]redis.Option{redis.WithTimeout(300 * time.Millisecond)}, opts...)...)
	return srv, s, claimShared(t, s, "k")
}

// wantInFlightWhileFrozen fails t unless a duplicate Claim of "k" made
// while srv is frozen finds the key in flight.
func wantInFlightWhileFrozen(t *testing.T, srv *redistest.Server, s *redis.Store) {
	t.Helper()
	resume := freeze(t, srv)
	c, err := s.Claim(t.Context(), "k", fp, time.Minute)
	resume()
	if err != nil || c.State != store.InFlight {
		t.Fatalf("duplicate Claim while Redis stalls: %+v, %v; want in flight", c, err)
	}
}

// firstAnswer is the response of the first request of a key in these
// tests.
func firstAnswer() store.Record { return store.Record{Status: 200, Body: []byte(`{"first":true}`)} }

// wantReplayed fails t unless a Claim of key through s replays
// firstAnswer; when says which Claim it is.
func wantReplayed(t *testing.T, s *redis.Store, key, when string) {
	t.Helper()
	c, err := s.Claim(t.Context(), key, fp, time.Minute)
	if err != nil || c.State != store.Done || c.Record == nil || string(c.Record.Body) != `{"first":true}` {
		t.Fatalf("%s: %+v, %v; want the first response replayed", when, c, err)
	}
}

// completeAwaited completes key with firstAnswer under token while a
// duplicate awaits it, and fails t unless that Await ends with it.
func completeAwaited(t *testing.T, s *redis.Store, key, token string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	awaited := make(chan error, 1)
	go func() { awaited <- s.Await(ctx, key) }()
	if err := s.Complete(t.Context(), key, token, firstAnswer(), time.Hour); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if err := <-awaited; err != nil {
		t.Fatalf("Await: %v; want it to end with the first request", err)
	}
}

// A request that claimed its key in Redis and whose Complete timed out
// (Redis stalling) still answers the duplicates that reach the same
// replica: they replay its response, instead of waiting for the
// unrenewed marker to expire and running the request again.
func TestCompleteThatTimedOutReplaysOnSameReplica(t *testing.T) {
	srv, s, token := sharedClaim(t)

	resume := freeze(t, srv)
	if err := s.Complete(t.Context(), "k", token, firstAnswer(), time.Hour); err != nil {
		t.Fatalf("Complete while Redis stalls: %v", err)
	}
	resume()
	if st := s.Stats(); st.Degraded || st.Timeouts != 1 {
		t.Fatalf("after one timed-out Complete: %+v; want shared, one timeout", st)
	}

	wantReplayed(t, s, "k", "duplicate Claim on the same replica")
}

// A duplicate whose Claim times out while the first request, on the same
// replica, holds the key in Redis waits for that request and replays its
// response, instead of acquiring the key on local state and running
// again.
func TestTimedOutClaimWaitsForSameReplicasRedisClaim(t *testing.T) {
	srv, s, token := sharedClaim(t)

	wantInFlightWhileFrozen(t, srv, s)

	completeAwaited(t, s, "k", token)
	wantReplayed(t, s, "k", "Claim after the first completed")
}

// While the store is degraded (Redis stopped), a duplicate that reaches
// the replica whose request claimed the key in Redis before the outage
// waits for that request and replays its response, as docs/replicas.md
// says of duplicates that reach the same replica.
func TestDegradedClaimWaitsForSameReplicasRedisClaim(t *testing.T) {
	srv, s, token := sharedClaim(t)

	srv.Stop()
	if err := s.Health(t.Context()); err == nil {
		t.Fatal("Health with Redis stopped: nil; want the store degraded")
	}
	c, err := s.Claim(t.Context(), "k", fp, time.Minute)
	if err != nil || c.State != store.InFlight {
		t.Fatalf("duplicate Claim while degraded: %+v, %v; want in flight", c, err)
	}
	if err := s.Complete(t.Context(), "k", token, firstAnswer(), time.Hour); err != nil {
		t.Fatalf("Complete while degraded: %v", err)
	}
	wantReplayed(t, s, "k", "Claim after the first completed")
}

// A request whose Redis claim was mirrored on local state and that fails
// frees the key there too: the duplicate that waited runs the request.
func TestReleaseFreesMirroredClaim(t *testing.T) {
	srv, s, token := sharedClaim(t)

	wantInFlightWhileFrozen(t, srv, s)
	if err := s.Release(t.Context(), "k", token); err != nil {
		t.Fatalf("Release: %v", err)
	}
	c, err := s.Claim(t.Context(), "k", fp, time.Minute)
	if err != nil || c.State != store.Acquired {
		t.Fatalf("Claim after the first failed: %+v, %v; want acquired", c, err)
	}
}

// A duplicate that reaches the replica while the first request's
// Complete is under way, Redis stalling and the store degraded, waits for
// it and replays its response: the claim stays this replica's until its
// response is kept on local state.
func TestDuplicateDuringStalledCompleteWaits(t *testing.T) {
	srv, s, token := sharedClaim(t, redis.WithRecoverInterval(time.Hour))

	resume := freeze(t, srv)
	defer resume()
	degradeByTimeouts(t, s, "t")
	sent := s.Stats().RoundTrips
	completed := make(chan error, 1)
	go func() { completed <- s.Complete(t.Context(), "k", token, firstAnswer(), time.Hour) }()
	for s.Stats().RoundTrips == sent {
		// Complete has sent its script to the frozen server once this
		// moves.
		runtime.Gosched()
	}
	c, err := s.Claim(t.Context(), "k", fp, time.Minute)
	if err != nil || c.State != store.InFlight {
		t.Fatalf("duplicate Claim during the first's Complete: %+v, %v; want in flight", c, err)
	}
	if err := <-completed; err != nil {
		t.Fatalf("Complete: %v", err)
	}
	wantReplayed(t, s, "k", "Claim after the first completed")
}

// A request that claimed its key in Redis and completes there while the
// store is degraded (Redis answers again, the recovery probes have not yet
// switched back) leaves its response on local state too: a duplicate that
// reaches the replica before the switch back replays it instead of running
// again on local state, which knew nothing of the key.
func TestCompleteInRedisWhileDegradedReplaysOnSameReplica(t *testing.T) {
	srv, s, token := sharedClaim(t, redis.WithRecoverInterval(time.Hour))

	resume := freeze(t, srv)
	degradeByTimeouts(t, s, "t")
	resume()
	if err := s.Complete(t.Context(), "k", token, firstAnswer(), time.Hour); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	wantReplayed(t, s, "k", "duplicate Claim while degraded")
}

// A duplicate answered from local state while Redis stalls finds the key
// in flight under the owner its first request knows: it may look for what
// that owner left for it (a failed request's answer).
func TestMirroredClaimNamesItsRedisOwner(t *testing.T) {
	srv, s, token := sharedClaim(t)
	resume := freeze(t, srv)
	c, err := s.Claim(t.Context(), "k", fp, time.Minute)
	resume()
	if err != nil || c.State != store.InFlight {
		t.Fatalf("duplicate Claim while Redis stalls: %+v, %v; want in flight", c, err)
	}
	if c.Owner != store.OwnerOf(token) {
		t.Fatalf("duplicate Claim while Redis stalls names owner %q, want the Redis claim's %q", c.Owner, store.OwnerOf(token))
	}
}
