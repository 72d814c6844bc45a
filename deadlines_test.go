package lifeline_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
)

// slowReply answers OK after delay, unless the attempt ends first.
func slowReply(d dialect, delay time.Duration) clockedStep {
	return func(ctx context.Context) (*http.Response, error) {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		return clockedReply(200, nil, d.OK)(ctx)
	}
}

// A deadline the caller set (its context's, or the request's, as the
// gateway's X-Lifeline-Deadline and X-Lifeline-Timeout give it) that cuts
// an attempt does not count against the target: a caller in a hurry does
// not open a breaker that every other caller then finds open. The route's
// own bound does count.
func TestCallerDeadlineDoesNotBlameTheTarget(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", slowReply(d, 300*time.Millisecond))
		f := newFixtureOn(t, up.client(), d, []string{a}, lifeline.WithBreaker(breakerConfig(1)))
		for i := range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			if _, _, err := f.doCtx(ctx, false, nil); !errors.Is(err, lifeline.ErrDeadlineExceeded) {
				t.Fatalf("request %d under a context deadline: %v", i, err)
			}
			cancel()
			_, _, err := f.doCtx(context.Background(), false, func(r *lifeline.Request) { r.Deadline = time.Now().Add(50 * time.Millisecond) })
			if !errors.Is(err, lifeline.ErrDeadlineExceeded) {
				t.Fatalf("request %d with a deadline: %v", i, err)
			}
		}
		// A stream cut after its first byte by the caller's deadline.
		s := up.on("s.invalid", timedEvents(0, d.Stream[:d.Opening+1], make([]time.Duration, d.Opening+1), true))
		fs := newFixtureOn(t, up.client(), d, []string{s}, lifeline.WithBreaker(breakerConfig(1)))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		if _, _, err := fs.doCtx(ctx, true, nil); !errors.Is(err, lifeline.ErrBrokenStream) {
			t.Fatalf("stream under a context deadline: %v", err)
		}
		cancel()
		if n := len(f.events.Kind(lifeline.BreakerChanged)) + len(fs.events.Kind(lifeline.BreakerChanged)); n != 0 {
			t.Fatalf("the callers' deadlines changed a breaker %d times", n)
		}
		if resp, _, err := f.do(false); err != nil || resp.Target != "p0/m0" {
			t.Fatalf("a caller without a deadline: %v", err)
		}

		// The route's own total bound blames the target.
		tight := newFixtureOn(t, up.client(), d, []string{a}, lifeline.WithBreaker(breakerConfig(1)),
			lifeline.WithTimeouts(lifeline.Timeouts{Total: 50 * time.Millisecond}))
		if _, _, err := tight.do(false); !errors.Is(err, lifeline.ErrDeadlineExceeded) {
			t.Fatalf("request cut by timeouts.total: %v", err)
		}
		if len(tight.events.Kind(lifeline.BreakerChanged)) != 1 {
			t.Fatalf("timeouts.total cut an attempt; breaker events %+v, want it opened", tight.events.Kind(lifeline.BreakerChanged))
		}
	})
}

// Request.Arrived moves the start of the route's total bound back to when
// the request reached the caller: 250 ms spent before Do leave the
// attempt 50 ms of a 300 ms total. A cut there is the route's own, so it
// blames the target, unlike a deadline the caller set.
func TestArrivedCountsTowardsTheTotal(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", slowReply(d, 200*time.Millisecond))
		f := newFixtureOn(t, up.client(), d, []string{a}, lifeline.WithBreaker(breakerConfig(1)),
			lifeline.WithTimeouts(lifeline.Timeouts{Total: 300 * time.Millisecond}))
		arrived := time.Now()
		time.Sleep(250 * time.Millisecond)
		start := time.Now()
		_, _, err := f.doCtx(context.Background(), false, func(r *lifeline.Request) { r.Arrived = arrived })
		if !errors.Is(err, lifeline.ErrDeadlineExceeded) {
			t.Fatalf("a request that arrived 250 ms before Do, with 300 ms in all: %v", err)
		}
		if took := time.Since(start); took != 50*time.Millisecond {
			t.Fatalf("Do took %v; want the 50 ms left of timeouts.total", took)
		}
		if len(f.events.Kind(lifeline.BreakerChanged)) != 1 {
			t.Fatalf("timeouts.total cut the attempt; breaker events %+v, want it opened", f.events.Kind(lifeline.BreakerChanged))
		}
	})
}

// stallingStore is a state store whose Admit stalls until its context
// ends (or a minute passes), and which does not say how long its calls
// may block.
type stallingStore struct{ store.Store }

func (s stallingStore) Admit(ctx context.Context, target string, a store.Admission) (store.Ticket, error) {
	select {
	case <-ctx.Done():
		return store.Ticket{}, ctx.Err()
	case <-time.After(time.Minute):
		return s.Store.Admit(ctx, target, a)
	}
}

// A request is answered at its deadline even when the state store stalls:
// a store that does not say how long it may block has each call bounded by
// the request's deadline.
func TestStallingStoreCannotHoldARequestPastItsDeadline(t *testing.T) {
	d := openaiD
	a := newUpstream(t, d.Good(false))
	st := stallingStore{memory.New()}
	f := newFixtureWith(t, []lifeline.Option{lifeline.WithStore(st)}, d, []string{a.URL})
	start := time.Now()
	_, err := f.engine.Do(context.Background(), f.route, &lifeline.Request{
		Dialect: d.Kind, Body: []byte(d.Request), Deadline: start.Add(200 * time.Millisecond)})
	if !errors.Is(err, lifeline.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	// Without the bound the call waits for the store: a minute.
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("answered after %v, want at the 200ms deadline", took)
	}
	if a.Count() != 0 {
		t.Errorf("the upstream was called %d times after the deadline", a.Count())
	}
}
