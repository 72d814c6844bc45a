package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// system is one of the compared paths to the upstream.
type system struct {
	name string // direct, proxy or lifeline
	url  string // base URL
	pid  int    // the process whose CPU and RSS are measured; 0: none
}

// plan is what one run measures.
type plan struct {
	rates    []int         // non-streaming rates, requests per second
	rounds   int           // interleaved rounds per scenario
	duration time.Duration // one round of one system
	warmup   time.Duration // unrecorded load before a scenario's rounds
	pause    time.Duration // idle time between two rounds
	streams  int           // concurrent streams (0: no streaming scenario)
	events   int           // events per stream
	gap      time.Duration // upstream gap between events (documentation only)
	quiet    float64       // idle share of the machine awaited before each turn (0: none)
	quietMax time.Duration // longest wait for it
}

// roundResult is one system's share of one round.
type roundResult struct {
	Round     int       `json:"round"`
	Requests  int       `json:"requests"`
	Errors    int       `json:"errors"`
	Seconds   float64   `json:"seconds"`
	Latency   quantiles `json:"latency"`
	TTFB      quantiles `json:"ttfb,omitzero"`
	CPUSecond float64   `json:"cpu_seconds,omitempty"`
	PeakRSS   int64     `json:"peak_rss_bytes,omitempty"`
	// The rest of the machine during the turn: the load generator (this
	// process), the upstream, and the 1-minute load average at its start.
	ClientCPU   float64 `json:"client_cpu_seconds"`
	UpstreamCPU float64 `json:"upstream_cpu_seconds,omitempty"`
	LoadAvg     float64 `json:"loadavg_1m"`
	// MachineCPU is the CPU time every process of the machine used during
	// the turn; what the three above do not account for is other work.
	MachineCPU float64 `json:"machine_cpu_seconds"`
	// IdleBefore is the idle share of the machine just before the turn.
	IdleBefore float64 `json:"idle_before"`
}

// systemResult is one system in one scenario, all rounds together.
type systemResult struct {
	System     string         `json:"system"`
	Requests   int            `json:"requests"`
	Errors     int            `json:"errors"`
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
	Seconds    float64        `json:"seconds"`
	Achieved   float64        `json:"achieved_per_second"`
	Latency    quantiles      `json:"latency"`
	TTFB       quantiles      `json:"ttfb,omitzero"`
	ReadGap    quantiles      `json:"max_read_gap,omitzero"`
	Measured   bool           `json:"process_measured"`
	CPUSeconds float64        `json:"cpu_seconds"`
	CPUPer1k   float64        `json:"cpu_seconds_per_1k"`
	ClientCPU  float64        `json:"client_cpu_seconds"`
	UpCPU      float64        `json:"upstream_cpu_seconds"`
	MachineCPU float64        `json:"machine_cpu_seconds"`
	MaxLoadAvg float64        `json:"max_loadavg_1m"`
	PeakRSS    int64          `json:"peak_rss_bytes"`
	Rounds     []roundResult  `json:"rounds"`

	latency, ttfb, gaps []time.Duration
}

// scenarioResult is one load shape measured on every system.
type scenarioResult struct {
	Name    string          `json:"name"`
	Rate    int             `json:"rate,omitempty"`    // non-streaming
	Streams int             `json:"streams,omitempty"` // streaming
	Systems []*systemResult `json:"systems"`
}

// find returns the named system's result, or nil.
func (s *scenarioResult) find(name string) *systemResult { return findSystem(s.Systems, name) }

// result is the system's result: r itself, and the shared part of a
// result that embeds one.
func (r *systemResult) result() *systemResult { return r }

// findSystem returns the result of the system called name among rs, or
// nil.
func findSystem[R interface{ result() *systemResult }](rs []R, name string) R {
	for _, r := range rs {
		if r.result().System == name {
			return r
		}
	}
	var none R
	return none
}

