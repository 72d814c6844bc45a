package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifelinehq/lifeline/internal/cli"
	"github.com/lifelinehq/lifeline/mock"
)

// drainGrace bounds how long requests still in flight when the duration
// ends may run before they are cancelled. It is above the demo
// configuration's timeouts.total, so normally every request ends on its own.
const drainGrace = 35 * time.Second

// options are the settings of one demo run.
type options struct {
	duration    time.Duration
	concurrency int
	seed        uint64
	listen      string
	every       time.Duration // progress interval
	terminal    bool          // rewrite the progress line in place
	// drained, when set, is called once the workload has ended and the
	// gateway is idle, before anything is shut down.
	drained func(base string, p *Providers)
}

// report is what a run found.
type report struct {
	base        string
	elapsed     time.Duration
	interrupted bool
	summary     summary     // from /metrics
	client      counts      // the workload's own count
	ledger      ledgerCheck // served answers against the providers' ledgers
	mismatches  []string    // where the workload's count and /metrics differ
}

// run starts the demo providers and gateway, runs the workload for the
// duration (or until ctx ends), prints progress and the summary to out,
// and checks the result. A nil error means every check passed. Once force
// ends, nothing waits for the requests in flight: the gateway and the
// providers close their connections at once.
func run(ctx, force context.Context, o options, out, logw io.Writer) (*report, error) {
	defer cli.Announce(force, logw, "lifeline demo: second signal: stopping now, without waiting for the requests in flight")()
	p, err := start(o.seed, mock.Outage{}) // the workload schedules an outage of its own
	if err != nil {
		return nil, fmt.Errorf("starting the demo providers: %w", err)
	}
	defer p.shutdown(force)
	g, err := startGateway(ctx, p, o.listen, o.duration, logw)
	if err != nil {
		return nil, err
	}
	defer g.close(force)
	printHeader(out, o, g.base, g.outage)

	tr := &http.Transport{MaxIdleConnsPerHost: o.concurrency + 2, ResponseHeaderTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	t := newTally()
	start := time.Now()
	interrupted := drive(ctx, o, out, client, g, t)
	elapsed := time.Since(start)

	g.waitIdle(force, 5*time.Second)
	fams, err := scrape(context.WithoutCancel(ctx), client, g.base)
	if err != nil {
		return nil, err
	}
	if o.drained != nil {
		o.drained(g.base, p)
	}
	rep := &report{base: g.base, elapsed: elapsed, interrupted: interrupted, summary: summarize(fams), client: t.snapshot(true)}
	rep.ledger = checkLedgers(p, rep.client.answers)
	if !interrupted {
		rep.mismatches = compare(rep.client, &rep.summary, rep.ledger)
	}
	printReport(out, rep)
	switch {
	case rep.ledger.invalid > 0:
		return rep, fmt.Errorf("%d invalid answers were served as ok", rep.ledger.invalid)
	case rep.ledger.missing > 0:
		return rep, fmt.Errorf("%d served answers could not be found in the providers' ledgers", rep.ledger.missing)
	case len(rep.mismatches) > 0:
		return rep, errors.New("the workload's own count differs from /metrics")
	}
	return rep, nil
}

// drive runs the workers until the duration ends (then lets requests in
// flight finish) or ctx ends (then cancels them), printing progress. It
// reports whether ctx ended the run.
func drive(ctx context.Context, o options, out io.Writer, client *http.Client, g *liveGateway, t *tally) bool {
	start := time.Now()
	starting, stopStarting := context.WithTimeout(ctx, o.duration)
	defer stopStarting()
	requests, cancelRequests := context.WithCancel(ctx)
	defer cancelRequests()

	defer g.outage.schedule()()
	var wg sync.WaitGroup
	var task atomic.Uint64
	for i := range o.concurrency {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(o.seed, uint64(i)))
			for starting.Err() == nil {
				s := drawSpec(r, task.Add(1))
				res := send(requests, client, g.base, g.first[s.route()], s)
				t.add(res)
				if res.outcome == outUnavailable {
					pause(starting, agentPause(res.retryIn))
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	pr := &progress{out: out, terminal: o.terminal, total: o.duration, client: client, base: g.base, t: t, outage: g.outage}
	defer func() { pr.show(ctx, time.Since(start)); pr.end() }()
	tick := time.NewTicker(o.every)
	defer tick.Stop()
	drain := time.NewTimer(drainGrace)
	drain.Stop()
	defer drain.Stop()
	stopped := starting.Done()
	for {
		select {
		case <-done:
			return ctx.Err() != nil
		case <-tick.C:
			// Off a terminal, the line for the run's last second is left to
			// the final one, which follows once the requests in flight end.
			if elapsed := time.Since(start); o.terminal || elapsed < o.duration.Truncate(time.Second) {
				pr.show(ctx, elapsed)
			}
		case <-stopped:
			stopped = nil
			drain.Reset(drainGrace)
		case <-drain.C:
			cancelRequests()
		}
	}
}

// agentPause is how long an agent waits after a 503 upstream_unavailable:
// the Retry-After lifeline sent, at most maxAgentPause, else a short
// pause. Agents that retried at once would only spin while every target
// is open or cooling down.
func agentPause(retryAfter time.Duration) time.Duration {
	if retryAfter <= 0 {
		return 250 * time.Millisecond
	}
	return min(retryAfter, maxAgentPause)
}

// maxAgentPause caps an agent's wait after a 503.
const maxAgentPause = 2 * time.Second

// pause waits for d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// compare lists where the workload's own count differs from /metrics and
// from the providers' call count. All must agree exactly.
func compare(c counts, s *summary, l ledgerCheck) []string {
	var out []string
	check := func(what string, client, metrics int64) {
		if client != metrics {
			out = append(out, fmt.Sprintf("%s: the workload counted %d, /metrics says %d", what, client, metrics))
		}
	}
	check("requests", c.requests, s.requests)
	check("served first try", c.outcomes[servedFirstTry], s.firstTry)
	check("served after retry", c.outcomes[servedRetry], s.retry)
	check("served by fallback", c.outcomes[servedFallback], s.fallback)
	check("rejected", c.outcomes[outRejected], s.rejected)
	for _, o := range []string{outUnavailable, outInvalid, outDeadline, outBrokenStream, outCanceled, outError} {
		check(o, c.outcomes[o], s.other[o])
	}
	for o := range s.other {
		switch o {
		case outUnavailable, outInvalid, outDeadline, outBrokenStream, outCanceled, outError:
		default:
			check("outcome "+o, c.outcomes[o], s.other[o])
		}
	}
	check("upstream calls", c.attempts, s.attempts)
	if s.ok != s.firstTry+s.retry+s.fallback {
		out = append(out, fmt.Sprintf(`lifeline_requests_total{outcome="ok"} is %d but lifeline_served_total adds up to %d`,
			s.ok, s.firstTry+s.retry+s.fallback))
	}
	if s.attempted != s.requests {
		out = append(out, fmt.Sprintf("lifeline_request_attempts_count is %d but lifeline_requests_total is %d", s.attempted, s.requests))
	}
	if uint64(s.attempts) != l.calls {
		out = append(out, fmt.Sprintf("upstream calls: /metrics says %d, the providers received %d", s.attempts, l.calls))
	}
	if c.cuts > 0 {
		out = append(out, fmt.Sprintf("%d streams ended without their terminal event and without an error event", c.cuts))
	}
	return out
}
