package redis

import (
	"strconv"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/store/memory"
)

// checkKeys fails t unless every key is in the queue of its state, once,
// and n counts them.
func checkKeys(t *testing.T, l *localKeys) {
	t.Helper()
	seen := 0
	for _, q := range []struct {
		q    *keyQueue
		done bool
	}{{&l.running, false}, {&l.stored, true}} {
		for e := q.q.front(); e != nil && e != &q.q.root; e = e.next {
			if l.keys[e.key] != e || e.done != q.done || e.next.prev != e {
				t.Fatalf("key %q (done %v) misplaced in the queue of done=%v", e.key, e.done, q.done)
			}
			seen++
		}
	}
	if seen != len(l.keys) || int(l.n.Load()) != len(l.keys) {
		t.Fatalf("%d keys queued, %d mapped, n = %d", seen, len(l.keys), l.n.Load())
	}
}

// fill acquires keys prefix0, prefix1, … until l holds maxLocalKeys.
func fill(l *localKeys, prefix string, until, now time.Time) {
	for i := 0; int(l.n.Load()) < maxLocalKeys; i++ {
		l.acquired(prefix+strconv.Itoa(i), "local:t", until, now)
	}
}

// The keys kept on local state are as many as the records of the local
// store they point to.
func TestLocalKeysBoundIsLocalStoreBound(t *testing.T) {
	if maxLocalKeys != memory.DefaultMaxRecords {
		t.Fatalf("maxLocalKeys = %d, want the local store's %d", maxLocalKeys, memory.DefaultMaxRecords)
	}
}

// The keys kept on local state are bounded: past maxLocalKeys, with no
// key completed, the running claim acquired first (claims share a lease:
// the one ending soonest) goes back to Redis; a key released by another
// token than its owner's stays.
func TestLocalKeysBounded(t *testing.T) {
	var l localKeys
	now := time.Now()
	fill(&l, "k", now.Add(time.Hour), now)
	l.acquired("new", "local:t", now.Add(time.Hour), now)
	checkKeys(t, &l)
	if l.holds("k0") {
		t.Fatal("the claim acquired first is kept past the bound")
	}
	if !l.holds("k1") || !l.holds("new") || int(l.n.Load()) != maxLocalKeys {
		t.Fatalf("held %d keys, want %d, k1 and new among them", l.n.Load(), maxLocalKeys)
	}
	l.released("new", "local:other")
	if !l.holds("new") {
		t.Fatal("a release by another token dropped the key")
	}
	l.released("new", "local:t")
	checkKeys(t, &l)
	if l.holds("new") || int(l.n.Load()) != maxLocalKeys-1 {
		t.Fatalf("a released key is still held, or counted: n = %d", l.n.Load())
	}
	// Room again: a new key evicts nothing.
	l.acquired("again", "local:t", now.Add(time.Hour), now)
	if !l.holds("k1") || !l.holds("again") {
		t.Fatal("a key was evicted below the bound")
	}
}

// Past the bound, a completed key (its response stored) goes back to Redis
// before a key whose request still runs: a running request's duplicates,
// sent by clients that timed out and retry, are the ones due soonest, and
// sent to Redis they would run again.
func TestLocalKeysBoundKeepsRunningClaims(t *testing.T) {
	var l localKeys
	now := time.Now()
	l.acquired("running", "local:r", now.Add(45*time.Second), now)
	for i := range maxLocalKeys - 1 {
		k := "done" + strconv.Itoa(i)
		l.acquired(k, "local:t", now.Add(time.Minute), now)
		l.completed(k, "local:t", now.Add(24*time.Hour+time.Duration(i)*time.Second), now)
	}
	l.acquired("new", "local:n", now.Add(45*time.Second), now)
	if !l.holds("running") || !l.holds("new") {
		t.Fatal("a running request's key went back to Redis while completed keys stayed")
	}
	if l.holds("done0") || !l.holds("done1") || int(l.n.Load()) != maxLocalKeys {
		t.Fatalf("held %d keys, want %d without done0, the completed key ending soonest", l.n.Load(), maxLocalKeys)
	}
	checkKeys(t, &l)
}

// Past the bound, keys that ended go first, before any live key; then the
// completed keys in the order they were completed (one TTL: the order
// their records end), which is not the order they were claimed in; then
// the running claims.
func TestLocalKeysEvictionOrder(t *testing.T) {
	var l localKeys
	now := time.Now()
	l.acquired("a", "local:a", now.Add(time.Hour), now)
	l.acquired("b", "local:b", now.Add(time.Hour), now)
	l.acquired("ends", "local:e", now.Add(time.Hour), now)
	l.completed("ends", "local:e", now.Add(time.Minute), now)
	l.completed("b", "local:b", now.Add(24*time.Hour), now)
	l.completed("a", "local:a", now.Add(24*time.Hour), now)
	fill(&l, "k", now.Add(time.Hour), now)
	checkKeys(t, &l)

	// Two minutes later "ends" has ended; no other key has.
	later := now.Add(2 * time.Minute)
	l.acquired("new1", "local:t", later.Add(time.Hour), later)
	if _, ok := l.keys["ends"]; ok || !l.holds("a") || !l.holds("b") || !l.holds("k0") {
		t.Fatal("a live key went back to Redis while one that had ended was kept")
	}
	l.acquired("new2", "local:t", now.Add(time.Hour), now)
	if l.holds("b") || !l.holds("a") || !l.holds("k0") {
		t.Fatal("want b, the key completed first, evicted first")
	}
	l.acquired("new3", "local:t", now.Add(time.Hour), now)
	if l.holds("a") || !l.holds("k0") {
		t.Fatal("want a, the last completed key, evicted before running claims")
	}
	l.acquired("new4", "local:t", now.Add(time.Hour), now)
	if l.holds("k0") || !l.holds("k1") || !l.holds("new4") {
		t.Fatal("want k0, the running claim acquired first, evicted once none is completed")
	}
	checkKeys(t, &l)
}

