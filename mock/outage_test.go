package mock

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// During each window of a recurring outage every request gets the
// outage's fault; between windows the answers are clean again. A request
// that forces its own fault keeps it.
func TestOutageWindowsRecur(t *testing.T) {
	clock := newFakeClock()
	srv, ts := startServer(t, Config{Now: clock.now,
		Outage: Outage{After: 20 * time.Second, For: 8 * time.Second, Every: 40 * time.Second}})
	if got := srv.Config().Outage.Fault; got != Overloaded {
		t.Errorf("default outage fault %q, want overloaded", got)
	}
	status := func(d wire.Dialect, headers ...string) int {
		path := pathOpenAI
		if d == wire.Anthropic {
			path = pathAnthropic
		}
		resp := post(t, context.Background(), ts.URL, path, requestBody(d, kText, false), headers...)
		_, _ = io.ReadAll(resp.Body)
		return resp.StatusCode
	}
	at := time.Duration(0)
	for _, step := range []struct {
		to   time.Duration
		down bool
	}{
		{0, false}, {19 * time.Second, false}, {20 * time.Second, true}, {27 * time.Second, true},
		{28 * time.Second, false}, {59 * time.Second, false}, {60 * time.Second, true}, {67900 * time.Millisecond, true},
		{68 * time.Second, false}, {100 * time.Second, true},
	} {
		clock.advance(step.to - at)
		at = step.to
		a, o := status(wire.Anthropic), status(wire.OpenAI)
		if step.down && (a != 529 || o != 503) {
			t.Errorf("at %v, inside a window: status %d (Anthropic), %d (OpenAI); want 529 and 503 overloaded", at, a, o)
		}
		if !step.down && (a != 200 || o != 200) {
			t.Errorf("at %v, between windows: status %d, %d; want 200", at, a, o)
		}
		if step.down {
			if s := status(wire.Anthropic, "X-Mock-Fault", "rate_limit"); s != 429 {
				t.Errorf("at %v: a forced rate_limit got %d, want 429", at, s)
			}
			if s := status(wire.OpenAI, "X-Mock-Fault", "none"); s != 200 {
				t.Errorf("at %v: a forced clean answer got %d, want 200", at, s)
			}
		}
	}
	st := srv.Stats()
	if st.ByFault[Overloaded] != 10 {
		t.Errorf("%d overloaded answers counted, want 10 (5 checks inside windows × 2 dialects)", st.ByFault[Overloaded])
	}
}

// A single window (Every 0), a fault of the outage's own, and the flag
// and YAML forms.
func TestOutageOnceAndForms(t *testing.T) {
	clock := newFakeClock()
	s, err := New(Config{Now: clock.now, Outage: Outage{After: time.Second, For: 2 * time.Second, Fault: ServerError}})
	if err != nil {
		t.Fatal(err)
	}
	code := func() int {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("POST", pathAnthropic, strings.NewReader(requestBody(wire.Anthropic, kText, false))))
		return w.Code
	}
	for _, c := range []struct {
		after time.Duration
		want  int
	}{{0, 200}, {time.Second, 500}, {2 * time.Second, 500}, {3 * time.Second, 200}, {43 * time.Second, 200}} {
		clock.ns.Store(newFakeClock().ns.Load() + int64(c.after))
		if got := code(); got != c.want {
			t.Errorf("%v after start: status %d, want %d", c.after, got, c.want)
		}
	}

	var o Outage
	if err := o.Set("for=8s, every=40s, after=20s, fault=overloaded"); err != nil {
		t.Fatal(err)
	}
	want := Outage{After: 20 * time.Second, For: 8 * time.Second, Every: 40 * time.Second, Fault: Overloaded}
	if o != want || o.String() != "for=8s,every=40s,after=20s,fault=overloaded" {
		t.Errorf("Set: %+v (%s), want %+v", o, o.String(), want)
	}
	var back Outage
	if err := back.Set(o.String()); err != nil || back != o {
		t.Errorf("Set(String()) = %+v, %v", back, err)
	}
	c, err := ParseConfig([]byte("outage: {after: 20s, for: 8s, every: 40s, fault: server_error}\n"))
	if err != nil || c.Outage != (Outage{After: 20 * time.Second, For: 8 * time.Second, Every: 40 * time.Second, Fault: ServerError}) {
		t.Errorf("YAML outage: %+v, %v", c.Outage, err)
	}
	for _, bad := range []string{"every=40s", "for=8s,every=8s", "for=8s,when=1s", "for=soon", "for=1s,fault=gremlins", "for=1s,fault=none"} {
		if err := new(Outage).Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	for _, bad := range []Outage{{For: 10 * time.Second, Every: 5 * time.Second}, {For: time.Second, After: -time.Second}, {For: time.Second, Fault: "gremlins"}} {
		if _, err := New(Config{Outage: bad}); err == nil || !strings.Contains(err.Error(), "outage") {
			t.Errorf("New with outage %+v: %v, want an error naming the outage", bad, err)
		}
	}
}
