package redis

import (
	"strconv"
	"testing"
	"time"
)

// The keys kept on local state are bounded: past maxLocalKeys, the key
// whose claim or record ends soonest goes back to Redis; a key released by
// another token than its owner's stays.
func TestLocalKeysBounded(t *testing.T) {
	var l localKeys
	now := time.Now()
	for i := range maxLocalKeys {
		l.acquired("k"+strconv.Itoa(i), "local:t", now.Add(time.Hour+time.Duration(i)*time.Second), now)
	}
	l.acquired("soon", "local:t", now.Add(time.Minute), now)
	l.acquired("new", "local:t", now.Add(2*time.Hour), now)
	if l.holds("soon") {
		t.Fatal("the key ending soonest is kept past the bound")
	}
	if !l.holds("k1") || !l.holds("new") || int(l.n.Load()) != maxLocalKeys {
		t.Fatalf("held %d keys, want %d, k1 and new among them", l.n.Load(), maxLocalKeys)
	}
	l.released("new", "local:other")
	if !l.holds("new") {
		t.Fatal("a release by another token dropped the key")
	}
	l.released("new", "local:t")
	if l.holds("new") {
		t.Fatal("a released key is still held")
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
}
