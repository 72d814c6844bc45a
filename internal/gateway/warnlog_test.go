package gateway_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
)

// With log.level warn, the request line of an answer of 500 or more is
// still written (it is logged at warn): an operator who keeps only
// warnings sees every request that failed, refusals included, and a served
// request writes none.
func TestRequestLineAtWarnSurvivesLevelWarn(t *testing.T) {
	d := openaiD
	failing := newUpstream(t, d.Server)
	good := newUpstream(t, d.Good(false))
	lines := make(chan slog.Record, 16)
	logs := &syncbuffer.Buffer{}
	g := startGW(t, gateway.Config{
		Routes: []gateway.RouteSpec{
			prefixedRoute("failing", "f", on(d, failing.URL)),
			prefixedRoute("good", "g", on(d, good.URL)),
		},
		Logger: slog.New(requestLines{slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}), lines}),
	})
	body := func(route string) string {
		return `{"model":"` + route + `","messages":[{"role":"user","content":"hi"}]}`
	}
	next := func(name string) slog.Record {
		t.Helper()
		select {
		case rec := <-lines:
			return rec
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no request line at log level warn", name)
			return slog.Record{}
		}
	}
	if ans := g.post(d.path, body("good"), "Idempotency-Key", "served"); ans.status != 200 {
		t.Fatalf("good route: status %d: %s", ans.status, ans.body)
	}
	if ans := g.post(d.path, body("failing")); ans.status != 503 {
		t.Fatalf("failing route: status %d, want 503: %s", ans.status, ans.body)
	}
	// The served request wrote nothing at warn: the first line is the
	// failure's.
	if rec := next("every target failed"); rec.Level != slog.LevelWarn || statusOf(rec) != 503 {
		t.Errorf("every target failed: request line at %v with status %d, want WARN and 503", rec.Level, statusOf(rec))
	}
	g.srv.Drain()
	if ans := g.post(d.path, body("good")); ans.status != 503 {
		t.Fatalf("while draining: status %d, want 503: %s", ans.status, ans.body)
	}
	if rec := next("refused while draining"); rec.Level != slog.LevelWarn || statusOf(rec) != 503 {
		t.Errorf("refused while draining: request line at %v with status %d, want WARN and 503", rec.Level, statusOf(rec))
	}
}

// statusOf is the status attribute of a request line.
func statusOf(rec slog.Record) int64 {
	var status int64
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "status" {
			status = a.Value.Int64()
		}
		return true
	})
	return status
}
