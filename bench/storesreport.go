package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The markers around the generated part of the state-store section of the
// benchmarks page.
const (
	storesStart = "<!-- stores:start (written by go run ./bench -stores -docs) -->"
	storesEnd   = "<!-- stores:end -->"
)

// The comparison's output files, in the output directory and in
// bench/results.
const (
	storesMarkdown = "stores.md"
	storesJSON     = "stores.json"
)

// document renders the comparison: stores.md and stores.json.
func (r *storesReport) document() (document, error) {
	var md, js bytes.Buffer
	writeStoresMarkdown(&md, r)
	if err := writeJSON(&js, r); err != nil {
		return document{}, err
	}
	return document{
		files: []outFile{{storesMarkdown, md.Bytes()}, {storesJSON, js.Bytes()}},
		start: storesStart, end: storesEnd,
	}, nil
}

// rewriteStores renders the outputs of an earlier comparison from its
// stores.json.
func rewriteStores(f flags, stdout io.Writer) error {
	var r storesReport
	return rewriteFrom(f, &r, func() (document, error) {
		r.Checks = storesChecks(r.Scenarios)
		return r.document()
	}, stdout)
}

// writeStoresMarkdown writes the comparison's tables.
func writeStoresMarkdown(w io.Writer, r *storesReport) {
	fmt.Fprintf(w, "Run of %s on %s, %s, redis-server %s. `%s`\n\n", r.Date, r.Machine, r.Go, r.Redis, r.Command)
	fmt.Fprintf(w, "Each store ran %d interleaved round(s) of %gs per chain at %d requests per second after a %gs warm-up; figures aggregate every round.\n\n",
		r.Plan.Rounds, r.Plan.RoundSecond, r.Plan.Rate, r.Plan.Warmup)
	t := newTable(w, "**Latency and cost per request** (attempts: the gateway's upstream attempts per request, from its metrics; differences: Redis store − memory store, over all rounds and round by round; CPU of the gateway's process and of redis-server during the store's turns; script runs: EVALSHA and EVAL calls Redis served, per request):",
		"llrrrrrrrrrrrrr", "chain", "store", "requests", "errors", "attempts / req", "p50 ms", "p90 ms", "p99 ms", "max ms",
		"p50 − memory ms", "p99 − memory ms", "p50 − memory by round ms", "gateway CPU s / 1k req", "redis-server CPU s / 1k req", "Redis script runs / req")
	for _, s := range r.Scenarios {
		m := s.find(memoryStore)
		for _, x := range s.Stores {
			d50, d99, byRound := "—", "—", "—"
			if m != nil && x != m {
				d50, d99 = fmtMs(x.Latency.P50-m.Latency.P50), fmtMs(x.Latency.P99-m.Latency.P99)
				byRound = roundDiffs(x, m)
			}
			t.row(s.Name, x.System, fmt.Sprint(x.Requests), fmt.Sprint(x.Errors), fixed(x.Attempts, 2),
				fixed(x.Latency.P50, 3), fixed(x.Latency.P90, 3), fixed(x.Latency.P99, 3), fixed(x.Latency.Max, 3),
				d50, d99, byRound, cpuCell(&x.systemResult), fixed(x.RedisCPUPer1k, 3), fixed(x.ScriptsPerReq, 2))
		}
	}
	t.end()
	t = newTable(w, "**Redis commands** during the Redis store's turns (INFO commandstats, the runner's own INFO calls left out). Each EVALSHA or EVAL is one round trip; Redis also counts the commands its scripts run (GET, SET), which are not. µs per call is the server's time in the command, a script's including the commands it runs; neither the network nor the client is in it:",
		"llrrr", "chain", "command", "calls", "calls / req", "server µs / call")
	for _, s := range r.Scenarios {
		x := s.find(redisStore)
		if x == nil {
			continue
		}
		n := float64(x.Requests + x.Errors)
		for _, name := range slices.Sorted(maps.Keys(x.Commands)) {
			c := x.Commands[name]
			t.row(s.Name, strings.ToUpper(name), fmt.Sprint(c.Calls), fixed(ratio(float64(c.Calls), n), 3),
				fixed(ratio(float64(c.Usec), float64(c.Calls)), 1))
		}
	}
	t.end()
	t = newTable(w, "**The whole machine** during each store's turns: CPU seconds per 1k requests of each process; cores busy = the machine's busy CPU time (/proc/stat) over wall time; other = the share of that busy time the processes in this table did not use; both are floors, since /proc/stat samples busy time at clock ticks and misses short bursts of work; load = the highest 1-minute load average at the start of a turn:",
		"llrrrrrrr", "chain", "store", "load generator", "upstream", "gateway", "redis-server", "cores busy", "other", "load")
	for _, s := range r.Scenarios {
		for _, x := range s.Stores {
			machineRow(t, s.Name, &x.systemResult, x.RedisCPU)
		}
	}
	t.end()
	writeChecks(w, "**Bounds** (the Redis store in this run against the bounds the runner checks; target: the bound, met: whether this run stays within it):", r.Checks)
	var notes []string
	for _, s := range r.Scenarios {
		for _, x := range s.Stores {
			notes = append(notes, errorNotes(s.Name, x.System+" store", x.ErrorKinds)...)
			if x.StoreErrors > 0 {
				notes = append(notes, fmt.Sprintf("- %s, %s store: %s (lifeline_state_store_errors_total)", s.Name, x.System, plural(x.StoreErrors, "store error")))
			}
			if x.BreakerOpens > 0 {
				notes = append(notes, fmt.Sprintf("- %s, %s store: %s opened", s.Name, x.System, plural(x.BreakerOpens, "breaker")))
			}
		}
	}
	writeNotes(w, notes)
}

// roundDiffs lists x's p50 minus m's, round by round.
func roundDiffs(x, m *storeResult) string {
	var ds []string
	for _, a := range x.Rounds {
		for _, b := range m.Rounds {
			if a.Round == b.Round {
				ds = append(ds, fmtMs(a.Latency.P50-b.Latency.P50))
			}
		}
	}
	if len(ds) == 0 {
		return "—"
	}
	return strings.Join(ds, ", ")
}

// fmtMs writes a signed difference in milliseconds.
func fmtMs(d float64) string { return fmt.Sprintf("%+.3f", d) }

// plural writes n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
