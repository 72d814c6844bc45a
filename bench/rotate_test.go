package main

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestRotate: each system is warmed up once, then every round gives every
// system one turn, the first turn moving one system on per round; a turn's
// error ends the schedule.
func TestRotate(t *testing.T) {
	p := plan{rounds: 2, duration: 1, warmup: 1}
	var warmed []int
	var turns [][2]int
	err := rotate(context.Background(), p, 3, func(i int) { warmed = append(warmed, i) }, func(i, round int, idle float64) error {
		turns = append(turns, [2]int{i, round})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 2}; !slices.Equal(warmed, want) {
		t.Errorf("warmed %v, want %v", warmed, want)
	}
	if want := [][2]int{{0, 1}, {1, 1}, {2, 1}, {1, 2}, {2, 2}, {0, 2}}; !slices.Equal(turns, want) {
		t.Errorf("turns (system, round) %v, want %v", turns, want)
	}
	boom := errors.New("boom")
	n := 0
	err = rotate(context.Background(), plan{rounds: 2, duration: 1}, 2, func(int) { t.Error("warm-up without -warmup") },
		func(i, round int, idle float64) error { n++; return boom })
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("after a failing turn: %v, %d turns; want boom after 1", err, n)
	}
}
