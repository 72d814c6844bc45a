package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lifelinehq/lifeline/mock"
)

// startServeDemo starts the demo providers and gateway as `lifeline serve`
// does with no configuration, on a free loopback port, without the
// primary's recurring outage (whose first window would come during a slow
// run and open its breaker).
func startServeDemo(t *testing.T, seed uint64) (base string) {
	t.Helper()
	p, err := start(seed, mock.Outage{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	g, err := startGateway(context.Background(), p, "127.0.0.1:0", 0, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.close(context.Background()) })
	return g.base
}

// plainRequest is a request in the README's shape: a model and a user
// message, no response_format or output_config.
func plainRequest(t *testing.T, base, model string, openai, stream bool, header ...string) (status int, target, body string) {
	t.Helper()
	status, target, body, err := sendPlain(http.DefaultClient, base, model, openai, stream, header...)
	if err != nil {
		t.Fatal(err)
	}
	return status, target, body
}

// sendPlain sends a plain request with c; header alternates names and
// values.
func sendPlain(c *http.Client, base, model string, openai, stream bool, header ...string) (status int, target, body string, err error) {
	path, b := "/v1/messages", fmt.Sprintf(`{"model":%q,"max_tokens":256,"messages":[{"role":"user","content":"hello"}]`, model)
	if openai {
		path, b = "/v1/chat/completions", fmt.Sprintf(`{"model":%q,"messages":[{"role":"user","content":"hello"}]`, model)
	}
	if stream {
		b += `,"stream":true`
	}
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(b+"}"))
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Lifeline-Target"), string(raw), err
}

// answerText returns the assistant's text of a JSON or SSE answer in
// either dialect.
func answerText(t *testing.T, openai bool, body string) string {
	t.Helper()
	if strings.HasPrefix(body, "{") {
		var m struct {
			Content []struct{ Text string } `json:"content"`
			Choices []struct {
				Message struct{ Content string } `json:"message"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("answer is not JSON: %v\n%s", err, body)
		}
		var b strings.Builder
		for _, c := range m.Content {
			b.WriteString(c.Text)
		}
		for _, c := range m.Choices {
			b.WriteString(c.Message.Content)
		}
		return b.String()
	}
	var b strings.Builder
	for _, line := range strings.Split(body, "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var ev struct {
			Delta   struct{ Text string } `json:"delta"`
			Choices []struct {
				Delta struct{ Content string } `json:"delta"`
			} `json:"choices"`
		}
		_ = json.Unmarshal([]byte(data), &ev)
		b.WriteString(ev.Delta.Text)
		for _, c := range ev.Choices {
			b.WriteString(c.Delta.Content)
		}
	}
	return b.String()
}

// metricSum adds the samples of a metric whose label text contains label.
func metricSum(t *testing.T, base, name, label string) float64 {
	t.Helper()
	var sum float64
	re := regexp.MustCompile(`^` + name + `\{([^}]*)\} (\S+)$`)
	for _, line := range strings.Split(get(t, base+"/metrics"), "\n") {
		if m := re.FindStringSubmatch(line); m != nil && strings.Contains(m[1], label) {
			v, _ := strconv.ParseFloat(m[2], 64)
			sum += v
		}
	}
	return sum
}

// A newcomer's plain request to route demo-json, in either dialect,
// streamed or not, is served with JSON that fits the route's schema; now
// and then the primary's answer breaks the schema and validation sends the
// request on to the backup.
func TestServeDemoJSONRouteServesPlainRequests(t *testing.T) {
	base := startServeDemo(t, 11)
	const n = 120
	type result struct {
		status       int
		target, body string
		openai       bool
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		openai, stream := i%2 == 0, i%3 == 0
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			status, target, body, err := sendPlain(http.DefaultClient, base, "demo-json", openai, stream)
			if err != nil {
				body = err.Error()
			}
			results[i] = result{status, target, body, openai}
		})
	}
	wg.Wait()
	served, byBackup := 0, 0
	for _, r := range results {
		if r.status != http.StatusOK {
			t.Logf("not served: %d %s", r.status, r.body)
			continue
		}
		served++
		if r.target == "demo-backup/gpt-demo-json" {
			byBackup++
		} else if r.target != "demo-primary/claude-demo-json" {
			t.Errorf("served by %q, not a target of route demo-json", r.target)
		}
		var v struct {
			Answer     *string  `json:"answer"`
			Confidence *float64 `json:"confidence"`
		}
		text := answerText(t, r.openai, r.body)
		if err := json.Unmarshal([]byte(text), &v); err != nil || v.Answer == nil || v.Confidence == nil {
			t.Errorf("served answer %q does not fit the route's schema (%v)", text, err)
		}
	}
	t.Logf("%d of %d served, %d by the backup", served, n, byBackup)
	if served < n*95/100 {
		t.Errorf("%d of %d plain requests to demo-json were served; want nearly all", served, n)
	}
	caught := metricSum(t, base, "lifeline_validation_failures_total", `target="demo-primary/claude-demo-json"`)
	if caught == 0 || byBackup == 0 {
		t.Errorf("%v invalid primary answers caught, %d answers served by the backup: want validation-gated fallback to show", caught, byBackup)
	}
}

// Requests to demo-json whose every answer breaks the schema open the
// breakers of demo-json's targets only: route demo keeps being served by
// its primary.
func TestServeDemoJSONFailuresLeaveRouteDemoAlone(t *testing.T) {
	base := startServeDemo(t, 12)
	for i := range 12 {
		status, _, body := plainRequest(t, base, "demo-json", i%2 == 0, false, "X-Mock-Fault", "bad_schema")
		if status == http.StatusOK {
			t.Fatalf("a demo-json answer that breaks the schema was served: %s", body)
		}
	}
	var st struct {
		Targets []struct{ Target, State string } `json:"targets"`
	}
	if err := json.Unmarshal([]byte(get(t, base+"/api/status")), &st); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, tg := range st.Targets {
		states[tg.Target] = tg.State
	}
	if states["demo-primary/claude-demo-json"] != "open" {
		t.Errorf("breakers after 12 invalid demo-json answers: %v; want demo-primary/claude-demo-json open", states)
	}
	if states["demo-primary/claude-demo"] != "closed" || states["demo-backup/gpt-demo"] != "closed" {
		t.Errorf("breakers of route demo: %v; want both closed", states)
	}
	for _, openai := range []bool{true, false} {
		status, target, body := plainRequest(t, base, "demo", openai, false, "X-Mock-Fault", "none")
		if status != http.StatusOK || target != "demo-primary/claude-demo" {
			t.Errorf("route demo after demo-json failed: %d from %q, want 200 from demo-primary/claude-demo: %s",
				status, target, bytes.TrimSpace([]byte(body)))
		}
	}
}
