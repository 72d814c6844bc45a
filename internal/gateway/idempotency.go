package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/wire"
)

// maxRecorded bounds the response kept for replay; a larger answer is
// served but not stored.
const maxRecorded = 8 << 20

// HeaderReplayed marks an answer replayed from the idempotency store.
const HeaderReplayed = "Idempotent-Replayed"

// recording captures what was sent to the client.
type recording struct {
	status   int
	header   http.Header
	body     []byte
	stream   bool
	overflow bool // nothing to replay (see discard)
	deadline bool // lifeline's own deadline_exceeded: the request's deadline, not a duplicate's
}

func (r *recording) capture(status int, h http.Header, body []byte, stream bool) {
	if r == nil {
		return
	}
	r.status, r.stream = status, stream
	r.header = make(http.Header, 8)
	for k, v := range h {
		if k != lifeline.HeaderRequestID && k != "Content-Length" {
			r.header[k] = v
		}
	}
	r.append(body)
}

// record is what was recorded, as the store keeps it.
func (r *recording) record() store.Record {
	return store.Record{Status: r.status, Header: r.header, Body: r.body, Stream: r.stream}
}

func (r *recording) append(b []byte) {
	if r == nil || r.overflow {
		return
	}
	if len(r.body)+len(b) > maxRecorded {
		r.discard()
		return
	}
	r.body = append(r.body, b...)
}

// discard drops what was recorded, leaving nothing to replay: the answer
// is too large to keep, or the client did not get it all.
func (r *recording) discard() {
	if r != nil {
		r.overflow, r.body = true, nil
	}
}

// serveIdempotent serves a request that carries an Idempotency-Key: a
// stored answer is replayed, an in-flight duplicate waits for the first
// request's answer, and the same key with another body is refused. A
// duplicate whose first request failed gets that failure, replayed (see
// failedfirst.go). One whose first request ended with nothing to give (its
// client went away, the shutdown grace ended, its answer was too large to
// keep, the store lost the failure) claims the key again and, if another
// duplicate got there first, waits for that one, until an answer is given
// or its own deadline comes. Every turn of that loop waits for a request
// to end (Await returns only once the owner it saw is gone), so only the
// deadline bounds it.
func (s *Server) serveIdempotent(x *exchange) {
	key := scopedKey(x.key, x.req.IdempotencyKey)
	fp := fingerprint(x.d, x.req.Body)
	p := x.route.Policy()
	lease := p.Timeouts.Total + 30*time.Second
	// Waiting for another request is bounded like the request itself.
	deadline := x.start.Add(p.Timeouts.Total)
	if !x.req.Deadline.IsZero() && x.req.Deadline.Before(deadline) {
		deadline = x.req.Deadline
	}
	ctx, cancel := context.WithDeadline(x.r.Context(), deadline)
	defer cancel()
	// waited is the owner of the request this one waited for, if known.
	waited := ""
claims:
	for {
		cl, err := s.store.Claim(ctx, key, fp, lease)
		if err != nil {
			if ctx.Err() != nil {
				break claims
			}
			// Without the store there is no dedupe; serving beats failing.
			s.log.Warn("idempotency store unavailable; serving without dedupe", "id", x.id, "error", err)
			x.serve(nil)
			return
		}
		switch cl.State {
		case store.Done:
			x.replay(cl.Record)
			return
		case store.Mismatch:
			// The request it waited for, with its body, may be gone, and
			// one with another body have taken the key since.
			if rec := s.failedAnswer(ctx, key, fp, waited); rec != nil {
				x.replay(rec)
				return
			}
			x.fail(clientError(http.StatusUnprocessableEntity, "idempotency_key_reused",
				"this Idempotency-Key was used with a different request (another body, or the other endpoint)"))
			return
		case store.InFlight:
			if cl.Owner != waited {
				// The request it waited for, if any, is gone; another owns
				// the key.
				if rec := s.failedAnswer(ctx, key, fp, waited); rec != nil {
					x.replay(rec)
					return
				}
			}
			waited = cl.Owner
			if err := s.store.Await(ctx, key); err != nil {
				if ctx.Err() != nil {
					break claims
				}
				s.log.Warn("idempotency store unavailable; serving without dedupe", "id", x.id, "error", err)
				x.serve(nil)
				return
			}
		case store.Acquired:
			if rec := s.failedAnswer(ctx, key, fp, waited); rec != nil {
				rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
				s.release(rctx, x, key, cl.Token)
				rcancel()
				x.replay(rec)
				return
			}
			x.held = heldClaim{key: key, fp: fp, token: cl.Token, owner: cl.Owner}
			rec := &recording{}
			ok := x.serve(rec)
			// The client has a successful answer before the store is told:
			// a store that is slow to answer (Redis stalling) does not hold
			// it. (A stream's or an HTTP/2 answer's end still waits for the
			// store, at most rctx's 2 s; its events have all been sent.) An
			// error answer was sent once its key was free (see endFailed).
			_ = http.NewResponseController(x.w).Flush()
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
			defer rcancel()
			if ok && rec.status >= 200 && rec.status < 300 && !rec.overflow {
				err = s.store.Complete(rctx, key, cl.Token, rec.record(), s.idemTTL)
				if err != nil {
					s.log.Warn("idempotency record not saved", "id", x.id, "error", err)
				}
				return
			}
			if x.held.token != "" {
				// A stream that broke, or an answer not sent whole.
				s.keepFailedAndRelease(rctx, x)
			}
			return
		}
	}
	if context.Cause(x.r.Context()) == ErrShuttingDown {
		// It waited for another request and did nothing itself: another
		// replica may serve it.
		x.failRetry(shuttingDown(), true)
		return
	}
	if err := x.r.Context().Err(); err != nil {
		x.status, x.err = 499, err // the client went away
		x.log()
		return
	}
	x.fail(lifeline.NewError(lifeline.ErrDeadlineExceeded, http.StatusGatewayTimeout, "deadline_exceeded",
		"the first request with this Idempotency-Key did not finish before this request's deadline"))
}

