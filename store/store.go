// Package store defines the state store: where breakers, cool-downs, retry
// budgets and idempotency records live. The memory store (package
// store/memory) serves one process; the Redis store (package store/redis)
// lets any number of gateway replicas share one picture. Every
// implementation must pass the conformance suite in package store/storetest.
//
// Every method takes a context and returns promptly when it is done; no
// method holds a lock across an upstream call.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
)

// Store holds the shared state of targets and idempotent requests.
type Store interface {
	// Admit decides whether an attempt on target may start: the target must
	// not be cooling down, its breaker must allow it, and a retry must find
	// a token in the target's retry budget. It is one atomic step.
	Admit(ctx context.Context, target string, a Admission) (Ticket, error)
	// Report records an attempt's result: the breaker outcome, a cool-down
	// to set, and a budget deposit for a first attempt. It is one atomic step.
	// The breaker counts the outcome only of an attempt r.Ticket admitted,
	// and only in the generation it was admitted in; a cool-down keeps the
	// later of its current end and r.CoolUntil.
	Report(ctx context.Context, target string, r Report) (breaker.Transition, error)
	// Status returns a target's state for status pages.
	Status(ctx context.Context, target string, s StatusQuery) (TargetStatus, error)

	// Claim starts an idempotent request. It answers Acquired, with an owner
	// token, when the caller now owns key (and must later Complete or
	// Release it with that token), InFlight
	// when another request with the same fingerprint owns it, Done with the
	// stored record, or Mismatch when key was used with another fingerprint.
	// lease bounds the in-flight marker: an owner that neither completes nor
	// releases the key within it is considered dead and the key is free again.
	// lease must be positive. Acquired and InFlight name the owning claim
	// in Claim.Owner, the same for one claim and different for the next.
	Claim(ctx context.Context, key string, fp Fingerprint, lease time.Duration) (Claim, error)
	// Complete stores the response of an owned key for ttl and wakes waiters.
	// The record keeps the fingerprint the key was claimed with. ttl must be
	// positive. It acts only while token (Claim's) still owns the key: if the
	// key already holds a response, the first one stays; if the owner's lease
	// ran out (and perhaps a newer owner claimed the key), nothing is stored.
	Complete(ctx context.Context, key, token string, rec Record, ttl time.Duration) error
	// Release gives up an owned key without a stored response (the request
	// failed; the client may retry with the same key) and wakes waiters. It
	// acts only while token still owns the key, so a late owner whose lease
	// ran out cannot free a newer owner's claim.
	Release(ctx context.Context, key, token string) error
	// Await blocks until key is completed or released (or its owner's lease
	// ran out), or ctx ends. Callers then Claim again to learn the outcome.
	// It returns nil at once when key is not in flight, and ctx's error when
	// ctx ends first.
	Await(ctx context.Context, key string) error

	// Close releases the store's resources.
	Close() error
}

// Health is implemented by stores whose backend can be unreachable. Health
// returns nil while the backend is reachable. A store that fails open keeps
// serving on local state during an outage and meanwhile returns a
// descriptive error wrapping ErrUnavailable; the gateway's /readyz reports
// "degraded" with it.
type Health interface {
	Health(ctx context.Context) error
}

// Blocking tells how long a store's calls may block. The engine bounds
// each call of a store that may block past a request's deadline by that
// deadline, and reads the clock again after it. A Store that does not
// implement Blocking is taken to block as long as its context allows.
type Blocking interface {
	// MaxBlock is the longest one Admit, Report or Status call may take
	// before it fails or answers on its own (a network round trip within
	// its own timeout); 0 when calls never block (they answer from memory).
	MaxBlock() time.Duration
}

// ErrUnavailable wraps errors of a store whose backend cannot be reached.
// Callers fall back to local state and report the store as degraded.
var ErrUnavailable = errors.New("state store unavailable")

// Admission is the question Admit answers.
type Admission struct {
	Now     time.Time
	Breaker breaker.Config
	// Retry is set when the attempt is a retry on the same target: it needs
	// a budget token.
	Retry  bool
	Budget budget.Config
}

// SkipReason says why Admit refused an attempt.
type SkipReason uint8

