package redis

import (
	"strconv"
	"testing"
)

// A cluster node made again at the same address counts on the same
// streak, and nodes at ever new addresses do not grow the counts without
// bound: those not stalled go first.
func TestStreaksByAddressAreBounded(t *testing.T) {
	var st streaks
	a := st.forAddr("10.0.0.1:6379")
	if st.forAddr("10.0.0.1:6379") != a {
		t.Fatal("a node made again at its address got a new count")
	}
	a.n.Store(stallStreak)
	for i := range 4 * maxStreaks {
		st.forAddr("10.1.0." + strconv.Itoa(i) + ":6379")
	}
	if n := len(st.byAddr); n > maxStreaks {
		t.Fatalf("%d counts kept, want at most %d", n, maxStreaks)
	}
	if !st.reached() {
		t.Fatal("the stalled node's count was dropped")
	}
	st.reset()
	if st.reached() {
		t.Fatal("reset left a stalled count")
	}
}
