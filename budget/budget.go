// Package budget is the retry budget: a token bucket per target that limits
// retries to a share of recent first attempts plus a small floor, so that a
// fleet of agents cannot turn an outage into a flood of retries.
package budget

import (
	"math"
	"time"
)

// Config is a budget policy. A negative, NaN or infinite field counts as
// zero; with both zero a bucket never refills, so it allows Capacity
// retries in all.
type Config struct {
	// Ratio is the share of first attempts that may be retried (0.2 = one
	// retry per five first attempts).
	Ratio float64
	// MinPerSecond is the floor: retries per second allowed whatever the
	// traffic.
	MinPerSecond float64
}

// Capacity is the most tokens a bucket holds: ten seconds of the floor, and
// never less than 10 tokens, so a quiet target can still absorb a burst of
// retries but a busy one cannot bank an unbounded number.
func (c Config) Capacity() float64 {
	if f := 10 * c.rate(); f > 10 {
		return f
	}
	return 10
}

// rate is MinPerSecond with negative, NaN and infinite values read as 0.
func (c Config) rate() float64 {
	return finite(c.MinPerSecond)
}

// ratio is Ratio with negative, NaN and infinite values read as 0.
func (c Config) ratio() float64 {
	return finite(c.Ratio)
}

// finite returns f when it is a positive finite number, else 0.
func finite(f float64) float64 {
	if f > 0 && !math.IsInf(f, 1) {
		return f
	}
	return 0
}

// slack absorbs floating-point drift in sums of Ratio: ten deposits of 0.1
// add up to 0.9999999999999999, which must still pay for one retry.
const slack = 1e-9

// Bucket is the state of one target's budget. Its zero value is a full
// bucket. It is a plain value so that stores can persist it.
//
// Time only moves forward for a bucket: a now earlier than Updated (clock
// skew between replicas) refills nothing and leaves Updated unchanged.
type Bucket struct {
	Tokens  float64   // tokens available after the last update
	Updated time.Time // when Tokens was last computed; zero for a new bucket
}

// Deposit adds Ratio tokens for a first attempt made at now.
// The bucket never holds more than Capacity.
func (b *Bucket) Deposit(c Config, now time.Time) {
	b.set(min(b.Level(c, now)+c.ratio(), c.Capacity()), now)
}

// Withdraw takes one token for a retry at now and reports whether there was
// one. Refill at MinPerSecond is applied first.
func (b *Bucket) Withdraw(c Config, now time.Time) bool {
	t := b.Level(c, now)
	ok := Covers(t)
	if ok {
		t = max(t-1, 0)
	}
	b.set(t, now)
	return ok
}

// Covers reports whether a level of tokens (as Level returns) holds a
// token for a retry: whether Withdraw would succeed at it.
func Covers(tokens float64) bool { return tokens >= 1-slack }

// Level returns the tokens available at now, refill applied, without
// changing the bucket.
func (b Bucket) Level(c Config, now time.Time) float64 {
	capacity := c.Capacity()
	if b.Updated.IsZero() {
		return capacity
	}
	t := b.Tokens
	if !(t > 0) { // also a NaN read from a corrupt store
		t = 0
	}
	if elapsed := now.Sub(b.Updated).Seconds(); elapsed > 0 {
		t += c.rate() * elapsed
	}
	return min(t, capacity)
}

// set stores tokens computed at now, never moving Updated backwards.
func (b *Bucket) set(tokens float64, now time.Time) {
	b.Tokens = tokens
	if now.After(b.Updated) {
		b.Updated = now
	}
}
