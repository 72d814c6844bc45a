package backoff

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// fixed returns an rnd that always yields r.
func fixed(r float64) func() float64 { return func() float64 { return r } }

func TestParseJitter(t *testing.T) {
	for _, j := range []Jitter{Full, Equal, Decorrelated, None} {
		got, err := ParseJitter(j.String())
		if err != nil || got != j {
			t.Errorf("ParseJitter(%q) = %v, %v; want %v", j.String(), got, err, j)
		}
	}
	// Names are read exactly, as every config name is (classes, actions,
	// dialects): no case folding, no trimming, and no empty name.
	for _, in := range []string{"bogus", "fullish", "exponential", "0", "", " full", "FULL", "Equal", "none\t"} {
		_, err := ParseJitter(in)
		if err == nil {
			t.Errorf("ParseJitter(%q) accepted", in)
			continue
		}
		if want := "backoff: unknown jitter " + strconv.Quote(in) + " (want full, equal, decorrelated or none)"; err.Error() != want {
			t.Errorf("ParseJitter(%q) error %q, want %q", in, err, want)
		}
	}
	if s := Jitter(9).String(); s != "jitter(9)" {
		t.Errorf("Jitter(9).String() = %q", s)
	}
}

func TestDelayNoneSchedule(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Cap: time.Second, Jitter: None}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for i, w := range want {
		n := i + 1
		if got := p.Delay(n, 0, fixed(0.5)); got != w*time.Millisecond {
			t.Errorf("Delay(%d) = %v; want %v", n, got, w*time.Millisecond)
		}
	}
	for _, n := range []int{0, -1, math.MinInt} {
		if got := p.Delay(n, 0, nil); got != 100*time.Millisecond {
			t.Errorf("Delay(%d) = %v; want base", n, got)
		}
	}
}

func TestDelayLargeNDoesNotOverflow(t *testing.T) {
	capped := Policy{Base: 500 * time.Millisecond, Cap: 8 * time.Second, Jitter: None}
	uncapped := Policy{Base: 3 * time.Nanosecond, Jitter: None}
	for _, n := range []int{30, 62, 63, 64, 65, 100, 1 << 20, math.MaxInt} {
		if got := capped.Delay(n, 0, nil); got != 8*time.Second {
			t.Errorf("capped Delay(%d) = %v; want 8s", n, got)
		}
		if got := uncapped.Delay(n, 0, nil); got <= 0 {
			t.Errorf("uncapped Delay(%d) = %v; want positive", n, got)
		}
	}
	// 3ns × 2^61 still fits; 3ns × 2^62 does not and saturates.
	if got := uncapped.Delay(62, 0, nil); got != 3<<61 {
		t.Errorf("uncapped Delay(62) = %d; want %d", got, int64(3)<<61)
	}
	if got := uncapped.Delay(63, 0, nil); got != math.MaxInt64 {
		t.Errorf("uncapped Delay(63) = %d; want MaxInt64", got)
	}
	full := Policy{Base: time.Hour, Jitter: Full}
	if got := full.Delay(200, 0, fixed(0.999999)); got <= 0 {
		t.Errorf("full Delay(200) at huge b = %v; want positive", got)
	}
}

func TestDelayFullSchedule(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Cap: time.Second} // Full is the zero value
	cases := []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{1, 0, 0},
		{1, 0.5, 50 * time.Millisecond},
		{3, 0.5, 200 * time.Millisecond},
		{3, 0.25, 100 * time.Millisecond},
		{10, 0.5, 500 * time.Millisecond}, // capped b = 1s
		{10, 0.999, 999 * time.Millisecond},
		{3, 1.5, 400 * time.Millisecond}, // out-of-range rnd clamps to b
		{3, -1, 0},
		{3, math.NaN(), 0},
	}
	for _, c := range cases {
		if got := p.Delay(c.n, 0, fixed(c.r)); got != c.want {
			t.Errorf("Delay(%d) with r=%v = %v; want %v", c.n, c.r, got, c.want)
		}
	}
}

func TestDelayEqualSchedule(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Cap: time.Second, Jitter: Equal}
	cases := []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{1, 0, 50 * time.Millisecond},
		{1, 0.5, 75 * time.Millisecond},
		{3, 0, 200 * time.Millisecond},
		{3, 0.5, 300 * time.Millisecond},
		{20, 0, 500 * time.Millisecond},
		{20, 0.5, 750 * time.Millisecond},
	}
	for _, c := range cases {
		if got := p.Delay(c.n, 0, fixed(c.r)); got != c.want {
			t.Errorf("Delay(%d) with r=%v = %v; want %v", c.n, c.r, got, c.want)
		}
	}
}

