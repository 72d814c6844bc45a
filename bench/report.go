package main

import (
	"bytes"
	"fmt"
	"io"
)

// report is one run: where, how and what it measured.
type report struct {
	origin
	Command   string            `json:"command"`
	Plan      planJSON          `json:"plan"`
	Scenarios []*scenarioResult `json:"scenarios"`
	Checks    []check           `json:"checks"`
}

// planJSON is the plan as recorded.
type planJSON struct {
	Rates       []int   `json:"rates"`
	Rounds      int     `json:"rounds"`
	RoundSecond float64 `json:"round_seconds"`
	Warmup      float64 `json:"warmup_seconds"`
	Streams     int     `json:"streams"`
	Events      int     `json:"events"`
	GapMillis   float64 `json:"gap_ms"`
	LogLevel    string  `json:"lifeline_log_level"`
}

// check is one of the bounds the runner holds a run to, against this run.
type check struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Pass     bool   `json:"pass"`
}

// Paths in the order they are shown; ratios are to proxy.
const (
	direct   = "direct"
	proxy    = "proxy"
	lifeline = "lifeline"
)

// checks evaluates the bounds on the scenarios that exist in this run.
func checks(scs []*scenarioResult) []check {
	var out []check
	rate := func(r int) *scenarioResult {
		for _, s := range scs {
			if s.Rate == r {
				return s
			}
		}
		return nil
	}
	if s := rate(4000); s != nil {
		l, p := s.find(lifeline), s.find(proxy)
		if l != nil && p != nil {
			out = append(out,
				check{"4k rps: 0 errors, ≥ 99% of the offered rate achieved",
					fmt.Sprintf("%d errors, %.0f rps", l.Errors, l.Achieved), l.Errors == 0 && l.Achieved >= 0.99*4000},
				ratioCheck("4k rps: p50 ≤ 1.2× proxy", l.Latency.P50, p.Latency.P50, 1.2),
				ratioCheck("4k rps: p99 ≤ 1.5× proxy", l.Latency.P99, p.Latency.P99, 1.5),
			)
			if l.Measured {
				out = append(out,
					check{"4k rps: peak RSS ≤ 40 MB", fmt.Sprintf("%.1f MB", mb(l.PeakRSS)), l.PeakRSS <= 40e6},
					ratioCheck("4k rps: CPU per 1k requests ≤ 1.3× proxy", l.CPUPer1k, p.CPUPer1k, 1.3),
				)
			}
		}
	}
	if s := rate(1000); s != nil {
		if l, p := s.find(lifeline), s.find(proxy); l != nil && p != nil {
			out = append(out, ratioCheck("1k rps: p50 ≤ 1.15× proxy", l.Latency.P50, p.Latency.P50, 1.15))
		}
	}
	for _, s := range scs {
		if s.Streams == 0 {
			continue
		}
		if l, p := s.find(lifeline), s.find(proxy); l != nil && p != nil {
			added := l.TTFB.P50 - p.TTFB.P50
			out = append(out, check{fmt.Sprintf("%d streams: TTFB p50 added ≤ 0.5 ms", s.Streams),
				fmt.Sprintf("%+.3f ms", added), added <= 0.5})
			out = append(out, check{fmt.Sprintf("%d streams: 0 errors", s.Streams),
				fmt.Sprintf("%d errors", l.Errors), l.Errors == 0})
		}
	}
	return out
}

func ratioCheck(name string, a, b, limit float64) check {
	r := ratio(a, b)
	return check{name, fmt.Sprintf("%.2f×", r), b > 0 && r <= limit}
}

func mb(b int64) float64 { return float64(b) / 1e6 }

// The markers around the generated part of the benchmarks page.
const (
	resultsStart = "<!-- results:start (written by go run ./bench -docs) -->"
	resultsEnd   = "<!-- results:end -->"
)

// document renders the run: results.md, results.json and latency.svg.
func (r *report) document() (document, error) {
	var md, js, svg bytes.Buffer
	writeMarkdown(&md, r)
	if err := writeJSON(&js, r); err != nil {
		return document{}, err
	}
	if err := writeSVG(&svg, r); err != nil {
		return document{}, err
	}
	return document{
		files: []outFile{{"results.md", md.Bytes()}, {"results.json", js.Bytes()}, {"latency.svg", svg.Bytes()}},
		start: resultsStart, end: resultsEnd,
	}, nil
}

// rewrite renders the outputs of an earlier run from its results.json:
// the tables, the chart and the checks come from the recorded numbers.
func rewrite(f flags, stdout io.Writer) error {
	var r report
	return rewriteFrom(f, &r, func() (document, error) {
		r.Checks = checks(r.Scenarios)
		return r.document()
	}, stdout)
}

