// Package memory is the state store of a single process: breakers,
// cool-downs, retry budgets and idempotency records kept in maps.
//
// Each target has its own mutex, so attempts on different targets never
// wait for each other; idempotency records are spread over shards, each
// with its own mutex, and their number is bounded. The store starts no
// goroutine: expired records are removed when they are touched and by a
// sweep whose cost is spread over insertions.
package memory

import (
	"context"
	"errors"
	"hash/maphash"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

// DefaultMaxRecords is the default bound on idempotency records.
const DefaultMaxRecords = 100_000

// DefaultMaxBytes is the default bound on the bytes of the answers the
// idempotency records hold.
const DefaultMaxBytes = 256 << 20

// ErrClosed is returned by every method of a closed store.
var ErrClosed = errors.New("memory store: closed")

// Store is an in-process store.Store. Create it with New.
type Store struct {
	now     func() time.Time
	targets atomic.Pointer[map[string]*target] // copied on write: see target
	added   sync.Mutex                         // serializes additions to targets
	seed    maphash.Seed
	shards  []*shard
	closed  chan struct{}
	once    sync.Once
	claims  atomic.Uint64 // numbers owner tokens
}

var (
	_ store.Store    = (*Store)(nil)
	_ store.Blocking = (*Store)(nil)
)

// Option configures a Store.
type Option func(*config)

type config struct {
	maxRecords int
	maxBytes   int64
	now        func() time.Time
}

// WithMaxBytes bounds the bytes of the answers (bodies and headers) that
// the idempotency records hold: when an answer is stored past the bound,
// the oldest answers are evicted (keys in flight are kept). The bound is
// split over the store's shards (16 from 4096 records on), and an answer
// larger than its shard's part is not stored. Zero or negative means
// DefaultMaxBytes.
func WithMaxBytes(n int64) Option {
	return func(c *config) { c.maxBytes = n }
}

// WithMaxRecords bounds the idempotency records kept (in flight or done).
// When the bound is reached the oldest record is evicted. Zero or negative
// means DefaultMaxRecords.
func WithMaxRecords(n int) Option {
	return func(c *config) { c.maxRecords = n }
}

// WithNow sets the clock that times idempotency leases and TTLs (default
// time.Now). Breakers, cool-downs and budgets use the times their callers
// pass instead.
func WithNow(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// New returns an empty store.
func New(opts ...Option) *Store {
	c := config{maxRecords: DefaultMaxRecords, maxBytes: DefaultMaxBytes, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	if c.maxRecords <= 0 {
		c.maxRecords = DefaultMaxRecords
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxBytes
	}
	if c.now == nil {
		c.now = time.Now
	}
	return &Store{
		now:    c.now,
		seed:   maphash.MakeSeed(),
		shards: newShards(c.maxRecords, c.maxBytes),
		closed: make(chan struct{}),
	}
}

// Close wakes every Await with ErrClosed; afterwards every method returns
// ErrClosed. It is safe to call more than once.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// MaxBlock implements store.Blocking: the memory store answers at once.
func (s *Store) MaxBlock() time.Duration { return 0 }

// token returns a new owner token, unique within the store.
func (s *Store) token() string {
	return "m" + strconv.FormatUint(s.claims.Add(1), 36)
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

// Len returns the number of idempotency records held, including expired
// ones not yet removed.
func (s *Store) Len() int {
	n := 0
	for _, sh := range s.shards {
		sh.mu.Lock()
		n += len(sh.records)
		sh.mu.Unlock()
	}
	return n
}
