package gateway_test

import (
	"bufio"
	"encoding/json"
	"net"
	"strings"
	"testing"
)

// requestLinesOf returns the JSON "request" log lines h wrote, by request
// id.
func requestLinesOf(t *testing.T, h *harness) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(h.logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec["msg"] != "request" {
			continue
		}
		id, _ := rec["id"].(string)
		out[id] = rec
	}
	return out
}

// The request line says who sent the request: the connection's peer and,
// behind a proxy, the X-Forwarded-For it passed on, so an operator can
// tell which agent sends the traffic.
func TestRequestLineNamesTheClientAddress(t *testing.T) {
	d := openaiD
	a := newUpstream(t, d.Good(false))
	g := newGW(t, d, []string{a.URL})
	direct := g.send(d, false)
	proxied := g.send(d, false, "X-Forwarded-For", "203.0.113.7, 10.0.0.2", "X-Request-Id", "edge-42")
	refused := g.post(d.path, `{`, "X-Forwarded-For", "203.0.113.9")
	first := g.send(d, false, "Idempotency-Key", "k-1")
	replayed := g.send(d, false, "Idempotency-Key", "k-1", "X-Forwarded-For", "203.0.113.8", "X-Request-Id", "edge-43")
	if replayed.header.Get("Idempotent-Replayed") != "true" || first.status != 200 {
		t.Fatalf("replay: %d %v", replayed.status, replayed.header)
	}
	lines := requestLinesOf(t, g)
	for _, c := range []struct {
		ans       answer
		forwarded string
		clientID  string // the X-Request-Id the client sent
	}{{direct, "", ""}, {proxied, "203.0.113.7, 10.0.0.2", "edge-42"}, {refused, "203.0.113.9", ""}, {replayed, "203.0.113.8", "edge-43"}} {
		id := c.ans.header.Get("X-Request-Id")
		line, ok := lines[id]
		if !ok {
			t.Fatalf("no request line for %s", id)
		}
		remote, _ := line["remote"].(string)
		if host, _, err := net.SplitHostPort(remote); err != nil || host != "127.0.0.1" {
			t.Errorf("request %s: remote %q, want the client's address", id, remote)
		}
		if got, _ := line["forwarded_for"].(string); got != c.forwarded {
			t.Errorf("request %s: forwarded_for %q, want %q", id, got, c.forwarded)
		}
		if got, _ := line["client_request_id"].(string); got != c.clientID || id == c.clientID {
			t.Errorf("request %s: client_request_id %q, want %q beside lifeline's own id", id, got, c.clientID)
		}
	}
}
