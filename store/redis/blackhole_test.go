package redis_test

import (
	"bytes"
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// blackhole is a TCP proxy in front of a Redis server that can stop
// answering without closing anything, as a partitioned network does: after
// swallow, connections (old and new) stay open and every reply is lost.
type blackhole struct {
	ln      net.Listener
	backend string

	mu      sync.Mutex
	dead    bool
	held    int // connections accepted after swallow, never answered
	conns   []net.Conn
	wg      sync.WaitGroup
	stopped bool

	// While dead, every read of a client's bytes that contains watch is
	// timed in seen (the moments commands were sent into the void).
	watch []byte
	seen  []time.Time
}

func newBlackhole(t *testing.T, backend string) *blackhole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln, backend: backend}
	b.wg.Add(1)
	go b.accept()
	t.Cleanup(b.stop)
	return b
}

// URL returns the proxy's redis:// URL.
func (b *blackhole) URL() string { return "redis://" + b.ln.Addr().String() + "/0" }

func (b *blackhole) accept() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns = append(b.conns, c)
		dead := b.dead
		b.mu.Unlock()
		if dead {
			b.mu.Lock()
			b.held++
			b.mu.Unlock()
			b.wg.Add(1)
			go b.pipe(nil, c) // held open, read, never answered
			continue
		}
		up, err := net.Dial("tcp", b.backend)
		if err != nil {
			c.Close()
			continue
		}
		b.mu.Lock()
		b.conns = append(b.conns, up)
		b.mu.Unlock()
		b.wg.Add(2)
		go b.pipe(up, c)
		go b.pipe(c, up)
	}
}

// pipe copies from src to dst until src ends; once the proxy swallows, the
// bytes read are dropped. A nil dst is a client connection accepted after
// swallow: its bytes are only read.
func (b *blackhole) pipe(dst, src net.Conn) {
	defer b.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		b.mu.Lock()
		dead := b.dead
		if dead && n > 0 && len(b.watch) > 0 && bytes.Contains(buf[:n], b.watch) {
			b.seen = append(b.seen, time.Now())
		}
		b.mu.Unlock()
		if n > 0 && !dead && dst != nil {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// heldConns returns how many connections came in since swallow.
func (b *blackhole) heldConns() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.held
}

// sent returns the moments, since swallow, at which clients sent bytes
// containing watch.
func (b *blackhole) sent() []time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.seen)
}

// swallow makes the proxy stop answering.
func (b *blackhole) swallow() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dead = true
}

func (b *blackhole) stop() {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return
	}
	b.stopped = true
	b.ln.Close()
	for _, c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// Await calls that start together when Redis stops answering all return
// (nil, to claim again on local state) within a couple of store timeouts:
// they do not queue one after another behind a subscription attempt, and
// none outlives its own context by waiting for another's.
func TestAwaitsDoNotQueueWhenRedisHangs(t *testing.T) {
	srv := redistest.Start(t)
	bh := newBlackhole(t, srv.Addr())
	const timeout = 300 * time.Millisecond
	s, err := redis.New(t.Context(), bh.URL(), redis.WithPrefix(prefix()), redis.WithTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		bh.stop() // lets Close end the connections at once
		s.Close()
	}()
	if c, err := s.Claim(t.Context(), "k", fp, time.Hour); err != nil || c.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", c, err)
	}
	bh.swallow()

	const n = 8
	var wg sync.WaitGroup
	took := make([]time.Duration, n)
	errs := make([]error, n)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			errs[i] = s.Await(ctx, "k")
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	// One timeout to find the subscription dead, one to find the key
	// unreadable; generous slack for a busy machine.
	limit := 2*timeout + 700*time.Millisecond
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Await %d: %v, want nil when Redis is unreachable", i, errs[i])
		}
		if took[i] > limit {
			t.Errorf("Await %d returned after %v, want within %v", i, took[i], limit)
		}
	}
	if !s.Stats().Degraded {
		t.Error("store not degraded after Redis stopped answering")
	}
}

// A waiter with a short context that finds another's subscription attempt
// under way (Redis hangs) returns when its context ends, not when that
// attempt gives up.
func TestShortAwaitDoesNotWaitForAnothersSubscription(t *testing.T) {
	srv := redistest.Start(t)
	bh := newBlackhole(t, srv.Addr())
	const timeout = time.Second
	s, err := redis.New(t.Context(), bh.URL(), redis.WithPrefix(prefix()), redis.WithTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		bh.stop()
		s.Close()
	}()
	if c, err := s.Claim(t.Context(), "k", fp, time.Hour); err != nil || c.State != store.Acquired {
		t.Fatalf("Claim: %+v, %v", c, err)
	}
	bh.swallow()
	var wg sync.WaitGroup
	defer wg.Wait()
	first := make(chan struct{})
	wg.Go(func() { // starts the subscription attempt, which hangs for the timeout
		s.Await(t.Context(), "k")
		close(first)
	})
	eventually(t, 5*time.Second, "the first waiter's subscription reached the proxy", func() bool { return bh.heldConns() > 0 })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	begin := time.Now()
	_ = s.Await(ctx, "k")
	if d := time.Since(begin); d > timeout/2 {
		t.Errorf("Await with a 50ms context returned after %v: it waited for the other's attempt (%v)", d, timeout)
	}
	select {
	case <-first:
		t.Error("the first waiter's subscription attempt had already ended: nothing was under way")
	default:
	}
}

// While Redis does not answer, the recovery probes stay the recovery
// interval apart, measured from the end of each: a probe that took its
// whole timeout is not followed by another at once.
func TestRecoveryProbesKeepTheirSpacingWhenEachTimesOut(t *testing.T) {
	srv := redistest.Start(t)
	bh := newBlackhole(t, srv.Addr())
	const timeout, every = 300 * time.Millisecond, 200 * time.Millisecond
	// go-redis drops a connection whose reply timed out, so each probe
	// dials afresh, and its handshake's HELLO is the first thing it sends
	// (while the store is degraded, only the probes talk to Redis).
	bh.watch = []byte("hello")
	s, err := redis.New(t.Context(), bh.URL(), redis.WithPrefix(prefix()),
		redis.WithTimeout(timeout), redis.WithRecoverInterval(every))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		bh.stop()
		s.Close()
	}()
	bh.swallow()
	// Calls that time out in a row put the store into its outage; the
	// handshakes of their connections are not probes.
	degradeByTimeouts(t, s, "t")
	calls := len(bh.sent())
	eventually(t, 10*time.Second, "four recovery probes", func() bool { return len(bh.sent()) >= calls+4 })
	seen := bh.sent()[calls:]
	// Each probe waits out its timeout, then the interval: a gap shorter
	// than both together (less a little for the proxy's own scheduling)
	// is a probe fired at once after one that timed out.
	for i := 1; i < len(seen); i++ {
		if gap := seen[i].Sub(seen[i-1]); gap < timeout+every-50*time.Millisecond {
			t.Errorf("probe %d came %v after the one before, want at least %v (timeout %v + interval %v)",
				i, gap.Round(time.Millisecond), timeout+every, timeout, every)
		}
	}
}
