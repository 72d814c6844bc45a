package redis_test

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// halfOpen trips target name through s and returns the end of its
// cool-down, when it turns half-open, with cfg's probes.
func halfOpen(t *testing.T, s store.Store, name string, cfg breaker.Config) time.Time {
	t.Helper()
	var tr breaker.Transition
	for range cfg.ConsecutiveFailures {
		tk := admit(t, s, name, store.Admission{Now: t0, Breaker: cfg})
		r := store.Report{Now: t0, Ticket: tk, Outcome: breaker.Failure, Breaker: cfg, Budget: bu}
		var err error
		if tr, err = s.Report(t.Context(), name, r); err != nil {
			t.Fatal(err)
		}
	}
	if tr.To != breaker.Open {
		t.Fatalf("after %d failures: transition %+v, want → open", cfg.ConsecutiveFailures, tr)
	}
	return t0.Add(cfg.Cooldown)
}

// wantProbes admits on s at now until one is refused, and fails t unless
// exactly n probes were admitted, then refused with Probing.
func wantProbes(t *testing.T, s store.Store, name string, now time.Time, cfg breaker.Config, n int) {
	t.Helper()
	for i := range n + 1 {
		tk := admit(t, s, name, store.Admission{Now: now, Breaker: cfg})
		switch {
		case i < n && !(tk.Allowed() && tk.Breaker.Probe):
			t.Fatalf("admission %d: %v; want a probe (%d of %d slots should be free)", i+1, tk.Reason, n, cfg.HalfOpenProbes)
		case i == n && tk.Reason != store.Probing:
			t.Fatalf("admission %d: %v (probe %v); want probing: only %d of %d slots should be free", i+1, tk.Reason, tk.Breaker.Probe, n, cfg.HalfOpenProbes)
		}
	}
}

// An Admit that times out during a Redis stall runs in Redis when the
// stall ends: it takes a probe slot that nobody will report. Once Redis
// serves again the store undoes it, freeing that slot and no other, here
// before it recovers from the outage that the stall became.
func TestStalledAdmitLeavesNoPhantomProbe(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	cfg := br
	cfg.HalfOpenProbes = 2
	a := openRaw(t, srv, p, redis.WithTimeout(200*time.Millisecond), redis.WithRecoverInterval(10*time.Millisecond))
	b := open(t, srv, p, redis.WithCacheTTL(0))
	admit(t, a, "warm", store.Admission{Now: t0, Breaker: cfg}) // loads the script
	end := halfOpen(t, b, "t", cfg)
	if tk := admit(t, b, "t", store.Admission{Now: end, Breaker: cfg}); !tk.Breaker.Probe {
		t.Fatalf("first admission at half-open: %v, want a probe", tk.Reason)
	}

	resume := freeze(t, srv)
	admit(t, a, "t", store.Admission{Now: end, Breaker: cfg}) // times out; answered from local state
	degradeByTimeouts(t, a, "t")
	resume()
	waitHealthy(t, a)

	// B's probe holds its slot; the timed-out Admit's slot is free.
	wantProbes(t, b, "t", end.Add(time.Second), cfg, 1)
}

// A probe admitted in Redis whose outcome is reported while the store is
// degraded (the report goes to local state) does not hold its shared slot
// until the probe lease runs out: the store frees it once Redis is back.
func TestProbeReportedWhileDegradedFreesItsSlot(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	a := openRaw(t, srv, p, redis.WithTimeout(200*time.Millisecond), redis.WithRecoverInterval(10*time.Millisecond))
	b := open(t, srv, p, redis.WithCacheTTL(0))
	end := halfOpen(t, b, "t", br)
	probe := admit(t, a, "t", store.Admission{Now: end})
	if !probe.Breaker.Probe {
		t.Fatalf("admission at half-open: %v, want a probe", probe.Reason)
	}

	resume := freeze(t, srv)
	degradeByTimeouts(t, a, "other")
	if err := a.Health(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Health during the stall: %v", err)
	}
	report(t, a, "t", store.Report{Now: end, Ticket: probe, Outcome: breaker.Neutral}) // on local state
	resume()
	waitHealthy(t, a)

	wantProbes(t, b, "t", end.Add(time.Second), br, 1)
}

