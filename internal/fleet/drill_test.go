package fleet_test

import (
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store/redis"
)

var (
	drillRate     = flag.Int("drill.rate", 200, "requests per second the Redis outage drill sends, spread over the three replicas")
	drillDuration = flag.Duration("drill.duration", 15*time.Second, "length of the drill's load: Redis is killed when a third of the requests are out and restarted at two thirds")
)

// drillConfig serves "chat" from a healthy upstream (the load) and
// "flaky" from a failing one with a fallback (to check, after the outage,
// that a breaker opened by one replica holds for the others again).
// max_attempts 1: no retry may hide a failed request.
const drillConfig = `
state: {backend: redis, redis_url: "${REDIS_URL}"}
providers:
  - {name: good, kind: openai, base_url: "${GOOD_URL}/v1", api_key: sk-good}
  - {name: bad, kind: openai, base_url: "${BAD_URL}/v1", api_key: sk-bad}
routes:
  - {name: chat, chain: [{provider: good, model: m}]}
  - {name: flaky, chain: [{provider: bad, model: m}, {provider: good, model: m}]}
defaults:
  retry: {max_attempts: 1, base: 1ms, cap: 2ms, jitter: none}
  breaker: {window: 30s, min_requests: 1000, consecutive_failures: 3, cooldown: 1m, max_cooldown: 5m}
`

// load is a vegeta attack on the fleet running in the background.
type load struct {
	start time.Time
	total uint64 // requests planned: rate × duration
	marks []mark
	done  chan []vegeta.Result
}

// mark is closed when the attack has sent n requests.
type mark struct {
	n    uint64
	sent chan struct{}
}

// countPacer paces hits at a constant rate and stops after total of them,
// however long they take: on a machine too busy to keep the rate, the
// drill sends the same requests, later.
type countPacer struct {
	vegeta.ConstantPacer
	total uint64
}

func (p countPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.total {
		return 0, true
	}
	return p.ConstantPacer.Pace(elapsed, hits)
}

// attack sends rate × d requests at rate per second, round robin over the
// replicas, each with its own Idempotency-Key (so each also claims and
// completes an idempotency record in the store). Each fraction in at gets a
// mark, passed when that share of the planned requests has been sent.
func attack(f *fleet, rate int, d time.Duration, at ...float64) *load {
	urls := make([]string, len(f.replicas))
	for i, r := range f.replicas {
		urls[i] = r.ts.URL + "/v1/chat/completions"
	}
	l := &load{total: uint64(float64(rate) * d.Seconds()), done: make(chan []vegeta.Result, 1)}
	for _, frac := range at {
		l.marks = append(l.marks, mark{n: uint64(frac * float64(l.total)), sent: make(chan struct{})})
	}
	body := []byte(chatBody("chat", false))
	var seq atomic.Uint64
	targeter := func(tgt *vegeta.Target) error {
		n := seq.Add(1)
		for _, m := range l.marks {
			if n == m.n {
				close(m.sent)
			}
		}
		*tgt = vegeta.Target{Method: http.MethodPost, URL: urls[n%uint64(len(urls))], Body: body, Header: http.Header{
			"Content-Type":    {"application/json"},
			"Idempotency-Key": {fmt.Sprintf("drill-%d", n)},
		}}
		return nil
	}
	atk := vegeta.NewAttacker(vegeta.Client(f.client), vegeta.Workers(16), vegeta.MaxWorkers(1024))
	l.start = time.Now()
	pacer := countPacer{vegeta.ConstantPacer{Freq: rate, Per: time.Second}, l.total}
	results := atk.Attack(targeter, pacer, 0, "redis-outage")
	go func() {
		all := make([]vegeta.Result, 0, l.total+1)
		for r := range results {
			all = append(all, *r)
		}
		l.done <- all
	}()
	return l
}

// reach blocks until mark i has been passed. On a machine fast enough to
// keep the offered rate, the mark at fraction x is passed at x × duration;
// on a slower one later, and the phases still hold their shares of the
// requests.
func (l *load) reach(t *testing.T, i int) {
	t.Helper()
	select {
	case <-l.marks[i].sent:
		return
	default:
	}
	select {
	case <-l.marks[i].sent:
	case all := <-l.done:
		l.done <- all
		t.Fatalf("the load ended after %d requests, before mark %d (%d)", len(all), i, l.marks[i].n)
	}
}

