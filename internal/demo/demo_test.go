package demo

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDemoAccountsForEveryRequest runs the demo for 20 s as a user would
// (real listener, real HTTP) and checks its summary: every request is
// accounted for exactly once, the table equals the gateway's /metrics
// scraped independently at the end, the workload's own count agrees, and
// no invalid answer reached the workload as ok according to the mock
// providers' ledgers.
func TestDemoAccountsForEveryRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 20 s")
	}
	var metricsText string
	var providers *Providers
	o := options{
		duration: 20 * time.Second, concurrency: 8, seed: 20260101, listen: "127.0.0.1:0", every: 5 * time.Second,
		drained: func(base string, p *Providers) {
			providers = p
			metricsText = get(t, base+"/metrics")
		},
	}
	var out bytes.Buffer
	rep, err := run(context.Background(), context.Background(), o, &out, io.Discard)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if rep.interrupted {
		t.Fatal("the run reports an interruption nobody caused")
	}
	// Off a terminal, progress is one plain line per tick and the run's
	// final numbers are printed once.
	if n := strings.Count(out.String(), "[ 20s/20s]"); n != 1 {
		t.Errorf("the final progress line is printed %d times, want once", n)
	}

	// The table accounts for every request exactly once.
	s := &rep.summary
	var other int64
	for _, o := range []string{outUnavailable, outInvalid, outDeadline, outBrokenStream, outCanceled, outError} {
		other += s.other[o]
	}
	if got := s.firstTry + s.retry + s.fallback + s.rejected + other; got != s.requests || s.requests == 0 {
		t.Errorf("first try %d + retry %d + fallback %d + rejected %d + other %d = %d, want requests %d",
			s.firstTry, s.retry, s.fallback, s.rejected, other, got, s.requests)
	}
	if s.otherFailures() != other {
		t.Errorf("other failures %d hold outcomes outside the known set: %v", s.otherFailures(), s.other)
	}

	// The summary equals /metrics, scraped and parsed here on its own.
	m := parseExposition(t, metricsText)
	outcome := func(o string) func(map[string]string) bool {
		return func(l map[string]string) bool { return l["outcome"] == o }
	}
	how := func(h string) func(map[string]string) bool {
		return func(l map[string]string) bool { return l["how"] == h }
	}
	want := map[string]string{
		rowRequests: ftoa(m.sum("lifeline_requests_total", nil)),
		rowFirstTry: ftoa(m.sum("lifeline_served_total", how("first_try"))),
		rowRetry:    ftoa(m.sum("lifeline_served_total", how("retry"))),
		rowFallback: ftoa(m.sum("lifeline_served_total", how("fallback"))),
		rowRejected: ftoa(m.sum("lifeline_requests_total", outcome("rejected"))),
		rowOther: ftoa(m.sum("lifeline_requests_total", func(l map[string]string) bool {
			return l["outcome"] != "ok" && l["outcome"] != "rejected"
		})),
		rowInvalid: ftoa(m.sum("lifeline_validation_failures_total", nil)),
		rowCalls: strconv.FormatFloat(m.sum("lifeline_request_attempts_sum", nil)/
			m.sum("lifeline_request_attempts_count", nil), 'f', 2, 64),
		rowP50:   formatDuration(seconds(m.histogram("lifeline_request_duration_seconds").quantile(0.5))),
		rowP99:   formatDuration(seconds(m.histogram("lifeline_request_duration_seconds").quantile(0.99))),
		rowTrips: ftoa(m.sum("lifeline_breaker_transitions_total", func(l map[string]string) bool { return l["to"] == "open" })),
	}
	table := tableRows(out.String())
	for row, v := range want {
		if table[row] != v {
			t.Errorf("summary row %q = %q, /metrics says %q", row, table[row], v)
		}
	}
	if ok := m.sum("lifeline_requests_total", outcome("ok")); ok != float64(s.firstTry+s.retry+s.fallback) {
		t.Errorf(`lifeline_requests_total{outcome="ok"} = %v, served rows add up to %d`, ok, s.firstTry+s.retry+s.fallback)
	}

	// The workload's own count agrees with /metrics.
	c := rep.client
	if c.requests != s.requests || c.served() != s.firstTry+s.retry+s.fallback || c.attempts != s.attempts {
		t.Errorf("the workload saw %d requests, %d served, %d upstream calls; /metrics says %d, %d, %d",
			c.requests, c.served(), c.attempts, s.requests, s.firstTry+s.retry+s.fallback, s.attempts)
	}
	if len(rep.mismatches) > 0 {
		t.Errorf("mismatches: %v", rep.mismatches)
	}

	// No invalid answer was served as ok: look every served answer up in
	// the ledger of the provider that sent it.
	if providers == nil {
		t.Fatal("the drained hook never ran")
	}
	var invalid, missing int
	for _, a := range c.answers {
		srv := providers.Backup.Server
		if strings.HasPrefix(a.target, "demo-primary/") {
			srv = providers.Primary.Server
		}
		e, ok := srv.Lookup(a.id)
		switch {
		case !ok:
			missing++
		case !e.Valid:
			invalid++
			t.Errorf("answer %s from %s was served as ok; the ledger says it was invalid (fault %s)", a.id, a.target, e.Fault)
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d served answers are not in their provider's ledger", missing, len(c.answers))
	}
	if int64(len(c.answers)) != c.served() || rep.ledger.invalid != invalid {
		t.Errorf("the demo checked %d answers and found %d invalid; here %d and %d", rep.ledger.checked, rep.ledger.invalid, len(c.answers), invalid)
	}
	if !strings.Contains(out.String(), "invalid served as ok: 0 ") {
		t.Error(`the output does not say "invalid served as ok: 0"`)
	}

	// The run showed what the demo is for, with the workload's mix.
	for what, n := range map[string]int64{"first try": s.firstTry, "retry": s.retry, "fallback": s.fallback,
		"rejected": s.rejected, "invalid outputs caught": s.invalidCaught, "breaker trips": s.trips} {
		if n == 0 {
			t.Errorf("no %s in a 20 s run", what)
		}
	}
	share := func(n int64) float64 { return float64(n) / float64(c.requests) }
	for what, r := range map[string][3]float64{
		"OpenAI dialect":    {share(c.mix.openai), 0.35, 0.65},
		"Anthropic dialect": {share(c.mix.anthropic), 0.35, 0.65},
		"streaming":         {share(c.mix.stream), 0.22, 0.45},
		"JSON schema":       {share(c.mix.schema), 0.22, 0.45},
		"tools":             {share(c.mix.tools), 0.10, 0.30},
	} {
		if r[0] < r[1] || r[0] > r[2] {
			t.Errorf("%s share %.2f, want within [%.2f, %.2f]", what, r[0], r[1], r[2])
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}

func ftoa(v float64) string { return strconv.FormatInt(int64(v), 10) }

// tableRows reads the printed summary table back: row label → value.
func tableRows(out string) map[string]string {
	rows := map[string]string{}
	labels := []string{rowRequests, rowFirstTry, rowRetry, rowFallback, rowRejected, rowOther, rowInvalid,
		rowCalls, rowP50, rowP99, rowTrips}
	_, table, _ := strings.Cut(out, "Summary:")
	sc := bufio.NewScanner(strings.NewReader(table))
	for sc.Scan() {
		line := sc.Text()
		for _, l := range labels {
			if rest, ok := strings.CutPrefix(line, "  "+l+"  "); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					rows[l] = f[0]
				}
			}
		}
	}
	return rows
}

