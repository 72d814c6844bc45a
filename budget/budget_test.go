package budget

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)

func TestCapacity(t *testing.T) {
	cases := []struct {
		min  float64
		want float64
	}{
		{0, 10}, {0.5, 10}, {1, 10}, {3, 30}, {12.5, 125}, {-4, 10}, {math.NaN(), 10}, {math.Inf(-1), 10},
	}
	for _, c := range cases {
		if got := (Config{MinPerSecond: c.min}).Capacity(); got != c.want {
			t.Errorf("Capacity with MinPerSecond %v = %v; want %v", c.min, got, c.want)
		}
	}
}

func TestZeroBucketIsFull(t *testing.T) {
	c := Config{Ratio: 0.2, MinPerSecond: 3}
	var b Bucket
	if got := b.Level(c, t0); got != 30 {
		t.Fatalf("zero bucket level = %v; want capacity 30", got)
	}
	// Tokens of a never-updated bucket are not read.
	b = Bucket{Tokens: 2}
	if got := b.Level(c, t0); got != 30 {
		t.Fatalf("bucket with zero Updated = %v; want capacity 30", got)
	}
	if !b.Withdraw(c, t0) || b.Tokens != 29 || !b.Updated.Equal(t0) {
		t.Fatalf("after first withdraw: %+v; want 29 tokens at t0", b)
	}
}

func TestWithdrawDrainsAndDepositsRefill(t *testing.T) {
	c := Config{Ratio: 0.2} // no floor: only deposits refill
	var b Bucket
	for i := range 10 {
		if !b.Withdraw(c, t0) {
			t.Fatalf("withdraw %d refused from a full bucket of 10", i+1)
		}
	}
	if b.Withdraw(c, t0) {
		t.Fatal("withdraw from an empty bucket succeeded")
	}
	if b.Tokens != 0 {
		t.Fatalf("empty bucket holds %v tokens", b.Tokens)
	}
	// One retry per five first attempts.
	for i := range 4 {
		b.Deposit(c, t0)
		if b.Withdraw(c, t0) {
			t.Fatalf("withdraw after %d deposits of 0.2 succeeded", i+1)
		}
	}
	b.Deposit(c, t0)
	if !b.Withdraw(c, t0) {
		t.Fatal("withdraw after 5 deposits of 0.2 refused")
	}
	if b.Withdraw(c, t0) {
		t.Fatal("second withdraw after 5 deposits of 0.2 succeeded")
	}
}

func TestDepositRoundingPaysForARetry(t *testing.T) {
	// Ten deposits of 0.1 sum to 0.9999999999999999 in float64.
	c := Config{Ratio: 0.1}
	b := Bucket{Tokens: 0, Updated: t0}
	for range 10 {
		b.Deposit(c, t0)
	}
	if !b.Withdraw(c, t0) {
		t.Fatalf("ten deposits of 0.1 (%v tokens) did not pay for a retry", b.Tokens)
	}
	if b.Tokens < 0 {
		t.Fatalf("tokens went negative: %v", b.Tokens)
	}
}

func TestRefillRate(t *testing.T) {
	c := Config{MinPerSecond: 2} // capacity 20
	b := Bucket{Tokens: 0, Updated: t0}
	if got := b.Level(c, t0.Add(1500*time.Millisecond)); got != 3 {
		t.Fatalf("level after 1.5s at 2/s = %v; want 3", got)
	}
	if b.Withdraw(c, t0.Add(250*time.Millisecond)) {
		t.Fatal("withdraw with 0.5 tokens succeeded")
	}
	if b.Tokens != 0.5 || !b.Updated.Equal(t0.Add(250*time.Millisecond)) {
		t.Fatalf("after refused withdraw: %+v; want 0.5 tokens at t0+250ms", b)
	}
	if !b.Withdraw(c, t0.Add(500*time.Millisecond)) {
		t.Fatal("withdraw with 1 token refused")
	}
	if got := b.Level(c, t0.Add(500*time.Millisecond)); got != 0 {
		t.Fatalf("level after spending the refill = %v; want 0", got)
	}
	// A steady 2 retries per second is sustainable with a 2/s floor.
	now := t0.Add(500 * time.Millisecond)
	for i := range 20 {
		now = now.Add(500 * time.Millisecond)
		if !b.Withdraw(c, now) {
			t.Fatalf("retry %d at the floor rate refused", i)
		}
	}
}

func TestCapacityCapsRefillAndDeposits(t *testing.T) {
	c := Config{Ratio: 0.5, MinPerSecond: 1} // capacity 10
	b := Bucket{Tokens: 5, Updated: t0}
	if got := b.Level(c, t0.Add(time.Hour)); got != 10 {
		t.Fatalf("level after an hour = %v; want capacity 10", got)
	}
	b = Bucket{Tokens: 9.8, Updated: t0}
	b.Deposit(c, t0)
	if b.Tokens != 10 {
		t.Fatalf("deposit past capacity: %v tokens; want 10", b.Tokens)
	}
	// A bucket persisted under a larger config is cut down to capacity.
	b = Bucket{Tokens: 500, Updated: t0}
	if got := b.Level(c, t0); got != 10 {
		t.Fatalf("over-full bucket level = %v; want 10", got)
	}
	// Bursts beyond capacity are refused even with heavy deposits.
	b = Bucket{}
	for range 100 {
		b.Deposit(c, t0)
	}
	n := 0
	for b.Withdraw(c, t0) {
		n++
	}
	if n != 10 {
		t.Fatalf("burst of %d retries; want capacity 10", n)
	}
}

func TestClockGoingBackwards(t *testing.T) {
	c := Config{Ratio: 0.2, MinPerSecond: 1}
	b := Bucket{Tokens: 0, Updated: t0}
	if got := b.Level(c, t0.Add(-time.Hour)); got != 0 {
		t.Fatalf("level an hour before Updated = %v; want 0", got)
	}
	if b.Withdraw(c, t0.Add(-10*time.Second)) {
		t.Fatal("withdraw in the past succeeded on an empty bucket")
	}
	if !b.Updated.Equal(t0) {
		t.Fatalf("Updated moved backwards to %v", b.Updated)
	}
	b.Deposit(c, t0.Add(-5*time.Second))
	if b.Tokens != 0.2 || !b.Updated.Equal(t0) {
		t.Fatalf("deposit in the past: %+v; want 0.2 tokens, Updated t0", b)
	}
	// Refill resumes from t0, not from the skewed time: no double refill.
	if got := b.Level(c, t0.Add(time.Second)); math.Abs(got-1.2) > 1e-12 {
		t.Fatalf("level at t0+1s = %v; want 1.2", got)
	}
}

func TestLevelDoesNotMutate(t *testing.T) {
	c := Config{MinPerSecond: 1}
	b := Bucket{Tokens: 1, Updated: t0}
	_ = b.Level(c, t0.Add(5*time.Second))
	if b.Tokens != 1 || !b.Updated.Equal(t0) {
		t.Fatalf("Level changed the bucket: %+v", b)
	}
}

func TestBadConfigValues(t *testing.T) {
	c := Config{Ratio: -1, MinPerSecond: math.NaN()}
	b := Bucket{Tokens: 0.5, Updated: t0}
	b.Deposit(c, t0.Add(time.Minute))
	if b.Tokens != 0.5 {
		t.Fatalf("negative ratio and NaN floor changed tokens to %v", b.Tokens)
	}
	b = Bucket{Tokens: math.NaN(), Updated: t0}
	if got := b.Level(Config{}, t0); got != 0 {
		t.Fatalf("NaN tokens read as %v; want 0", got)
	}
}
