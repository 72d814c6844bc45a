package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/bench/upstream"
	"github.com/lifelinehq/lifeline/internal/redistest"
)

// redisServerBinary finds redis-server, or skips the test; with
// LIFELINE_REQUIRE_REDIS=1 it fails instead.
func redisServerBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(redistest.RequireEnv) == "1" {
			t.Fatalf("redis-server not found on PATH and %s=1: %v", redistest.RequireEnv, err)
		}
		t.Skipf("redis-server not found on PATH (set %s=1 to fail instead): %v", redistest.RequireEnv, err)
	}
	return bin
}

// storeGateway serves the comparison's configuration with state in this
// process and returns its system.
func storeGateway(t *testing.T, name, upstreamURL, state string) system {
	t.Helper()
	gw, err := inProcessGateway(context.Background(), storesConfig("127.0.0.1:0", upstreamURL, "warn", state), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	ls := httptest.NewServer(gw)
	t.Cleanup(ls.Close)
	return system{name: name, url: ls.URL}
}

// TestStoresTinyRun runs the state-store comparison small, with a real
// redis-server started the way the runner starts it: every request is
// served on both stores, the failing chain makes two attempts per request,
// and the Redis store spends one script run per attempt (its Admit cache
// answers the admissions), while the memory store's turns cost Redis
// nothing.
func TestStoresTinyRun(t *testing.T) {
	bin := redisServerBinary(t)
	dir := t.TempDir()
	rs, err := startRedis(context.Background(), bin, dir, filepath.Join(dir, "redis.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := rs.stop(); err != nil {
			t.Errorf("stopping redis-server: %v", err)
		}
	}()
	if strings.HasSuffix(rs.addr, ":6379") || rs.version == "" {
		t.Fatalf("redis-server at %s, version %q", rs.addr, rs.version)
	}
	up := httptest.NewServer(upstream.New(upstream.Options{}))
	defer up.Close()
	systems := []system{
		storeGateway(t, memoryStore, up.URL, memoryState),
		storeGateway(t, redisStore, up.URL, redisState(rs.url)),
	}
	p := plan{rates: []int{100}, rounds: 1, duration: time.Second}
	var log bytes.Buffer
	scs, err := executeStores(context.Background(), p, systems, 0, rs, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(scs) != 2 {
		t.Fatalf("%d scenarios, want 2", len(scs))
	}
	for _, sc := range scs {
		attempts := 1.0
		if sc.Route == fallbackRoute {
			attempts = 2
		}
		for _, x := range sc.Stores {
			if x.Errors != 0 || x.StoreErrors != 0 || x.BreakerOpens != 0 {
				t.Errorf("%s, %s: %d errors %v, %d store errors, %d breakers opened", sc.Name, x.System,
					x.Errors, x.ErrorKinds, x.StoreErrors, x.BreakerOpens)
			}
			if x.Requests < 60 { // 100 rps for a second, less the slack of a loaded machine
				t.Errorf("%s, %s: %d requests", sc.Name, x.System, x.Requests)
			}
			if x.Attempts != attempts {
				t.Errorf("%s, %s: %.3f attempts per request, want %v", sc.Name, x.System, x.Attempts, attempts)
			}
			// Each attempt's Report is one script run; Admit comes from the
			// cache but for the first attempt on each target in the turn,
			// and when a loaded machine leaves the cache stale between
			// requests. An Admit run for every attempt would make two.
			lo, hi := 0.0, 0.0
			if x.System == redisStore {
				lo, hi = attempts, attempts*1.5
			}
			if x.ScriptsPerReq < lo || x.ScriptsPerReq > hi {
				t.Errorf("%s, %s: %.3f Redis script runs per request, want %.1f to %.1f; commands %v",
					sc.Name, x.System, x.ScriptsPerReq, lo, hi, x.Commands)
			}
		}
	}
	r := newStoresReport(p, flags{logLevel: "warn"}, rs.version, scs)
	var md, js bytes.Buffer
	writeStoresMarkdown(&md, r)
	for _, want := range []string{
		"| first target serves | redis | ", "| first target fails (503) | memory | ",
		"| first target fails (503) | EVALSHA | ", "Redis adds < 0.3 ms at p50",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if err := json.NewEncoder(&js).Encode(r); err != nil {
		t.Fatal(err)
	}
	var back storesReport
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if got := storesChecks(back.Scenarios); len(got) != len(r.Checks) || got[0] != r.Checks[0] {
		t.Errorf("checks from the JSON %v, from the run %v", got, r.Checks)
	}
}

func TestParseCommandStats(t *testing.T) {
	info := "# Commandstats\r\n" +
		"cmdstat_evalsha:calls=12,usec=340,usec_per_call=28.33,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_client|setinfo:calls=2,usec=3,usec_per_call=1.50,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_info:calls=5,usec=100,usec_per_call=20.00,rejected_calls=0,failed_calls=0\r\n"
	got := parseCommandStats(info)
	want := map[string]cmdStat{"evalsha": {12, 340}, "client|setinfo": {2, 3}, "info": {5, 100}}
	if len(got) != len(want) {
		t.Fatalf("parseCommandStats = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %+v, want %+v", k, got[k], v)
		}
	}
	d := subStats(map[string]cmdStat{"evalsha": {20, 500}, "info": {5, 100}}, got)
	if len(d) != 1 || d["evalsha"] != (cmdStat{8, 160}) {
		t.Errorf("subStats = %v, want only evalsha {8 160}", d)
	}
	if n := scriptRuns(map[string]cmdStat{"evalsha": {7, 0}, "eval": {1, 0}, "get": {8, 0}}); n != 8 {
		t.Errorf("scriptRuns = %d, want 8", n)
	}
}

func TestParseGatewayMetrics(t *testing.T) {
	text := `# HELP lifeline_request_attempts Upstream attempts per client request.
# TYPE lifeline_request_attempts histogram
lifeline_request_attempts_bucket{route="bench",le="1"} 10
lifeline_request_attempts_sum{route="bench"} 10
lifeline_request_attempts_count{route="bench"} 10
lifeline_request_attempts_sum{route="bench-fallback"} 40
lifeline_request_attempts_count{route="bench-fallback"} 20
lifeline_state_store_errors_total 3
lifeline_breaker_transitions_total{target="down/bench-model",to="open"} 2
lifeline_breaker_transitions_total{target="down/bench-model",to="half_open"} 1
lifeline_breaker_transitions_total{target="loop/bench-model",to="open"} 1
`
	g := parseGatewayMetrics(text, fallbackRoute)
	if g != (gatewayCounters{attemptsSum: 40, attemptsCount: 20, storeErrors: 3, breakerOpens: 3}) {
		t.Errorf("parseGatewayMetrics = %+v", g)
	}
	if g := parseGatewayMetrics(text, routeName); g.attemptsSum != 10 || g.attemptsCount != 10 {
		t.Errorf("route %s: %+v", routeName, g)
	}
}

// TestBenchmarksPageHasStoresSection: -stores -docs writes between markers
// that the page must hold.
func TestBenchmarksPageHasStoresSection(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "docs", "BENCHMARKS.md"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := splice(page, []byte("TABLE"), storesStart, storesEnd)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(storesStart+"\n\nTABLE\n\n"+storesEnd)) {
		t.Errorf("splice did not put the table between the markers")
	}
	if _, err := splice(page, nil, resultsStart, resultsEnd); err != nil {
		t.Errorf("results section: %v", err)
	}
}
