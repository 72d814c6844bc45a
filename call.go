package lifeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/translate"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// errTotal is the cause of an attempt cancelled because the request
// reached its deadline.
var errTotal = fmt.Errorf("%w: request deadline reached", ErrDeadlineExceeded)

// maxCoolingPasses bounds how often a request waits for every target's
// cool-down to end and runs the chain again.
const maxCoolingPasses = 3

// call is the state of one request (immutable inputs and per-request
// counters) and its storage. A pooled call keeps its storage from one
// request to the next; nothing else in it outlives a request.
type call struct {
	requestState
	buf callBuffers

	// The upstream request's storage: a pooled call keeps it across
	// requests.
	up *upstreamCall
}

// requestState is what a call learns and decides during one request.
type requestState struct {
	e        *Engine
	r        *Route
	p        *Policy
	req      *Request
	fields   wire.Fields
	plan     *validate.Plan
	buffer   bool // hold streams until they validate
	key      string
	start    time.Time
	deadline time.Time       // the earliest of every bound on the request
	ctx      context.Context // the caller's
	wd       *watchdog       // taken from the engine's pool at the first attempt

	attempts  []Attempt
	tried     []int       // attempts made per target
	bodies    [][]byte    // upstream body per target, built once
	revisit   []time.Time // overloaded targets to retry when no other is left: not before then (zero: none)
	refused   []bool      // targets not to try again: they answered x-should-retry: false, or cannot take the request
	ready     []bool      // targets that may take a request at once, by their latest attempt or skip
	prevWait  time.Duration
	firstByte time.Duration

	// what decides the final error
	coolUntil    time.Time // earliest end of a cool-down or open breaker seen
	waitUntil    time.Time // earliest end of a cool-down seen in this pass: what a route with no target available waits for
	allCooling   bool      // no target of the last pass could take the request: each was cooling or its breaker open
	blocked      bool      // a wait was not started because of the deadline
	upstream     *Upstream // a rejected or too_large error to return if nothing serves
	untranslated error     // why a target could not take the request, when one could not
	lastClass    Class
	lastErr      error
	invalid      int  // attempts classed invalid
	skips        bool // a target was skipped (cooling, open, probing, no budget) before it answered
	finished     bool

	callerDeadline  bool   // the request's deadline is the caller's, earlier than timeouts.total
	clockUsed       bool   // start was taken as the first attempt's time
	untranslatables int    // targets that cannot take the request
	spare           []byte // free capacity for the first upstream body
	lent            bool   // an attempt's request may still be read by net/http (see upstreamCall)
}

// callBuffers is a call's storage for the common case (chains of up to
// four targets, a few attempts), so that a request allocates little.
type callBuffers struct {
	tried    [4]int
	bodies   [4][]byte
	revisit  [4]time.Time
	refused  [4]bool
	ready    [4]bool
	attempts [4]Attempt
	resp     Response
}

// Do runs req through route r: attempts, retries, waits and fallbacks, by
// the route's policy, until a target serves a valid answer or the policy
// says stop. A non-nil error is an *Error; when the caller cancels ctx it
// matches ErrCanceled and ctx's cause. When the request asked for a stream
// ("stream": true), the answer is in Response.Stream, which the caller must
// Close.
func (e *Engine) Do(ctx context.Context, r *Route, req *Request) (*Response, error) {
	switch {
	case r == nil || len(r.targets) == 0:
		return nil, badRequest("no route: Do needs the *Route that NewRoute returned")
	case e == nil || e.store == nil:
		return nil, badRequest("no engine: Do needs the *Engine that New returned")
	case req == nil:
		return nil, badRequest("no request")
	case req.Dialect != OpenAI && req.Dialect != Anthropic:
		return nil, badRequest("Request.Dialect is unset: lifeline.OpenAI or lifeline.Anthropic")
	}
	return e.do(ctx, r, req, &call{})
}

