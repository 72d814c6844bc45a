package fleet_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// phase is a span of the drill: requests that started in [from, to).
type phase struct {
	name     string
	from, to time.Time
}

// phaseFigures are what the requests of one phase measured.
type phaseFigures struct {
	phase
	requests int
	errors   int
	p50, p99 time.Duration
	max      time.Duration
}

// failed reports whether a result is a failed request: a transport error,
// a status other than 200, or a body that is not a chat completion.
func failed(r *vegeta.Result) bool {
	return r.Error != "" || r.Code != http.StatusOK || !strings.Contains(string(r.Body), `"chat.completion"`)
}

// figuresByPhase splits results by the phase their request started in.
func figuresByPhase(results []vegeta.Result, phases []phase) []phaseFigures {
	out := make([]phaseFigures, len(phases))
	lat := make([][]time.Duration, len(phases))
	for i, p := range phases {
		out[i].phase = p
	}
	for i := range results {
		r := &results[i]
		for j, p := range phases {
			if r.Timestamp.Before(p.from) || !r.Timestamp.Before(p.to) {
				continue
			}
			out[j].requests++
			if failed(r) {
				out[j].errors++
			}
			lat[j] = append(lat[j], r.Latency)
			break
		}
	}
	for i := range out {
		slices.Sort(lat[i])
		out[i].p50, out[i].p99 = quantile(lat[i], 0.50), quantile(lat[i], 0.99)
		if n := len(lat[i]); n > 0 {
			out[i].max = lat[i][n-1]
		}
	}
	return out
}

// quantile returns the q-quantile of sorted (nearest rank), 0 when empty.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// drillReport is the drill's figures, as printed.
type drillReport struct {
	rate            int
	wall            time.Duration
	results         int
	errors          int
	phases          []phaseFigures
	detect, recover []time.Duration // per replica
	shareAgain      time.Duration   // a breaker opened via A, seen by B
	localCalls      []uint64        // per replica: store calls served on local state
	transitions     []string        // per replica: "to degraded/to ok"
}

func (d drillReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Redis outage drill: 3 replicas, one redis-server, %d rps offered for %v\n", d.rate, d.wall.Round(time.Millisecond))
	fmt.Fprintf(&b, "requests %d, failed %d (achieved %.1f rps)\n", d.results, d.errors, float64(d.results)/d.wall.Seconds())
	fmt.Fprintf(&b, "%-40s %8s %7s %9s %9s %9s\n", "phase (by request start)", "requests", "failed", "p50", "p99", "max")
	for _, p := range d.phases {
		fmt.Fprintf(&b, "%-40s %8d %7d %9s %9s %9s\n", p.name, p.requests, p.errors,
			ms(p.p50), ms(p.p99), ms(p.max))
	}
	fmt.Fprintf(&b, "time to detect the outage (kill → degraded; 0: degraded already), per replica: %s\n", msList(d.detect))
	fmt.Fprintf(&b, "time to recover (restart begun → shared again, redis-server start-up included), per replica: %s\n", msList(d.recover))
	fmt.Fprintf(&b, "store transitions (to degraded/to ok), per replica: %s\n", strings.Join(d.transitions, " "))
	fmt.Fprintf(&b, "store calls served on local state, per replica: %v\n", d.localCalls)
	fmt.Fprintf(&b, "after recovery, a breaker opened via A was seen by B after %s\n", ms(d.shareAgain))
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func msList(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = ms(d)
	}
	return strings.Join(s, " / ")
}