// execute runs every scenario of p on systems: for each scenario, a
// warm-up of each system, then p.rounds rounds in which every system gets
// one turn, the order rotating from round to round, so that drifts of the
// machine hit every system alike.
//
// upstreamPid, when not 0, is the upstream's process, whose CPU time is
// recorded too.
func execute(ctx context.Context, p plan, systems []system, upstreamPid int, logw io.Writer) ([]*scenarioResult, error) {
	clients, closeClients := newClients(len(systems))
	defer closeClients()
	type scenario struct {
		name    string
		rate    int
		streams int
		d       time.Duration
	}
	var scs []scenario
	for _, r := range p.rates {
		scs = append(scs, scenario{name: fmt.Sprintf("%d rps", r), rate: r, d: p.duration})
	}
	if p.streams > 0 {
		scs = append(scs, scenario{name: fmt.Sprintf("%d streams", p.streams), streams: p.streams, d: p.duration})
	}
	var out []*scenarioResult
	for _, sc := range scs {
		res := &scenarioResult{Name: sc.name, Rate: sc.rate, Streams: sc.streams}
		for _, sys := range systems {
			res.Systems = append(res.Systems, &systemResult{System: sys.name, Measured: sys.pid != 0})
		}
		load := func(i int, d time.Duration) sample {
			url := systems[i].url + completionsPath
			if sc.rate > 0 {
				return attackRate(ctx, clients[i], url, requestBody, sc.rate, d)
			}
			return runStreams(ctx, clients[i], url, sc.streams, p.events, d)
		}
		warm := func(i int) {
			fmt.Fprintf(logw, "%-12s warm-up  %-8s\n", sc.name, systems[i].name)
			load(i, p.warmup)
		}
		err := rotate(ctx, p, len(systems), warm, func(i, round int, idle float64) error {
			rr, s := measure(systems[i], upstreamPid, func() sample { return load(i, sc.d) })
			rr.Round, rr.IdleBefore = round, idle
			res.Systems[i].add(rr, s)
			fmt.Fprintf(logw, "%-12s round %d  %-8s n=%-6d err=%-3d p50=%.3fms p99=%.3fms cpu=%.2fs rss=%.1fMB client=%.2fs upstream=%.2fs machine=%.2fs idle-before=%.0f%%\n",
				sc.name, round, systems[i].name, rr.Requests, rr.Errors, rr.Latency.P50, rr.Latency.P99,
				rr.CPUSecond, mb(rr.PeakRSS), rr.ClientCPU, rr.UpstreamCPU, rr.MachineCPU, 100*idle)
			return nil
		})
		if err != nil {
			return out, err
		}
		for _, r := range res.Systems {
			r.finish()
		}
		out = append(out, res)
	}
	return out, nil
}

// rotate is the schedule of one scenario on n systems: warm(i) for each
// system when p has a warm-up, then p.rounds rounds in which every system
// gets one turn, turn(i, round, idle), the order rotating from round to
// round, so that drifts of the machine hit every system alike. Before each
// turn it pauses and awaits a quiet machine; idle is the idle share of the
// machine then. It stops at the first error of a turn, or when ctx ends.
func rotate(ctx context.Context, p plan, n int, warm func(i int), turn func(i, round int, idle float64) error) error {
	if p.warmup > 0 {
		for i := range n {
			warm(i)
		}
	}
	for round := 1; round <= p.rounds; round++ {
		for k := range n {
			i := (k + round - 1) % n
			if err := ctx.Err(); err != nil {
				return err
			}
			if p.pause > 0 {
				sleepCtx(ctx, p.pause)
			}
			idle := awaitQuiet(ctx, p.quiet, p.quietMax)
			if err := turn(i, round, idle); err != nil {
				return err
			}
		}
	}
	return nil
}

// newClients returns n load-generator clients, one per system, and a func
// that closes their idle connections.
func newClients(n int) ([]*http.Client, func()) {
	clients := make([]*http.Client, n)
	for i := range clients {
		clients[i] = newClient(30 * time.Second)
	}
	return clients, func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
	}
}

