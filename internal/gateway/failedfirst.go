package gateway

import (
	"context"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

// A request with an Idempotency-Key that fails stores no answer: a client
// may retry it with the same key, and that retry runs. But the duplicates
// that were waiting for it when it failed get its failure, replayed (status,
// headers, body; for a broken stream, the events its client got and the
// error event), as they would get its answer: N duplicates waiting for a
// request that fails do not make N more upstream runs, and a rejected
// request is not sent upstream again per duplicate.
//
// Before it releases its key, the failed request keeps its answer for
// failedTTL under a key derived from its claim's owner (store.Claim.Owner),
// with the store's Claim and Complete. A duplicate that waited for an owner
// looks there once that owner is gone; a request that did not wait never
// does, so the owner's key reaches no one else.

// failedTTL is how long a failed request's answer is kept for the
// duplicates that were waiting for it. They look for it as soon as the
// request ends; the time covers a wake-up that is lost and found again by
// polling (a Redis store re-reads the key every WithAwaitPoll).
const failedTTL = 30 * time.Second

// failedKey is where the request that owned key under owner keeps its
// failed answer. A client's key cannot hold a NUL byte (HTTP header
// values do not), so no client key is a failedKey.
func failedKey(key, owner string) string { return key + "\x00failed\x00" + owner }

// failureKept reports whether a failed request's answer, recorded in
// x.rec, is one to give to the duplicates waiting for it. Not when its client
// went away or the shutdown grace ended (nothing, or a cut answer, was
// sent: the duplicates run as requests of their own), nor when the answer
// was too large to record, nor lifeline's own deadline_exceeded: the
// request's deadline (perhaps its client's own X-Lifeline-Timeout) is not
// theirs, and they may have time left. A provider's 504 passed on is a
// failure like any other.
func (x *exchange) failureKept() bool {
	rec := x.rec
	return rec.status != 0 && !rec.deadline && !rec.overflow &&
		x.status != 499 && x.r.Context().Err() == nil
}

// heldClaim is the idempotency claim a request owns while it runs. Its
// token is cleared once the key is released.
type heldClaim struct {
	key   string
	fp    store.Fingerprint
	token string
	owner string
}

// endFailed ends the claim of x, a request that failed with the error
// answer x.rec holds, before that answer is written: its failure is kept
// for the duplicates waiting for it, and its key released. The store calls
// are bounded by storeTimeout, even after the request's context ended.
func (s *Server) endFailed(x *exchange) {
	if x.held.token == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(x.r.Context()), storeTimeout)
	defer cancel()
	s.keepFailedAndRelease(ctx, x)
}

// keepFailedAndRelease keeps x.rec, the failed answer of x, for the
// duplicates waiting for it, if it is one to give them, then releases
// x's key, waking them: they find it. A store error is logged: they run
// as requests of their own.
func (s *Server) keepFailedAndRelease(ctx context.Context, x *exchange) {
	h := &x.held
	token := h.token
	h.token = ""
	if h.owner != "" && x.failureKept() { // an owner the store names: duplicates can find it
		fk := failedKey(h.key, h.owner)
		cl, err := s.store.Claim(ctx, fk, h.fp, failedTTL)
		if err == nil && cl.State == store.Acquired {
			err = s.store.Complete(ctx, fk, cl.Token, x.rec.record(), failedTTL)
		}
		if err != nil {
			s.log.Warn("failed answer not kept for the duplicates waiting for it", "id", x.id, "error", err)
		}
	}
	s.release(ctx, x, h.key, token)
}

// failedAnswer is the failed answer that owner, the request this one
// waited for, kept for its duplicates, or nil when it kept none (it
// succeeded, or its failure is not one to give), the store cannot say, or
// this one waited for no owner ("").
func (s *Server) failedAnswer(ctx context.Context, key string, fp store.Fingerprint, owner string) *store.Record {
	if owner == "" {
		return nil
	}
	fk := failedKey(key, owner)
	cl, err := s.store.Claim(ctx, fk, fp, failedTTL)
	if err != nil {
		return nil
	}
	switch cl.State {
	case store.Done:
		return cl.Record
	case store.Acquired:
		// Nothing kept: the marker just made goes at once.
		_ = s.store.Release(ctx, fk, cl.Token)
	}
	return nil
}
