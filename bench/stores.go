package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// The two gateways of the state-store comparison, by their store.
const (
	memoryStore = "memory"
	redisStore  = "redis"
)

// fallbackBody is requestBody for fallbackRoute.
var fallbackBody = bytes.Replace(requestBody, []byte(`"model":"bench"`), []byte(`"model":"`+fallbackRoute+`"`), 1)

// storeScenario is one chain the comparison loads.
type storeScenario struct {
	name  string // as the tables show it
	route string
	body  []byte
}

// storeScenarios are the comparison's chains: one whose first target
// serves (one attempt per request) and one whose first target fails (two).
func storeScenarios() []storeScenario {
	return []storeScenario{
		{name: "first target serves", route: routeName, body: requestBody},
		{name: "first target fails (503)", route: fallbackRoute, body: fallbackBody},
	}
}

// redisObserver is what the comparison reads of the Redis server around
// each turn.
type redisObserver interface {
	pid() int
	commandStats(ctx context.Context) (map[string]cmdStat, error)
}

// storesPlan turns the flags into the plan of the comparison: one rate,
// -store-rate.
func (f flags) storesPlan() (plan, error) {
	p := f.schedule()
	p.rates = []int{f.storeRate}
	if f.storeRate <= 0 {
		return p, errors.New("-store-rate must be positive")
	}
	return p, p.checkSchedule()
}

// storesRun builds lifeline and the upstream, starts a redis-server, the
// upstream and two gateways, one per store, runs the comparison and writes
// its outputs.
func storesRun(ctx context.Context, f flags, stdout io.Writer) error {
	p, err := f.storesPlan()
	if err != nil {
		return err
	}
	redisBin := f.redisServer
	if redisBin == "" {
		if redisBin, err = exec.LookPath("redis-server"); err != nil {
			return fmt.Errorf("-stores needs redis-server on PATH, or -redis-server: %w", err)
		}
	}
	ss, err := openSession(ctx, f, stdout, "building lifeline and the benchmark servers")
	if err != nil {
		return err
	}
	defer ss.close()
	up, err := ss.startServer("upstream", ss.bins.upstream, "-gogc", strconv.Itoa(harnessGOGC))
	if err != nil {
		return err
	}
	defer up.stop()
	rdir := filepath.Join(ss.tmp, "redis")
	if err := os.MkdirAll(rdir, 0o755); err != nil {
		return err
	}
	rs, err := startRedis(ctx, redisBin, rdir, filepath.Join(ss.out, "redis-server.log"))
	if err != nil {
		return err
	}
	defer rs.stop()
	fmt.Fprintf(stdout, "redis-server %s at %s\n", rs.version, rs.addr)
	var systems []system
	for _, st := range []struct{ name, state string }{{memoryStore, memoryState}, {redisStore, redisState(rs.url)}} {
		gw, err := ss.startGateway("lifeline ("+st.name+")", "lifeline-"+st.name+".yaml", func(addr string) string {
			return storesConfig(addr, up.url, f.logLevel, st.state)
		})
		if err != nil {
			return err
		}
		defer gw.stop()
		systems = append(systems, system{name: st.name, url: gw.url, pid: gw.Pid()})
	}
	scs, err := executeStores(ctx, p, systems, up.Pid(), rs, stdout)
	if err != nil {
		return err
	}
	d, err := newStoresReport(p, f, rs.version, scs).document()
	if err != nil {
		return err
	}
	return ss.emit(d, f.docs, stdout)
}

