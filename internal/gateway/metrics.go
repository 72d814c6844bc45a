package gateway

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/classify"
)

// metrics are the gateway's Prometheus collectors. Label values are route
// names, target names ("provider/model"), class names and reasons: never
// keys or request content.
type metrics struct {
	requests    *prometheus.CounterVec   // route, outcome
	attempts    *prometheus.CounterVec   // target, class
	fallbacks   *prometheus.CounterVec   // route, reason
	duration    *prometheus.HistogramVec // route
	firstToken  *prometheus.HistogramVec // route
	validation  *prometheus.CounterVec   // target, validator
	budget      *prometheus.CounterVec   // target
	storeErrors prometheus.Counter
	replays     prometheus.Counter
	refused     *prometheus.CounterVec    // reason
	served      *prometheus.CounterVec    // route, how
	perRequest  *prometheus.HistogramVec  // route
	transitions *prometheus.CounterVec    // target, to
	storeSwitch *prometheus.CounterVec    // to: degraded or ok
	first       map[string]string         // route → the first target of its chain
	routes      map[string]*routeMetrics  // resolved series, by route
	targets     map[string]*targetMetrics // resolved series, by target
}

func newMetrics(reg prometheus.Registerer, s *Server) (*metrics, error) {
	buckets := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeline_requests_total", Help: "Client requests by route and outcome: ok, rejected, upstream_unavailable, invalid_output, deadline_exceeded, broken_stream, canceled or error.",
		}, []string{"route", "outcome"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeline_attempts_total", Help: "Upstream attempts by target and class (canceled: the client went away first).",
		}, []string{"target", "class"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeline_fallbacks_total", Help: "Moves to the next target, by route and reason.",
		}, []string{"route", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lifeline_request_duration_seconds", Help: "Client request duration, all attempts included.", Buckets: buckets,
		}, []string{"route"}),
		firstToken: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lifeline_first_token_seconds", Help: "Time from the client request to the first content event of a stream.", Buckets: buckets,
		}, []string{"route"}),
		validation: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeline_validation_failures_total", Help: "2xx answers refused by a validator, by target and validator.",
		}, []string{"target", "validator"}),
		budget: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeline_retry_budget_exhausted_total", Help: "Retries refused because the target's retry budget was empty.",
		}, []string{"target"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lifeline_state_store_errors_total", Help: "State store calls that failed; the engine carried on.",
		}),
		replays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lifeline_idempotent_replays_total", Help: "Requests answered from the idempotency store.",
		}),
	}
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lifeline_refused_total", Help: "Generation requests refused before any work with a retryable 503, by reason: draining (shutting down) or in_flight_limit (limits.max_in_flight reached).",
	}, []string{"reason"})
	for _, r := range []string{refusedDraining, refusedInFlight} {
		m.refused.WithLabelValues(r)
	}
	m.served = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lifeline_served_total", Help: "Requests served ok, by route and how: first_try (the chain's first target, one attempt), retry (the first target after more than one attempt), fallback (another target).",
	}, []string{"route", "how"})
	m.perRequest = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "lifeline_request_attempts", Help: "Upstream attempts per client request, whatever its outcome (the X-Lifeline-Attempts header).",
		Buckets: []float64{0, 1, 2, 3, 4, 5, 6, 8, 10},
	}, []string{"route"})
	m.transitions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lifeline_breaker_transitions_total", Help: "Circuit breaker state changes by target and new state (to=\"open\" counts trips).",
	}, []string{"target", "to"})
	m.storeSwitch = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lifeline_state_store_transitions_total", Help: "State store switches between shared state (to=\"ok\") and this replica's local state while the store is unreachable (to=\"degraded\").",
	}, []string{"to"})
	m.storeSwitch.WithLabelValues(storeDegraded)
	m.storeSwitch.WithLabelValues(storeOK)
	m.first = make(map[string]string, len(s.order))
	for _, r := range s.order {
		m.first[r.Name()] = r.Targets()[0].Name()
	}
	m.resolve(s.order)
	for _, c := range []prometheus.Collector{m.requests, m.attempts, m.fallbacks, m.duration, m.firstToken,
		m.validation, m.budget, m.storeErrors, m.replays, m.refused, m.served, m.perRequest, m.transitions,
		m.storeSwitch, &breakerCollector{s: s}, &inflightCollector{s: s}, &storeCollector{s: s}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	if n, ok := s.store.(StateNotifier); ok {
		n.NotifyStateChange(m.storeStateChanged)
	}
	return m, nil
}

