package demo

import (
	"math"
	"slices"
	"sync"
	"time"
)

// tally is the workload's own count of what it saw, kept to check the
// gateway's /metrics against.
type tally struct {
	mu        sync.Mutex
	outcomes  map[string]int64
	attempts  int64
	cuts      int64 // streams that ended silently without their terminal event
	latencies []time.Duration
	answers   []answer // served answers, for the ledger check
	mix       mix
}

// answer is a served answer: its id and the target that served it.
type answer struct {
	id, target string
}

// mix counts the kinds of requests sent.
type mix struct {
	openai, anthropic, stream, schema, tools, rejected int64
}

func newTally() *tally { return &tally{outcomes: map[string]int64{}} }

func (t *tally) add(r result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.outcomes[r.outcome]++
	t.attempts += int64(r.attempts)
	t.latencies = append(t.latencies, r.latency)
	if r.cut {
		t.cuts++
	}
	if served(r.outcome) {
		t.answers = append(t.answers, answer{id: r.id, target: r.target})
	}
	m := &t.mix
	if r.spec.openai {
		m.openai++
	} else {
		m.anthropic++
	}
	if r.spec.stream {
		m.stream++
	}
	switch r.spec.shape {
	case routeSchema, ownSchema:
		m.schema++
	case withTools:
		m.tools++
	case rejectedByProvider:
		m.rejected++
	}
}

// counts is a snapshot of a tally's numbers.
type counts struct {
	requests  int64
	outcomes  map[string]int64
	attempts  int64
	cuts      int64
	p50, p99  time.Duration
	answers   []answer
	mix       mix
	latencies int
}

// snapshot copies the numbers; withDetail also sorts the latencies for
// the percentiles and copies the answers.
func (t *tally) snapshot(withDetail bool) counts {
	t.mu.Lock()
	c := counts{outcomes: make(map[string]int64, len(t.outcomes)), attempts: t.attempts, cuts: t.cuts, mix: t.mix}
	for k, v := range t.outcomes {
		c.outcomes[k] = v
		c.requests += v
	}
	var lat []time.Duration
	if withDetail {
		lat = slices.Clone(t.latencies)
		c.answers = slices.Clone(t.answers)
	}
	t.mu.Unlock()
	if withDetail {
		slices.Sort(lat)
		c.p50, c.p99 = percentile(lat, 0.50), percentile(lat, 0.99)
		c.latencies = len(lat)
	}
	return c
}

// served returns the number of served requests.
func (c counts) served() int64 {
	return c.outcomes[servedFirstTry] + c.outcomes[servedRetry] + c.outcomes[servedFallback]
}

// percentile returns the nearest-rank q-quantile of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