func TestDelayDecorrelatedSchedule(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Cap: time.Second, Jitter: Decorrelated}
	cases := []struct {
		prev time.Duration
		r    float64
		want time.Duration
	}{
		{0, 0, 100 * time.Millisecond},                        // prev 0 reads as base: [100ms, 300ms]
		{0, 0.5, 200 * time.Millisecond},                      //
		{200 * time.Millisecond, 0.5, 350 * time.Millisecond}, // [100ms, 600ms]
		{900 * time.Millisecond, 0.5, time.Second},            // 1.4s capped
		{10 * time.Millisecond, 0.5, 100 * time.Millisecond},  // 3×prev below base: base
		{math.MaxInt64, 0.5, time.Second},                     // no overflow in 3×prev
	}
	for _, c := range cases {
		if got := p.Delay(1, c.prev, fixed(c.r)); got != c.want {
			t.Errorf("Delay(prev=%v, r=%v) = %v; want %v", c.prev, c.r, got, c.want)
		}
	}
	// A chain with r=0.5: each wait is base + (3×prev − base)/2, capped.
	ms := time.Millisecond
	want := []time.Duration{200 * ms, 350 * ms, 575 * ms, 912500 * time.Microsecond, time.Second, time.Second}
	var prev time.Duration
	for i, w := range want {
		prev = p.Delay(i+1, prev, fixed(0.5))
		if prev != w {
			t.Errorf("chain step %d = %v; want %v", i+1, prev, w)
		}
	}
}

func TestDelayZeroBase(t *testing.T) {
	for _, j := range []Jitter{Full, Equal, Decorrelated, None} {
		p := Policy{Cap: time.Second, Jitter: j}
		if got := p.Delay(5, time.Second, fixed(0.9)); got != 0 {
			t.Errorf("%v with zero base = %v; want 0", j, got)
		}
	}
}

func TestDelayCapBelowBase(t *testing.T) {
	for _, j := range []Jitter{Equal, Decorrelated, None} {
		p := Policy{Base: time.Second, Cap: 300 * time.Millisecond, Jitter: j}
		got := p.Delay(1, 0, fixed(0.999))
		if got > 300*time.Millisecond {
			t.Errorf("%v with cap below base = %v; want ≤ cap", j, got)
		}
	}
}

// draws returns k delays for retry n from a seeded source.
func draws(p Policy, n, k int) []time.Duration {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]time.Duration, k)
	for i := range out {
		out[i] = p.Delay(n, 0, r.Float64)
	}
	return out
}

// summary returns the minimum, maximum, mean and number of distinct values.
func summary(ds []time.Duration) (lo, hi time.Duration, mean float64, distinct int) {
	lo, hi = ds[0], ds[0]
	seen := make(map[time.Duration]bool, len(ds))
	var sum float64
	for _, d := range ds {
		lo, hi = min(lo, d), max(hi, d)
		sum += float64(d)
		seen[d] = true
	}
	return lo, hi, sum / float64(len(ds)), len(seen)
}

func TestFullJitterSpreadsWaits(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Cap: 10 * time.Second, Jitter: Full}
	const b = 400 * time.Millisecond // n = 3
	ds := draws(p, 3, 10000)
	lo, hi, mean, distinct := summary(ds)
	if lo < 0 || hi > b {
		t.Fatalf("range [%v, %v] outside [0, %v]", lo, hi, b)
	}
	if lo > b*5/100 || hi < b*95/100 {
		t.Errorf("range [%v, %v] does not span most of [0, %v]", lo, hi, b)
	}
	if math.Abs(mean-float64(b)/2) > 0.02*float64(b) {
		t.Errorf("mean %v; want about %v", time.Duration(mean), b/2)
	}
	if distinct < 9000 {
		t.Errorf("only %d distinct waits in 10000 draws", distinct)
	}
}

func TestEqualJitterStaysInUpperHalf(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Cap: 10 * time.Second, Jitter: Equal}
	const b = 400 * time.Millisecond
	ds := draws(p, 3, 10000)
	lo, hi, mean, distinct := summary(ds)
	if lo < b/2 || hi > b {
		t.Fatalf("range [%v, %v] outside [%v, %v]", lo, hi, b/2, b)
	}
	if lo > b*55/100 || hi < b*95/100 {
		t.Errorf("range [%v, %v] does not span most of [%v, %v]", lo, hi, b/2, b)
	}
	if math.Abs(mean-0.75*float64(b)) > 0.02*float64(b) {
		t.Errorf("mean %v; want about %v", time.Duration(mean), b*3/4)
	}
	if distinct < 9000 {
		t.Errorf("only %d distinct waits in 10000 draws", distinct)
	}
}

func TestDecorrelatedJitterBounds(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Cap: 2 * time.Second, Jitter: Decorrelated}
	r := rand.New(rand.NewPCG(3, 4))
	prev := time.Duration(0)
	sawCap := false
	for i := range 10000 {
		hi := 3 * max(prev, p.Base)
		d := p.Delay(i+1, prev, r.Float64)
		if d < p.Base || d > min(hi, p.Cap) {
			t.Fatalf("step %d: %v outside [%v, %v]", i, d, p.Base, min(hi, p.Cap))
		}
		sawCap = sawCap || d == p.Cap
		prev = d
	}
	if !sawCap {
		t.Error("decorrelated chain never reached the cap")
	}
}

func TestDelayNilRand(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Cap: time.Second}
	for range 100 {
		if d := p.Delay(3, 0, nil); d < 0 || d > 400*time.Millisecond {
			t.Fatalf("Delay with nil rnd = %v; want in [0, 400ms]", d)
		}
	}
}
