package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

// Real durations of the idempotency checks. Short leases and TTLs are
// measured by the store; bound is how long the suite waits for an effect
// that is due.
const (
	shortLease = 300 * time.Millisecond
	shortTTL   = 300 * time.Millisecond
	longLease  = time.Minute
	longTTL    = time.Hour
	bound      = 5 * time.Second
	// quiet is how long an Await must stay blocked while nothing happens.
	quiet = 50 * time.Millisecond
)

var (
	fpA = store.Fingerprint(sha256.Sum256([]byte(`{"model":"a"}`)))
	fpB = store.Fingerprint(sha256.Sum256([]byte(`{"model":"b"}`)))
)

// keyed drives one idempotency key of a store. It remembers the token of
// its latest acquiring claim, which complete and release present.
type keyed struct {
	t     *testing.T
	s     store.Store
	key   string
	token string
}

func newKey(t *testing.T, s store.Store) *keyed {
	return &keyed{t: t, s: s, key: unique(t, "key")}
}

func (k *keyed) claim(fp store.Fingerprint, lease time.Duration) store.Claim {
	k.t.Helper()
	c, err := k.s.Claim(k.t.Context(), k.key, fp, lease)
	if err != nil {
		k.t.Fatalf("Claim: %v", err)
	}
	if (c.Token != "") != (c.State == store.Acquired) {
		k.t.Fatalf("Claim: state %d with token %q; a token comes with Acquired only", c.State, c.Token)
	}
	if c.State == store.Acquired {
		k.token = c.Token
	}
	return c
}

func (k *keyed) wantClaim(fp store.Fingerprint, want store.ClaimState) store.Claim {
	k.t.Helper()
	c := k.claim(fp, longLease)
	if c.State != want {
		k.t.Fatalf("Claim: state %d, want %d", c.State, want)
	}
	if (c.Record != nil) != (want == store.Done) {
		k.t.Fatalf("Claim: state %d with record %v", c.State, c.Record)
	}
	return c
}

func (k *keyed) complete(rec store.Record, ttl time.Duration) {
	k.t.Helper()
	if err := k.s.Complete(k.t.Context(), k.key, k.token, rec, ttl); err != nil {
		k.t.Fatalf("Complete: %v", err)
	}
}

func (k *keyed) release() {
	k.t.Helper()
	if err := k.s.Release(k.t.Context(), k.key, k.token); err != nil {
		k.t.Fatalf("Release: %v", err)
	}
}

// await runs Await in a goroutine; its result arrives on the channel.
func (k *keyed) await(ctx context.Context) <-chan error {
	done := make(chan error, 1)
	go func() { done <- k.s.Await(ctx, k.key) }()
	return done
}

// sampleRecord is a stored stream with repeated headers.
func sampleRecord() store.Record {
	return store.Record{
		Status: 200,
		Header: http.Header{
			"Content-Type": {"text/event-stream"},
			"X-Multi":      {"one", "two"},
		},
		Body:   []byte("data: {\"x\":1}\n\ndata: [DONE]\n\n"),
		Stream: true,
	}
}

// sameRecord compares records, a nil and an empty header or body alike.
func sameRecord(a, b store.Record) bool {
	if len(a.Header) != 0 || len(b.Header) != 0 {
		if !reflect.DeepEqual(a.Header, b.Header) {
			return false
		}
	}
	return a.Status == b.Status && a.Stream == b.Stream && bytes.Equal(a.Body, b.Body)
}