// writeMarkdown writes the tables and the checks of the bounds.
func writeMarkdown(w io.Writer, r *report) {
	fmt.Fprintf(w, "Run of %s on %s, %s. `%s`\n\n", r.Date, r.Machine, r.Go, r.Command)
	fmt.Fprintf(w, "Each system ran %d interleaved round(s) of %gs per load after a %gs warm-up; figures aggregate every round.\n\n",
		r.Plan.Rounds, r.Plan.RoundSecond, r.Plan.Warmup)
	var rates, streams []*scenarioResult
	for _, s := range r.Scenarios {
		if s.Rate > 0 {
			rates = append(rates, s)
		} else {
			streams = append(streams, s)
		}
	}
	if len(rates) > 0 {
		t := newTable(w, "**Non-streaming** (latency of the whole request; achieved rps below the offered rate means the path fell behind and the load generator reached its bound of 1000 requests in flight; CPU and RSS of the proxy's process; ratios to the bare proxy):",
			"llrrrrrrrrrrrr", "load", "path", "requests", "achieved rps", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms",
			"p50 ÷ proxy", "p99 ÷ proxy", "CPU s / 1k req", "CPU ÷ proxy", "peak RSS MB")
		for _, s := range rates {
			p := s.find(proxy)
			for _, x := range s.Systems {
				t.row(s.Name, x.System, fmt.Sprint(x.Requests), fixed(x.Achieved, 0), fmt.Sprint(x.Errors),
					fixed(x.Latency.P50, 3), fixed(x.Latency.P90, 3), fixed(x.Latency.P99, 3), fixed(x.Latency.Max, 3),
					ratioCell(x, p, x.Latency.P50, p.Latency.P50), ratioCell(x, p, x.Latency.P99, p.Latency.P99),
					cpuCell(x), cpuRatioCell(x, p), rssCell(x))
			}
		}
		t.end()
	}
	if len(streams) > 0 {
		t := newTable(w, fmt.Sprintf("**Streaming** (%d events per stream, %g ms apart at the upstream; TTFB = time to the first body byte; CPU per 1k streams):",
			r.Plan.Events, r.Plan.GapMillis),
			"llrrrrrrrrrrrr", "load", "path", "streams", "errors", "TTFB p50 ms", "TTFB p90 ms", "TTFB p99 ms", "TTFB max ms",
			"TTFB p50 − proxy ms", "stream p50 ms", "stream p99 ms", "CPU s / 1k streams", "CPU ÷ proxy", "peak RSS MB")
		for _, s := range streams {
			p := s.find(proxy)
			for _, x := range s.Systems {
				added := "—"
				if p != nil && x != p {
					added = fmtMs(x.TTFB.P50 - p.TTFB.P50)
				}
				t.row(s.Name, x.System, fmt.Sprint(x.Requests), fmt.Sprint(x.Errors),
					fixed(x.TTFB.P50, 3), fixed(x.TTFB.P90, 3), fixed(x.TTFB.P99, 3), fixed(x.TTFB.Max, 3), added,
					fixed(x.Latency.P50, 3), fixed(x.Latency.P99, 3), cpuCell(x), cpuRatioCell(x, p), rssCell(x))
			}
		}
		t.end()
	}
	t := newTable(w, "**The whole machine** during each path's turns: CPU seconds per 1k requests (or streams) of each process; cores busy = the machine's busy CPU time (/proc/stat) over wall time (2 cores); other = the share of that busy time the processes in this table did not use; both are floors, since /proc/stat samples busy time at clock ticks and misses short bursts of work; load = the highest 1-minute load average at the start of a turn:",
		"llrrrrrr", "load", "path", "load generator", "upstream", "proxy", "cores busy", "other", "load")
	for _, s := range r.Scenarios {
		for _, x := range s.Systems {
			machineRow(t, s.Name, x)
		}
	}
	t.end()
	writeChecks(w, "**Bounds** (lifeline in this run against the bounds the runner checks; target: the bound, met: whether this run stays within it):", r.Checks)
	var notes []string
	for _, s := range r.Scenarios {
		for _, x := range s.Systems {
			notes = append(notes, errorNotes(s.Name, x.System, x.ErrorKinds)...)
		}
	}
	writeNotes(w, notes)
}

func ratioCell(x, p *systemResult, a, b float64) string {
	if p == nil || x == p {
		return "—"
	}
	return fmt.Sprintf("%.2f×", ratio(a, b))
}

func cpuRatioCell(x, p *systemResult) string {
	if p == nil || x == p || !x.Measured || !p.Measured {
		return "—"
	}
	return fmt.Sprintf("%.2f×", ratio(x.CPUPer1k, p.CPUPer1k))
}

func rssCell(x *systemResult) string {
	if !x.Measured {
		return "—"
	}
	return fmt.Sprintf("%.1f", mb(x.PeakRSS))
}