// storeTimeout bounds the store calls made after a request was answered,
// together.
const storeTimeout = 2 * time.Second

// release gives up the claim of token on key.
func (s *Server) release(ctx context.Context, x *exchange, key, token string) {
	if err := s.store.Release(ctx, key, token); err != nil {
		s.log.Warn("idempotency key not released", "id", x.id, "error", err)
	}
}

// replay writes a stored answer, counted as a replay.
func (x *exchange) replay(rec *store.Record) {
	x.s.metrics.replays.Inc()
	h := x.w.Header()
	for k, v := range rec.Header {
		h[k] = v
	}
	h[HeaderReplayed] = []string{"true"}
	if !rec.Stream {
		h["Content-Length"] = []string{strconv.Itoa(len(rec.Body))}
	}
	// A stored answer may be a whole stream: its write is bounded too.
	_ = http.NewResponseController(x.w).SetWriteDeadline(time.Now().Add(writeTimeout))
	x.w.WriteHeader(rec.Status)
	n, _ := x.w.Write(rec.Body)
	x.bytes, x.status = n, rec.Status
	if route := x.route; route != nil {
		x.s.log.Info("request", "id", x.id, "route", route.Name(), "status", rec.Status, "replayed", true,
			"duration", time.Since(x.start), "remote", x.r.RemoteAddr, "forwarded_for", forwardedFor(x.r.Header),
			"client_request_id", clientRequestID(x.r.Header))
	}
}

// scopedKey keeps one client's keys apart from another's. The owner is hex
// (or "open"), so no key can make two owners' keys equal, ":" included.
func scopedKey(k *clientKey, key string) string {
	owner := "open"
	if k != nil {
		owner = hex.EncodeToString([]byte(k.id))
	}
	return owner + ":" + key
}

// fingerprint identifies a request under its Idempotency-Key: the SHA-256
// of its body, and of its endpoint, so that the same bytes sent
// to the other dialect's endpoint are another request (a stored answer
// replays only in the dialect it was written in). The route is named by
// the body's model: another route is another body.
func fingerprint(d wire.Dialect, body []byte) store.Fingerprint {
	h := sha256.New()
	h.Write([]byte{byte(d)})
	h.Write(body)
	var fp store.Fingerprint
	h.Sum(fp[:0])
	return fp
}