// Values of the "reason" label of lifeline_refused_total.
const (
	refusedDraining = "draining"
	refusedInFlight = "in_flight_limit"
)

// Values of the "to" label of lifeline_state_store_transitions_total.
const (
	storeDegraded = "degraded"
	storeOK       = "ok"
)

// StateNotifier is implemented by state stores that report their
// transitions between shared state and local state (while their backend is
// unreachable) to functions registered after the store was opened. The
// Redis store that package setup opens does. New registers the gateway's
// metrics with the store of its Config when it implements StateNotifier;
// for another store, pass Server.StoreStateChanged to its state-change hook
// (redis.WithStateChange).
type StateNotifier interface {
	// NotifyStateChange registers f, called on every transition: degraded
	// true with its cause, or false and nil on recovery. Transitions that
	// happened before the call are passed to f at once, in order.
	NotifyStateChange(f func(degraded bool, err error))
}

// StoreStateChanged counts a transition of the state store between shared
// and local state in lifeline_state_store_transitions_total. It has the
// signature of redis.WithStateChange's function and is fast.
func (s *Server) StoreStateChanged(degraded bool, err error) {
	s.metrics.storeStateChanged(degraded, err)
}

func (m *metrics) storeStateChanged(degraded bool, _ error) {
	if degraded {
		m.storeSwitch.WithLabelValues(storeDegraded).Inc()
	} else {
		m.storeSwitch.WithLabelValues(storeOK).Inc()
	}
}

// observe returns the engine observer: metrics, recent outcome counts,
// attempt logs, and the caller's own observer.
func (s *Server) observe(next lifeline.Observer) lifeline.Observer {
	return func(ev lifeline.Event) {
		m := s.metrics
		switch ev.Kind {
		case lifeline.AttemptFinished:
			m.attempt(ev.Target, ev.Class)
			s.recent.add(ev.Target, ev.Class, ev.Time)
			if ev.Class != classify.OK && ev.Reason != lifeline.ReasonCanceled {
				// A request the provider refused as malformed is the
				// client's failure, not the target's: info, not warn.
				level := slog.LevelWarn
				if ev.Class == classify.Rejected {
					level = slog.LevelInfo
				}
				s.log.Log(context.Background(), level, "attempt failed", "id", ev.RequestID, "route", ev.Route, "target", ev.Target,
					"attempt", ev.Attempt, "class", ev.Class.String(), "status", ev.Status, "wait", ev.Wait,
					"duration", ev.Duration, "error", errString(ev.Err))
			}
		case lifeline.FallbackTaken:
			m.fallbacks.WithLabelValues(ev.Route, ev.Reason).Inc()
		case lifeline.ValidationFailed:
			m.validation.WithLabelValues(ev.Target, ev.Validator).Inc()
		case lifeline.BudgetExhausted:
			m.budget.WithLabelValues(ev.Target).Inc()
		case lifeline.BreakerChanged:
			m.transitions.WithLabelValues(ev.Target, ev.To.String()).Inc()
			// Opening (or probing) is news of trouble; closing, of recovery.
			level := slog.LevelWarn
			if ev.To == breaker.Closed {
				level = slog.LevelInfo
			}
			s.log.Log(context.Background(), level, "breaker changed", "target", ev.Target, "from", ev.From.String(), "to", ev.To.String())
		case lifeline.StoreFailed:
			m.storeErrors.Inc()
		case lifeline.RequestFinished:
			m.request(ev, requestOutcome(ev))
		}
		if next != nil {
			next(ev)
		}
	}
}

