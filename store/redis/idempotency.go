package redis

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

var (
	errLease = errors.New("redis store: lease must be positive")
	errTTL   = errors.New("redis store: ttl must be positive")
)

// localToken marks the owner tokens of claims made on local state (while
// degraded, or by a Claim that timed out): Complete and Release of such a
// claim go to local state, even after Redis is back. Redis tokens
// (rand.Text) never contain a colon.
const localToken = "local:"

// recordKey is the hash of idempotency key key; the braces make it a hash
// tag, so that the whole record lives in one cluster slot.
func (s *Store) recordKey(key string) string {
	return s.cfg.prefix + "idem:{" + key + "}"
}

// wakeChannel is where completions and releases are published.
func (s *Store) wakeChannel() string { return s.cfg.prefix + "idem-wake" }

// Claim implements store.Store with one script run: SET-if-absent of the
// in-flight marker (fingerprint and owner token), or the existing record's
// state. The marker's TTL is the claim lease (WithClaimLease) or lease,
// whichever is shorter; the store renews it until lease has run out from
// now, or the key is completed or released, or the store closes. A claim
// whose reply is lost is not renewed. A key this store claimed on local
// state is answered from there while that claim, or the response stored
// under it, lives (see "Failing open" in the package documentation).
func (s *Store) Claim(ctx context.Context, key string, fp store.Fingerprint, lease time.Duration) (store.Claim, error) {
	if err := s.check(ctx); err != nil {
		return store.Claim{}, err
	}
	if lease <= 0 {
		return store.Claim{}, errLease
	}
	if d := s.degraded(); d || s.localKeys.holds(key) {
		// A key kept on local state while shared has its Redis claim
		// mirrored already, if this store holds one: only a degraded
		// Claim looks for it, a scan of every claim held.
		if d {
			s.mirrorHeld(ctx, key)
		}
		return s.localClaim(ctx, key, fp, lease)
	}
	token := rand.Text()
	until := time.Now().Add(lease)
	ttl := min(lease, s.cfg.claimLease)
	var c store.Claim
	fallback, err := s.run(ctx, func(ctx context.Context) error {
		v, err := s.scripts.claim.Run(ctx, s.c, []string{s.recordKey(key)},
			string(fp[:]), token, max(ttl.Milliseconds(), 1)).Result()
		if err != nil {
			return err
		}
		r := newReply(v)
		c = store.Claim{State: store.ClaimState(r.int(0))}
		switch c.State {
		case store.Acquired:
			c.Token, c.Owner = token, store.OwnerOf(token)
		case store.InFlight:
			// The owner token stays here: only the non-secret Owner
			// leaves the store.
			if tok := r.str(1); tok != "" {
				c.Owner = store.OwnerOf(tok)
			}
		case store.Done:
			rec, err := decodeRecord(r.str(1), r.str(2), r.str(3), r.str(4))
			if err != nil {
				return err
			}
			c.Record = &rec
		case store.Mismatch:
		default:
			return fmt.Errorf("%w: claim state %d", errBadReply, c.State)
		}
		return r.err
	})
	if fallback {
		s.mirrorHeld(ctx, key)
		return s.localClaim(ctx, key, fp, lease)
	}
	if err == nil && c.State == store.Acquired {
		s.claims.hold(token, s.recordKey(key), fp, until)
	}
	return c, err
}

func (s *Store) localClaim(ctx context.Context, key string, fp store.Fingerprint, lease time.Duration) (store.Claim, error) {
	s.localCalls.Add(1)
	c, err := s.local.Claim(ctx, key, fp, lease)
	if c.State == store.InFlight {
		// The owner may be a Redis claim of this store mirrored here: it
		// is named as its request knows it.
		c.Owner = s.claims.mirrorOwner(c.Owner)
	}
	if c.Token != "" {
		c.Token = localToken + c.Token
		now := time.Now()
		s.localKeys.acquired(key, c.Token, now.Add(lease), now)
	}
	return c, localErr(err)
}

// Complete implements store.Store with one script run that stores the
// response only while token owns the key, renews the TTL and publishes a
// wake-up. A claim made in Redis is completed in Redis even while the store
// is degraded (it may answer again before the next probe notices): if
// Redis cannot be reached, the marker, renewed no more, expires within the
// claim lease, and the response is stored on local state, where this
// replica's duplicates replay it; so it is when the claim was mirrored
// there, or the store is degraded (see "Failing open" in the package
// documentation).
func (s *Store) Complete(ctx context.Context, key, token string, rec store.Record, ttl time.Duration) error {
	if s.claims.finish(token) { // whatever happens next, the owner is done
		var fallback bool
		// While degraded, this replica's duplicates go to local state,
		// even if Redis took rec: it is kept there too.
		defer func() { s.keepLocal(ctx, key, token, rec, ttl, fallback || s.degraded()) }()
		return s.completeRedis(ctx, key, token, rec, ttl, &fallback)
	}
	return s.completeRedis(ctx, key, token, rec, ttl, new(bool))
}