// executeStores runs each scenario on both gateways: a warm-up of each,
// then p.rounds rounds in which each gateway gets one turn at p.rates[0],
// the order alternating from round to round. Around each turn it reads
// the gateway's counters and, without them, the Redis server's commands
// and CPU time: what the turn's requests cost the store.
func executeStores(ctx context.Context, p plan, systems []system, upstreamPid int, rs redisObserver, logw io.Writer) ([]*storeScenarioResult, error) {
	rate := p.rates[0]
	clients, closeClients := newClients(len(systems))
	defer closeClients()
	scrapes := newClient(5 * time.Second)
	defer scrapes.CloseIdleConnections()
	var out []*storeScenarioResult
	for _, sc := range storeScenarios() {
		res := &storeScenarioResult{Name: sc.name, Route: sc.route, Rate: rate}
		for _, sys := range systems {
			res.Stores = append(res.Stores, &storeResult{systemResult: systemResult{System: sys.name, Measured: sys.pid != 0}})
		}
		load := func(i int, d time.Duration) sample {
			return attackRate(ctx, clients[i], systems[i].url+completionsPath, sc.body, rate, d)
		}
		warm := func(i int) {
			fmt.Fprintf(logw, "%-26s warm-up  %-7s\n", sc.name, systems[i].name)
			load(i, p.warmup)
		}
		err := rotate(ctx, p, len(systems), warm, func(i, round int, idle float64) error {
			sr, err := storeTurn(ctx, systems[i], sc.route, scrapes, upstreamPid, rs, func() sample { return load(i, p.duration) })
			if err != nil {
				return fmt.Errorf("%s, %s store: %w", sc.name, systems[i].name, err)
			}
			sr.Round, sr.rr.Round, sr.rr.IdleBefore = round, round, idle
			res.Stores[i].addTurn(sr)
			n := max(1, sr.rr.Requests+sr.rr.Errors)
			fmt.Fprintf(logw, "%-26s round %d  %-7s n=%-6d err=%-3d p50=%.3fms p99=%.3fms attempts/req=%.2f scripts/req=%.2f redis-cpu=%.2fs cpu=%.2fs idle-before=%.0f%%\n",
				sc.name, round, systems[i].name, sr.rr.Requests, sr.rr.Errors, sr.rr.Latency.P50, sr.rr.Latency.P99,
				sr.Attempts, float64(scriptRuns(sr.Commands))/float64(n), sr.RedisCPU, sr.rr.CPUSecond, 100*idle)
			return nil
		})
		if err != nil {
			return out, err
		}
		for _, r := range res.Stores {
			r.finish()
		}
		out = append(out, res)
	}
	return out, nil
}

// storeTurn is one gateway's turn: the gateway's counters, then the Redis
// server's commands and CPU time, the load, and the same in reverse order.
func storeTurn(ctx context.Context, sys system, route string, scrapes *http.Client, upstreamPid int, rs redisObserver, load func() sample) (storeRound, error) {
	var sr storeRound
	g0, err := scrapeGateway(ctx, scrapes, sys.url, route)
	if err != nil {
		return sr, err
	}
	c0, err := rs.commandStats(ctx)
	if err != nil {
		return sr, err
	}
	cpu0, _ := cpuTime(rs.pid())
	var s sample
	sr.rr, s = measure(sys, upstreamPid, load)
	sr.s = &s
	cpu1, _ := cpuTime(rs.pid())
	c1, err := rs.commandStats(ctx)
	if err != nil {
		return sr, err
	}
	g1, err := scrapeGateway(ctx, scrapes, sys.url, route)
	if err != nil {
		return sr, err
	}
	g := g1.sub(g0)
	sr.Attempts = ratio(g.attemptsSum, g.attemptsCount)
	sr.attSum, sr.attCount = g.attemptsSum, g.attemptsCount
	sr.StoreErrors, sr.BreakerOpens = int(g.storeErrors), int(g.breakerOpens)
	sr.RedisCPU = (cpu1 - cpu0).Seconds()
	sr.Commands = subStats(c1, c0)
	// The INFO call that read c0 has run since: it is the comparison's,
	// not the gateway's.
	delete(sr.Commands, "info")
	return sr, nil
}

// scriptRuns counts the Lua script runs among cmds: the state changes of
// the Redis store (EVALSHA, or EVAL when the server had to load a script).
func scriptRuns(cmds map[string]cmdStat) int64 {
	return cmds["evalsha"].Calls + cmds["eval"].Calls + cmds["evalsha_ro"].Calls + cmds["eval_ro"].Calls
}

// allCalls counts every command of cmds.
func allCalls(cmds map[string]cmdStat) int64 {
	var n int64
	for _, s := range cmds {
		n += s.Calls
	}
	return n
}