// requestOutcome maps a finished request onto the fixed set of
// lifeline_requests_total outcomes, so no provider-chosen error type
// becomes a label value.
func requestOutcome(ev lifeline.Event) string {
	if ev.Class == classify.BrokenStream {
		return "broken_stream"
	}
	if ev.Err == nil && ev.Reason == "" {
		return "ok"
	}
	var le *lifeline.Error
	if errors.As(ev.Err, &le) {
		switch {
		case le.Is(lifeline.ErrRejected), le.Is(lifeline.ErrBadRequest):
			return "rejected"
		case le.Is(lifeline.ErrInvalidOutput):
			return "invalid_output"
		case le.Is(lifeline.ErrDeadlineExceeded):
			return "deadline_exceeded"
		case le.Is(lifeline.ErrUpstreamUnavailable):
			return "upstream_unavailable"
		case le.Is(lifeline.ErrBrokenStream):
			return "broken_stream"
		}
	}
	if ev.Reason == lifeline.ReasonCanceled || errors.Is(ev.Err, context.Canceled) {
		return "canceled"
	}
	return "error"
}

// servedHow says how a served request was served: by the chain's first
// target on its first attempt, by it after more attempts, or by another
// target.
func (m *metrics) servedHow(ev lifeline.Event) string {
	switch {
	case ev.Target != m.first[ev.Route]:
		return "fallback"
	case ev.Attempts > 1:
		return "retry"
	}
	return "first_try"
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// breakerCollector exports lifeline_breaker_state from the state store at
// scrape time, so every replica reports the shared picture.
type breakerCollector struct{ s *Server }

var breakerDesc = prometheus.NewDesc("lifeline_breaker_state",
	"Circuit breaker state per target: 0 closed, 1 half-open, 2 open.", []string{"target"}, nil)

func (c *breakerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- breakerDesc }

func (c *breakerCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	targets := c.s.targets()
	states, errs := c.s.targetStatuses(ctx, targets)
	for i, t := range targets {
		if errs[i] != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(breakerDesc, prometheus.GaugeValue, float64(states[i].State), t.name)
	}
}

// inflightCollector exports the requests being served.
type inflightCollector struct{ s *Server }

var inflightDesc = prometheus.NewDesc("lifeline_inflight_requests", "Generation requests being served.", nil, nil)

func (c *inflightCollector) Describe(ch chan<- *prometheus.Desc) { ch <- inflightDesc }

func (c *inflightCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(inflightDesc, prometheus.GaugeValue, float64(c.s.inflight.Load()))
}

// storeCollector exports lifeline_state_store_degraded from the store's
// health at scrape time, so the gauge agrees with /readyz, and
// lifeline_state_store_timeouts_total when the store counts its timeouts.
type storeCollector struct{ s *Server }

// TimeoutCounter is implemented by state stores that answer a call which
// timed out from local state without switching to it (the Redis store
// does): Timeouts returns how many calls did so. The gateway exports it as
// lifeline_state_store_timeouts_total.
type TimeoutCounter interface {
	Timeouts() uint64
}

var (
	storeDegradedDesc = prometheus.NewDesc("lifeline_state_store_degraded",
		"1 while the state store's backend (Redis) is unreachable and this replica serves on local state, else 0.", nil, nil)
	storeTimeoutsDesc = prometheus.NewDesc("lifeline_state_store_timeouts_total",
		"State store calls that got no answer within state.timeout and were answered from this replica's local state while the store stayed shared.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- storeDegradedDesc
	if _, ok := c.s.store.(TimeoutCounter); ok {
		ch <- storeTimeoutsDesc
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	v := 0.0
	if c.s.health(context.Background()) != nil {
		v = 1
	}
	ch <- prometheus.MustNewConstMetric(storeDegradedDesc, prometheus.GaugeValue, v)
	if tc, ok := c.s.store.(TimeoutCounter); ok {
		ch <- prometheus.MustNewConstMetric(storeTimeoutsDesc, prometheus.CounterValue, float64(tc.Timeouts()))
	}
}