// do is Do with the call's storage supplied by the caller: zero, or
// cleared by release.
func (e *Engine) do(ctx context.Context, r *Route, req *Request, c *call) (*Response, error) {
	c.e, c.r, c.p, c.req, c.start, c.ctx = e, r, &r.policy, req, time.Now(), ctx
	if err := c.prepare(); err != nil {
		return nil, err
	}
	// Every bound counts on the monotonic clock from the start: a caller's
	// deadline given as a wall-clock time does too (see onClockOf).
	total := c.start.Add(c.p.Timeouts.Total)
	if !req.Arrived.IsZero() && req.Arrived.Before(c.start) {
		total = onClockOf(c.start, req.Arrived).Add(c.p.Timeouts.Total)
	}
	c.deadline = total
	if !req.Deadline.IsZero() && req.Deadline.Before(c.deadline) {
		c.deadline = onClockOf(c.start, req.Deadline)
	}
	if d, ok := ctx.Deadline(); ok && d.Before(c.deadline) {
		c.deadline = onClockOf(c.start, d)
	}
	c.callerDeadline = c.deadline.Before(total)
	resp, err := c.run()
	if resp == nil || resp.Stream == nil {
		c.finish(resp, err)
	}
	return resp, err
}

// prepare reads what routing and validation need from the body.
func (c *call) prepare() error {
	var f wire.Fields
	var err error
	if c.req.Fields != nil {
		f = *c.req.Fields
	} else if f, err = wire.Scan(c.req.Body); err != nil {
		return badRequest(err.Error())
	}
	if !f.HasMessages {
		return badRequest("the request has no messages: messages must be a non-empty array")
	}
	c.fields = f
	plan := c.r.validator.Fixed()
	if f.HasTools || f.HasSchema {
		if plan, err = c.r.validator.Plan(c.req.Dialect, c.req.Body); err != nil {
			return badRequest(err.Error())
		}
	}
	if !plan.Empty() {
		c.plan = plan
	}
	switch c.p.Stream {
	case StreamBuffer:
		c.buffer = true
	case StreamAuto:
		c.buffer = c.plan != nil && c.plan.Structured()
	}
	c.key = c.req.IdempotencyKey
	if c.key == "" {
		c.key = c.e.keys.next()
	}
	n := len(c.r.targets)
	if n <= len(c.buf.tried) {
		c.tried, c.bodies, c.revisit, c.refused, c.ready = c.buf.tried[:n], c.buf.bodies[:n], c.buf.revisit[:n], c.buf.refused[:n], c.buf.ready[:n]
	} else {
		c.tried, c.bodies, c.revisit, c.refused, c.ready = make([]int, n), make([][]byte, n), make([]time.Time, n), make([]bool, n), make([]bool, n)
	}
	c.attempts = c.buf.attempts[:0]
	return nil
}

// release clears a call that nothing refers to any more (the request
// ended, no stream is open) for reuse by do. Its buffers are cleared as
// far as the request used them: while the GC runs, clearing a pointer
// costs a write barrier.
func (c *call) release() {
	b := &c.buf
	clear(b.attempts[:min(len(c.attempts), len(b.attempts))])
	if n := len(c.tried); n <= len(b.tried) {
		clear(b.tried[:n])
		clear(b.bodies[:n])
		clear(b.revisit[:n])
		clear(b.refused[:n])
		clear(b.ready[:n])
	}
	b.resp = Response{}
	c.requestState = requestState{}
}

func badRequest(msg string) *Error {
	return &Error{Code: "invalid_request_error", Status: 400, Message: msg, kind: ErrBadRequest}
}

// run walks the chain, then revisits overloaded targets, then waits for
// cool-downs, until something serves or nothing is left.
func (c *call) run() (*Response, error) {
	for pass := 0; ; pass++ {
		c.allCooling = true
		for i := range c.r.targets {
			resp, stop := c.tryTarget(i, false)
			if resp != nil || stop != nil {
				return resp, stop
			}
		}
		// Overloaded targets: retried with backoff now that no other is left.
		for i := range c.r.targets {
			for !c.revisit[i].IsZero() && c.tried[i] < c.attemptLimit() {
				// Backoff, and never sooner than the target asked: an ask
				// beyond max_wait is not waited for.
				wait, asked := c.backoff(c.tried[i]), time.Until(c.revisit[i])
				c.revisit[i] = time.Time{}
				if asked > wait {
					var ok bool
					if wait, ok = c.hintedWait(asked); !ok {
						break
					}
				}
				if !c.sleep(wait) {
					break
				}
				resp, stop := c.tryTarget(i, true)
				if resp != nil || stop != nil {
					return resp, stop
				}
			}
		}
		// Every target is cooling, or has its breaker open while another
		// cools: wait for the earliest end of a cool-down and run the
		// chain again (wait instead of failing at once), when a
		// target has an attempt left. An open breaker alone is not
		// waited for: it fails fast. max_attempts holds across the waits
		// (docs/taxonomy.md): a target that used its attempts, said not to retry
		// it, or cannot take the request is not tried again, and with
		// none left the request fails at once, with the earliest reset
		// as its Retry-After.
		if !c.allCooling || c.waitUntil.IsZero() || pass >= maxCoolingPasses || !c.attemptLeft() {
			return nil, c.finalError()
		}
		// Jittered: a fleet of requests waiting for the same reset does not
		// wake as one.
		wait, ok := c.hintedWait(max(time.Until(c.waitUntil), 0))
		if !ok || !c.sleep(wait) {
			return nil, c.finalError()
		}
		c.coolUntil, c.waitUntil = time.Time{}, time.Time{}
	}
}

