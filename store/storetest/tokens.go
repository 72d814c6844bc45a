package storetest

import (
	"testing"

	"github.com/lifelinehq/lifeline/store"
)

// Owner tokens: only the request that holds a key may complete or release
// it, so that an owner whose lease ran out cannot clobber a newer one.

// as returns a driver of the same key that presents token.
func (k *keyed) as(token string) *keyed {
	c := *k
	c.token = token
	return &c
}

func testTokensDiffer(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	k.wantClaim(fpA, store.Acquired)
	first := k.token
	k.release()
	k.wantClaim(fpA, store.Acquired)
	if k.token == first {
		t.Fatalf("two claims of one key got the same token %q", first)
	}
	other := newKey(t, k.s)
	other.wantClaim(fpA, store.Acquired)
	if other.token == k.token {
		t.Fatalf("claims of two keys got the same token %q", k.token)
	}
}

func testWrongTokenIgnored(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	k.wantClaim(fpA, store.Acquired)
	intruder := k.as("not-a-token")
	intruder.complete(sampleRecord(), longTTL)
	k.wantClaim(fpA, store.InFlight)
	intruder.release()
	k.wantClaim(fpA, store.InFlight)
	k.as("").release()
	k.wantClaim(fpA, store.InFlight)
	// The owner's own token still works.
	k.complete(sampleRecord(), longTTL)
	k.wantClaim(fpA, store.Done)
}

// superseded claims k on a short lease and, once the lease has run out,
// again as a newer owner; it returns the first owner, now stale.
func superseded(t *testing.T, k *keyed) *keyed {
	t.Helper()
	if c := k.claim(fpA, shortLease); c.State != store.Acquired {
		t.Fatalf("Claim: state %d, want acquired", c.State)
	}
	late := k.as(k.token)
	if !poll(bound, func() bool { return k.claim(fpA, longLease).State == store.Acquired }) {
		t.Fatalf("key not free %v after its %v lease", bound, shortLease)
	}
	return late
}

func testStaleOwnerCannotComplete(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	late := superseded(t, k)
	// The late owner finishes: its response must not be stored.
	stale := sampleRecord()
	stale.Body = []byte("stale")
	late.complete(stale, longTTL)
	k.wantClaim(fpA, store.InFlight)
	// The newer owner's response is the one replayed.
	k.complete(sampleRecord(), longTTL)
	if c := k.wantClaim(fpA, store.Done); !sameRecord(*c.Record, sampleRecord()) {
		t.Fatalf("stored record %+v, want the newer owner's", *c.Record)
	}
}

func testStaleOwnerCannotRelease(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	late := superseded(t, k)
	done := k.await(t.Context())
	// The late owner's request failed: releasing must not free the newer claim.
	late.release()
	k.wantClaim(fpA, store.InFlight)
	wantBlocked(t, done)
	k.release()
	wantReturn(t, done, nil)
	k.wantClaim(fpA, store.Acquired)
}
