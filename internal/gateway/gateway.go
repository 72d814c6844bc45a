// Package gateway is lifeline's HTTP face: it speaks the OpenAI and
// Anthropic wire formats, runs every generation request through the
// engine, replays idempotent duplicates, and exposes health, readiness,
// metrics and status endpoints.
package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/store"
)

// Config is what a gateway serves. cmd/lifeline builds it from lifeline.yaml.
type Config struct {
	// Routes are served by name: a client's "model" names a route.
	Routes []RouteSpec
	// Keys are the client keys. None: the gateway is open (safe on loopback only).
	Keys []Key
	// MaxBody bounds request bodies (default 32 MiB).
	MaxBody int64
	// MaxInFlight caps the generation requests served at once, streams
	// included; one more gets a retryable 503 at once. Zero: no cap.
	MaxInFlight int64
	// IdempotencyTTL is how long completed responses are replayed (default 24h).
	IdempotencyTTL time.Duration
	// Store holds breakers, cool-downs, budgets and idempotency records
	// (default: in memory).
	Store store.Store
	// HTTPClient makes upstream calls (default: the engine's).
	HTTPClient *http.Client
	// Registry receives the gateway's metrics (default: a new registry).
	Registry *prometheus.Registry
	// Logger receives request and attempt logs (default: discard).
	Logger *slog.Logger
	// Observer, when set, also receives every engine event.
	Observer lifeline.Observer
}

// RouteSpec is one route: its name, chain and policy.
type RouteSpec struct {
	Name    string
	Chain   []lifeline.Target
	Options []lifeline.RouteOption
}

// Key is a client key and the routes it may use ("*" for all; none when
// Routes is empty).
type Key struct {
	Key    lifeline.Secret
	Routes []string
}

// Server is the gateway. It is an http.Handler.
type Server struct {
	engine      *lifeline.Engine
	routes      map[string]*lifeline.Route
	order       []*lifeline.Route
	keys        keyring
	maxBody     int64
	maxInFlight int64     // 0: no cap
	created     time.Time // when New made it: the routes' creation time in GET /v1/models
	idemTTL     time.Duration
	store       store.Store
	log         *slog.Logger
	metrics     *metrics
	recent      *recentOutcomes
	mux         *http.ServeMux
	state       atomic.Int32 // readiness
	base        context.Context
	abort       context.CancelCauseFunc
	inflight    atomic.Int64
	ids         *idSource
	redact      *redactor
}

// Readiness states.
const (
	starting int32 = iota
	ready
	draining
)

// New builds a gateway from cfg. It is not ready until MarkReady.
func New(cfg Config) (*Server, error) {
	if len(cfg.Routes) == 0 {
		return nil, errors.New("gateway: no routes")
	}
	s := &Server{
		routes:      make(map[string]*lifeline.Route, len(cfg.Routes)),
		maxBody:     cfg.MaxBody,
		created:     time.Now().UTC().Truncate(time.Second),
		maxInFlight: max(cfg.MaxInFlight, 0),
		idemTTL:     cfg.IdempotencyTTL,
		store:       cfg.Store,
		log:         cfg.Logger,
		recent:      newRecentOutcomes(),
		ids:         newIDSource(),
	}
	s.base, s.abort = context.WithCancelCause(context.Background())
	if s.maxBody <= 0 {
		s.maxBody = 32 << 20
	}
	if s.idemTTL <= 0 {
		s.idemTTL = 24 * time.Hour
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	// Providers may echo the credential they received in an error message:
	// nothing the gateway (and its engine) logs may carry it.
	s.redact = newRedactor(cfg.Routes, cfg.Keys)
	s.log = slog.New(s.redact.handler(s.log.Handler()))
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	opts := []lifeline.Option{lifeline.WithLogger(s.log), lifeline.WithObserver(s.observe(cfg.Observer))}
	if cfg.Store != nil {
		opts = append(opts, lifeline.WithStore(cfg.Store))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, lifeline.WithHTTPClient(cfg.HTTPClient))
	}
	s.engine = lifeline.New(opts...)
	s.store = s.engine.Store()
	for _, rs := range cfg.Routes {
		if _, dup := s.routes[rs.Name]; dup {
			return nil, errors.New("gateway: duplicate route " + rs.Name)
		}
		r, err := s.engine.NewRoute(rs.Name, rs.Chain, rs.Options...)
		if err != nil {
			return nil, err
		}
		s.routes[rs.Name] = r
		s.order = append(s.order, r)
	}
	s.keys = newKeyring(cfg.Keys)
	m, err := newMetrics(reg, s)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.mux = s.routesMux(reg)
	return s, nil
}