// attemptLimit is how many attempts a target may have: max_attempts.
func (c *call) attemptLimit() int { return c.p.Retry.MaxAttempts }

// attemptLeft reports whether a target may still be tried: it has had
// fewer than max_attempts, did not say not to retry it, and can take the
// request.
func (c *call) attemptLeft() bool {
	for i := range c.r.targets {
		if !c.refused[i] && c.tried[i] < c.attemptLimit() {
			return true
		}
	}
	return false
}

// tryTarget makes attempts on target i until it serves, the policy moves
// on (nil, nil), or the request must end (nil, err). last is set when no
// other target is left, so reroute acts as retry.
func (c *call) tryTarget(i int, last bool) (*Response, error) {
	t := &c.r.targets[i]
	if c.refused[i] {
		return nil, nil // x-should-retry: false, or it cannot take the request
	}
	if _, err := c.bodyFor(i); err != nil {
		c.untranslatable(i, err)
		return nil, nil
	}
	retrying := false // the loop came round to retry t
	for c.tried[i] < c.attemptLimit() {
		now := c.start
		if c.clockUsed {
			now = time.Now()
		}
		c.clockUsed = true
		if c.ctx.Err() != nil || !now.Before(c.deadline) {
			return nil, c.ctxError()
		}
		n := c.tried[i] + 1
		sctx, cancel := c.storeContext(now)
		tk, err := c.e.store.Admit(sctx, t.name, store.Admission{
			Now: now, Breaker: c.p.Breaker, Retry: n > 1, Budget: c.p.Retry.Budget,
		})
		cancel()
		if err != nil {
			if c.expired() {
				return nil, c.ctxError() // the deadline cut the store's call
			}
			c.storeFailed(t.name, err)
			tk = store.Ticket{Breaker: breaker.Ticket{Allowed: true}}
		}
		if c.e.storeBlock != 0 {
			// The call may have taken a while (a stalling Redis): the
			// attempt's bounds count from its end.
			now = time.Now()
		}
		c.breakerChanged(t.name, tk.Transition)
		if !tk.Allowed() {
			// A refused retry moves the request on as a refused first
			// attempt does.
			c.skipped(i, n, tk, n == 1 || retrying)
			return nil, nil
		}
		var res result
		c.attempt(i, n, now, &res)
		c.tried[i] = n
		if res.clientGone {
			c.report(t.name, tk, &res, breaker.Neutral)
			c.emitFinished(t.name, n, &res, 0)
			return nil, c.ctxError()
		}
		if s := res.stream; s != nil {
			s.ticket = tk
			s.reported = s.complete
		}
		if res.stream == nil || res.stream.complete {
			o := outcomeOf(res.class)
			if res.callerCut {
				o = breaker.Neutral
			}
			if tr := c.report(t.name, tk, &res, o); tr.To == breaker.Open && tr.Changed() {
				c.opened(i)
			}
		}
		if res.class == classify.OK {
			return c.served(i, &res), nil
		}
		c.allCooling = c.allCooling && res.class == classify.Wait
		act := c.p.Actions.For(res.class)
		if res.retry == classify.RetryFalse {
			c.refused[i] = true
			if act == Retry || act == Wait || act == Reroute {
				act = Next
			}
		}
		// x-should-retry: true makes any failure but rejected retryable on the same
		// target, whatever the route's action for its class.
		if res.retry == classify.RetryTrue && res.class != classify.Rejected {
			if act != Wait {
				act = Retry
			}
		}
		if last && act == Reroute {
			act = Retry
		}
		var wait time.Duration
		switch act {
		case Stop:
			c.emitFinished(t.name, n, &res, 0)
			return nil, c.stopError(&res)
		case Reroute:
			c.revisit[i] = res.end
			if res.hasHint {
				c.revisit[i] = res.end.Add(res.hint) // jittered when waited for
			}
		case Retry:
			wait = c.backoff(n)
			if res.hasHint {
				// The provider said when to come back: never sooner.
				if hinted, ok := c.hintedWait(res.hint); ok {
					wait = min(max(wait, hinted), c.p.Retry.MaxWait)
				} else {
					act, wait = Next, 0
				}
			} else if res.class == classify.Wait {
				wait = max(wait, c.unhintedWait())
			}
		case Wait:
			ok := true
			if res.hasHint {
				wait, ok = c.hintedWait(res.hint)
			} else {
				wait = max(c.backoff(n), c.unhintedWait())
				ok = wait <= c.p.Retry.MaxWait
			}
			if !ok {
				act = Next
				wait = 0
			}
		}
		retrying = (act == Retry || act == Wait) && n < c.attemptLimit()
		if retrying && !c.fits(wait) {
			c.blocked = true
			retrying = false
		}
		var refusal store.Ticket
		if retrying && wait > 0 {
			if refusal = c.refusedAfter(t.name, wait); !refusal.Allowed() {
				retrying = false
			}
		}
		if !retrying {
			wait = 0
		}
		c.attempts[len(c.attempts)-1].Wait = wait
		c.emitFinished(t.name, n, &res, wait)
		if !refusal.Allowed() {
			c.skipped(i, n+1, refusal, true)
			return nil, nil
		}
		if !retrying {
			c.fallback(i, res.class.String())
			return nil, nil
		}
		if !c.sleep(wait) {
			return nil, c.ctxError()
		}
	}
	return nil, nil
}