// exposition is a parsed Prometheus text exposition.
type exposition []sample

type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// parseExposition parses the text format line by line, independently of
// the demo's own parser.
func parseExposition(t *testing.T, text string) exposition {
	t.Helper()
	var out exposition
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unparsable metrics line %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		s := sample{name: m[1], labels: map[string]string{}, value: v}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			s.labels[p[1]] = p[2]
		}
		out = append(out, s)
	}
	return out
}

// sum adds the samples of a name whose labels pass keep (all when nil).
func (e exposition) sum(name string, keep func(map[string]string) bool) float64 {
	var v float64
	for _, s := range e {
		if s.name == name && (keep == nil || keep(s.labels)) {
			v += s.value
		}
	}
	return v
}

// histogram merges the buckets of a histogram over its label sets.
func (e exposition) histogram(name string) histogram {
	byBound := map[float64]float64{}
	var h histogram
	for _, s := range e {
		switch s.name {
		case name + "_bucket":
			if s.labels["le"] == "+Inf" {
				continue
			}
			ub, _ := strconv.ParseFloat(s.labels["le"], 64)
			byBound[ub] += s.value
		case name + "_count":
			h.count += s.value
		}
	}
	for ub := range byBound {
		h.bounds = append(h.bounds, ub)
	}
	slices.Sort(h.bounds)
	for _, ub := range h.bounds {
		h.cum = append(h.cum, byBound[ub])
	}
	return h
}
