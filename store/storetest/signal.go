package storetest

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/lifelinehq/lifeline/store"
)

// AwaitSignal is a store that says when a request first waits (Await) for
// the request in flight with its idempotency key, and how many waits began,
// so that a test can act once duplicates are known to wait. Its embedded
// Store does the work.
type AwaitSignal struct {
	store.Store
	once     sync.Once
	awaiting chan struct{}
	waits    atomic.Int64
}

// NewAwaitSignal returns an AwaitSignal over s. s may be nil and set later
// in the Store field, before the store is used.
func NewAwaitSignal(s store.Store) *AwaitSignal {
	return &AwaitSignal{Store: s, awaiting: make(chan struct{})}
}

// Await implements store.Store.
func (s *AwaitSignal) Await(ctx context.Context, key string) error {
	s.waits.Add(1)
	s.once.Do(func() { close(s.awaiting) })
	return s.Store.Await(ctx, key)
}

// Awaiting is closed when the first Await starts.
func (s *AwaitSignal) Awaiting() <-chan struct{} { return s.awaiting }

// Waits is the number of Await calls begun so far.
func (s *AwaitSignal) Waits() int64 { return s.waits.Load() }
