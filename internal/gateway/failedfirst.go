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

// failureKept reports whether a failed request's answer, recorded in rec,
// is one to give to the duplicates waiting for it. Not when its client
// went away or the shutdown grace ended (nothing, or a cut answer, was
// sent: the duplicates run as requests of their own), nor when the answer
// was too large to record.
func (x *exchange) failureKept(rec *recording) bool {
	return rec.status != 0 && !rec.overflow && x.status != 499 && x.r.Context().Err() == nil
}

// keepFailed keeps rec, the failed answer of the request that owns key
// under owner, for the duplicates waiting for it. A store error is logged:
// they run as requests of their own.
func (s *Server) keepFailed(ctx context.Context, x *exchange, key string, fp store.Fingerprint, owner string, rec *recording) {
	if owner == "" {
		return // the store does not name owners: no duplicate could find it
	}
	fk := failedKey(key, owner)
	cl, err := s.store.Claim(ctx, fk, fp, failedTTL)
	if err == nil && cl.State == store.Acquired {
		err = s.store.Complete(ctx, fk, cl.Token,
			store.Record{Status: rec.status, Header: rec.header, Body: rec.body, Stream: rec.stream}, failedTTL)
	}
	if err != nil {
		s.log.Warn("failed answer not kept for the duplicates waiting for it", "id", x.id, "error", err)
	}
}

// failedAnswer is the failed answer that owner, the request this one
// waited for, kept for its duplicates, or nil when it kept none (it
// succeeded, or its failure is not one to give) or the store cannot say.
func (s *Server) failedAnswer(ctx context.Context, key string, fp store.Fingerprint, owner string) *store.Record {
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

// discard drops what was recorded: the client did not get it all.
func (r *recording) discard() {
	if r != nil {
		r.overflow, r.body = true, nil
	}
}
