package breaker

import "time"

// The failure-rate window is Buckets slots of Window/Buckets each. Slots[0]
// is the newest slot, which began at SlotStart; Slots[i] began i slot
// widths earlier. As time advances the slots shift toward the end of the
// array and the ones that fall out of the window are dropped, so the window
// slides in steps of one slot without any timer.

// rotate shifts the window so that its newest slot contains now.
func (b *Breaker) rotate(c Config, now time.Time) {
	if b.SlotStart.IsZero() {
		b.SlotStart = now
		return
	}
	d := now.Sub(b.SlotStart)
	if d < 0 {
		// The clock went backwards (a clock step, or replicas whose clocks
		// disagree). A small step counts into the newest slot; a step of a
		// whole window or more leaves no way to place the history, so the
		// window starts over.
		if -d >= c.Window {
			b.clearWindow()
			b.SlotStart = now
		}
		return
	}
	w := c.slotWidth()
	k := d / w
	if k == 0 {
		return
	}
	if k >= Buckets {
		b.Slots = [Buckets]Counts{}
	} else {
		n := int(k)
		copy(b.Slots[n:], b.Slots[:Buckets-n])
		clear(b.Slots[:n])
	}
	b.SlotStart = b.SlotStart.Add(k * w)
}

// record counts one attempt, failed or not, in the slot that holds now.
func (b *Breaker) record(c Config, now time.Time, failed bool) {
	b.rotate(c, now)
	b.Slots[0].Requests++
	if failed {
		b.Slots[0].Failures++
	}
}

// Recent returns the attempts and failures counted in the window as it
// stands at now, for status pages. It does not change b.
func (b Breaker) Recent(c Config, now time.Time) Counts {
	b.rotate(c.WithDefaults(), now)
	return b.totals()
}

// totals sums the window's slots.
func (b *Breaker) totals() Counts {
	var t Counts
	for _, s := range b.Slots {
		t.Requests += s.Requests
		t.Failures += s.Failures
	}
	return t
}

// tripped reports whether the counts call for opening the breaker.
func (b *Breaker) tripped(c Config) bool {
	if b.Consecutive >= c.ConsecutiveFailures {
		return true
	}
	t := b.totals()
	return int64(t.Requests) >= int64(c.MinRequests) && float64(t.Failures)/float64(t.Requests) >= c.FailureRate
}

// clearWindow forgets every counted outcome.
func (b *Breaker) clearWindow() {
	b.Slots = [Buckets]Counts{}
	b.SlotStart = time.Time{}
}
