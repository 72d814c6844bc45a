package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/lifelinehq/lifeline/bench/bareproxy"
	"github.com/lifelinehq/lifeline/bench/internal/serve"
)

// profileRun serves the profiled system in this process (the upstream in
// its own), drives it at a constant rate, and writes a CPU profile and an
// allocation profile of that load. The load generator shares the process:
// read the profiles with -focus on the system's ServeHTTP.
func profileRun(ctx context.Context, f flags, stdout io.Writer) error {
	if f.profile != "cpu" {
		return fmt.Errorf("-profile: unknown kind %q (want cpu)", f.profile)
	}
	ss, err := openSession(ctx, f, stdout, "")
	if err != nil {
		return err
	}
	defer ss.close()
	up, err := ss.startServer("upstream", ss.bins.upstream)
	if err != nil {
		return err
	}
	defer up.stop()
	var h http.Handler
	switch f.profileSystem {
	case lifeline:
		gw, err := inProcessGateway(ctx, lifelineConfig("127.0.0.1:0", up.url, f.logLevel), io.Discard)
		if err != nil {
			return err
		}
		defer gw.Close()
		h = gw
	case proxy:
		u, _ := url.Parse(up.url)
		h = bareproxy.New(u)
	default:
		return fmt.Errorf("-profile-system: %q is neither lifeline nor proxy", f.profileSystem)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: serve.ReadHeaderTimeout}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	c := newClient(30 * time.Second)
	defer c.CloseIdleConnections()

	url := base + completionsPath
	fmt.Fprintf(stdout, "warming up %s\n", f.profileSystem)
	attackRate(ctx, c, url, requestBody, f.profileRate, 2*time.Second)

	// CPU first, at the default allocation sampling, which barely costs.
	cpuPath := filepath.Join(ss.out, f.profileSystem+"-cpu.pprof")
	cf, err := os.Create(cpuPath)
	if err != nil {
		return err
	}
	defer cf.Close()
	if err := pprof.StartCPUProfile(cf); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "CPU profile of %s at %d rps for %s\n", f.profileSystem, f.profileRate, f.profileDuration)
	s := attackRate(ctx, c, url, requestBody, f.profileRate, f.profileDuration)
	pprof.StopCPUProfile()
	if n := len(s.latency) + s.errorCount(); n == 0 {
		return errors.New("no request completed")
	}
	q := summarise(s.latency)
	fmt.Fprintf(stdout, "%d requests, %d errors, p50 %.3f ms, p99 %.3f ms\n", len(s.latency), s.errorCount(), q.P50, q.P99)

	// Then every allocation of a shorter load, recorded one by one so
	// that the counts per request are exact rather than sampled.
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = 512 << 10 }()
	runtime.GC()
	basePath := filepath.Join(ss.out, f.profileSystem+"-allocs-base.pprof")
	if err := writeProfile("allocs", basePath); err != nil {
		return err
	}
	d := min(f.profileDuration, 3*time.Second)
	fmt.Fprintf(stdout, "allocation profile of %s at %d rps for %s\n", f.profileSystem, f.profileRate, d)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	s = attackRate(ctx, c, url, requestBody, f.profileRate, d)
	runtime.ReadMemStats(&m1)
	runtime.GC() // the allocation profile is as of the last collection
	allocPath := filepath.Join(ss.out, f.profileSystem+"-allocs.pprof")
	if err := writeProfile("allocs", allocPath); err != nil {
		return err
	}
	n := len(s.latency) + s.errorCount()
	if n == 0 {
		return errors.New("no request completed")
	}
	fmt.Fprintf(stdout, "%d requests; whole process (load generator included): %.1f allocations and %.0f bytes per request\n",
		n, float64(m1.Mallocs-m0.Mallocs)/float64(n), float64(m1.TotalAlloc-m0.TotalAlloc)/float64(n))
	focus := map[string]string{lifeline: `gateway.\(\*Server\).ServeHTTP`, proxy: `httputil.\(\*ReverseProxy\).ServeHTTP`}[f.profileSystem]
	fmt.Fprintf(stdout, "read the profiles with:\n")
	fmt.Fprintf(stdout, "  go tool pprof -top -cum -focus='%s' %s\n", focus, cpuPath)
	fmt.Fprintf(stdout, "  go tool pprof -top -sample_index=alloc_objects -focus='%s' -base %s %s   # total ÷ %s requests = allocations per request in the handler\n",
		focus, basePath, allocPath, strconv.Itoa(n))
	return nil
}

// writeProfile writes the named runtime profile to path.
func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
