package redis

import (
	"context"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

// A request whose key this store claimed in Redis may meet Redis stalling
// or gone while it runs. Its duplicates that reach this replica meanwhile
// are answered from local state (a Claim that timed out, or the store
// degraded), where the key is unknown: they would run the request again
// beside it. And if its Complete cannot reach Redis, its response is
// stored nowhere, and the marker it left, renewed no more, frees the key
// within the claim lease for a duplicate to run it again. So, before a
// Claim of a key is answered from local state, the live Redis claim this
// store holds on it, if any, is mirrored there (the duplicate finds it in
// flight and waits on local state), and a Complete that could not reach
// Redis, or whose claim is mirrored, stores the response on local state
// too: duplicates that reach this replica replay it, as they do for a key
// claimed on local state (see localclaims.go).

// mirror finds a claim this store holds in Redis that match accepts and
// that has no local mirror yet, and has acquire mirror it on local state:
// acquire returns the local owner token, or "" if it could not. It holds
// the lock meanwhile, so that one claim is mirrored once.
func (c *claims) mirror(match func(h heldClaim) bool, acquire func(h heldClaim) string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for token, h := range c.held {
		if h.local != "" || !match(h) {
			continue
		}
		if h.local = acquire(h); h.local != "" {
			c.held[token] = h
		}
		return
	}
}

// mirrorToken is mirror for the claim of token: a map lookup, not a scan
// of every claim held.
func (c *claims) mirrorToken(token string, acquire func(h heldClaim) string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.held[token]; ok && h.local == "" {
		if h.local = acquire(h); h.local != "" {
			c.held[token] = h
		}
	}
}

// mirrorHeld mirrors on local state the live claim this store holds in
// Redis on key, if any, before a Claim of key is answered from local
// state.
func (s *Store) mirrorHeld(ctx context.Context, key string) {
	now := time.Now()
	rk := s.recordKey(key)
	s.claims.mirror(func(h heldClaim) bool { return h.key == rk && now.Before(h.until) },
		func(h heldClaim) string { return s.acquireLocal(ctx, key, h.fp, h.until, now) })
}

// acquireLocal claims key on local state until until, for the key's
// holder in Redis, and returns the local owner token, or "".
func (s *Store) acquireLocal(ctx context.Context, key string, fp store.Fingerprint, until, now time.Time) string {
	c, err := s.local.Claim(ctx, key, fp, until.Sub(now))
	if err != nil || c.State != store.Acquired {
		return ""
	}
	token := localToken + c.Token
	s.localKeys.acquired(key, token, until, now)
	return token
}

// keepLocal ends the claim of token, held in Redis since finish, and
// stores rec, its response, on local state for ttl when asked (Redis could
// not take it, or this replica's duplicates go to local state meanwhile)
// or the claim was mirrored there: duplicates that reach this replica
// replay it.
func (s *Store) keepLocal(ctx context.Context, key, token string, rec store.Record, ttl time.Duration, keep bool) {
	if keep {
		// Mirrored under the claims' lock, so that a duplicate's Claim
		// cannot acquire the key on local state first.
		now := time.Now()
		s.claims.mirrorToken(token,
			func(h heldClaim) string { return s.acquireLocal(ctx, key, h.fp, now.Add(ttl), now) })
	}
	h, _ := s.claims.take(token)
	if h.local == "" {
		return
	}
	now := time.Now()
	s.localCalls.Add(1)
	if err := s.local.Complete(ctx, key, strings.TrimPrefix(h.local, localToken), rec, ttl); err != nil {
		s.localKeys.released(key, h.local)
		return
	}
	s.localKeys.completed(key, h.local, now.Add(ttl), now)
}

// mirrorOwner is the Owner of the Redis claim whose mirror on local state
// has Owner owner, or owner itself when no claim held has that mirror.
func (c *claims) mirrorOwner(owner string) string {
	if owner == "" {
		return owner
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for token, h := range c.held {
		if h.local != "" && store.OwnerOf(strings.TrimPrefix(h.local, localToken)) == owner {
			return store.OwnerOf(token)
		}
	}
	return owner
}