func testClaimStates(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	k.wantClaim(fpA, store.Acquired)
	k.wantClaim(fpA, store.InFlight)
	k.wantClaim(fpB, store.Mismatch)
	k.complete(sampleRecord(), longTTL)
	c := k.wantClaim(fpA, store.Done)
	if !sameRecord(*c.Record, sampleRecord()) {
		t.Fatalf("stored record %+v, want %+v", *c.Record, sampleRecord())
	}
	k.wantClaim(fpB, store.Mismatch)
	// A plain JSON response keeps Stream false.
	k2 := newKey(t, k.s)
	k2.wantClaim(fpB, store.Acquired)
	plain := store.Record{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":"x"}`)}
	k2.complete(plain, longTTL)
	if c := k2.wantClaim(fpB, store.Done); !sameRecord(*c.Record, plain) {
		t.Fatalf("stored record %+v, want %+v", *c.Record, plain)
	}
}

// testClaimOwners: Acquired and InFlight name the owning claim, the same
// for one claim and another for the next, never by its token.
func testClaimOwners(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	owners := map[string]bool{}
	for i := range 3 {
		a := k.wantClaim(fpA, store.Acquired)
		if a.Owner == "" || a.Owner == a.Token || strings.Contains(a.Token, a.Owner) {
			t.Fatalf("claim %d: Acquired names owner %q (token %q); want a non-empty name that is not the token", i, a.Owner, a.Token)
		}
		if a.Owner != store.OwnerOf(a.Token) {
			t.Fatalf("claim %d: owner %q, want OwnerOf(token) %q", i, a.Owner, store.OwnerOf(a.Token))
		}
		if owners[a.Owner] {
			t.Fatalf("claim %d: owner %q named an earlier claim too", i, a.Owner)
		}
		owners[a.Owner] = true
		for range 2 {
			if f := k.wantClaim(fpA, store.InFlight); f.Owner != a.Owner {
				t.Fatalf("claim %d: InFlight names owner %q, the claim that owns the key is %q", i, f.Owner, a.Owner)
			}
		}
		k.release()
	}
	if c := k.wantClaim(fpA, store.Acquired); c.Owner == "" {
		t.Fatal("Acquired names no owner")
	}
	k.complete(sampleRecord(), longTTL)
	if c := k.wantClaim(fpA, store.Done); c.Owner != "" {
		t.Fatalf("Done names owner %q; only Acquired and InFlight do", c.Owner)
	}
}

func testRecordIsCopied(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	k.wantClaim(fpA, store.Acquired)
	rec := sampleRecord()
	k.complete(rec, longTTL)
	rec.Header.Set("X-Multi", "changed")
	rec.Body[0] = 'X'
	got := k.wantClaim(fpA, store.Done).Record
	got.Header.Set("Idempotent-Replayed", "true")
	got.Body[0] = 'Y'
	if c := k.wantClaim(fpA, store.Done); !sameRecord(*c.Record, sampleRecord()) {
		t.Fatalf("stored record changed through the caller's copies: %+v", *c.Record)
	}
}

func testClaimExactUnderConcurrency(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	const n = 32
	states := make([]store.ClaimState, n)
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := k.s.Claim(t.Context(), k.key, fpA, longLease)
			states[i], tokens[i], errs[i] = c.State, c.Token, err
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	var acquired int
	for i, st := range states {
		if (tokens[i] != "") != (st == store.Acquired) {
			t.Fatalf("concurrent Claim: state %d with token %q", st, tokens[i])
		}
		switch st {
		case store.Acquired:
			acquired++
		case store.InFlight:
		default:
			t.Fatalf("concurrent Claim: state %d, want acquired or in flight", st)
		}
	}
	if acquired != 1 {
		t.Fatalf("%d of %d concurrent claims acquired the key, want 1", acquired, n)
	}
}

func testRelease(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	k.wantClaim(fpA, store.Acquired)
	k.release()
	k.wantClaim(fpA, store.Acquired)
	k.release()
	// After a release the key may even come back with another body.
	k.wantClaim(fpB, store.Acquired)
}

// wantBlocked fails the test if done delivers within quiet.
func wantBlocked(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("Await returned %v while the key was in flight", err)
	case <-time.After(quiet):
	}
}

