package memory

import (
	"bytes"
	"context"
	"errors"
	"hash/maphash"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

var (
	errLease = errors.New("memory store: lease must be positive")
	errTTL   = errors.New("memory store: ttl must be positive")
)

// hash spreads keys over the shards.
func (s *Store) hash(key string) uint64 {
	return maphash.String(s.seed, key)
}

// Claim implements store.Store. A marker whose lease has run out, and a
// record whose TTL has, count as absent.
func (s *Store) Claim(ctx context.Context, key string, fp store.Fingerprint, lease time.Duration) (store.Claim, error) {
	if err := s.check(ctx); err != nil {
		return store.Claim{}, err
	}
	if lease <= 0 {
		return store.Claim{}, errLease
	}
	now := s.now()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()

	r := sh.get(key, now)
	switch {
	case r == nil:
		tok := s.token()
		sh.insert(&record{key: key, fp: fp, token: tok, expires: now.Add(lease), changed: make(chan struct{})}, now)
		return store.Claim{State: store.Acquired, Token: tok, Owner: store.OwnerOf(tok)}, nil
	case r.fp != fp:
		return store.Claim{State: store.Mismatch}, nil
	case r.done:
		rec := cloneRecord(r.resp)
		return store.Claim{State: store.Done, Record: &rec}, nil
	default:
		return store.Claim{State: store.InFlight, Owner: store.OwnerOf(r.token)}, nil
	}
}

// Complete implements store.Store. The record keeps the fingerprint the key
// was claimed with. Only the owner of token may complete the key: if the key
// already holds a response, the first one stays; if it is no longer held
// under token (its lease ran out, and perhaps another owner claimed it),
// nothing is stored.
func (s *Store) Complete(ctx context.Context, key, token string, rec store.Record, ttl time.Duration) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if ttl <= 0 {
		return errTTL
	}
	now := s.now()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()

	r := sh.get(key, now)
	if r == nil || r.done || r.token != token {
		return nil
	}
	if recordSize(rec) > sh.maxSize {
		// Larger than the shard may hold: not stored, as if it had
		// been evicted at once; a duplicate runs again.
		sh.remove(r)
		return nil
	}
	r.done = true
	r.resp = cloneRecord(rec)
	r.expires = now.Add(ttl)
	sh.renew(r)
	sh.hold(r)
	r.wake()
	return nil
}

// Release implements store.Store. A key that holds a stored response, or
// that token no longer owns, is left alone.
func (s *Store) Release(ctx context.Context, key, token string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()

	if r := sh.get(key, s.now()); r != nil && !r.done && r.token == token {
		sh.remove(r)
	}
	return nil
}

// Await implements store.Store. It returns nil at once when key is not in
// flight, and otherwise when the marker ends or its lease runs out; it
// returns ctx's error when ctx ends first, and ErrClosed when the store is
// closed. It starts no goroutine; its timer is stopped before it returns.
func (s *Store) Await(ctx context.Context, key string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	sh := s.shard(key)
	sh.mu.Lock()
	r := sh.get(key, s.now())
	if r == nil || r.done {
		sh.mu.Unlock()
		return nil
	}
	changed, leaseEnd := r.changed, r.expires
	sh.mu.Unlock()

	timer := time.NewTimer(leaseEnd.Sub(s.now()))
	defer timer.Stop()
	select {
	case <-changed:
		return nil
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closed:
		return ErrClosed
	}
}

// cloneRecord deep-copies rec, so that neither the caller nor the store
// sees the other's later changes.
func cloneRecord(rec store.Record) store.Record {
	rec.Header = rec.Header.Clone()
	rec.Body = bytes.Clone(rec.Body)
	return rec
}
