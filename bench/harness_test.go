package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/bench/bareproxy"
	"github.com/lifelinehq/lifeline/bench/upstream"
)

// inProcess starts the upstream, the bare proxy and the gateway (logging
// at warn: no line per request) in this process and returns the three
// systems.
func inProcess(t testing.TB, o upstream.Options) []system {
	return inProcessLog(t, o, "warn")
}

// inProcessLog is inProcess with the gateway's log.level.
func inProcessLog(t testing.TB, o upstream.Options, level string) []system {
	t.Helper()
	up := httptest.NewServer(upstream.New(o))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	bp := bareproxy.New(u)
	px := httptest.NewServer(bp)
	t.Cleanup(px.Close)
	t.Cleanup(bp.Transport.(*http.Transport).CloseIdleConnections)
	gw, err := inProcessGateway(context.Background(), lifelineConfig("127.0.0.1:0", up.URL, level), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	ls := httptest.NewServer(gw)
	t.Cleanup(ls.Close)
	return []system{{name: direct, url: up.URL}, {name: proxy, url: px.URL}, {name: lifeline, url: ls.URL}}
}

// TestTinyRun runs the whole harness once, small: every system answers
// every request and every stream, and the outputs are well formed.
func TestTinyRun(t *testing.T) {
	systems := inProcess(t, upstream.Options{Events: 20})
	p := plan{rates: []int{150}, rounds: 1, duration: time.Second, streams: 10, events: 20}
	var log bytes.Buffer
	scs, err := execute(context.Background(), p, systems, 0, &log)
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) != 2 {
		t.Fatalf("%d scenarios, want 2 (one rate, streams)", len(scs))
	}
	for _, sc := range scs {
		if len(sc.Systems) != 3 {
			t.Fatalf("%s: %d systems", sc.Name, len(sc.Systems))
		}
		for _, x := range sc.Systems {
			// The bare proxy, the reference, sometimes cuts a stream
			// (golang/go#40747); the harness counts that as an error of
			// the proxy's, which is what its table shows.
			if x.Errors != 0 && !(x.System == proxy && sc.Streams > 0) {
				t.Errorf("%s %s: %d errors: %v", sc.Name, x.System, x.Errors, x.ErrorKinds)
			}
			min := 100 // 150 rps for one second, less the scheduling slack of a loaded machine
			if sc.Streams > 0 {
				min = sc.Streams
			}
			if x.Requests < min {
				t.Errorf("%s %s: %d requests, want at least %d", sc.Name, x.System, x.Requests, min)
			}
			if x.Latency.P50 <= 0 || x.Latency.P50 > x.Latency.P99 || x.Latency.P99 > x.Latency.Max {
				t.Errorf("%s %s: quantiles out of order: %+v", sc.Name, x.System, x.Latency)
			}
			if sc.Streams > 0 && (x.TTFB.P50 <= 0 || x.TTFB.P50 > x.Latency.P50) {
				t.Errorf("%s %s: TTFB %+v against stream %+v", sc.Name, x.System, x.TTFB, x.Latency)
			}
		}
	}
	r := newReport(p, flags{logLevel: "warn"}, scs)
	var md, js, svg bytes.Buffer
	writeMarkdown(&md, r)
	for _, want := range []string{"| 150 rps | lifeline | ", "| 10 streams | proxy | ", "1k rps"} {
		if want == "1k rps" {
			if strings.Contains(md.String(), want) {
				t.Errorf("targets for a rate that was not run are listed:\n%s", md.String())
			}
			continue
		}
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if err := writeJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var back report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Scenarios) != 2 {
		t.Fatalf("JSON does not read back: %v", err)
	}
	if err := writeSVG(&svg, r); err != nil {
		t.Fatal(err)
	}
	wellFormedXML(t, svg.Bytes())
}

func wellFormedXML(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
	}
}

// TestChildProcessIsMeasured starts a real child process through the
// harness and reads its CPU time and peak RSS.
func TestChildProcessIsMeasured(t *testing.T) {
	t.Setenv(childEnv, "upstream")
	c, err := startChild("upstream", []string{os.Args[0]}, t.TempDir()+"/child.log", "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := c.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	hc := newClient(5 * time.Second)
	defer hc.CloseIdleConnections()
	s := attackRate(context.Background(), hc, c.url+completionsPath, requestBody, 200, 500*time.Millisecond)
	if s.errorCount() != 0 || len(s.latency) < 50 {
		t.Fatalf("%d answers, errors %v", len(s.latency), s.errors)
	}
	// The child's figure may still round to zero ticks; this process,
	// which ran the load, has used more than one.
	if cpu, err := cpuTime(c.Pid()); err != nil || cpu < 0 {
		t.Errorf("cpuTime(child) = %v, %v", cpu, err)
	}
	if cpu, err := cpuTime(os.Getpid()); err != nil || cpu <= 0 {
		t.Errorf("cpuTime(self) = %v, %v; want > 0", cpu, err)
	}
	rss, err := peakRSS(c.Pid())
	if err != nil || rss < 1<<20 || rss > 1<<30 {
		t.Errorf("peakRSS = %d, %v", rss, err)
	}
	if err := resetPeakRSS(c.Pid()); err != nil {
		t.Logf("resetting the peak RSS is not supported here: %v", err)
	}
}

func TestSummariseNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	q := summarise(ds)
	if q.P50 != 50 || q.P90 != 90 || q.P99 != 99 || q.Max != 100 {
		t.Errorf("summarise(1..100 ms) = %+v", q)
	}
	if q := summarise(nil); q != (quantiles{}) {
		t.Errorf("summarise(nil) = %+v", q)
	}
}

func TestDecades(t *testing.T) {
	for _, tc := range []struct {
		lo, hi   float64
		min, max int
	}{{0.25, 4.1, -1, 1}, {0.5, 700, -1, 3}, {1, 1, 0, 1}, {3, 8, 0, 1}} {
		lo, hi := decades(tc.lo, tc.hi)
		if lo != tc.min || hi != tc.max {
			t.Errorf("decades(%v, %v) = %d, %d; want %d, %d", tc.lo, tc.hi, lo, hi, tc.min, tc.max)
		}
	}
}