// TestRedisOutageDrill kills redis-server under steady load and restarts
// it: no request fails, every replica reports the outage (/readyz,
// lifeline_state_store_degraded, one log line each way), reconnects by
// itself, and shares state again afterwards. The figures go to the test
// log (go test -run Drill -v).
func TestRedisOutageDrill(t *testing.T) {
	rate, d := *drillRate, *drillDuration
	rs := redistest.Start(t)
	good := startUpstream(t, "good")
	bad := startUpstream(t, "bad")
	bad.fail(true)
	f := startFleet(t, rs, 3, drillConfig, map[string]string{"GOOD_URL": good.URL(), "BAD_URL": bad.URL()}, fleetOptions{})
	a, b := f.replicas[0], f.replicas[1]
	wantAll(t, f, "/readyz", "ok", f.ready)
	wantAll(t, f, "lifeline_state_store_degraded", 0, func(r *replica) float64 { return f.metric(r, "lifeline_state_store_degraded") })

	// Redis is killed once a third of the requests are out (5 s into the
	// default 15 s) and restarted at two thirds (10 s).
	l := attack(f, rate, d, 1.0/3, 2.0/3)
	rep := drillReport{rate: rate}

	// The outage: every replica notices, says so, and serves on.
	l.reach(t, 0)
	killed := time.Now()
	rs.Stop()
	waitFor(t, 5*time.Second, "/readyz degraded on every replica", func() bool {
		for _, r := range f.replicas {
			if f.ready(r) != "degraded" || !r.changes.degraded() {
				return false
			}
		}
		return true
	})
	wantAll(t, f, "lifeline_state_store_degraded during the outage", 1, func(r *replica) float64 { return f.metric(r, "lifeline_state_store_degraded") })
	for _, r := range f.replicas {
		rep.detect = append(rep.detect, r.changes.since(true, killed))
	}

	// The restart: every replica reconnects by itself.
	l.reach(t, 1)
	back := time.Now() // Redis was down until now
	rs.Restart()
	waitFor(t, 10*time.Second, "/readyz ok and lifeline_state_store_degraded 0 on every replica", func() bool {
		for _, r := range f.replicas {
			if f.ready(r) != "ok" || f.metric(r, "lifeline_state_store_degraded") != 0 {
				return false
			}
		}
		return true
	})
	recovered := back
	for _, r := range f.replicas {
		d := r.changes.since(false, back)
		rep.recover = append(rep.recover, d)
		recovered = later(recovered, back.Add(d))
	}

	results := <-l.done
	rep.wall = time.Since(l.start)
	rep.results = len(results)
	for i := range results {
		if failed(&results[i]) {
			rep.errors++
			if rep.errors <= 5 {
				t.Errorf("request %d to %s at +%v failed: status %d, error %q, body %.200s", results[i].Seq, results[i].URL,
					results[i].Timestamp.Sub(l.start).Round(time.Millisecond), results[i].Code, results[i].Error, results[i].Body)
			}
		}
	}
	rep.phases = figuresByPhase(results, []phase{
		{"before (Redis up)", l.start, killed},
		{"outage (Redis killed)", killed, back},
		{"reconnecting (restart → all back)", back, recovered},
		{"after (shared again)", recovered, l.start.Add(time.Hour)},
	})
	for i, p := range rep.phases {
		if i != 2 && p.requests == 0 {
			t.Errorf("phase %q has no requests", p.name)
		}
	}

	// Every outage a replica saw ended, and each one shows in the metrics
	// and as one log line each way. On a machine too busy to answer within
	// the store's call timeout, a replica may see more than the drill's.
	for _, r := range f.replicas {
		down, up := r.changes.count()
		rep.transitions = append(rep.transitions, fmt.Sprintf("%d/%d", down, up))
		if down < 1 || up != down || !strings.HasSuffix(r.changes.String(), "ok") {
			t.Errorf("replica %s: store transitions %q, want degraded,ok (one outage, ended)", r.name, r.changes.String())
		}
		for series, want := range map[string]int{
			`lifeline_state_store_transitions_total{to="degraded"}`: down,
			`lifeline_state_store_transitions_total{to="ok"}`:       up,
		} {
			if v := f.metric(r, series); v != float64(want) {
				t.Errorf("replica %s: %s = %v, want %d", r.name, series, v, want)
			}
		}
		logs := r.logs.String()
		for line, want := range map[string]int{
			`"level":"WARN","msg":"state store degraded: Redis is unreachable;`: down,
			`"level":"INFO","msg":"state store recovered: Redis answers again;`: up,
		} {
			if n := strings.Count(logs, line); n != want {
				t.Errorf("replica %s: %d log lines %s…, want %d", r.name, n, line, want)
			}
		}
		rep.localCalls = append(rep.localCalls, r.srv.Engine().Store().(interface{ Stats() redis.Stats }).Stats().LocalCalls)
	}

	// Shared state again: a breaker opened by A's failures holds for B.
	before := bad.calls()
	for range 3 {
		f.chat(a, "flaky", goodTarget)
	}
	if n := bad.calls() - before; n != 3 {
		t.Fatalf("the failing upstream got %d calls via A, want 3", n)
	}
	rep.shareAgain = waitFor(t, 500*time.Millisecond, "B sees the breaker A opened", func() bool { return f.state(b, badTarget).State == "open" })
	before = bad.calls()
	if ans := f.chat(b, "flaky", goodTarget); ans.attempts() != 1 || bad.calls() != before {
		t.Fatalf("B called the target whose breaker A opened (attempts %d)", ans.attempts())
	}
	// And idempotency records: a key completed on A is replayed by B.
	first, err := f.post(a, chatBody("chat", false), "Idempotency-Key", "after-the-drill")
	if err != nil || first.status != http.StatusOK {
		t.Fatalf("A: %v %d", err, first.status)
	}
	dup, err := f.post(b, chatBody("chat", false), "Idempotency-Key", "after-the-drill")
	if err != nil || dup.header.Get("Idempotent-Replayed") != "true" || string(dup.body) != string(first.body) {
		t.Fatalf("B did not replay A's answer after the recovery: %v %q", err, dup.header.Get("Idempotent-Replayed"))
	}

	t.Log("\n" + rep.String())
	if rep.errors > 0 {
		t.Fatalf("%d of %d requests failed during the drill", rep.errors, rep.results)
	}
}
