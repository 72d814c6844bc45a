package lifeline_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
)

// An attempt that lifeline itself ends (a deadline or time bound it
// enforces, an answer over its size limit) is a failure of a known kind:
// the classifier's "unknown kind" warning, logged once per kind, is kept
// for the transport errors it does not know, which it still reports.
func TestOwnFailuresAreNotLoggedAsUnknown(t *testing.T) {
	hangs := func(ctx context.Context) (*http.Response, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	odd := func(context.Context) (*http.Response, error) {
		return nil, errors.New("a transport failure nobody knows")
	}
	for _, tc := range []struct {
		name    string
		step    func(context.Context) (*http.Response, error)
		opts    []lifeline.RouteOption
		mod     func(*lifeline.Request)
		unknown bool // the log must report an unknown kind
	}{
		{name: "the caller's deadline", step: hangs, mod: func(r *lifeline.Request) { r.Deadline = time.Now().Add(time.Second) }},
		{name: "timeouts.total", step: hangs, opts: []lifeline.RouteOption{
			lifeline.WithTimeouts(lifeline.Timeouts{Attempt: time.Hour, FirstToken: time.Hour, Idle: time.Hour, Total: time.Second})}},
		{name: "timeouts.first_token", step: hangs, opts: []lifeline.RouteOption{
			lifeline.WithTimeouts(lifeline.Timeouts{Attempt: time.Hour, FirstToken: time.Second, Idle: time.Hour, Total: time.Hour})}},
		{name: "an unknown transport error", step: odd, unknown: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inBubbles(t, func(t *testing.T, d dialect) {
				var log syncbuffer.Buffer
				up := newClocked()
				u := up.on("up.invalid", tc.step)
				f := newFixtureWith(t, []lifeline.Option{lifeline.WithHTTPClient(up.client()),
					lifeline.WithLogger(slog.New(slog.NewTextHandler(&log, nil)))}, d, []string{u},
					append([]lifeline.RouteOption{lifeline.WithMaxAttempts(1)}, tc.opts...)...)
				_, _, err := f.doCtx(context.Background(), false, tc.mod)
				var le *lifeline.Error
				if !errors.As(err, &le) || len(le.Attempts) != 1 || le.Attempts[0].Class.String() != "transient" {
					t.Fatalf("err = %v, want one transient attempt", err)
				}
				if got := strings.Contains(log.String(), "classify:"); got != tc.unknown {
					t.Fatalf("unknown kind logged: %v, want %v; log:\n%s", got, tc.unknown, log.String())
				}
			})
		})
	}
}

// An answer over the engine's response limit, whole or held back in a
// buffered stream, is not an unknown transport failure either.
func TestAnswerOverTheLimitIsNotLoggedAsUnknown(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		var log syncbuffer.Buffer
		long := slices.Clone(d.Stream)
		for range 4 {
			long = slices.Insert(long, d.Opening+1, d.Stream[d.Opening])
		}
		limit := int64(len(strings.Join(d.Stream, "")) + 64)
		big := reply(200, nil, d.OK[:len(d.OK)-1]+`,"pad":"`+strings.Repeat("x", int(limit))+`"}`)
		if stream {
			big = events(long, false)
		}
		a := newUpstream(t, big)
		f := newFixtureWith(t, []lifeline.Option{lifeline.WithMaxResponse(limit),
			lifeline.WithLogger(slog.New(slog.NewTextHandler(&log, nil)))}, d, []string{a.URL},
			lifeline.WithMaxAttempts(1), lifeline.WithStreamMode(lifeline.StreamBuffer))
		_, _, err := f.do(stream)
		var le *lifeline.Error
		if !errors.As(err, &le) || len(le.Attempts) != 1 || !overLimit(le.Attempts[0].Err) {
			t.Fatalf("err = %v, want one attempt over the limit", err)
		}
		if strings.Contains(log.String(), "classify:") {
			t.Fatalf("logged as an unknown kind:\n%s", log.String())
		}
	})
}

func overLimit(msg string) bool {
	return strings.Contains(msg, "exceeds") || strings.Contains(msg, "too large")
}

// A stream event over the 4 MiB bound of one event (data with no line end
// for megabytes), before or after the first content event, is a bound of
// lifeline's as well, not an unknown transport failure.
func TestEventOverTheLimitIsNotLoggedAsUnknown(t *testing.T) {
	for _, after := range []bool{false, true} {
		for _, d := range dialects {
			t.Run(fmt.Sprintf("%v/after_first_byte=%v", d, after), func(t *testing.T) {
				var log syncbuffer.Buffer
				evs := slices.Clone(d.Stream[:d.Opening])
				if after {
					evs = append(evs, d.Stream[d.Opening])
				}
				evs = append(evs, "data: "+strings.Repeat("x", 5<<20))
				a := newUpstream(t, events(evs, true))
				f := newFixtureWith(t, []lifeline.Option{lifeline.WithLogger(slog.New(slog.NewTextHandler(&log, nil)))},
					d, []string{a.URL}, lifeline.WithMaxAttempts(1))
				_, body, err := f.do(true)
				if !after {
					var le *lifeline.Error
					if !errors.As(err, &le) || len(le.Attempts) != 1 || !overLimit(le.Attempts[0].Err) {
						t.Fatalf("err = %v, want one attempt over the limit", err)
					}
				} else if !strings.Contains(body, "exceeds") {
					t.Fatalf("stream = %q, want its end to say the event exceeds the limit", body)
				}
				if strings.Contains(log.String(), "classify:") {
					t.Fatalf("logged as an unknown kind:\n%s", log.String())
				}
			})
		}
	}
}
