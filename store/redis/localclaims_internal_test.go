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