// A key claimed again (its claim ended, or the local store let it go)
// is a running claim again, the newest: it leaves the completed keys, and
// its former owner can no longer complete or release it.
func TestLocalKeysReacquired(t *testing.T) {
	var l localKeys
	now := time.Now()
	l.acquired("x", "local:old", now.Add(time.Hour), now)
	l.completed("x", "local:old", now.Add(24*time.Hour), now)
	l.acquired("y", "local:y", now.Add(time.Hour), now)
	l.completed("y", "local:y", now.Add(24*time.Hour), now)
	l.acquired("x", "local:new", now.Add(time.Hour), now)
	checkKeys(t, &l)
	if l.keys["x"].done || l.n.Load() != 2 {
		t.Fatalf("re-acquired key: done %v, n = %d; want running, 2 keys", l.keys["x"].done, l.n.Load())
	}
	l.completed("x", "local:old", now.Add(24*time.Hour), now)
	l.released("x", "local:old")
	if !l.holds("x") || l.keys["x"].done {
		t.Fatal("the former owner completed or released the re-acquired key")
	}
	fill(&l, "k", now.Add(time.Hour), now)
	l.acquired("new", "local:t", now.Add(time.Hour), now) // evicts y, the one completed key
	l.acquired("new2", "local:t", now.Add(time.Hour), now)
	if l.holds("y") || l.holds("x") || !l.holds("k0") {
		t.Fatal("want y, then x, the running claim acquired first, evicted")
	}
	checkKeys(t, &l)
}

// A completed key that is released, or completed by another token, and a
// running key completed after its claim ended, stay where they belong.
func TestLocalKeysCompleteAndRelease(t *testing.T) {
	var l localKeys
	now := time.Now()
	l.acquired("a", "local:a", now.Add(time.Hour), now)
	l.acquired("b", "local:b", now.Add(time.Hour), now)
	l.acquired("c", "local:c", now.Add(time.Minute), now)
	l.completed("a", "local:a", now.Add(24*time.Hour), now)
	l.completed("b", "local:other", now.Add(24*time.Hour), now)
	l.completed("c", "local:c", now.Add(24*time.Hour), now.Add(2*time.Minute)) // too late
	checkKeys(t, &l)
	if !l.keys["a"].done || l.keys["b"].done || l.keys["c"].done {
		t.Fatal("want only a completed")
	}
	l.released("a", "local:a")
	checkKeys(t, &l)
	if l.holds("a") || l.n.Load() != 2 {
		t.Fatalf("a released completed key is held, n = %d", l.n.Load())
	}
}

// Keys that ended are dropped a few at a time by every lookup, so that once
// the outage is over and only Redis answers, they all go, and Claim and
// Await skip the lock again.
func TestLocalKeysEndedDrain(t *testing.T) {
	var l localKeys
	past := time.Now().Add(-2 * time.Hour)
	for i := range 5 {
		k := "k" + strconv.Itoa(i)
		l.acquired(k, "local:t", past.Add(time.Hour), past)
		if i%2 == 0 {
			l.completed(k, "local:t", past.Add(time.Hour), past)
		}
	}
	for range 3 {
		if l.holds("other") {
			t.Fatal("holds a key never claimed")
		}
		checkKeys(t, &l)
	}
	if l.n.Load() != 0 {
		t.Fatalf("%d keys that ended kept after 3 lookups", l.n.Load())
	}
}

// BenchmarkLocalKeysFull measures a new local claim's key on a full set
// (maxLocalKeys): each acquire evicts one key, in constant time.
func BenchmarkLocalKeysFull(b *testing.B) {
	var l localKeys
	now := time.Now()
	keys := make([]string, 2*maxLocalKeys)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	for _, k := range keys[:maxLocalKeys] {
		l.acquired(k, "local:t", now.Add(time.Hour), now)
	}
	i := maxLocalKeys
	b.ReportAllocs()
	for b.Loop() {
		l.acquired(keys[i], "local:t", now.Add(time.Hour), now)
		if i++; i == len(keys) {
			i = 0
		}
	}
	if int(l.n.Load()) != maxLocalKeys {
		b.Fatalf("held %d keys, want %d", l.n.Load(), maxLocalKeys)
	}
}