// Reasons an attempt is refused.
const (
	Admitted SkipReason = iota // not refused
	Cooling                    // a cool-down is running (429 hint, spent quota, pacing)
	Open                       // the breaker is open
	Probing                    // the breaker is half-open and its probes are out
	NoBudget                   // a retry found the budget empty
)

// String returns the reason's name.
func (r SkipReason) String() string {
	return [...]string{"admitted", "cooling", "open", "probing", "no_budget"}[r]
}

// Ticket is Admit's answer. Pass it back in Report.
type Ticket struct {
	Reason  SkipReason     // Admitted when the attempt may start
	Breaker breaker.Ticket // the breaker's ticket (generation, probe)
	// Until is when a refusal ends, when known: the cool-down's end, the
	// open breaker's half-open time, or (Probing) when the oldest probe's
	// lease runs out, the latest time a probe slot frees by itself.
	Until time.Time
	// CoolReason is the Reason given to the running cool-down.
	CoolReason string
	// Transition is a breaker state change Admit caused (open → half-open).
	Transition breaker.Transition
}

// Allowed reports whether the attempt may start.
func (t Ticket) Allowed() bool { return t.Reason == Admitted }

// Report is an attempt's result.
type Report struct {
	Now     time.Time
	Ticket  Ticket
	Breaker breaker.Config
	Outcome breaker.Outcome
	// CoolUntil, when not zero, starts (or extends) a cool-down of the
	// target until then, for CoolReason ("rate_limited", "quota", "pacing").
	CoolUntil  time.Time
	CoolReason string
	// First marks a first attempt: it deposits into the retry budget.
	First  bool
	Budget budget.Config
}

// StatusQuery says how to read a target's state.
type StatusQuery struct {
	Now     time.Time
	Breaker breaker.Config
	Budget  budget.Config
}

// TargetStatus is a target's state as status pages show it.
type TargetStatus struct {
	State        breaker.State
	Generation   uint64
	OpenUntil    time.Time // when the breaker turns half-open (Open only)
	CoolingUntil time.Time // zero when not cooling
	CoolReason   string
	BudgetTokens float64
	// Recent counts the attempts and failures in the breaker's window at Now.
	Recent breaker.Counts
}

// StatusOf derives a target's status at q.Now from its breaker, its
// cool-down and its budget bucket, as every Store keeps them.
func StatusOf(b breaker.Breaker, coolUntil time.Time, coolReason string, bucket budget.Bucket, q StatusQuery) TargetStatus {
	st := TargetStatus{
		State:        b.Peek(q.Breaker, q.Now),
		Generation:   b.Generation,
		BudgetTokens: bucket.Level(q.Budget, q.Now),
		Recent:       b.Recent(q.Breaker, q.Now),
	}
	if st.State == breaker.Open {
		st.OpenUntil = b.Until
	}
	if q.Now.Before(coolUntil) {
		st.CoolingUntil, st.CoolReason = coolUntil, coolReason
	}
	return st
}

// Fingerprint is the SHA-256 of a request body.
type Fingerprint [32]byte

// ClaimState is the outcome of Claim.
type ClaimState uint8

// Claim outcomes.
const (
	Acquired ClaimState = iota + 1 // the caller owns the key
	InFlight                       // another request with the same body owns it
	Done                           // a stored response exists
	Mismatch                       // the key was used with another body
)

// Claim is Claim's answer.
type Claim struct {
	State ClaimState
	// Token proves ownership (State Acquired only): pass it to Complete or
	// Release. It is opaque and unique per claim.
	Token string
	// Owner names the claim that owns the key, without proving ownership:
	// for State Acquired the caller's own claim, for InFlight the claim the
	// caller would wait for; OwnerOf(Token) of that claim. Empty when the
	// store does not know it. A request that waited for an owner may look
	// for what that owner left under a key derived from Owner (the gateway
	// keeps a failed request's answer there for its waiting duplicates).
	Owner  string
	Record *Record // set when State is Done
}

// OwnerOf is the Owner of the claim whose owner token is token: the first
// 16 hex digits of the token's SHA-256. It tells claims apart; it does not
// let anyone complete or release one.
func OwnerOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:8])
}

// Record is a stored response, replayed to duplicates.
type Record struct {
	Status int
	Header http.Header
	// Body is the response body; for a stream, the whole event sequence as
	// it was sent.
	Body   []byte
	Stream bool
}
