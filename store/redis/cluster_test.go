package redis_test

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lifelinehq/lifeline/internal/redisproc"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// clusterNode is one redis-server of a test cluster.
type clusterNode struct {
	t     *testing.T
	bin   string
	dir   string
	port  int
	proc  *redisproc.Process // nil when killed
	first int                // the first of its hash slots
	last  int                // the last
}

func (n *clusterNode) addr() string { return redisproc.Addr(n.port) }

// start runs the node and waits until it answers PING.
func (n *clusterNode) start() {
	n.t.Helper()
	p, err := redisproc.Start(n.bin, n.dir, filepath.Join(n.dir, fmt.Sprintf("redis-%d.log", n.port)), n.port,
		"--cluster-enabled", "yes",
		"--cluster-config-file", fmt.Sprintf("nodes-%d.conf", n.port),
		"--cluster-node-timeout", "5000",
		// The shards that answer keep serving while one is down.
		"--cluster-require-full-coverage", "no",
	)
	if err != nil {
		n.t.Fatal(err)
	}
	n.proc = p
}

// kill kills the node, as a crash would, and waits until it has exited.
func (n *clusterNode) kill() {
	if n.proc == nil {
		return
	}
	_ = n.proc.Cmd.Process.Kill()
	<-n.proc.Exited
	n.proc = nil
}

// signal sends sig to the node's process.
func (n *clusterNode) signal(sig syscall.Signal) {
	n.t.Helper()
	if err := n.proc.Cmd.Process.Signal(sig); err != nil {
		n.t.Fatal(err)
	}
}

// freeClusterPort returns a free port whose cluster bus port (+10000) is
// free too.
func freeClusterPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if port+10000 > 65535 || port == 6379 {
			l.Close()
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		l.Close()
		if err != nil {
			continue
		}
		bus.Close()
		return port
	}
	t.Fatal("no free port pair for a cluster node")
	return 0
}

// startCluster runs a Redis Cluster of n masters, the hash slots split
// evenly in order, and waits until every node sees it whole.
func startCluster(t *testing.T, n int) []*clusterNode {
	t.Helper()
	bin, dir := redistest.Binary(t), t.TempDir()
	nodes := make([]*clusterNode, n)
	for i := range nodes {
		nd := &clusterNode{t: t, bin: bin, dir: dir, port: freeClusterPort(t),
			first: i * 16384 / n, last: (i+1)*16384/n - 1}
		nd.start()
		t.Cleanup(nd.kill)
		nodes[i] = nd
	}
	ctx := t.Context()
	clients := make([]*goredis.Client, n)
	for i, nd := range nodes {
		clients[i] = goredis.NewClient(&goredis.Options{Addr: nd.addr()})
		defer clients[i].Close()
		if err := clients[i].Do(ctx, "CLUSTER", "ADDSLOTSRANGE", nd.first, nd.last).Err(); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if err := clients[0].ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(nd.port)).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	eventually(t, 20*time.Second, "cluster formed", func() bool {
		for _, c := range clients {
			info, err := c.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") ||
				!strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", n)) {
				return false
			}
			slots, err := c.ClusterSlots(ctx).Result()
			if err != nil || len(slots) != n {
				return false
			}
		}
		return true
	})
	return nodes
}

// slotOf returns the hash slot of key, as the cluster computes it.
func slotOf(t *testing.T, c *goredis.ClusterClient, key string) int {
	t.Helper()
	sl, err := c.ClusterKeySlot(t.Context(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return int(sl)
}

// With one shard of a cluster down, a store degraded by a call on that
// shard stays degraded: it does not switch back because a write on
// another shard succeeds, only to degrade again at the next call (one log
// line and one wake-up of every waiter per flip). It recovers once every
// shard serves.
func TestPartialClusterStaysDegraded(t *testing.T) {
	nodes := startCluster(t, 3)
	down := nodes[2]
	url := "redis+cluster://" + nodes[0].addr() + "," + nodes[1].addr() + "," + down.addr()
	seed := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{nodes[0].addr()}})
	defer seed.Close()
	onDown := func(key string) bool { sl := slotOf(t, seed, key); return sl >= down.first && sl <= down.last }

	// A prefix whose single probe key would live on a shard that stays up,
	// and a target whose key lives on the one that goes down.
	var p string
	for p = prefix(); onDown(p + "probe"); p = prefix() {
	}
	target := ""
	for i := 0; target == ""; i++ {
		if name := fmt.Sprint("t", i); onDown(p + "target:{" + name + "}") {
			target = name
		}
	}

	rec := &recorder{}
	s, err := redis.New(t.Context(), url, redis.WithPrefix(p),
		redis.WithLogger(slog.New(slog.NewTextHandler(rec, nil))),
		redis.WithStateChange(rec.change),
		redis.WithRecoverInterval(10*time.Millisecond),
		redis.WithTimeout(300*time.Millisecond),
		redis.WithCacheTTL(0)) // every Admit goes to Redis
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("Health of the whole cluster: %v", err)
	}
	admit(t, s, target, store.Admission{Now: t0})

	down.signal(syscall.SIGSTOP) // the shard stops answering
	t.Cleanup(func() { down.signal(syscall.SIGCONT) })
	degradeByTimeouts(t, s, target) // calls on that shard time out
	// Traffic on the target while fifty recovery probes run.
	for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end); {
		admit(t, s, target, store.Admission{Now: t0})
		time.Sleep(5 * time.Millisecond)
	}
	if got := rec.history(); got != "degraded" {
		t.Fatalf("state changes with one shard down: %q, want degraded only", got)
	}
	if n := rec.lines("state store degraded"); n != 1 {
		t.Fatalf("%d degraded log lines, want 1", n)
	}

	down.signal(syscall.SIGCONT)
	eventually(t, 10*time.Second, "recovery once every shard serves", func() bool { return !s.Stats().Degraded })
	if got := rec.history(); got != "degraded,recovered" {
		t.Fatalf("state changes %q, want degraded,recovered", got)
	}
	if tk := admit(t, s, target, store.Admission{Now: t0}); !tk.Allowed() {
		t.Fatalf("Admit after recovery: %v", tk.Reason)
	}
}
