package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/wire"
)

func (s *Server) routesMux(reg *prometheus.Registry) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/chat/completions", s.generate(wire.OpenAI))
	mux.Handle("POST /v1/messages", s.generate(wire.Anthropic))
	mux.Handle("GET /v1/models", bodiless(http.HandlerFunc(s.models)))
	mux.Handle("GET /v1/models/{model...}", bodiless(http.HandlerFunc(s.model)))
	mux.Handle("GET /healthz", bodiless(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})))
	mux.Handle("GET /readyz", bodiless(http.HandlerFunc(s.readyz)))
	mux.Handle("GET /metrics", bodiless(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	mux.Handle("GET /api/status", bodiless(http.HandlerFunc(s.status)))
	mux.Handle("GET /{$}", bodiless(http.HandlerFunc(s.dashboard)))
	mux.Handle("/", bodiless(s.unrouted(mux)))
	return mux
}

// bodiless serves h, which never reads the request body: a request that
// has one has its connection closed after the answer (see closeUnread).
func bodiless(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 {
			closeUnread(w)
		}
		h.ServeHTTP(w, r)
	})
}

// unrouted answers a request that no endpoint of mux takes: 405 for
// another method of an endpoint (its methods read from mux itself), else
// 404. Like every error of lifeline's, the body is in the client's dialect
// (Anthropic under /v1/messages) so SDKs read it.
func (s *Server) unrouted(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, notFound := wire.OpenAI, "invalid_request_error"
		if strings.HasPrefix(r.URL.Path, "/v1/messages") {
			d, notFound = wire.Anthropic, "not_found_error"
		}
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			// The pattern mux would pick for the same path by another method.
			if _, p := mux.Handler(&http.Request{Method: m, URL: r.URL, Host: r.Host}); p != "" && p != "/" {
				allow = append(allow, m)
				if m == http.MethodGet {
					allow = append(allow, http.MethodHead)
				}
			}
		}
		if len(allow) > 0 {
			methods := strings.Join(allow, ", ")
			w.Header().Set("Allow", methods)
			writeError(w, s.redact, d, "", clientError(http.StatusMethodNotAllowed, "invalid_request_error",
				"method "+r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+methods))
			return
		}
		writeError(w, s.redact, d, "", clientError(http.StatusNotFound, notFound,
			"no endpoint "+strconv.Quote(r.URL.Path)+": lifeline serves POST /v1/chat/completions and POST /v1/messages"))
	}
}

// modelEntry is a route in the OpenAI model shape.
type modelEntry struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
	// Anthropic's ModelInfo members, so that anthropic-sdk's models.list
	// and models.retrieve read the same answer.
	Type        string `json:"type"`
	DisplayName string `json:"display_name"`
	CreatedAt   string `json:"created_at"`
}

// routeModel is the model entry of the route named name.
func (s *Server) routeModel(name string) modelEntry {
	return modelEntry{ID: name, Object: "model", Created: s.created.Unix(), OwnedBy: "lifeline",
		Type: "model", DisplayName: name, CreatedAt: s.created.Format(time.RFC3339)}
}

// clientKeyOf returns the client key r presents (nil when the gateway has
// none configured), or answers the 401 and reports false.
func (s *Server) clientKeyOf(w http.ResponseWriter, r *http.Request) (*clientKey, bool) {
	if s.keys.open() {
		return nil, true
	}
	k, ok := s.keys.lookup(r)
	if !ok {
		writeError(w, s.redact, wire.OpenAI, "", lifeline.NewError(lifeline.ErrBadRequest, http.StatusUnauthorized,
			"authentication_error", missingKey))
	}
	return k, ok
}

// models lists the routes a client may use, in the OpenAI list shape.
func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	key, ok := s.clientKeyOf(w, r)
	if !ok {
		return
	}
	// OpenAI's list shape, with the paging members of Anthropic's: one
	// page holds every route.
	list := struct {
		Object  string       `json:"object"`
		Data    []modelEntry `json:"data"`
		HasMore bool         `json:"has_more"`
		FirstID *string      `json:"first_id"`
		LastID  *string      `json:"last_id"`
	}{Object: "list", Data: []modelEntry{}}
	for _, rt := range s.order {
		if key.allows(rt.Name()) {
			list.Data = append(list.Data, s.routeModel(rt.Name()))
		}
	}
	if n := len(list.Data); n > 0 {
		list.FirstID, list.LastID = &list.Data[0].ID, &list.Data[n-1].ID
	}
	writeJSON(w, http.StatusOK, list)
}

