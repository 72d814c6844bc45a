package lifeline_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/upstreamtest"
)

// The providers serve their APIs over HTTP/2. These tests run the
// engine's time bounds against an HTTP/2 upstream: an attempt is ended
// there by the same context as over HTTP/1.1, and the stream it was on
// is reset.

// h2Fixture returns a fixture whose targets are all on one HTTP/2
// upstream playing script, one target per URL given.
func h2Fixture(t *testing.T, d dialect, targets int, script []behaviour, opts ...lifeline.RouteOption) (*fixture, *upstream) {
	t.Helper()
	up := upstreamtest.NewHTTP2(t, script...)
	urls := make([]string, targets)
	for i := range urls {
		urls[i] = up.URL
	}
	return newFixtureOn(t, up.Client(), d, urls, opts...), up
}

// wantHTTP2 fails the test unless up received requests, every one over
// HTTP/2.
func wantHTTP2(t *testing.T, up *upstream) {
	t.Helper()
	if len(up.Requests()) == 0 {
		t.Fatal("the upstream received no request")
	}
	for i, r := range up.Requests() {
		if r.Proto != "HTTP/2.0" {
			t.Fatalf("request %d came over %s, want HTTP/2.0", i, r.Proto)
		}
	}
}

func TestHTTP2HangBeforeHeadersHitsFirstTokenTimeout(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		// The bound also covers the TLS handshake of the first attempt.
		f, up := h2Fixture(t, d, 2, []behaviour{hang(), d.Good(stream)}, firstTokenPolicy(500*time.Millisecond)...)
		firstTokenThenNext(t, f, stream)
		wantHTTP2(t, up)
	})
}

func TestHTTP2StallAfterContentBreaksStream(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			f, up := h2Fixture(t, d, 1, []behaviour{events(d.Stream[:d.Opening+1], true)},
				lifeline.WithTimeouts(lifeline.Timeouts{Idle: 50 * time.Millisecond, Total: 10 * time.Second}))
			start := time.Now()
			_, body, err := f.do(true)
			if !errors.Is(err, lifeline.ErrBrokenStream) {
				t.Fatalf("err = %v, want a broken stream", err)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Fatalf("the stalled stream was cut after %v, its idle bound is 50ms", el)
			}
			if !strings.HasPrefix(body, strings.Join(d.Stream[:d.Opening+1], "")) {
				t.Fatalf("the content before the stall did not reach the client:\n%s", body)
			}
			wantHTTP2(t, up)
		})
	}
}

func TestHTTP2CallerCancelEndsAttempt(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		arrived := make(chan struct{})
		f, up := h2Fixture(t, d, 1, []behaviour{hangArrived(arrived)}, lifeline.WithBreaker(breakerConfig(1)))
		callerGoesAway(t, f, stream, arrived)
		wantHTTP2(t, up)
	})
}