// completeRedis is Complete after the claim of token, if held, is no
// longer renewed; it sets fallback when Redis could not take rec.
func (s *Store) completeRedis(ctx context.Context, key, token string, rec store.Record, ttl time.Duration, fallback *bool) (err error) {
	if err := s.check(ctx); err != nil {
		return err
	}
	if ttl <= 0 {
		return errTTL
	}
	if t, ok := strings.CutPrefix(token, localToken); ok {
		s.localCalls.Add(1)
		if err := s.local.Complete(ctx, key, t, rec, ttl); err != nil {
			return localErr(err)
		}
		now := time.Now()
		s.localKeys.completed(key, token, now.Add(ttl), now)
		return nil
	}
	hdr, err := json.Marshal(rec.Header)
	if err != nil {
		return fmt.Errorf("redis store: encoding the header: %w", err)
	}
	stored := true
	*fallback, err = s.run(ctx, func(ctx context.Context) error {
		n, err := s.scripts.complete.Run(ctx, s.c, []string{s.recordKey(key)},
			token, max(ttl.Milliseconds(), 1), rec.Status, hdr, rec.Body, flag(rec.Stream),
			s.wakeChannel(), key).Int()
		stored = err != nil || n == 1
		return err
	})
	if !stored {
		// As Complete's contract says, nothing is stored; an operator
		// should still learn that an answer was lost to its duplicates.
		s.cfg.logger.Warn("state store: an idempotent answer was not stored: its claim was gone (its lease ran out, or Redis lost it in a restart or failover); a duplicate may run the request again",
			"backend", "redis")
	}
	return err
}

// Release implements store.Store with one script run that deletes the
// marker only while token owns it and publishes a wake-up. As with
// Complete, a claim made in Redis is released there even while the store
// is degraded; only if Redis cannot be reached is it left to expire within
// the claim lease. The claim's mirror on local state, if any, is released
// first, so that this replica's duplicates waiting there may claim the
// key.
func (s *Store) Release(ctx context.Context, key, token string) error {
	if held, ok := s.claims.take(token); ok && held.local != "" {
		s.localKeys.released(key, held.local)
		_ = s.local.Release(ctx, key, strings.TrimPrefix(held.local, localToken))
	}
	if err := s.check(ctx); err != nil {
		return err
	}
	if t, ok := strings.CutPrefix(token, localToken); ok {
		s.localCalls.Add(1)
		s.localKeys.released(key, token)
		return localErr(s.local.Release(ctx, key, t))
	}
	_, err := s.run(ctx, func(ctx context.Context) error {
		return s.scripts.release.Run(ctx, s.c, []string{s.recordKey(key)},
			token, s.wakeChannel(), key).Err()
	})
	return err
}

// Await implements store.Store. It waits for a wake-up published by the
// replica that completes or releases key, re-reading the key at the end of
// the owner's lease and at least every WithAwaitPoll in case a message was
// lost. It returns nil once the owner it first saw is gone. If Redis
// becomes unreachable it returns nil: the caller claims again, on local
// state. While degraded, and for a key this store claimed on local state
// (see Claim), it waits on local state.
func (s *Store) Await(ctx context.Context, key string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if s.degraded() || s.localKeys.holds(key) {
		s.localCalls.Add(1)
		return localErr(s.local.Await(ctx, key))
	}
	s.wake.subscribe(ctx)
	woken := s.wake.add(key)
	defer s.wake.remove(key, woken)
	// degrade marks the store degraded before it wakes the registered
	// waiters: a waiter registered after that wake-up sees the mark here.
	if s.degraded() {
		return nil
	}

	owner := ""
	for {
		var (
			inFlight bool
			token    string
			left     time.Duration
		)
		fallback, err := s.run(ctx, func(ctx context.Context) error {
			v, err := s.scripts.peek.Run(ctx, s.c, []string{s.recordKey(key)}).Result()
			if err != nil {
				return err
			}
			r := newReply(v)
			if inFlight = r.int(0) == 1; inFlight {
				token, left = r.str(1), time.Duration(r.int(2))*time.Millisecond
			}
			return r.err
		})
		switch {
		case fallback:
			return nil
		case err != nil:
			return err
		case !inFlight, owner != "" && token != owner:
			return nil
		}
		owner = token
		wait := s.cfg.awaitPoll
		if left >= 0 && left < wait {
			wait = left + time.Millisecond // the marker is gone by then
		}
		timer := time.NewTimer(wait)
		select {
		case <-woken:
			timer.Stop()
			return nil
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-s.closed:
			timer.Stop()
			return ErrClosed
		}
	}
}

// decodeRecord reads the stored response fields.
func decodeRecord(status, hdr, body, stream string) (store.Record, error) {
	var rec store.Record
	if _, err := fmt.Sscan(status, &rec.Status); err != nil {
		return rec, fmt.Errorf("%w: stored status %q: %w", errBadReply, status, err)
	}
	var h http.Header
	if err := json.Unmarshal([]byte(hdr), &h); err != nil {
		return rec, fmt.Errorf("%w: stored header: %w", errBadReply, err)
	}
	rec.Header = h
	rec.Body = []byte(body)
	rec.Stream = stream == "1"
	return rec, nil
}