// storeContext returns the context of a state store call made at now, and
// its cancel: the caller's context, or, when the store may block past the
// request's deadline, one that ends at the deadline.
func (c *call) storeContext(now time.Time) (context.Context, context.CancelFunc) {
	if b := c.e.storeBlock; b == 0 || b > 0 && now.Add(b).Before(c.deadline) {
		return c.ctx, noCancel
	}
	return context.WithDeadline(c.ctx, c.deadline)
}

// noCancel is the cancel of a context that needs none.
func noCancel() {}

// refusedAfter foresees whether the store would refuse a retry of target
// after wait: an empty retry budget, a breaker still open or a cool-down
// still running then. Such a wait is not started: the request moves on at
// once instead of learning it after the wait. Admit stays the judge of a
// retry that is foreseen to pass; a store error foresees nothing.
func (c *call) refusedAfter(target string, wait time.Duration) store.Ticket {
	now := time.Now()
	at := now.Add(wait)
	sctx, cancel := c.storeContext(now)
	st, err := c.e.store.Status(sctx, target, store.StatusQuery{Now: at, Breaker: c.p.Breaker, Budget: c.p.Retry.Budget})
	cancel()
	// In Admit's order: a cool-down, then the breaker, then the budget.
	switch {
	case err != nil:
		c.storeFailed(target, err)
		return store.Ticket{}
	case st.CoolingUntil.After(at):
		return store.Ticket{Reason: store.Cooling, Until: st.CoolingUntil, CoolReason: st.CoolReason}
	case st.State == breaker.Open:
		return store.Ticket{Reason: store.Open, Until: st.OpenUntil}
	case !budget.Covers(st.BudgetTokens):
		return store.Ticket{Reason: store.NoBudget}
	}
	return store.Ticket{}
}

// fits reports whether a wait would end before the request's deadline.
func (c *call) fits(wait time.Duration) bool {
	return !time.Now().Add(wait).After(c.deadline)
}

