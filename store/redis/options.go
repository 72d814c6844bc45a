package redis

import (
	"log/slog"
	"time"
)

// Defaults of the options.
const (
	DefaultPrefix = "lifeline:"
	// DefaultCacheTTL is how long a replica answers Admit from what it last
	// read of a target, without a round trip.
	DefaultCacheTTL = 250 * time.Millisecond
	// MaxCacheTTL caps WithCacheTTL: a change made by one replica must reach
	// the others within 500 ms.
	MaxCacheTTL = 500 * time.Millisecond
	// DefaultTimeout bounds each call to Redis; a call that takes longer
	// counts as an outage.
	DefaultTimeout = 500 * time.Millisecond
	// DefaultTargetTTL is how long a target's state outlives its last write.
	DefaultTargetTTL = 24 * time.Hour
	// DefaultAwaitPoll is how often Await re-reads a key while it waits, in
	// case a wake-up message was lost (for instance while the subscription
	// reconnected).
	DefaultAwaitPoll = time.Second
	// DefaultRecoverInterval is how often a degraded store probes Redis.
	DefaultRecoverInterval = 500 * time.Millisecond
	// DefaultClaimLease is how long an idempotency claim's in-flight marker
	// lives in Redis without a renewal. The store that holds the claim
	// renews it every third of that, up to the lease its caller asked for;
	// a claim whose owner died (or whose Claim call timed out, its reply
	// lost) frees its key within this time.
	DefaultClaimLease = 5 * time.Second
)

// Option configures a Store. A duration option given zero or less keeps
// its default, except WithCacheTTL, for which zero or less disables the
// cache.
type Option func(*config)

type config struct {
	prefix       string
	logger       *slog.Logger
	onChange     func(degraded bool, err error)
	cacheTTL     time.Duration
	timeout      time.Duration
	targetTTL    time.Duration
	awaitPoll    time.Duration
	recoverEvery time.Duration
	claimLease   time.Duration
	now          func() time.Time
}

func newConfig(opts []Option) config {
	c := config{
		prefix:       DefaultPrefix,
		cacheTTL:     DefaultCacheTTL,
		timeout:      DefaultTimeout,
		targetTTL:    DefaultTargetTTL,
		awaitPoll:    DefaultAwaitPoll,
		recoverEvery: DefaultRecoverInterval,
		claimLease:   DefaultClaimLease,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.cacheTTL = min(max(c.cacheTTL, 0), MaxCacheTTL)
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.targetTTL <= 0 {
		c.targetTTL = DefaultTargetTTL
	}
	if c.awaitPoll <= 0 {
		c.awaitPoll = DefaultAwaitPoll
	}
	if c.recoverEvery <= 0 {
		c.recoverEvery = DefaultRecoverInterval
	}
	if c.claimLease <= 0 {
		c.claimLease = DefaultClaimLease
	}
	return c
}

// WithPrefix sets the prefix of every key and channel the store uses
// (default "lifeline:"), so that several deployments can share a server.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithLogger sets the logger that reports outages and recoveries, one line
// per transition. Without it nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithStateChange sets a function called on every transition between
// shared and local state: degraded true with the error that caused it, or
// false (and a nil error) on recovery. Calls are serialized and made in
// transition order (the first may come from New, when Redis is unreachable
// at start); f must not block for long and must not call the store. The
// gateway uses it to count transitions and the time spent degraded.
func WithStateChange(f func(degraded bool, err error)) Option {
	return func(c *config) { c.onChange = f }
}

// WithCacheTTL sets how long Admit may answer from a target's last-read
// state without a round trip (default 250 ms; a longer d is cut to
// MaxCacheTTL, and zero or less disables the cache). It is the bound on how late this replica sees a
// breaker or cool-down change made by another.
func WithCacheTTL(d time.Duration) Option { return func(c *config) { c.cacheTTL = d } }

// WithTimeout bounds each call to Redis (default 500 ms). A call that times
// out while its caller's context is still live counts as an outage.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithTargetTTL sets how long a target's state is kept after its last
// write (default 24h). Keep it well above the breaker's max cool-down and
// window: a target whose state expired starts over closed, with a full
// retry budget.
func WithTargetTTL(d time.Duration) Option { return func(c *config) { c.targetTTL = d } }

// WithAwaitPoll sets how often Await re-reads a key it waits for
// (default 1s). Completions and releases wake waiters at once through
// pub/sub; the poll bounds the delay when a message is lost.
func WithAwaitPoll(d time.Duration) Option { return func(c *config) { c.awaitPoll = d } }

// WithRecoverInterval sets how often a degraded store probes Redis to find
// out that it is back (default 500 ms).
func WithRecoverInterval(d time.Duration) Option { return func(c *config) { c.recoverEvery = d } }

// WithClaimLease sets how long an idempotency claim lives in Redis between
// two renewals (default DefaultClaimLease). The store renews the claims it
// holds every third of it, never past the lease passed to Claim, and stops
// at Complete, Release or Close. A claim whose owner is gone (its process
// crashed, or its Claim call timed out and the script ran in Redis later)
// frees its key within d, so that duplicates waiting on it proceed. Keep d
// several times WithTimeout: a Redis stall longer than about two thirds of
// d lets a live owner's claim expire.
func WithClaimLease(d time.Duration) Option { return func(c *config) { c.claimLease = d } }

// WithNow sets the replica's clock (default time.Now, also for nil), which
// ages cached target state, stamps outages and is compared with the
// server's at start (see MaxClockSkew). Breakers, cool-downs and budgets
// use the times their callers pass instead. It is the memory store's
// WithNow.
func WithNow(now func() time.Time) Option { return func(c *config) { c.now = now } }