// wantReturn fails the test unless done delivers want within bound.
func wantReturn(t *testing.T, done <-chan error, want error) {
	t.Helper()
	select {
	case err := <-done:
		if !errors.Is(err, want) {
			t.Fatalf("Await returned %v, want %v", err, want)
		}
	case <-time.After(bound):
		t.Fatalf("Await still blocked after %v", bound)
	}
}

func testAwaitComplete(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	k.wantClaim(fpA, store.Acquired)
	done := k.await(t.Context())
	wantBlocked(t, done)
	k.complete(sampleRecord(), longTTL)
	wantReturn(t, done, nil)
	k.wantClaim(fpA, store.Done)
}

func testAwaitRelease(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	k.wantClaim(fpA, store.Acquired)
	done := k.await(t.Context())
	wantBlocked(t, done)
	k.release()
	wantReturn(t, done, nil)
	k.wantClaim(fpA, store.Acquired)
}

func testAwaitContext(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	k.wantClaim(fpA, store.Acquired)
	ctx, cancel := context.WithCancel(t.Context())
	done := k.await(ctx)
	wantBlocked(t, done)
	cancel()
	wantReturn(t, done, context.Canceled)
	k.wantClaim(fpA, store.InFlight)
}

func testAwaitNotInFlight(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	wantReturn(t, k.await(t.Context()), nil) // never claimed
	k.wantClaim(fpA, store.Acquired)
	k.complete(sampleRecord(), longTTL)
	wantReturn(t, k.await(t.Context()), nil) // done
}

func testLeaseExpiry(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	if c := k.claim(fpA, shortLease); c.State != store.Acquired {
		t.Fatalf("Claim: state %d, want acquired", c.State)
	}
	k.wantClaim(fpA, store.InFlight) // its lease is not over yet
	var last store.ClaimState
	if !poll(bound, func() bool { last = k.claim(fpA, longLease).State; return last == store.Acquired }) {
		t.Fatalf("key still %d %v after its %v lease", last, bound, shortLease)
	}
	k.wantClaim(fpA, store.InFlight) // the new owner's long lease holds
}

func testAwaitLeaseExpiry(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	if c := k.claim(fpA, shortLease); c.State != store.Acquired {
		t.Fatalf("Claim: state %d, want acquired", c.State)
	}
	ctx, cancel := context.WithTimeout(t.Context(), bound)
	defer cancel()
	start := time.Now()
	if err := k.s.Await(ctx, k.key); err != nil {
		t.Fatalf("Await on a key whose owner died: %v after %v, want nil when the %v lease ends", err, time.Since(start), shortLease)
	}
	var last store.ClaimState
	if !poll(bound, func() bool { last = k.claim(fpA, longLease).State; return last == store.Acquired }) {
		t.Fatalf("key still %d after Await returned", last)
	}
}

func testTTLExpiry(t *testing.T, s suite) {
	k := newKey(t, s.store(t))
	k.wantClaim(fpA, store.Acquired)
	k.complete(sampleRecord(), shortTTL)
	k.wantClaim(fpA, store.Done)
	var last store.ClaimState
	if !poll(bound, func() bool {
		last = k.claim(fpA, longLease).State
		return last == store.Acquired
	}) {
		t.Fatalf("record still %d %v after its %v TTL", last, bound, shortTTL)
	}
	// Once expired, another body may use the key.
	k.release()
	k.wantClaim(fpB, store.Acquired)
}

func testKeysIsolated(t *testing.T, s suite) {
	st := s.store(t)
	a, b, c := newKey(t, st), newKey(t, st), newKey(t, st)
	a.wantClaim(fpA, store.Acquired)
	b.wantClaim(fpA, store.Acquired)
	c.wantClaim(fpB, store.Acquired)
	a.complete(sampleRecord(), longTTL)
	b.wantClaim(fpA, store.InFlight)
	b.release()
	a.wantClaim(fpA, store.Done)
	c.wantClaim(fpB, store.InFlight)
	c.wantClaim(fpA, store.Mismatch)
	b.wantClaim(fpA, store.Acquired)
}
