// Package backoff computes how long to wait before a retry: exponential
// backoff with jitter, and the provider's own hints (Retry-After and the
// rate-limit reset headers of both dialects).
package backoff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Jitter is how randomness spreads a backoff.
type Jitter uint8

// Jitter kinds (Marc Brooker, "Exponential Backoff and Jitter").
const (
	Full         Jitter = iota // uniform in [0, b]; the default
	Equal                      // b/2 + uniform in [0, b/2]
	Decorrelated               // min(cap, uniform in [base, 3 × previous])
	None                       // exactly b; for tests
)

// String returns the jitter's config name.
func (j Jitter) String() string {
	switch j {
	case Full:
		return "full"
	case Equal:
		return "equal"
	case Decorrelated:
		return "decorrelated"
	case None:
		return "none"
	}
	return fmt.Sprintf("jitter(%d)", uint8(j))
}

// ParseJitter parses a config name: full, equal, decorrelated or none,
// exactly as String returns it (like every config name lifeline reads: no
// case folding, no surrounding spaces). The empty string is an error; the
// zero Jitter is Full, the default.
func ParseJitter(s string) (Jitter, error) {
	switch s {
	case "full":
		return Full, nil
	case "equal":
		return Equal, nil
	case "decorrelated":
		return Decorrelated, nil
	case "none":
		return None, nil
	}
	return Full, fmt.Errorf("backoff: unknown jitter %q (want full, equal, decorrelated or none)", s)
}

// Policy is an immutable backoff schedule: b = min(Cap, Base × 2^(n-1)) for
// the n-th retry, spread by Jitter.
//
// A Cap of zero or less means no cap beyond the largest time.Duration; a
// Base of zero or less makes every delay zero. An unknown Jitter value
// behaves as Full.
type Policy struct {
	Base   time.Duration
	Cap    time.Duration
	Jitter Jitter
}

// Delay returns the wait before retry n (1 for the first retry). prev is
// the previous wait (used by Decorrelated; 0 before the first retry). rnd
// returns uniform floats in [0, 1); it is injected so tests are exact.
//
// Decorrelated ignores n: its growth comes from prev. n below 1 counts as
// 1. A nil rnd uses math/rand/v2's Float64; values rnd
// returns outside [0, 1) are clamped into it. The result is never negative
// and never above the cap.
func (p Policy) Delay(n int, prev time.Duration, rnd func() float64) time.Duration {
	if p.Base <= 0 {
		return 0
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	limit := p.limit()
	switch p.Jitter {
	case None:
		return p.ceiling(n)
	case Equal:
		b := p.ceiling(n)
		half := b / 2
		return half + scale(b-half, rnd())
	case Decorrelated:
		if prev <= 0 {
			prev = p.Base
		}
		hi := time.Duration(math.MaxInt64)
		if prev <= math.MaxInt64/3 {
			hi = 3 * prev
		}
		hi = max(hi, p.Base)
		return min(limit, p.Base+scale(hi-p.Base, rnd()))
	default: // Full
		return scale(p.ceiling(n), rnd())
	}
}

// limit is the effective cap.
func (p Policy) limit() time.Duration {
	if p.Cap <= 0 {
		return math.MaxInt64
	}
	return p.Cap
}

// ceiling is b = min(cap, base × 2^(n-1)), computed without overflow.
func (p Policy) ceiling(n int) time.Duration {
	limit := p.limit()
	k := max(n, 1) - 1
	if k >= 63 || p.Base > limit>>uint(k) {
		return limit
	}
	return p.Base << uint(k)
}

// scale returns d × r for r in [0, 1), clamped to [0, d].
func scale(d time.Duration, r float64) time.Duration {
	if d <= 0 || !(r > 0) { // also catches NaN
		return 0
	}
	if r >= 1 {
		return d
	}
	v := float64(d) * r
	if v >= float64(d) {
		return d
	}
	return min(d, time.Duration(v))
}
