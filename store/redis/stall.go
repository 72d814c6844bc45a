package redis

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// A call that only took too long does not, alone, switch the store to
// local state: a host whose CPU is saturated for a moment makes one call
// miss its bound while Redis is fine, and a replica that degraded on it
// would lose shared breakers and idempotency records until its recovery
// probes succeed. Such a call is answered as a degraded call would be
// (from local state, within its bound), and the store degrades only once
// a server has let stallStreak calls in a row time out without answering
// one in between. Errors that prove Redis cannot serve (a refused, reset
// or closed connection, an error reply such as LOADING or READONLY)
// degrade at once.
//
// Only calls count: those made for a caller (Admit, Report, Status,
// Claim, Complete, Release, Await's reads, Health), each answered from
// local state when it times out. The store's own background work —
// undoing a lost admission, renewing claims, probing for recovery,
// comparing clocks at start — is retried on its next run rather than
// answered from local state: a timeout of it counts neither toward a
// stall nor in Stats.Timeouts, or a lone timed-out Admit, whose undo goes
// out at once and times out too while the stall lasts, would leave one
// call fewer before the switch. A reply to it, being an answer from the
// server, starts the count again like any other.

// stallStreak is how many calls in a row one server (in a cluster, one
// node) must leave unanswered by their bound (WithTimeout) before the
// store counts it an outage and degrades. Any reply from that server in
// between, an error reply included, starts the count again. Calls that
// time out together count one each, so that many calls caught by a real
// outage at once degrade the store at once.
const stallStreak = 3

// errCallTimeout is the cause of a call's context ended by the store's own
// bound (WithTimeout), as opposed to its caller's deadline or cancellation,
// which do not count toward a stall.
var errCallTimeout = errors.New("redis store: call timed out")

// bound returns ctx bounded by the store's timeout, with errCallTimeout as
// the cause when that bound ends it.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, s.cfg.timeout, errCallTimeout)
}

// backgroundWork marks the context of the store's own background work (see
// above), whose timeouts do not count toward a stall.
type backgroundWork struct{}

// inBackground returns ctx marked as the store's background work.
func inBackground(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundWork{}, true)
}

// boundBackground returns a context for one run of background work,
// bounded by the store's timeout.
func (s *Store) boundBackground() (context.Context, context.CancelFunc) {
	return s.bound(inBackground(context.Background()))
}

// timedOut reports whether err is a call that got no answer in time, the
// connection otherwise fine: a deadline (the context's, or a read or write
// deadline on the connection) or a wait for a pooled connection that ran
// out. A refused, reset or closed connection is not a timeout.
func timedOut(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, goredis.ErrPoolTimeout) || errors.Is(err, errCallTimeout) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// failed handles err, an error of a call that Redis could not serve (see
// unavailable): it degrades the store, unless err is a timeout and no
// server has reached stallStreak timeouts in a row, in which case it
// counts the call in Stats.Timeouts and leaves the store shared. Either
// way the caller answers from local state, as a degraded store does.
func (s *Store) failed(err error) {
	if timedOut(err) && !s.degraded() && !s.streaks.reached() {
		s.timeouts.Add(1)
		return
	}
	s.degrade(err)
}

// backgroundFailed handles err, an error of the store's background work
// that Redis could not serve (see unavailable): a timeout is left to the
// work's next run, and changes nothing else; any other error degrades the
// store, as it does for a call.
func (s *Store) backgroundFailed(err error) {
	if timedOut(err) {
		return
	}
	s.degrade(err)
}

// streak counts one server's calls in a row that timed out.
type streak struct{ n atomic.Int32 }

// observe counts a call to the server that ended with err (nil: success)
// in ctx.
func (w *streak) observe(ctx context.Context, err error) {
	var re goredis.Error
	switch {
	case err == nil || errors.As(err, &re):
		// The server answered. A load before the store (a hot path)
		// avoids writing a shared cache line on every success.
		if w.n.Load() != 0 {
			w.n.Store(0)
		}
	case timedOut(err) && ctx.Value(backgroundWork{}) == nil && ownTimeout(ctx):
		w.n.Add(1)
	}
}

