package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
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

// writeStoresOutputs writes stores.md and stores.json into dir and the
// tables to stdout.
func writeStoresOutputs(dir string, r *storesReport, stdout io.Writer) error {
	var md, js bytes.Buffer
	writeStoresMarkdown(&md, r)
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	for name, b := range map[string][]byte{storesMarkdown: md.Bytes(), storesJSON: js.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout)
	stdout.Write(md.Bytes())
	fmt.Fprintf(stdout, "wrote %s/{%s,%s}\n", dir, storesMarkdown, storesJSON)
	return nil
}

// writeStoresMarkdown writes the comparison's tables.
func writeStoresMarkdown(w io.Writer, r *storesReport) {
	fmt.Fprintf(w, "Run of %s on %s, %s, redis-server %s. `%s`\n\n", r.Date, r.Machine, r.Go, r.Redis, r.Command)
	fmt.Fprintf(w, "Each store ran %d interleaved round(s) of %gs per chain at %d requests per second after a %gs warm-up; figures aggregate every round.\n\n",
		r.Plan.Rounds, r.Plan.RoundSecond, r.Plan.Rate, r.Plan.Warmup)
	fmt.Fprintln(w, "**Latency and cost per request** (attempts: the gateway's upstream attempts per request, from its metrics; differences: Redis store − memory store, over all rounds and round by round; CPU of the gateway's process and of redis-server during the store's turns; script runs: EVALSHA and EVAL calls Redis served, per request):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| chain | store | requests | errors | attempts / req | p50 ms | p90 ms | p99 ms | max ms | p50 − memory ms | p99 − memory ms | p50 − memory by round ms | gateway CPU s / 1k req | redis-server CPU s / 1k req | Redis script runs / req |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range r.Scenarios {
		m := s.find(memoryStore)
		for _, x := range s.Stores {
			d50, d99, byRound := "—", "—", "—"
			if m != nil && x != m {
				d50, d99 = fmtMs(x.Latency.P50-m.Latency.P50), fmtMs(x.Latency.P99-m.Latency.P99)
				byRound = roundDiffs(x, m)
			}
			fmt.Fprintf(w, "| %s | %s | %d | %d | %.2f | %.3f | %.3f | %.3f | %.3f | %s | %s | %s | %s | %.3f | %.2f |\n",
				s.Name, x.System, x.Requests, x.Errors, x.Attempts, x.Latency.P50, x.Latency.P90, x.Latency.P99, x.Latency.Max,
				d50, d99, byRound, cpuCell(&x.systemResult), x.RedisCPUPer1k, x.ScriptsPerReq)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "**Redis commands** during the Redis store's turns (INFO commandstats, the runner's own INFO calls left out). Each EVALSHA or EVAL is one round trip; Redis also counts the commands its scripts run (GET, SET), which are not. µs per call is the server's time in the command, a script's including the commands it runs; neither the network nor the client is in it:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| chain | command | calls | calls / req | server µs / call |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: |")
	for _, s := range r.Scenarios {
		x := s.find(redisStore)
		if x == nil {
			continue
		}
		n := float64(x.Requests + x.Errors)
		for _, name := range slices.Sorted(maps.Keys(x.Commands)) {
			c := x.Commands[name]
			fmt.Fprintf(w, "| %s | %s | %d | %.3f | %.1f |\n", s.Name, strings.ToUpper(name), c.Calls, ratio(float64(c.Calls), n),
				ratio(float64(c.Usec), float64(c.Calls)))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "**The whole machine** during each store's turns: CPU seconds per 1k requests of each process; cores busy = all the machine's CPU time over wall time; other = the share of it used by other work on the machine; load = the highest 1-minute load average at the start of a turn:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| chain | store | load generator | upstream | gateway | redis-server | cores busy | other | load |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range r.Scenarios {
		for _, x := range s.Stores {
			n := float64(x.Requests+x.Errors) / 1000
			if n == 0 || x.Seconds == 0 {
				continue
			}
			other := max(0, x.MachineCPU-x.ClientCPU-x.UpCPU-x.CPUSeconds-x.RedisCPU)
			fmt.Fprintf(w, "| %s | %s | %.3f | %.3f | %s | %.3f | %.2f | %.0f%% | %.1f |\n", s.Name, x.System,
				x.ClientCPU/n, x.UpCPU/n, cpuCell(&x.systemResult), x.RedisCPU/n,
				x.MachineCPU/x.Seconds, 100*ratio(other, x.MachineCPU), x.MaxLoadAvg)
		}
	}
	fmt.Fprintln(w)
	if len(r.Checks) > 0 {
		fmt.Fprintln(w, "**Targets** (this run):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| target | measured | met |")
		fmt.Fprintln(w, "| --- | ---: | :---: |")
		for _, c := range r.Checks {
			met := "yes"
			if !c.Pass {
				met = "**no**"
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", c.Target, c.Measured, met)
		}
		fmt.Fprintln(w)
	}
	var notes []string
	for _, s := range r.Scenarios {
		for _, x := range s.Stores {
			for _, k := range slices.Sorted(maps.Keys(x.ErrorKinds)) {
				notes = append(notes, fmt.Sprintf("- %s, %s store: %d × %s", s.Name, x.System, x.ErrorKinds[k], k))
			}
			if x.StoreErrors > 0 {
				notes = append(notes, fmt.Sprintf("- %s, %s store: %s (lifeline_state_store_errors_total)", s.Name, x.System, plural(x.StoreErrors, "store error")))
			}
			if x.BreakerOpens > 0 {
				notes = append(notes, fmt.Sprintf("- %s, %s store: %s opened", s.Name, x.System, plural(x.BreakerOpens, "breaker")))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "Errors seen:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(notes, "\n"))
		fmt.Fprintln(w)
	}
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

// rewriteStores renders the outputs of an earlier comparison from its
// stores.json.
func rewriteStores(f flags, stdout io.Writer) error {
	b, err := os.ReadFile(f.from)
	if err != nil {
		return err
	}
	var r storesReport
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", f.from, err)
	}
	r.Checks = storesChecks(r.Scenarios)
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = filepath.Join(root, "bench", "out")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeStoresOutputs(out, &r, stdout); err != nil {
		return err
	}
	if f.docs != "" {
		return publishStores(f.docs, out, filepath.Join(root, "bench", "results"))
	}
	return nil
}

// publishStores copies the comparison's outputs from out to dir and
// replaces the text between the state-store markers of the page at path
// with its tables.
func publishStores(path, out, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var res []byte
	for _, name := range []string{storesMarkdown, storesJSON} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
		if name == storesMarkdown {
			res = b
		}
	}
	page, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := splice(page, res, storesStart, storesEnd)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, updated, 0o644)
}
