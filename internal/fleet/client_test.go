package fleet_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chatBody is an OpenAI chat request for route.
func chatBody(route string, stream bool) string {
	return fmt.Sprintf(`{"model":%q,"stream":%t,"messages":[{"role":"user","content":"Say hello."}]}`, route, stream)
}

// answer is what a client received.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// target is the X-Lifeline-Target of the answer.
func (a answer) target() string { return a.header.Get("X-Lifeline-Target") }

// attempts is the X-Lifeline-Attempts of the answer.
func (a answer) attempts() int {
	n, _ := strconv.Atoi(a.header.Get("X-Lifeline-Attempts"))
	return n
}

// post sends body to the replica's chat completions endpoint with the
// header pairs hdr. It reports a transport error instead of failing, so
// that goroutines may call it.
func (f *fleet) post(r *replica, body string, hdr ...string) (answer, error) {
	req, err := http.NewRequest(http.MethodPost, r.ts.URL+"/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("reading the answer: %w", err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// chat sends a chat request for route through r and fails the test unless
// it is a 200 from target (any target when empty).
func (f *fleet) chat(r *replica, route, target string) answer {
	f.t.Helper()
	a, err := f.post(r, chatBody(route, false))
	if err != nil {
		f.t.Fatalf("replica %s: %v", r.name, err)
	}
	if a.status != http.StatusOK || (target != "" && a.target() != target) {
		f.t.Fatalf("replica %s: status %d from %q, want 200 from %q: %.300s", r.name, a.status, a.target(), target, a.body)
	}
	return a
}

// get fetches path from r.
func (f *fleet) get(r *replica, path string) []byte {
	f.t.Helper()
	resp, err := f.client.Get(r.ts.URL + path)
	if err != nil {
		f.t.Fatalf("replica %s: GET %s: %v", r.name, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("replica %s: GET %s: %v", r.name, path, err)
	}
	return b
}

// targetState is one target in /api/status.
type targetState struct {
	Target       string     `json:"target"`
	State        string     `json:"state"`
	Generation   uint64     `json:"generation"`
	CoolingUntil *time.Time `json:"cooling_until"`
	CoolReason   string     `json:"cool_reason"`
}

// state returns target's breaker state as r's /api/status shows it.
func (f *fleet) state(r *replica, target string) targetState {
	f.t.Helper()
	var st struct {
		Store   string        `json:"store"`
		Targets []targetState `json:"targets"`
	}
	if err := json.Unmarshal(f.get(r, "/api/status"), &st); err != nil {
		f.t.Fatalf("replica %s: /api/status: %v", r.name, err)
	}
	for _, ts := range st.Targets {
		if ts.Target == target {
			return ts
		}
	}
	f.t.Fatalf("replica %s: /api/status has no target %q", r.name, target)
	return targetState{}
}

// ready returns the status field of r's /readyz.
func (f *fleet) ready(r *replica) string {
	f.t.Helper()
	var st struct {
		Status string `json:"status"`
		Cause  string `json:"cause"`
	}
	if err := json.Unmarshal(f.get(r, "/readyz"), &st); err != nil {
		f.t.Fatalf("replica %s: /readyz: %v", r.name, err)
	}
	return st.Status
}

// metric returns the value of the sample series (name and labels exactly
// as exposed, e.g. `lifeline_breaker_state{target="bad/m"}`) on r's
// /metrics, failing when it is absent.
func (f *fleet) metric(r *replica, series string) float64 {
	f.t.Helper()
	for line := range strings.SplitSeq(string(f.get(r, "/metrics")), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				f.t.Fatalf("replica %s: metric %s: %v", r.name, series, err)
			}
			return x
		}
	}
	f.t.Fatalf("replica %s: /metrics has no %s", r.name, series)
	return 0
}

// wantAll checks that every replica answers want for what.
func wantAll[T comparable](t testing.TB, f *fleet, what string, want T, get func(*replica) T) {
	t.Helper()
	for _, r := range f.replicas {
		if got := get(r); got != want {
			t.Fatalf("replica %s: %s = %v, want %v", r.name, what, got, want)
		}
	}
}
