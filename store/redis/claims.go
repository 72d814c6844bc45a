package redis

import (
	"sync"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

// An idempotency claim lives in Redis for a short lease (WithClaimLease),
// not for the lease its caller asked for: the store that holds it renews it
// while the caller's lease runs. A claim nobody renews — its store crashed
// or closed, or its Claim call timed out and the script ran in Redis only
// when a stall ended — frees its key within the short lease, and the
// duplicates that wait on it proceed, instead of waiting for the caller's
// whole lease (timeouts.total plus a margin) on every replica.

// heldClaim is a claim this store made in Redis and renews.
type heldClaim struct {
	key   string            // the record's key
	until time.Time         // when the caller's lease ends (this process's clock)
	fp    store.Fingerprint // the request's fingerprint
	// local is the owner token of the claim mirrored on local state (see
	// heldclaims.go), if any.
	local string
	// lost marks a claim that Redis no longer holds for its token: it is
	// renewed no more, and kept only for its local mirror.
	lost bool
}

// claims are the claims a store holds in Redis.
type claims struct {
	mu   sync.Mutex
	held map[string]heldClaim // owner token → claim
}

// hold starts renewing the claim of token on key, of a request with
// fingerprint fp, until until.
func (c *claims) hold(token, key string, fp store.Fingerprint, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		c.held = make(map[string]heldClaim)
	}
	c.held[token] = heldClaim{key: key, until: until, fp: fp}
}

// take stops renewing the claim of token and returns it, if held.
func (c *claims) take(token string) (heldClaim, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.held[token]
	delete(c.held, token)
	return h, ok
}

// finish stops renewing the claim of token, whose request is done, and
// reports whether it was held; the claim stays mirrorable until take.
func (c *claims) finish(token string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.held[token]
	if ok {
		h.lost = true
		c.held[token] = h
	}
	return ok
}

// drop stops renewing the claim of token, which Redis no longer holds
// for it; a claim mirrored on local state is kept for its mirror, and one
// whose Complete is under way (see finish) until that Complete takes it: a
// renewal sent before it may be answered after its script ran.
func (c *claims) drop(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.held[token]; ok && (h.local != "" || h.lost) {
		h.lost = true
		c.held[token] = h
		return
	}
	delete(c.held, token)
}

// renewal is one claim to renew, with the TTL to give it.
type renewal struct {
	token, key string
	ttl        time.Duration
}

// due returns the claims to renew at now, each with a TTL of lease or what
// is left of its caller's lease, whichever is shorter. Claims whose
// caller's lease has run out are dropped: their markers expire with it.
func (c *claims) due(now time.Time, lease time.Duration) []renewal {
	c.mu.Lock()
	defer c.mu.Unlock()
	var rs []renewal
	for token, h := range c.held {
		left := h.until.Sub(now)
		if left < time.Millisecond {
			delete(c.held, token)
			continue
		}
		if h.lost {
			continue
		}
		rs = append(rs, renewal{token: token, key: h.key, ttl: min(lease, left)})
	}
	return rs
}

// renewClaims renews, in one pipeline, every claim the store holds. A claim
// its token no longer owns (completed or released meanwhile, or expired
// during an outage and perhaps claimed by another request) is dropped.
// Redis being unable to serve turns the store degraded, as for any call,
// but a renewal that only timed out is tried again at the next tick and
// counts toward no stall (see backgroundFailed).
func (s *Store) renewClaims() {
	rs := s.claims.due(time.Now(), s.cfg.claimLease)
	if len(rs) == 0 {
		return
	}
	calls := make([]scriptCall, len(rs))
	for i, r := range rs {
		calls[i] = scriptCall{keys: []string{r.key}, args: []any{r.token, max(r.ttl.Milliseconds(), 1)}}
	}
	ctx, cancel := s.boundBackground()
	defer cancel()
	var failed error
	for i, cmd := range runAll(ctx, s.c, s.scripts.renew, calls) {
		n, err := cmd.Int64()
		switch {
		case err == nil && n == 0:
			s.claims.drop(rs[i].token)
		case err != nil && failed == nil && unavailable(err):
			failed = err
		}
	}
	if failed != nil {
		s.backgroundFailed(failed)
	}
}

// maintain runs until the store closes: every third of the claim lease it
// renews the claims the store holds; then, and at once when kicked, it
// undoes the admissions whose replies were lost, while Redis serves (the
// recovery loop does it before an outage ends).
func (s *Store) maintain() {
	defer s.wg.Done()
	t := time.NewTicker(max(s.cfg.claimLease/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
			s.renewClaims()
		case <-s.kick:
		}
		if !s.degraded() {
			s.undoLost()
		}
	}
}

// undoLost sends the queued undos (see flushUndos). Undos that timed out
// stay queued for the next run and count toward no stall (see
// backgroundFailed).
func (s *Store) undoLost() {
	ctx, cancel := s.boundBackground()
	defer cancel()
	if err := s.flushUndos(ctx); unavailable(err) {
		s.backgroundFailed(err)
	}
}