// The undo of an Admit whose reply was lost may reach Redis before the
// Admit itself (held in a stalled connection, retransmitted late): the
// Admit then takes no slot.
func TestAdmitArrivingAfterItsUndoTakesNoSlot(t *testing.T) {
	srv := redistest.Start(t)
	px := newHoldProxy(t, srv.Addr())
	p := prefix()
	a, err := redis.New(t.Context(), px.URL(), redis.WithPrefix(p),
		redis.WithTimeout(200*time.Millisecond), redis.WithRecoverInterval(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b := open(t, srv, p, redis.WithCacheTTL(0))
	end := halfOpen(t, b, "t", br)
	admit(t, a, "warm", store.Admission{Now: end}) // loads the script

	px.hold() // A's open connections stop delivering; new ones work
	admit(t, a, "t", store.Admission{Now: end})
	// A lone timeout: the store stays shared, and sends the undo at once,
	// through a new connection.
	adm := admin(t, srv)
	eventually(t, 5*time.Second, "the undo ran", func() bool {
		keys, err := adm.Keys(t.Context(), p+"target:{t}:undone:*").Result()
		return err == nil && len(keys) > 0
	})
	runs := scriptRuns(t, srv)
	px.release() // the Admit reaches Redis only now
	eventually(t, 5*time.Second, "the held Admit ran", func() bool { return scriptRuns(t, srv) > runs })

	wantProbes(t, b, "t", end.Add(time.Second), br, 1)
}

// holdProxy is a TCP proxy in front of a Redis server that can hold the
// commands of the connections open at a time, delivering them later, as a
// network that partitions and heals does; connections opened afterwards
// pass at once.
type holdProxy struct {
	ln      net.Listener
	backend string
	wg      sync.WaitGroup

	mu    sync.Mutex
	conns []*heldConn
	done  bool
}

// heldConn is one proxied connection.
type heldConn struct {
	client, server net.Conn

	mu      sync.Mutex
	holding bool
	held    []byte
	eof     bool // the client closed while held
}

func newHoldProxy(t *testing.T, backend string) *holdProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &holdProxy{ln: ln, backend: backend}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.stop)
	return p
}

// URL returns the proxy's redis:// URL.
func (p *holdProxy) URL() string { return "redis://" + p.ln.Addr().String() + "/0" }

func (p *holdProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.backend)
		if err != nil {
			c.Close()
			continue
		}
		hc := &heldConn{client: c, server: up}
		p.mu.Lock()
		if p.done {
			p.mu.Unlock()
			c.Close()
			up.Close()
			return
		}
		p.conns = append(p.conns, hc)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { // server → client
			defer p.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := up.Read(buf)
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
		go func() { // client → server, held while holding
			defer p.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				hc.mu.Lock()
				if hc.holding {
					hc.held = append(hc.held, buf[:n]...)
					hc.eof = err != nil
					hc.mu.Unlock()
				} else {
					hc.mu.Unlock()
					if n > 0 {
						if _, werr := up.Write(buf[:n]); werr != nil {
							return
						}
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// hold stops delivering the commands of the connections open now.
func (p *holdProxy) hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, hc := range p.conns {
		hc.mu.Lock()
		hc.holding = true
		hc.mu.Unlock()
	}
}

// release delivers what was held, closing the server side of connections
// their clients closed meanwhile.
func (p *holdProxy) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, hc := range p.conns {
		hc.mu.Lock()
		if hc.holding {
			hc.holding = false
			if len(hc.held) > 0 {
				_, _ = hc.server.Write(hc.held)
				hc.held = nil
			}
			if hc.eof {
				_ = hc.server.(*net.TCPConn).CloseWrite()
			}
		}
		hc.mu.Unlock()
	}
}

func (p *holdProxy) stop() {
	p.mu.Lock()
	p.done = true
	p.ln.Close()
	for _, hc := range p.conns {
		hc.client.Close()
		hc.server.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
