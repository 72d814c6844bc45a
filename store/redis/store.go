package redis

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
)

// ErrClosed is returned by every method of a closed store.
var ErrClosed = errors.New("redis store: closed")

// Store is a store.Store kept in Redis, shared by every replica that uses
// the same server (or Sentinel group, or cluster) and prefix. Create it
// with New.
type Store struct {
	c         goredis.UniversalClient
	cfg       config
	kind      string
	scripts   scripts
	local     *memory.Store // state served while Redis is unreachable
	cache     sync.Map      // target name → *atomic.Pointer[snapshot]
	wake      waker
	health    health
	claims    claims    // claims held in Redis, renewed by the maintenance loop
	localKeys localKeys // keys claimed on local state, answered from there
	probes    probes    // probe ids, and admissions to undo
	streaks   streaks   // timeouts in a row, per server (see stall.go)
	slots     sync.Map  // cluster slot range → the tag of a key in it (see probe)

	idPrefix   string        // makes admission ids unique to the store
	admissions atomic.Uint64 // admission ids issued
	kick       chan struct{} // wakes the maintenance loop

	closed    chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup // the maintenance and recovery loops and the wake-up dispatcher

	roundTrips, cachedAdmits, localCalls, timeouts atomic.Uint64
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Health = (*Store)(nil)
)

// New connects to the Redis deployment that url names (see the package
// documentation for the forms) and returns a store. It fails on a URL it
// cannot read, and when the server refuses its credentials or their
// permissions (NOAUTH, WRONGPASS, NOPERM): a mistake in the URL. Any other
// server that cannot serve the store is not an error, be it unreachable or
// refusing (a server that cannot persist, a read-only replica; see the
// package documentation): the store starts degraded, on local state, logs
// why, and switches to Redis once it serves.
// ctx bounds the first contact.
func New(ctx context.Context, url string, opts ...Option) (*Store, error) {
	ep, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	s := &Store{
		cfg:      newConfig(opts),
		kind:     ep.kind,
		scripts:  newScripts(),
		local:    memory.New(memory.WithMaxRecords(maxLocalKeys)),
		idPrefix: rand.Text()[:10] + ":",
		kick:     make(chan struct{}, 1),
		closed:   make(chan struct{}),
	}
	s.wake.init(s)
	s.c = ep.client()
	s.c.AddHook(counter{&s.roundTrips})
	s.watchServers()

	pctx, cancel := context.WithTimeout(ctx, max(s.cfg.timeout, 2*time.Second))
	defer cancel()
	if err := s.probe(pctx); err != nil {
		switch {
		case ctx.Err() != nil:
			s.c.Close()
			return nil, ctx.Err()
		case !unavailable(err):
			s.c.Close()
			return nil, fmt.Errorf("redis store: %w", err)
		case credentialsRefused(err):
			// Credentials that are wrong from the start are a mistake in
			// the URL; refused later (a rotated password), they are an
			// outage like any other.
			s.c.Close()
			return nil, fmt.Errorf("redis store: the server refuses the credentials in the URL, or their permissions: %w", err)
		}
		s.degrade(err)
	} else {
		s.checkClock(pctx)
	}
	s.wg.Add(1)
	go s.maintain()
	return s, nil
}

// Kind returns the deployment kind the URL selected: "standalone",
// "sentinel" or "cluster".
func (s *Store) Kind() string { return s.kind }

// MaxBlock implements store.Blocking: one call takes at most the store's
// timeout (WithTimeout), after which it answers from local state.
func (s *Store) MaxBlock() time.Duration { return s.cfg.timeout }

// Close stops the store's goroutines, wakes every Await with ErrClosed and
// closes the connections. Afterwards every method returns ErrClosed. It is
// safe to call more than once.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		// Under the transition lock, so that no recovery loop starts after
		// the wait below begins.
		s.health.change.Lock()
		close(s.closed)
		s.health.change.Unlock()
		s.wake.close()
		s.wg.Wait()
		if e := s.c.Close(); e != nil && !errors.Is(e, goredis.ErrClosed) {
			err = fmt.Errorf("redis store: close: %w", e)
		}
		s.local.Close()
	})
	return err
}

// check returns the error a call must fail with before it starts, if any.
func (s *Store) check(ctx context.Context) error {
	select {
	case <-s.closed:
		return ErrClosed
	default:
	}
	return ctx.Err()
}

// run calls op with a context bounded by the store's timeout. It returns
// fallback true when Redis could not serve the call (see unavailable): the
// caller answers from local state, and the store is now degraded, unless
// the call only timed out and no server has yet let stallStreak calls in a
// row time out (see failed). Otherwise it returns op's error: the caller's
// context error if that ended first, or an error that points at a bug, not
// an outage.
func (s *Store) run(ctx context.Context, op func(context.Context) error) (fallback bool, err error) {
	octx, cancel := s.bound(ctx)
	defer cancel()
	err = op(octx)
	if err == nil {
		return false, nil
	}
	select {
	case <-s.closed:
		return false, ErrClosed
	default:
	}
	switch {
	case ctx.Err() != nil:
		return false, ctx.Err()
	case unavailable(err):
		s.failed(err)
		return true, nil
	case errors.Is(err, errBadReply):
		return false, err
	}
	return false, fmt.Errorf("redis store: %w", err)
}

// localErr maps the local store's closed error to ErrClosed.
func localErr(err error) error {
	if errors.Is(err, memory.ErrClosed) {
		return ErrClosed
	}
	return err
}

// Stats are counters of a store's work since New.
type Stats struct {
	// RoundTrips counts commands and pipelines sent to Redis (a script run
	// is one, or two when the server had to load it).
	RoundTrips uint64
	// CachedAdmits counts Admit calls answered from cached target state.
	CachedAdmits uint64
	// LocalCalls counts calls answered from local state: while degraded,
	// the calls that timed out while shared (see Timeouts) among Admit,
	// Report, Status and Claim, and the Claim, Complete, Release and Await
	// calls of keys claimed on local state (see the package
	// documentation).
	LocalCalls uint64
	// Timeouts counts the calls to Redis that hit the store's timeout
	// (WithTimeout) while it was shared and did not switch it to local
	// state: fewer than three calls in a row had timed out on their server
	// (see the package documentation). Each was answered as a degraded
	// call would be. The store's background work (undos, claim renewals,
	// recovery probes) is not counted.
	Timeouts uint64
	// Transitions counts switches between shared and local state.
	Transitions uint64
	// Degraded reports whether the store serves on local state now.
	Degraded bool
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	deg, n := s.health.state()
	return Stats{
		RoundTrips:   s.roundTrips.Load(),
		CachedAdmits: s.cachedAdmits.Load(),
		LocalCalls:   s.localCalls.Load(),
		Timeouts:     s.timeouts.Load(),
		Transitions:  n,
		Degraded:     deg,
	}
}

// Timeouts returns Stats().Timeouts: the calls that timed out while the
// store stayed shared. The gateway exports it as
// lifeline_state_store_timeouts_total.
func (s *Store) Timeouts() uint64 { return s.timeouts.Load() }

// counter is a go-redis hook that counts round trips.
type counter struct{ n *atomic.Uint64 }

func (h counter) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

func (h counter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h counter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}
