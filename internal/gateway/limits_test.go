package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
)

// With limits.max_in_flight reached, one more request is refused at once
// with a retryable 503 and nothing sent upstream; once a request ends, the
// next one is served again.
func TestInFlightCapRefusesTheRequestBeyondIt(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	good := openaiD.Good(false)
	a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		good(w, r)
	}, good, good)
	h := startGW(t, gateway.Config{
		Routes:      []gateway.RouteSpec{route("route", on(openaiD, a.URL))},
		MaxInFlight: 1,
	})

	held := make(chan answer, 1)
	go func() { held <- h.send(openaiD, false) }()
	<-entered // the first request holds the only place

	refused := h.send(openaiD, false)
	if refused.status != 503 || refused.header.Get("X-Should-Retry") != "true" || refused.header.Get("Retry-After") != "1" ||
		!strings.Contains(refused.body, "limits.max_in_flight") || a.Count() != 1 {
		t.Errorf("a request beyond the cap: %d %v %s (%d upstream calls)", refused.status, refused.header, refused.body, a.Count())
	}
	if h.srv.InFlight() != 1 {
		t.Errorf("in flight after the refusal: %d, want 1", h.srv.InFlight())
	}
	close(release)
	if first := <-held; first.status != 200 {
		t.Fatalf("the request within the cap: %d %s", first.status, first.body)
	}
	if again := h.send(openaiD, false); again.status != 200 {
		t.Errorf("a request after the first ended: %d %s", again.status, again.body)
	}
	m := h.get("/metrics")
	if line := metricLine(m.body, "lifeline_refused_total", `reason="in_flight_limit"`); !strings.HasSuffix(line, " 1") {
		t.Errorf("refusals exported as %q, want 1", line)
	}
	if line := metricLine(m.body, "lifeline_refused_total", `reason="draining"`); !strings.HasSuffix(line, " 0") {
		t.Errorf("draining refusals exported as %q, want 0", line)
	}
	if !strings.Contains(h.logs.String(), "limits.max_in_flight") {
		t.Error("the refusal was not logged")
	}
}

// timingOutStore says how many of its calls timed out.
type timingOutStore struct {
	store.Store
	n uint64
}

func (s timingOutStore) Timeouts() uint64 { return s.n }

// A store that counts its timed-out calls has them exported; the memory
// store, which has none, has no such series.
func TestStoreTimeoutsAreExported(t *testing.T) {
	a := newUpstream(t, openaiD.Good(false))
	rs := []gateway.RouteSpec{route("route", on(openaiD, a.URL))}
	g := startGW(t, gateway.Config{Routes: rs, Store: timingOutStore{memory.New(), 7}})
	if body := g.get("/metrics").body; !strings.Contains(body, "\nlifeline_state_store_timeouts_total 7\n") {
		t.Errorf("/metrics lacks lifeline_state_store_timeouts_total 7:\n%s", body)
	}
	plain := startGW(t, gateway.Config{Routes: rs})
	if body := plain.get("/metrics").body; strings.Contains(body, "lifeline_state_store_timeouts_total") {
		t.Error("the memory store exports lifeline_state_store_timeouts_total")
	}
}
