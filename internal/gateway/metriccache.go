package gateway

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/classify"
)

// The outcomes of lifeline_requests_total and the ways a request is served
// (lifeline_served_total).
var (
	outcomes = []string{"ok", "rejected", "upstream_unavailable", "invalid_output",
		"deadline_exceeded", "broken_stream", "canceled", "error"}
	servedHows = []string{"first_try", "retry", "fallback"}
	// skipReasons are the reasons of lifeline_fallbacks_total that are not
	// a class: why a target was skipped.
	skipReasons = []string{"cooling", "open", "probing", "no_budget", "untranslatable"}
	// validators are the validator labels of
	// lifeline_validation_failures_total: the built-in validators, the
	// gateway's named checks, and format.
	validators = []string{"json", "schema", "tools", "non_empty", "min_length", "regex", "required_fields", "format"}
)

// routeMetrics are one route's series, resolved once: the hot path then
// skips the label hashing of WithLabelValues.
type routeMetrics struct {
	requests   map[string]prometheus.Counter // by outcome
	served     map[string]prometheus.Counter // by how
	perRequest prometheus.Observer
	duration   prometheus.Observer
	firstToken prometheus.Observer
}

// targetMetrics are one target's attempt counters, by class.
type targetMetrics struct {
	attempts [16]prometheus.Counter // by class; [0]: abandoned by the client
}

// resolve fills the per-route and per-target caches for the gateway's
// routes. Series of names not known here are still counted, through the
// vectors.
func (m *metrics) resolve(routes []*lifeline.Route) {
	m.routes = make(map[string]*routeMetrics, len(routes))
	m.targets = make(map[string]*targetMetrics)
	for _, r := range routes {
		rm := &routeMetrics{
			requests:   make(map[string]prometheus.Counter, len(outcomes)),
			served:     make(map[string]prometheus.Counter, len(servedHows)),
			perRequest: m.perRequest.WithLabelValues(r.Name()),
			duration:   m.duration.WithLabelValues(r.Name()),
			firstToken: m.firstToken.WithLabelValues(r.Name()),
		}
		for _, o := range outcomes {
			rm.requests[o] = m.requests.WithLabelValues(r.Name(), o)
		}
		for _, h := range servedHows {
			rm.served[h] = m.served.WithLabelValues(r.Name(), h)
		}
		// Counters that start at 0 rather than appear at 1: increase()
		// then sees a series' first event.
		for _, c := range classify.All() {
			if c != classify.OK && c != classify.Rejected {
				m.fallbacks.WithLabelValues(r.Name(), c.String())
			}
		}
		for _, why := range skipReasons {
			m.fallbacks.WithLabelValues(r.Name(), why)
		}
		m.routes[r.Name()] = rm
		for _, t := range r.Targets() {
			if _, ok := m.targets[t.Name()]; ok {
				continue
			}
			tm := &targetMetrics{}
			tm.attempts[0] = m.attempts.WithLabelValues(t.Name(), attemptLabel(0))
			for _, c := range classify.All() {
				tm.attempts[c] = m.attempts.WithLabelValues(t.Name(), c.String())
			}
			m.targets[t.Name()] = tm
			m.budget.WithLabelValues(t.Name())
			for _, v := range validators {
				m.validation.WithLabelValues(t.Name(), v)
			}
		}
	}
}

// attempt counts one attempt of target with class c; c is zero for an
// attempt the client abandoned.
func (m *metrics) attempt(target string, c lifeline.Class) {
	if tm, ok := m.targets[target]; ok && int(c) < len(tm.attempts) && tm.attempts[c] != nil {
		tm.attempts[c].Inc()
		return
	}
	m.attempts.WithLabelValues(target, attemptLabel(c)).Inc()
}

// attemptLabel is the class label of an attempt: the class's name, or
// "canceled" for an attempt the client abandoned (no class).
func attemptLabel(c lifeline.Class) string {
	if c == 0 {
		return lifeline.ReasonCanceled
	}
	return c.String()
}

// request counts one finished request of route.
func (m *metrics) request(ev lifeline.Event, outcome string) {
	rm, ok := m.routes[ev.Route]
	if !ok {
		m.requests.WithLabelValues(ev.Route, outcome).Inc()
		if outcome == "ok" {
			m.served.WithLabelValues(ev.Route, m.servedHow(ev)).Inc()
		}
		m.perRequest.WithLabelValues(ev.Route).Observe(float64(ev.Attempts))
		m.duration.WithLabelValues(ev.Route).Observe(ev.Duration.Seconds())
		if ev.Stream && ev.FirstToken > 0 {
			m.firstToken.WithLabelValues(ev.Route).Observe(ev.FirstToken.Seconds())
		}
		return
	}
	if c, ok := rm.requests[outcome]; ok {
		c.Inc()
	} else {
		m.requests.WithLabelValues(ev.Route, outcome).Inc()
	}
	if outcome == "ok" {
		rm.served[m.servedHow(ev)].Inc()
	}
	rm.perRequest.Observe(float64(ev.Attempts))
	rm.duration.Observe(ev.Duration.Seconds())
	if ev.Stream && ev.FirstToken > 0 {
		rm.firstToken.Observe(ev.FirstToken.Seconds())
	}
}
