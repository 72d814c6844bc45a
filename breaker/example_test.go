package breaker_test

import (
	"fmt"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
)

// A breaker trips after three failures in a row, refuses attempts for its
// cool-down, then lets one probe through; the probe's success closes it.
func Example() {
	cfg := breaker.Config{ConsecutiveFailures: 3, Cooldown: 10 * time.Second}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var b breaker.Breaker

	for range 3 {
		t, _ := b.Allow(cfg, start)
		if tr := b.Done(cfg, start, t, breaker.Failure); tr.Changed() {
			fmt.Println(tr.From, "→", tr.To)
		}
	}

	t, _ := b.Allow(cfg, start.Add(4*time.Second))
	fmt.Println("allowed:", t.Allowed, "for", t.Until.Sub(start.Add(4*time.Second)), "more")

	probe, tr := b.Allow(cfg, start.Add(10*time.Second))
	fmt.Println(tr.From, "→", tr.To, "probe:", probe.Probe)

	tr = b.Done(cfg, start.Add(11*time.Second), probe, breaker.Success)
	fmt.Println(tr.From, "→", tr.To, "generation:", b.Generation)
	// Output:
	// closed → open
	// allowed: false for 6s more
	// open → half_open probe: true
	// half_open → closed generation: 3
}
