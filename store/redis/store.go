package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
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
	c       goredis.UniversalClient
	cfg     config
	kind    string
	scripts scripts
	local   *memory.Store // state served while Redis is unreachable
	cache   sync.Map      // target name → *atomic.Pointer[snapshot]
	wake    waker
	health  health

	closed    chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup // the recovery loop and the wake-up dispatcher

	roundTrips, cachedAdmits, localCalls atomic.Uint64
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Health = (*Store)(nil)
)

// New connects to the Redis deployment that url names (see the package
// documentation for the forms) and returns a store. It fails on a URL it
// cannot read and on a server that refuses the connection's setup (a wrong
// password, for instance). An unreachable server is not an error: the store
// starts degraded, on local state, and switches to Redis once it answers.
// ctx bounds the first contact.
func New(ctx context.Context, url string, opts ...Option) (*Store, error) {
	ep, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	s := &Store{
		cfg:     newConfig(opts),
		kind:    ep.kind,
		scripts: newScripts(),
		local:   memory.New(),
		closed:  make(chan struct{}),
	}
	s.wake.init(s)
	s.c = ep.client()
	s.c.AddHook(counter{&s.roundTrips})

	pctx, cancel := context.WithTimeout(ctx, max(s.cfg.timeout, 2*time.Second))
	defer cancel()
	if err := s.probe(pctx); err != nil {
		switch {
		case ctx.Err() != nil:
			s.c.Close()
			return nil, ctx.Err()
		case !unreachable(err):
			s.c.Close()
			return nil, fmt.Errorf("redis store: %w", err)
		}
		s.degrade(err)
	}
	return s, nil
}

// Kind returns the deployment kind the URL selected: "standalone",
// "sentinel" or "cluster".
func (s *Store) Kind() string { return s.kind }

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
// fallback true when Redis could not be reached: the store is now degraded
// and the caller answers from local state. Otherwise it returns op's error:
// the caller's context error if that ended first, or a reply error of
// Redis that is not about reachability (a bug, not an outage).
func (s *Store) run(ctx context.Context, op func(context.Context) error) (fallback bool, err error) {
	octx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
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
	case unreachable(err):
		s.degrade(err)
		return true, nil
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

// unreachable reports whether err means that Redis cannot serve the call:
// any network or timeout error, and the replies of a server that is up but
// cannot serve (loading, a read-only replica after a failover, a cluster
// that is down, a busy script, out of memory).
func unreachable(err error) bool {
	if err == nil {
		return false
	}
	var re goredis.Error
	if errors.As(err, &re) && !errors.Is(err, goredis.ErrClosed) {
		msg := re.Error()
		for _, p := range []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "NOREPLICAS", "OOM"} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	return true
}

// Stats are counters of a store's work since New.
type Stats struct {
	// RoundTrips counts commands and pipelines sent to Redis (a script run
	// is one, or two when the server had to load it).
	RoundTrips uint64
	// CachedAdmits counts Admit calls answered from cached target state.
	CachedAdmits uint64
	// LocalCalls counts calls answered from local state while degraded.
	LocalCalls uint64
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
		Transitions:  n,
		Degraded:     deg,
	}
}

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
