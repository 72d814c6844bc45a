package redis_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// claimStalled claims key through s while its server is frozen: the Claim
// times out, the store stays shared, and the claim is acquired on local
// state. It returns the local token.
func claimStalled(t *testing.T, srv *redistest.Server, s *redis.Store, key string) string {
	t.Helper()
	resume := freeze(t, srv)
	defer resume()
	c, err := s.Claim(t.Context(), key, fp, time.Minute)
	if err != nil || c.State != store.Acquired || !strings.HasPrefix(c.Token, "local:") {
		t.Fatalf("Claim while Redis stalls: %+v, %v; want acquired on local state", c, err)
	}
	if st := s.Stats(); st.Degraded || st.Timeouts != 1 {
		t.Fatalf("after one timed-out Claim: %+v; want shared, one timeout", st)
	}
	return c.Token
}

// A Claim that timed out while the store stayed shared was acquired on
// local state; a duplicate that reaches the same replica afterwards, Redis
// answering again, waits for that first request and replays its response,
// as it would with shared or degraded state, instead of running again
// through Redis, which does not know the claim.
func TestDuplicateOfTimedOutClaimWaitsOnSameReplica(t *testing.T) {
	srv := redistest.Start(t)
	s := openRaw(t, srv, prefix(), redis.WithTimeout(300*time.Millisecond))
	timedStatus(t, s, 10*time.Second)
	token := claimStalled(t, srv, s, "k")

	c, err := s.Claim(t.Context(), "k", fp, time.Minute)
	if err != nil || c.State != store.InFlight {
		t.Fatalf("duplicate Claim on the same replica: %+v, %v; want in flight", c, err)
	}
	other := fp
	other[0] ^= 1
	if c, err := s.Claim(t.Context(), "k", other, time.Minute); err != nil || c.State != store.Mismatch {
		t.Fatalf("Claim of the key with another body: %+v, %v; want mismatch", c, err)
	}

	completeAwaited(t, s, "k", token)
	wantReplayed(t, s, "k", "Claim after the first completed")
	if st := s.Stats(); st.Degraded || st.Timeouts != 1 {
		t.Fatalf("Stats: %+v; want shared, one timeout", st)
	}
}

// Once the local claim is released, or its lease runs out, the key goes
// to Redis again.
func TestReleasedLocalClaimGoesBackToRedis(t *testing.T) {
	srv := redistest.Start(t)
	s := openRaw(t, srv, prefix(), redis.WithTimeout(300*time.Millisecond),
		redis.WithClaimLease(300*time.Millisecond))
	timedStatus(t, s, 10*time.Second)

	token := claimStalled(t, srv, s, "released")
	if err := s.Release(t.Context(), "released", token); err != nil {
		t.Fatalf("Release: %v", err)
	}
	// The marker the timed-out script set in Redis when the stall ended
	// expires within the claim lease; then Redis grants the key.
	eventually(t, 10*time.Second, "the released key claimed in Redis", func() bool {
		c, err := s.Claim(t.Context(), "released", fp, time.Minute)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		if strings.HasPrefix(c.Token, "local:") {
			t.Fatalf("Claim after the local claim's release: %+v; want it from Redis", c)
		}
		return c.State == store.Acquired
	})

	resume := freeze(t, srv)
	c, err := s.Claim(t.Context(), "expiring", fp, 50*time.Millisecond)
	resume()
	if err != nil || !strings.HasPrefix(c.Token, "local:") {
		t.Fatalf("Claim while Redis stalls: %+v, %v", c, err)
	}
	eventually(t, 10*time.Second, "the expired local claim's key claimed in Redis", func() bool {
		c, err := s.Claim(t.Context(), "expiring", fp, time.Minute)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		return c.State == store.Acquired && !strings.HasPrefix(c.Token, "local:")
	})
}
