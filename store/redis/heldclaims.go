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

// mirror finds the live claim this store holds in Redis on key (a record
// key) with no local mirror yet, and has acquire mirror it on local state:
// acquire returns the local owner token, or "" if it could not. It holds
// the lock meanwhile, so that one claim is mirrored once.
func (c *claims) mirror(key string, now time.Time, acquire func(h heldClaim) string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for token, h := range c.held {
		if h.key != key || h.local != "" || !now.Before(h.until) {
			continue
		}
		if h.local = acquire(h); h.local != "" {
			c.held[token] = h
		}
		return
	}
}

// mirrorHeld mirrors on local state the live claim this store holds in
// Redis on key, if any, before a Claim of key is answered from local
// state.
func (s *Store) mirrorHeld(ctx context.Context, key string) {
	now := time.Now()
	s.claims.mirror(s.recordKey(key), now, func(h heldClaim) string {
		c, err := s.local.Claim(ctx, key, h.fp, h.until.Sub(now))
		if err != nil || c.State != store.Acquired {
			return ""
		}
		token := localToken + c.Token
		s.localKeys.acquired(key, token, h.until, now)
		return token
	})
}

// keepLocal stores rec, the response of the request that held h in Redis,
// on local state for ttl: in its mirror, or in a local claim acquired for
// it now. Duplicates that reach this replica replay it from there.
func (s *Store) keepLocal(ctx context.Context, key string, h heldClaim, rec store.Record, ttl time.Duration) {
	now := time.Now()
	token := h.local
	if token == "" {
		c, err := s.local.Claim(ctx, key, h.fp, ttl)
		if err != nil || c.State != store.Acquired {
			return
		}
		token = localToken + c.Token
		s.localKeys.acquired(key, token, now.Add(ttl), now)
	}
	s.localCalls.Add(1)
	if err := s.local.Complete(ctx, key, strings.TrimPrefix(token, localToken), rec, ttl); err != nil {
		s.localKeys.released(key, token)
		return
	}
	s.localKeys.completed(key, token, now.Add(ttl), now)
}