// model answers GET /v1/models/{model} (the SDKs' models.retrieve): the
// route of that name, when the client may use it; else 404, as the list
// does not show it either.
func (s *Server) model(w http.ResponseWriter, r *http.Request) {
	key, ok := s.clientKeyOf(w, r)
	if !ok {
		return
	}
	name := r.PathValue("model")
	if rt, found := s.routes[name]; !found || !key.allows(rt.Name()) {
		writeError(w, s.redact, wire.OpenAI, "", clientError(http.StatusNotFound, "model_not_found",
			"no route named "+strconv.Quote(name)+"; GET /v1/models lists them"))
		return
	}
	writeJSON(w, http.StatusOK, s.routeModel(name))
}

// readyz is 503 while starting or draining, 200 otherwise: "degraded" when
// the state store is unreachable and the replica serves on local state.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	switch s.state.Load() {
	case starting:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
		return
	case draining:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	if err := s.health(r.Context()); err != nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "degraded", "cause": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// targetRef is one target of the configured routes.
type targetRef struct {
	name   string
	target lifeline.Target
	policy lifeline.Policy
}

// targets lists every distinct target of every route.
func (s *Server) targets() []targetRef {
	seen := map[string]bool{}
	var out []targetRef
	for _, r := range s.order {
		for _, t := range r.Targets() {
			if n := t.Name(); !seen[n] {
				seen[n] = true
				out = append(out, targetRef{name: n, target: t, policy: r.Policy()})
			}
		}
	}
	return out
}

func (s *Server) targetStatus(ctx context.Context, t targetRef) (store.TargetStatus, error) {
	return s.store.Status(ctx, t.name, store.StatusQuery{Now: time.Now(), Breaker: t.policy.Breaker, Budget: t.policy.Retry.Budget})
}

// statusReaders is how many targets' states are read from the store at
// once for /api/status and /metrics: with Redis each read is a round trip,
// and thousands of targets read one by one would not fit the page's bound.
const statusReaders = 16

// targetStatuses reads every target's state, statusReaders at a time;
// errs[i] is set where ts[i] could not be read.
func (s *Server) targetStatuses(ctx context.Context, targets []targetRef) (ts []store.TargetStatus, errs []error) {
	ts, errs = make([]store.TargetStatus, len(targets)), make([]error, len(targets))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(statusReaders, len(targets)) {
		wg.Go(func() {
			for i := range next {
				ts[i], errs[i] = s.targetStatus(ctx, targets[i])
			}
		})
	}
	for i := range targets {
		next <- i
	}
	close(next)
	wg.Wait()
	return ts, errs
}

// statusTarget is one target in /api/status. It never holds credentials.
type statusTarget struct {
	Target       string           `json:"target"`
	Provider     string           `json:"provider"`
	Kind         string           `json:"kind"`
	Model        string           `json:"model"`
	State        string           `json:"state"`
	Generation   uint64           `json:"generation"`
	OpenUntil    *time.Time       `json:"open_until,omitempty"`
	CoolingUntil *time.Time       `json:"cooling_until,omitempty"`
	CoolReason   string           `json:"cool_reason,omitempty"`
	BudgetTokens float64          `json:"budget_tokens"`
	Recent       map[string]int64 `json:"recent"`
	Error        string           `json:"error,omitempty"`
}

type statusRoute struct {
	Name    string   `json:"name"`
	Targets []string `json:"targets"`
}

// status serves GET /api/status: every target's breaker, cool-down, budget
// and recent outcome counts.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	now := time.Now()
	out := struct {
		Time     time.Time      `json:"time"`
		Store    string         `json:"store"`
		InFlight int64          `json:"inflight"`
		Routes   []statusRoute  `json:"routes"`
		Targets  []statusTarget `json:"targets"`
	}{Time: now, Store: "ok", InFlight: s.inflight.Load(), Routes: []statusRoute{}, Targets: []statusTarget{}}
	if err := s.health(ctx); err != nil {
		out.Store = "degraded: " + err.Error()
	}
	for _, rt := range s.order {
		sr := statusRoute{Name: rt.Name()}
		for _, t := range rt.Targets() {
			sr.Targets = append(sr.Targets, t.Name())
		}
		out.Routes = append(out.Routes, sr)
	}
	targets := s.targets()
	states, errs := s.targetStatuses(ctx, targets)
	for i, t := range targets {
		st := statusTarget{
			Target: t.name, Provider: t.target.Provider.Name, Kind: t.target.Provider.Kind.String(),
			Model: t.target.Model, Recent: s.recent.counts(t.name, now),
		}
		ts, err := states[i], errs[i]
		if err != nil {
			st.Error = err.Error()
		} else {
			st.State, st.Generation, st.BudgetTokens = ts.State.String(), ts.Generation, ts.BudgetTokens
			if !ts.OpenUntil.IsZero() {
				st.OpenUntil = &ts.OpenUntil
			}
			if ts.CoolingUntil.After(now) {
				st.CoolingUntil, st.CoolReason = &ts.CoolingUntil, ts.CoolReason
			}
		}
		out.Targets = append(out.Targets, st)
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