// ErrShuttingDown is the cause of requests cut by Abort.
var ErrShuttingDown = errors.New("lifeline is shutting down")

// BaseContext is the context every request's context derives from: use it
// as http.Server.BaseContext so that Abort reaches every request.
func (s *Server) BaseContext(net.Listener) context.Context { return s.base }

// Abort ends every request still in flight: streams end with an error
// event in their dialect, waiting requests get a 503. The server calls it
// when the shutdown grace has run out.
func (s *Server) Abort() { s.abort(ErrShuttingDown) }

// shuttingDown is the answer of a request cut by Abort: another replica
// may serve it, so clients may retry at once.
func shuttingDown() *lifeline.Error {
	return unavailableHere("lifeline is shutting down; retry on another replica")
}

// drainingError is the answer to a request that comes in while the
// gateway drains: nothing of it was done, so another replica may serve it.
func drainingError() *lifeline.Error {
	return unavailableHere("lifeline is shutting down and takes no new requests; retry on another replica")
}

// overloadedError is the answer to a request beyond the in-flight cap:
// nothing of it was done, so another replica may serve it, or this one a
// moment later.
func overloadedError(limit int64) *lifeline.Error {
	return unavailableHere("lifeline is serving its limit of " + strconv.FormatInt(limit, 10) +
		" requests at once (limits.max_in_flight); retry shortly or on another replica")
}

// unavailableHere is a 503 that another replica may not give: retry in a
// second.
func unavailableHere(msg string) *lifeline.Error {
	e := lifeline.NewError(lifeline.ErrUpstreamUnavailable, http.StatusServiceUnavailable, "upstream_unavailable", msg)
	e.RetryAfter = time.Second
	return e
}

// Logger returns the gateway's logger: the configured one, with every
// credential the gateway knows (provider keys, extra provider header
// values, client keys) redacted from what it writes. Give it to whatever
// else logs for the gateway's process (net/http's error log, a Redis
// client) so that a credential in their lines is redacted too.
func (s *Server) Logger() *slog.Logger { return s.log }

// Engine returns the gateway's engine.
func (s *Server) Engine() *lifeline.Engine { return s.engine }

// MarkReady makes /readyz answer 200.
func (s *Server) MarkReady() { s.state.Store(ready) }

// Drain makes /readyz answer 503 so load balancers stop sending requests,
// and refuses new generation requests with a 503 that says
// x-should-retry: true; requests already accepted go on.
func (s *Server) Drain() { s.state.Store(draining) }

// InFlight returns the number of generation requests being served.
func (s *Server) InFlight() int64 { return s.inflight.Load() }

// enter counts a generation request in flight, unless the in-flight cap is
// reached: then it returns false and counts nothing.
func (s *Server) enter() bool {
	if s.maxInFlight == 0 {
		s.inflight.Add(1)
		return true
	}
	for {
		n := s.inflight.Load()
		if n >= s.maxInFlight {
			return false
		}
		if s.inflight.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, cleaned(r)) }

// Close releases the gateway's state store.
func (s *Server) Close() error {
	if s.store != nil {
		return s.store.Close()
	}
	return nil
}

// health reports the state store's health when it can tell.
func (s *Server) health(ctx context.Context) error {
	h, ok := s.store.(store.Health)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return h.Health(ctx)
}
