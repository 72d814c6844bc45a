package storetest

import (
	"context"
	"sync"

	"github.com/lifelinehq/lifeline/store"
)

// AwaitSignal is a store that says when a request first waits (Await) for
// the request in flight with its idempotency key, so that a test can act
// once a duplicate is known to wait. Its embedded Store does the work.
type AwaitSignal struct {
	store.Store
	once     sync.Once
	awaiting chan struct{}
}

// NewAwaitSignal returns an AwaitSignal over s. s may be nil and set later
// in the Store field, before the store is used.
func NewAwaitSignal(s store.Store) *AwaitSignal {
	return &AwaitSignal{Store: s, awaiting: make(chan struct{})}
}

// Await implements store.Store.
func (s *AwaitSignal) Await(ctx context.Context, key string) error {
	s.once.Do(func() { close(s.awaiting) })
	return s.Store.Await(ctx, key)
}

// Awaiting is closed when the first Await starts.
func (s *AwaitSignal) Awaiting() <-chan struct{} { return s.awaiting }