// ownTimeout reports whether a call in ctx that timed out counts toward a
// stall: its context was not ended by its caller (a request's deadline or
// cancellation), only, if at all, by the store's own bound.
func ownTimeout(ctx context.Context) bool {
	if dl, ok := ctx.Deadline(); ok && ctx.Err() == nil && !time.Now().Before(dl) {
		// The connection's deadline, which go-redis sets from the
		// context's, fired an instant before the context's own timer:
		// wait for it, to learn which deadline it was.
		<-ctx.Done()
	}
	return ctx.Err() == nil || context.Cause(ctx) == errCallTimeout
}

// streaks are the stall counts of the servers the store talks to: one
// for a single server or a Sentinel group's master, one per node address
// of a cluster. A node that go-redis makes again for the same address (a
// topology change) counts on the same streak.
type streaks struct {
	mu     sync.Mutex
	byAddr map[string]*streak
}

// maxStreaks bounds the node addresses counted: a cluster whose nodes come
// and go at new addresses drops the counts of those not stalled first.
const maxStreaks = 256

// forAddr returns the count of the server at addr, watched by reached.
func (st *streaks) forAddr(addr string) *streak {
	st.mu.Lock()
	defer st.mu.Unlock()
	if w, ok := st.byAddr[addr]; ok {
		return w
	}
	if st.byAddr == nil {
		st.byAddr = make(map[string]*streak)
	}
	if len(st.byAddr) >= maxStreaks {
		for a, w := range st.byAddr {
			if w.n.Load() == 0 {
				delete(st.byAddr, a)
			}
		}
	}
	w := new(streak)
	st.byAddr[addr] = w
	return w
}

// reached reports whether a server has let stallStreak calls in a row time
// out.
func (st *streaks) reached() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, w := range st.byAddr {
		if w.n.Load() >= stallStreak {
			return true
		}
	}
	return false
}

// reset starts every count again, when the store recovers: the timeouts
// of the outage say nothing about the server once it serves again.
func (st *streaks) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, w := range st.byAddr {
		w.n.Store(0)
	}
}

// watch has client c count its server's timeouts in w.
func watch(c interface{ AddHook(goredis.Hook) }, w *streak) {
	c.AddHook(streakHook{w})
}

// watchServers counts the timeouts of the server, or of each node of a
// cluster, that the store's client talks to.
func (s *Store) watchServers() {
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		cc.OnNewNode(func(node *goredis.Client) { watch(node, s.streaks.forAddr(node.Options().Addr)) })
		return
	}
	watch(s.c, s.streaks.forAddr(""))
}

// handshake reports whether a command named name is one go-redis sends to
// open a connection (it runs them through the hooks too), never one the
// store sends itself.
func handshake(name string) bool {
	switch name {
	case "hello", "auth", "select", "client", "readonly":
		return true
	}
	return false
}

// streakHook is a go-redis hook that counts a server's timeouts.
type streakHook struct{ w *streak }

func (h streakHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h streakHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		if err != nil && handshake(cmd.Name()) {
			// The call whose new connection this command opened fails
			// with the same error: it is that call that counts.
			return err
		}
		h.w.observe(ctx, err)
		return err
	}
}

func (h streakHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		if err != nil && handshakePipeline(cmds) {
			// SELECT and CLIENT SETNAME, sent after HELLO on a new
			// connection: as in ProcessHook, its call counts.
			return err
		}
		h.w.observe(ctx, err)
		return err
	}
}

// handshakePipeline reports whether cmds are all commands go-redis sends to
// open a connection (see handshake).
func handshakePipeline(cmds []goredis.Cmder) bool {
	for _, c := range cmds {
		if !handshake(c.Name()) {
			return false
		}
	}
	return len(cmds) > 0
}