// sleep waits for d unless the request ends first. It never starts a wait
// that would overrun the deadline.
func (c *call) sleep(d time.Duration) bool {
	if !c.fits(d) {
		c.blocked = true
		return false
	}
	if d <= 0 {
		return !c.expired()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// backoff returns the jittered wait before retry n.
func (c *call) backoff(n int) time.Duration {
	w := c.p.Retry.Backoff.Delay(n, c.prevWait, c.e.rand)
	c.prevWait = w
	return w
}

// unhintedWait is the least wait before retrying a target that answered
// a rate limit without a hint. The target then cools down for the
// backoff's base (see coolDown), which stands for the hint: a shorter wait
// would find it cooling and skip the retry it waited for.
func (c *call) unhintedWait() time.Duration {
	base := c.p.Retry.Backoff.Base
	return base + c.hintJitter(base)
}

// hintedWait is the wait that honours a provider's hint: the hint and a
// little jitter, never less than the hint and never more than max_wait. It
// is false when the hint itself is longer than max_wait: not waited for.
//
// Whether the wait fits the deadline is the hint's to decide, not the
// jitter's: when the hint ends before the deadline, the jitter takes at
// most half the time left after it, so the retry keeps the other half. A
// hint that ends after the deadline is returned as it is, for the caller
// to refuse.
func (c *call) hintedWait(hint time.Duration) (time.Duration, bool) {
	if hint > c.p.Retry.MaxWait {
		return 0, false
	}
	j := c.hintJitter(hint)
	if slack := time.Until(c.deadline) - hint; slack >= 0 && j > slack/2 {
		j = slack / 2
	}
	return min(hint+j, c.p.Retry.MaxWait), true
}

// hintJitter spreads waits that follow the same hint, so a fleet does not
// wake as one: up to 10% of the hint, at most one second.
func (c *call) hintJitter(hint time.Duration) time.Duration {
	j := hint / 10
	if j > time.Second {
		j = time.Second
	}
	return time.Duration(c.e.rand() * float64(j))
}

func outcomeOf(cl Class) breaker.Outcome {
	switch {
	case cl == classify.OK:
		return breaker.Success
	case cl.Failure():
		return breaker.Failure
	}
	return breaker.Neutral
}

// reportGrace bounds the report of an attempt after its request ended.
const reportGrace = 100 * time.Millisecond

// report records an attempt's result in the store: the breaker outcome,
// cool-downs from hints, quotas and spent limits, and the budget deposit.
// It returns the breaker's change (none when the store failed).
func (c *call) report(name string, tk store.Ticket, res *result, o breaker.Outcome) breaker.Transition {
	now := res.end
	if now.IsZero() {
		now = time.Now()
	}
	rep := store.Report{
		Now: now, Ticket: tk, Breaker: c.p.Breaker, Outcome: o,
		First: res.n == 1, Budget: c.p.Retry.Budget,
	}
	rep.CoolUntil, rep.CoolReason = c.coolDown(res, now)
	var ctx context.Context
	var cancel context.CancelFunc
	if c.ctx.Err() != nil || !now.Before(c.deadline) {
		// The request ended; the store must still learn the outcome, within
		// a grace that a store answering at all meets easily. One that
		// stalls loses it (a probe's lease recovers the slot) rather than
		// hold the answer past the deadline.
		ctx, cancel = context.WithTimeout(context.WithoutCancel(c.ctx), reportGrace)
	} else {
		ctx, cancel = c.storeContext(now)
	}
	tr, err := c.e.store.Report(ctx, name, rep)
	cancel()
	if err != nil {
		c.storeFailed(name, err)
		return breaker.Transition{}
	}
	c.breakerChanged(name, tr)
	return tr
}

// opened notes when target i, whose breaker this request's attempt just
// opened, may take requests again: the final error's Retry-After counts
// it, as it counts the breaker of a target skipped as open. Only a trip
// costs the store's read; a store error leaves the end unknown.
func (c *call) opened(i int) {
	now := time.Now()
	ctx, cancel := c.storeContext(now)
	st, err := c.e.store.Status(ctx, c.r.targets[i].name, store.StatusQuery{Now: now, Breaker: c.p.Breaker, Budget: c.p.Retry.Budget})
	cancel()
	if err != nil || st.State != breaker.Open {
		return
	}
	c.ready[i] = false
	c.noteCoolUntil(st.OpenUntil, now)
}

// coolDown returns the cool-down an attempt that ended at now starts on
// its target, and its reason; zero when none.
func (c *call) coolDown(res *result, now time.Time) (time.Time, string) {
	switch {
	case res.class == classify.Exhausted && res.retry != classify.RetryTrue:
		// (x-should-retry: true says the target may be retried: it is
		// not marked unavailable.)
		return now.Add(c.p.QuotaCooldown), "quota"
	case res.class == classify.Wait:
		hint := res.hint
		if !res.hasHint {
			hint = c.p.Retry.Backoff.Base
		}
		return now.Add(hint), "rate_limited"
	case !res.spentUntil.IsZero():
		return res.spentUntil, "pacing"
	}
	return time.Time{}, ""
}

// served builds the Response of a successful attempt.
func (c *call) served(i int, res *result) *Response {
	t := &c.r.targets[i]
	if res.stream == nil || res.stream.reported {
		// A stream still under way reports its attempt when it ends.
		c.emitFinished(t.name, res.n, res, 0)
	}
	resp := &c.buf.resp
	*resp = Response{
		Status: res.status, Header: res.header, Body: res.body, Stream: res.stream,
		Target: t.name, Attempts: c.attempts, IdempotencyKey: c.key, target: i,
	}
	if res.stream != nil {
		res.stream.resp = resp
	}
	return resp
}

// finish ends the request: releases its context and reports it.
func (c *call) finish(resp *Response, err error) {
	if c.finished {
		return
	}
	c.finished = true
	if c.wd != nil {
		c.wd.stop()
		c.e.watchdogs.Put(c.wd)
		c.wd = nil
	}
	if c.e.observer == nil {
		return
	}
	ev := Event{Kind: RequestFinished, Time: time.Now(), RequestID: c.req.ID, Route: c.r.name, Duration: time.Since(c.start),
		Attempts: len(c.attempts), Stream: c.fields.Stream, FirstToken: c.firstByte}
	if resp != nil {
		ev.Class, ev.Status, ev.Target = classify.OK, resp.Status, resp.Target
		if s := resp.Stream; s != nil && s.err != nil {
			ev.Class, ev.Err = classify.BrokenStream, s.err
		} else if s != nil && s.canceled {
			ev.Class, ev.Reason, ev.Err = 0, ReasonCanceled, context.Canceled
		}
	} else {
		var le *Error
		if errors.As(err, &le) {
			// The observer's copy, with attempts of its own: the
			// Transport reuses the call's storage once the request ends.
			own := *le
			own.Attempts = slices.Clone(le.Attempts)
			err = &own
		}
		if le != nil && le.kind != ErrCanceled {
			ev.Status, ev.Reason, ev.Err, ev.Class = le.Status, le.Code, err, c.lastClass
		} else {
			ev.Reason, ev.Err = ReasonCanceled, err
		}
	}
	c.e.observer(ev)
}

func (c *call) emit(ev Event) {
	if c.e.observer != nil {
		ev.Time = time.Now()
		ev.RequestID = c.req.ID
		ev.Route = c.r.name
		ev.Stream = c.fields.Stream
		c.e.observer(ev)
	}
}

func (c *call) emitFinished(target string, n int, res *result, wait time.Duration) {
	if c.e.observer != nil {
		ev := Event{Kind: AttemptFinished, Target: target, Attempt: n, Class: res.class,
			Status: res.status, Wait: wait, Duration: res.dur, Err: res.err}
		if res.clientGone {
			// No class: the caller's cancel says nothing of the target.
			ev.Class, ev.Reason = 0, ReasonCanceled
		}
		c.emit(ev)
	}
	if res.fail != nil {
		c.emit(Event{Kind: ValidationFailed, Target: target, Attempt: n, Class: classify.Invalid,
			Validator: res.fail.Validator, Err: res.fail})
	}
	if res.class == classify.Auth && c.e.authLog.allow(target, time.Now()) {
		c.e.log.Error("provider refused lifeline's credentials", "target", target, "status", res.status,
			"message", res.up.Message)
	}
}

// fallback reports that the request moves on from target i; from the
// chain's last target there is nothing to move on to, and a request whose
// deadline passed or whose caller left goes nowhere: nothing to report.
func (c *call) fallback(i int, reason string) {
	if i+1 < len(c.r.targets) && c.ctx.Err() == nil && time.Now().Before(c.deadline) {
		c.emit(Event{Kind: FallbackTaken, Target: c.r.targets[i].name, Reason: reason})
	}
}

func (c *call) skipped(i, n int, tk store.Ticket, moving bool) {
	target, reason := c.r.targets[i].name, tk.Reason.String()
	if c.tried[i] == 0 {
		c.skips = true // a target that never answered in this request
	}
	switch tk.Reason {
	case store.NoBudget:
		c.emit(Event{Kind: BudgetExhausted, Target: target, Attempt: n})
		c.allCooling = false
		c.ready[i] = true // a first attempt would be admitted
	case store.Probing:
		// The probes out may end at any moment: their lease says nothing
		// of when.
		c.ready[i] = true
	default:
		c.ready[i] = false
		now := time.Now()
		c.noteCoolUntil(tk.Until, now)
		if tk.Reason == store.Cooling {
			c.waitUntil = earliest(c.waitUntil, tk.Until, now)
		}
	}
	if tk.Reason != store.Cooling && tk.Reason != store.Open {
		c.allCooling = false
	}
	c.emit(Event{Kind: TargetSkipped, Target: target, Attempt: n, Reason: reason})
	if moving || tk.Reason == store.NoBudget {
		c.fallback(i, reason)
	}
}

// untranslatable notes that target i cannot take the request in its
// dialect: it is skipped without an attempt, and never tried again. When
// no target makes an attempt, the request fails as a bad request with err.
func (c *call) untranslatable(i int, err error) {
	t := &c.r.targets[i]
	// Not a candidate: it changes nothing of what the other targets decide
	// (allCooling included).
	c.refused[i] = true
	c.untranslatables++
	if c.untranslated == nil {
		c.untranslated = fmt.Errorf("request cannot be translated for %s: %w", t.name, err)
	}
	c.emit(Event{Kind: TargetSkipped, Target: t.name, Attempt: 1, Reason: "untranslatable", Err: err})
	c.fallback(i, "untranslatable")
}

func (c *call) breakerChanged(target string, tr breaker.Transition) {
	if tr.Changed() {
		c.emit(Event{Kind: BreakerChanged, Target: target, From: tr.From, To: tr.To})
	}
}

func (c *call) storeFailed(target string, err error) {
	c.emit(Event{Kind: StoreFailed, Target: target, Err: err})
}

// expired reports whether the request must end: its deadline passed or
// the caller's context ended.
func (c *call) expired() bool {
	return c.ctx.Err() != nil || !time.Now().Before(c.deadline)
}

// ctxError is the error of a request that expired: a deadline error, or
// the caller's context error when the caller went away.
func (c *call) ctxError() error {
	if cause := c.callerCause(); cause != nil {
		// What was attempted is kept, and the cause stays what errors.Is
		// finds.
		return canceledError(cause, c.attempts)
	}
	err := context.Cause(c.ctx)
	if err == nil {
		err = errTotal
	}
	return c.newError(ErrDeadlineExceeded, "deadline_exceeded", 504, "the request's deadline was reached", err)
}

// callerCause returns why the caller cancelled the request: nil while it
// has not, and when its context reached its deadline. ctx.Err tells the
// two apart even when the deadline came with its own cause
// (context.WithTimeoutCause).
func (c *call) callerCause() error {
	if errors.Is(c.ctx.Err(), context.DeadlineExceeded) {
		return nil
	}
	return context.Cause(c.ctx)
}

// stopError is the error of a class whose action is stop.
func (c *call) stopError(res *result) error {
	c.lastClass = res.class
	if status := errorStatus(res); status >= 400 {
		e := c.newError(ErrRejected, res.up.Type, status, res.up.Message, res.err)
		if e.Code == "" {
			e.Code = "invalid_request_error"
		}
		e.Upstream = c.upstreamError(res)
		return e
	}
	if res.class == classify.Invalid {
		return c.newError(ErrInvalidOutput, "invalid_output", 502, "the answer failed validation and the route says stop", res.err)
	}
	return c.newError(ErrUpstreamUnavailable, "upstream_unavailable", 503, res.class.String()+" answer and the route says stop", res.err)
}

// finalError is the error of a request that nothing served.
func (c *call) finalError() error {
	if c.expired() || c.blocked {
		return c.ctxErrorOrBlocked()
	}
	if c.upstream != nil && (c.lastClass == classify.TooLarge && !c.skips || c.lastClass == classify.Rejected) {
		// The last target refused the request itself (a route that moves on
		// from rejected requests): its error is the answer. Not a size no
		// target took while a target was skipped (cooling, its breaker
		// open): that one may take it later, which a 503 says.
		msg := "no target could take the request's size"
		if c.lastClass == classify.Rejected {
			msg = "every target rejected the request"
		}
		e := c.newError(ErrRejected, "invalid_request_error", c.upstream.Status, msg, c.lastErr)
		e.Upstream = c.upstream
		return e
	}
	if c.untranslatables == len(c.r.targets) {
		return &Error{Code: "invalid_request_error", Status: 400, Message: c.untranslated.Error(),
			kind: ErrBadRequest, cause: c.untranslated}
	}
	if c.invalid > 0 && c.invalid == len(c.attempts) && !c.skips {
		// Only when every target answered: a target skipped as cooling or
		// open may serve later, which is a 503's to say.
		return c.newError(ErrInvalidOutput, "invalid_output", 502, "every target returned invalid output", c.lastErr)
	}
	msg := "every target failed"
	if len(c.attempts) == 0 {
		msg = "every target is unavailable (breaker open or cooling down)"
	}
	e := c.newError(ErrUpstreamUnavailable, "upstream_unavailable", 503, msg, c.lastErr)
	// Retry-After says when the earliest target may take requests again:
	// not known when one may do so at once.
	if !c.coolUntil.IsZero() && !slices.Contains(c.ready, true) {
		if d := time.Until(c.coolUntil); d > 0 {
			e.RetryAfter = d
		}
	}
	return e
}

// translateOptions are the options of this request's translations: the
// engine's logger only when it records debug records (what translation
// drops is reported at that level, and is not worked out otherwise), and
// the engine's bound of a held-back answer.
func (c *call) translateOptions() translate.Options {
	o := translate.Options{HoldLimit: c.e.maxResponse}
	if c.e.log.Enabled(c.ctx, slog.LevelDebug) {
		o.Log = c.e.log
	}
	return o
}

// deadlineCause makes the cause of an attempt cut at the deadline of the
// caller's context match both ErrDeadlineExceeded and
// context.DeadlineExceeded, whichever of the watchdog (errTotal) and the
// context saw the deadline first; any other cause is returned as it is.
func (c *call) deadlineCause(cause error) error {
	if !pastDeadline(c.ctx) {
		return cause
	}
	if !errors.Is(cause, ErrDeadlineExceeded) {
		cause = fmt.Errorf("%w: %w", errTotal, cause)
	}
	if !errors.Is(cause, context.DeadlineExceeded) {
		cause = fmt.Errorf("%w: %w", cause, context.DeadlineExceeded)
	}
	return cause
}

// pastDeadline reports whether ctx has a deadline that has passed, even if
// ctx has not noticed yet: the engine's watchdog may see the same instant
// first.
func pastDeadline(ctx context.Context) bool {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

func (c *call) ctxErrorOrBlocked() error {
	if c.expired() {
		return c.ctxError()
	}
	return c.newError(ErrDeadlineExceeded, "deadline_exceeded", 504,
		"the next wait would overrun the request's deadline", c.lastErr)
}

func (c *call) newError(kind error, code string, status int, msg string, cause error) *Error {
	return &Error{Code: code, Status: status, Message: msg, Attempts: c.attempts, kind: kind, cause: cause}
}

// bodyFor returns the upstream body for target i, built once per request.
func (c *call) bodyFor(i int) ([]byte, error) {
	if b := c.bodies[i]; b != nil {
		return b, nil
	}
	t := &c.r.targets[i]
	var b []byte
	var err error
	if t.Provider.Kind == c.req.Dialect {
		if c.spare != nil {
			b = wire.AppendSetModel(c.spare, c.req.Body, c.fields, t.Model)
			c.spare = nil
		} else {
			b = wire.SetModel(c.req.Body, c.fields, t.Model)
		}
	} else {
		b, err = c.translateOptions().Request(c.req.Dialect, t.Provider.Kind, c.req.Body, t.Model)
	}
	c.bodies[i] = b
	return b, err
}