// measure runs load on sys and reads the CPU time and peak RSS of its
// process around it, and the CPU time of the load generator and the
// upstream.
func measure(sys system, upstreamPid int, load func() sample) (roundResult, sample) {
	var rr roundResult
	rr.LoadAvg = loadAvg()
	self := os.Getpid()
	var cpu0, self0, up0 time.Duration
	if sys.pid != 0 {
		_ = resetPeakRSS(sys.pid)
		cpu0, _ = cpuTime(sys.pid)
	}
	self0, _ = cpuTime(self)
	if upstreamPid != 0 {
		up0, _ = cpuTime(upstreamPid)
	}
	m0, _, _ := machineCPU()
	s := load()
	m1, _, _ := machineCPU()
	rr.MachineCPU = (m1 - m0).Seconds()
	if sys.pid != 0 {
		cpu1, _ := cpuTime(sys.pid)
		rr.CPUSecond = (cpu1 - cpu0).Seconds()
		rr.PeakRSS, _ = peakRSS(sys.pid)
	}
	self1, _ := cpuTime(self)
	rr.ClientCPU = (self1 - self0).Seconds()
	if upstreamPid != 0 {
		up1, _ := cpuTime(upstreamPid)
		rr.UpstreamCPU = (up1 - up0).Seconds()
	}
	rr.Requests = len(s.latency)
	rr.Errors = s.errorCount()
	rr.Seconds = s.wall.Seconds()
	rr.Latency = summarise(append([]time.Duration(nil), s.latency...))
	if len(s.ttfb) > 0 {
		rr.TTFB = summarise(append([]time.Duration(nil), s.ttfb...))
	}
	return rr, s
}

// add folds one round into r.
func (r *systemResult) add(rr roundResult, s sample) {
	r.Rounds = append(r.Rounds, rr)
	r.Requests += rr.Requests
	r.Errors += rr.Errors
	r.Seconds += rr.Seconds
	r.CPUSeconds += rr.CPUSecond
	r.ClientCPU += rr.ClientCPU
	r.UpCPU += rr.UpstreamCPU
	r.MachineCPU += rr.MachineCPU
	r.MaxLoadAvg = max(r.MaxLoadAvg, rr.LoadAvg)
	r.PeakRSS = max(r.PeakRSS, rr.PeakRSS)
	for k, v := range s.errors {
		if r.ErrorKinds == nil {
			r.ErrorKinds = map[string]int{}
		}
		r.ErrorKinds[k] += v
	}
	r.latency = append(r.latency, s.latency...)
	r.ttfb = append(r.ttfb, s.ttfb...)
	r.gaps = append(r.gaps, s.gaps...)
}

// finish computes the aggregate figures from every round's samples.
func (r *systemResult) finish() {
	r.Latency = summarise(r.latency)
	if len(r.ttfb) > 0 {
		r.TTFB = summarise(r.ttfb)
		r.ReadGap = summarise(r.gaps)
	}
	if r.Seconds > 0 {
		r.Achieved = float64(r.Requests+r.Errors) / r.Seconds
	}
	if r.Measured && r.Requests+r.Errors > 0 {
		r.CPUPer1k = r.CPUSeconds / (float64(r.Requests+r.Errors) / 1000)
	}
	r.latency, r.ttfb, r.gaps = nil, nil, nil
}

// awaitQuiet waits, up to max, until at least the share want of the
// machine's CPU stays idle for half a second, and returns the last share
// measured: other work on a shared machine then starts fewer turns.
func awaitQuiet(ctx context.Context, want float64, max time.Duration) float64 {
	if want <= 0 {
		return idleFraction(100 * time.Millisecond)
	}
	end := time.Now().Add(max)
	for {
		idle := idleFraction(500 * time.Millisecond)
		if idle >= want || time.Now().After(end) || ctx.Err() != nil {
			return idle
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
