package lifeline

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// Engine runs requests through routes. It is safe for concurrent use; one
// Engine serves any number of routes and goroutines. Create it with New:
// a zero or nil Engine serves nothing (Do and its Transport refuse every
// request with ErrBadRequest).
type Engine struct {
	client      *http.Client
	rt          http.RoundTripper // client's transport, used directly
	store       store.Store
	observer    Observer
	log         *slog.Logger
	rand        func() float64
	schemas     *validate.Cache
	classifiers [3]classify.Classifier // indexed by wire.Dialect
	maxResponse int64
	storeBlock  time.Duration // store.Blocking's MaxBlock; -1: unknown
	authLog     authLog
	watchdogs   sync.Pool // of *watchdog
	calls       sync.Pool // of *pooledCall
	keys        keySource
}

// Option configures an Engine.
type Option func(*Engine)

// WithHTTPClient sets the client whose Transport makes upstream calls. Only
// its Transport is used: lifeline bounds every attempt itself (Timeout is
// ignored), and upstream calls neither follow redirects nor carry cookies.
// The default is a clone of http.DefaultTransport that reads at most 1 MiB
// of response headers.
func WithHTTPClient(c *http.Client) Option { return func(e *Engine) { e.client = c } }

// WithStore sets the state store for breakers, cool-downs and budgets. The
// default is an in-memory store for this process.
func WithStore(s store.Store) Option { return func(e *Engine) { e.store = s } }

// WithObserver sets the hook that receives every engine event. It is
// called synchronously on the goroutine doing the request's work (see
// Observer) and must be fast.
func WithObserver(o Observer) Option { return func(e *Engine) { e.observer = o } }

// WithLogger sets the logger. The default discards everything.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithRand sets the source of jitter: a function returning uniform floats
// in [0, 1), called by concurrent requests at once, so it must be safe for
// concurrent use (a *rand.Rand's Float64 is not). The default is
// math/rand/v2's Float64. Tests inject a fixed source to make waits exact.
func WithRand(f func() float64) Option { return func(e *Engine) { e.rand = f } }

// WithMaxResponse bounds the size in bytes of an upstream response body
// read into memory, of what a stream holds back before the client sees it
// (opening events; with StreamBuffer, the whole answer), and of the text
// and tool calls a forwarded stream keeps to validate at its end. A larger
// one fails the attempt as transient; a stream already forwarded breaks
// (ErrBrokenStream). The default, also kept for n of zero or less, is
// 64 MiB.
func WithMaxResponse(n int64) Option {
	return func(e *Engine) {
		if n > 0 {
			e.maxResponse = n
		}
	}
}

// defaultMaxResponse is WithMaxResponse's default.
const defaultMaxResponse = 64 << 20

// maxResponseHeader bounds the response headers of an upstream call made
// through the default transport.
const maxResponseHeader = 1 << 20

// New returns an Engine.
func New(opts ...Option) *Engine {
	e := &Engine{maxResponse: defaultMaxResponse}
	e.watchdogs.New = func() any { return newWatchdog() }
	e.calls.New = func() any { return new(pooledCall) }
	for _, o := range opts {
		o(e)
	}
	if e.client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256
		// A provider's headers are a few KiB; net/http's default bound is
		// 10 MB.
		t.MaxResponseHeaderBytes = maxResponseHeader
		e.client = &http.Client{Transport: t}
	}
	e.rt = e.client.Transport
	if e.rt == nil {
		e.rt = http.DefaultTransport
	}
	if e.store == nil {
		e.store = memory.New()
	}
	e.storeBlock = -1
	if b, ok := e.store.(store.Blocking); ok {
		e.storeBlock = b.MaxBlock()
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.rand == nil {
		e.rand = rand.Float64
	}
	e.schemas = validate.NewCache(1024)
	e.classifiers[wire.OpenAI] = classify.New(wire.OpenAI, e.log)
	e.classifiers[wire.Anthropic] = classify.New(wire.Anthropic, e.log)
	return e
}

// Store returns the engine's state store.
func (e *Engine) Store() store.Store { return e.store }

// authLog rate-limits the error log of auth failures to once per target
// per minute.
type authLog struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (a *authLog) allow(target string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last == nil {
		a.last = make(map[string]time.Time)
	}
	if t, ok := a.last[target]; ok && now.Sub(t) < time.Minute {
		return false
	}
	a.last[target] = now
	return true
}
