package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/internal/upstreamtest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/validate"
)

func TestModelsListsTheRoutesAKeyMayUse(t *testing.T) {
	a := newUpstream(t, openaiD.Good(false))
	routes := []gateway.RouteSpec{route("fast", on(openaiD, a.URL)), route("smart", on(openaiD, a.URL)), route("other", on(openaiD, a.URL))}
	ids := func(ans answer) []string {
		t.Helper()
		var list struct {
			Object string `json:"object"`
			Data   []struct {
				ID     string `json:"id"`
				Object string `json:"object"`
				Type   string `json:"type"`
			} `json:"data"`
			// Anthropic's paging members: one page holds every route.
			HasMore *bool   `json:"has_more"`
			FirstID *string `json:"first_id"`
			LastID  *string `json:"last_id"`
		}
		if ans.status != 200 || json.Unmarshal([]byte(ans.body), &list) != nil || list.Object != "list" {
			t.Fatalf("status %d body %s", ans.status, ans.body)
		}
		var out []string
		for _, m := range list.Data {
			if m.Object != "model" || m.Type != "model" {
				t.Fatalf("entry %+v", m)
			}
			out = append(out, m.ID)
		}
		if list.HasMore == nil || *list.HasMore || len(out) > 0 &&
			(list.FirstID == nil || *list.FirstID != out[0] || list.LastID == nil || *list.LastID != out[len(out)-1]) {
			t.Fatalf("paging members of %s: want has_more false, first_id and last_id the first and last entries", ans.body)
		}
		return out
	}
	open := startGW(t, gateway.Config{Routes: routes})
	if got := strings.Join(ids(open.get("/v1/models")), ","); got != "fast,smart,other" {
		t.Fatalf("open gateway lists %s", got)
	}
	keyed := startGW(t, gateway.Config{Routes: routes, Keys: []gateway.Key{
		{Key: clientKey, Routes: []string{"*"}}, {Key: "narrow-key-0123456789", Routes: []string{"smart", "other"}},
	}})
	if got := strings.Join(ids(keyed.get("/v1/models", "Authorization", "Bearer "+clientKey)), ","); got != "fast,smart,other" {
		t.Fatalf("the all-routes key sees %s", got)
	}
	if got := strings.Join(ids(keyed.get("/v1/models", "X-Api-Key", "narrow-key-0123456789")), ","); got != "smart,other" {
		t.Fatalf("the narrow key sees %s", got)
	}
	// A client without its key is told how to send it, as on the
	// generation endpoints.
	noKey := keyed.get("/v1/models")
	wantError(t, openaiD, noKey, 401, "authentication_error")
	if !strings.Contains(noKey.body, "Authorization: Bearer") || !strings.Contains(noKey.body, "x-api-key") {
		t.Fatalf("the 401 does not say how to send the key: %s", noKey.body)
	}
}

// An OpenAI SDK's models.retrieve (GET /v1/models/{model}) finds a route
// the client key may use, as one entry of the list; any other name, a route
// the key may not use included (the list does not show it either), is a
// 404 model_not_found, as for a generation request naming no route.
func TestModelRetrievesOneRouteAKeyMayUse(t *testing.T) {
	a := newUpstream(t, openaiD.Good(false))
	routes := []gateway.RouteSpec{route("fast", on(openaiD, a.URL)), route("team/smart", on(openaiD, a.URL))}
	keyed := startGW(t, gateway.Config{Routes: routes, Keys: []gateway.Key{
		{Key: clientKey, Routes: []string{"*"}}, {Key: "narrow-key-0123456789", Routes: []string{"team/smart"}},
	}})
	for _, c := range []struct{ key, id string }{{clientKey, "fast"}, {clientKey, "team/smart"}, {"narrow-key-0123456789", "team/smart"}} {
		ans := keyed.get("/v1/models/"+c.id, "Authorization", "Bearer "+c.key)
		var m struct {
			ID, Object, OwnedBy string
		}
		if ans.status != 200 || json.Unmarshal([]byte(ans.body), &m) != nil || m.ID != c.id || m.Object != "model" {
			t.Fatalf("GET /v1/models/%s: status %d body %s", c.id, ans.status, ans.body)
		}
	}
	wantError(t, openaiD, keyed.get("/v1/models/fast", "Authorization", "Bearer narrow-key-0123456789"), 404, "model_not_found")
	wantError(t, openaiD, keyed.get("/v1/models/nope", "Authorization", "Bearer "+clientKey), 404, "model_not_found")
	wantError(t, openaiD, keyed.get("/v1/models/fast"), 401, "authentication_error")
}

// degradedStore reports its backend unreachable.
type degradedStore struct{ store.Store }

func (degradedStore) Health(context.Context) error {
	return errors.New("state store unavailable: redis: connection refused")
}

func TestHealthAndReadiness(t *testing.T) {
	a := newUpstream(t, openaiD.Good(false))
	srv, err := gateway.New(gateway.Config{Routes: []gateway.RouteSpec{route("route", on(openaiD, a.URL))}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer srv.Close()
	defer ts.Close()
	h := &harness{t: t, ts: ts, client: ts.Client(), served: &syncbuffer.Buffer{}}
	defer h.client.CloseIdleConnections()
	status := func(path string) (int, string) {
		ans := h.get(path)
		var v struct {
			Status string `json:"status"`
			Cause  string `json:"cause"`
		}
		if err := json.Unmarshal([]byte(ans.body), &v); err != nil {
			t.Fatalf("%s: %s", path, ans.body)
		}
		return ans.status, v.Status
	}
	if code, _ := status("/healthz"); code != 200 {
		t.Fatalf("/healthz %d", code)
	}
	if code, st := status("/readyz"); code != 503 || st != "starting" {
		t.Fatalf("/readyz before MarkReady: %d %q", code, st)
	}
	srv.MarkReady()
	if code, st := status("/readyz"); code != 200 || st != "ok" {
		t.Fatalf("/readyz when ready: %d %q", code, st)
	}
	srv.Drain()
	if code, st := status("/readyz"); code != 503 || st != "draining" {
		t.Fatalf("/readyz while draining: %d %q", code, st)
	}
	if code, _ := status("/healthz"); code != 200 {
		t.Fatalf("/healthz while draining: %d", code)
	}
	// New requests are refused, retryable elsewhere, with no upstream call.
	before := a.Count()
	refused := h.send(openaiD, false)
	if refused.status != 503 || refused.header.Get("X-Should-Retry") != "true" || refused.header.Get("Retry-After") != "1" ||
		!strings.Contains(refused.body, "shutting down") || a.Count() != before {
		t.Fatalf("a request while draining: %d %v %s (%d upstream calls)", refused.status, refused.header, refused.body, a.Count()-before)
	}
	if line := metricLine(h.get("/metrics").body, "lifeline_refused_total", `reason="draining"`); !strings.HasSuffix(line, " 1") {
		t.Errorf("draining refusals exported as %q, want 1", line)
	}

	// ... and closes its connection, so that the retry goes elsewhere.
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
	raw, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw.Body.Close()
	if raw.StatusCode != 503 || !raw.Close {
		t.Fatalf("a request while draining: %d, connection kept open", raw.StatusCode)
	}

	// An unreachable state store degrades readiness without failing it.
	g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{route("route", on(openaiD, a.URL))}, Store: degradedStore{memory.New()}})
	ans := g.get("/readyz")
	if ans.status != 200 || !strings.Contains(ans.body, `"status":"degraded"`) || !strings.Contains(ans.body, "redis") {
		t.Fatalf("/readyz on a degraded store: %d %s", ans.status, ans.body)
	}
}

// The dashboard fetches /api/status, also when a proxy serves the
// gateway under a path, and shows what it says of each target: the
// breaker's state and until when it stays open, the cool-down, the budget
// and the recent counts.
func TestDashboard(t *testing.T) {
	g := observability(t)
	ans := g.get("/")
	if ans.status != 200 || !strings.HasPrefix(ans.header.Get("Content-Type"), "text/html") {
		t.Fatalf("dashboard: %d %s", ans.status, ans.header.Get("Content-Type"))
	}
	m := regexp.MustCompile(`fetch\('([^']+)'\)`).FindAllStringSubmatch(ans.body, -1)
	if len(m) != 1 {
		t.Fatalf("the page makes %d fetches, want one", len(m))
	}
	for page, want := range map[string]string{"http://gw/": "/api/status", "http://gw/lifeline/": "/lifeline/api/status"} {
		base, _ := url.Parse(page)
		ref, err := url.Parse(m[0][1])
		if err != nil || base.ResolveReference(ref).Path != want {
			t.Errorf("served at %s, the page fetches %q: want %s", page, m[0][1], want)
		}
	}
	var st struct {
		Targets []map[string]any `json:"targets"`
	}
	if err := json.Unmarshal([]byte(g.get("/api/status").body), &st); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{"error": true} // present only when the store fails
	for _, tg := range st.Targets {
		for k := range tg {
			keys[k] = true
		}
	}
	used := map[string]bool{}
	for _, f := range regexp.MustCompile(`\bt\.(\w+)`).FindAllStringSubmatch(ans.body, -1) {
		used[f[1]] = true
		if !keys[f[1]] {
			t.Errorf("the page reads t.%s, which /api/status does not give", f[1])
		}
	}
	for _, k := range []string{"target", "state", "open_until", "cooling_until", "cool_reason", "budget_tokens", "recent", "error"} {
		if !used[k] {
			t.Errorf("the page does not show %s", k)
		}
	}
}

// observability drives traffic that exercises every metric and status
// field: fallbacks, a stream, invalid output, an empty retry budget, an
// open breaker, rate-limit and quota cool-downs.
func observability(t *testing.T) *harness {
	d := openaiD
	over := newUpstream(t, d.Overloaded)
	good := newUpstream(t, d.Good(false))
	goodStream := newUpstream(t, d.Good(true))
	text := newUpstream(t, d.Good(false))
	failing := newUpstream(t, d.Server)
	limited := newUpstream(t, d.RateLimit(map[string]string{"retry-after": "120"}))
	quota := newUpstream(t, d.Quota)
	cut := newUpstream(t, events(d.Stream[:d.Opening+1], true)) // content, then a stall
	g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{
		prefixedRoute("fallback", "fb", on(d, over.URL, good.URL)),
		prefixedRoute("streaming", "st", on(d, goodStream.URL)),
		prefixedRoute("json", "inv", on(d, text.URL), lifeline.WithValidation(validate.Spec{JSON: true})),
		prefixedRoute("budget", "bud", on(d, failing.URL), lifeline.WithBudget(budget.Config{Ratio: 0.001, MinPerSecond: 0.001})),
		prefixedRoute("breaker", "brk", on(d, over.URL), lifeline.WithMaxAttempts(1),
			lifeline.WithBreaker(breaker.Config{ConsecutiveFailures: 2, MinRequests: 1000, Cooldown: time.Minute})),
		prefixedRoute("limited", "lim", on(d, limited.URL), lifeline.WithMaxWait(time.Second)),
		prefixedRoute("quota", "q", on(d, quota.URL)),
		prefixedRoute("cut", "cut", on(d, cut.URL), lifeline.WithTimeouts(lifeline.Timeouts{Idle: 50 * time.Millisecond})),
	}})
	send := func(routeName string, stream bool) answer {
		return g.post(d.path, strings.Replace(d.Body(stream), `"route"`, `"`+routeName+`"`, 1))
	}
	wantServed(t, send("fallback", false), "fb1/m1", 2)
	wantServed(t, send("streaming", true), "st0/m0", 1)
	wantError(t, d, send("json", false), 502, "invalid_output")
	for range 6 { // 12 retries wanted; the bucket holds 10
		wantError(t, d, send("budget", false), 503, "upstream_unavailable")
	}
	for range 3 {
		wantError(t, d, send("breaker", false), 503, "upstream_unavailable")
	}
	wantError(t, d, send("limited", false), 503, "upstream_unavailable")
	wantError(t, d, send("quota", false), 503, "upstream_unavailable")
	if ans := send("cut", true); ans.status != 200 || !strings.Contains(ans.body, `data: {"error":`) {
		t.Fatalf("the cut stream: %d\n%s", ans.status, ans.body)
	}
	if over.Count() != 3 {
		t.Fatalf("overloaded upstream called %d times; the breaker should have stopped the third breaker-route call", over.Count())
	}
	return g
}

func TestMetricsAfterTraffic(t *testing.T) {
	g := observability(t)
	ans := g.get("/metrics")
	if ans.status != 200 {
		t.Fatalf("/metrics %d", ans.status)
	}
	for _, want := range []struct {
		name   string
		labels []string
	}{
		{"lifeline_requests_total", []string{`route="fallback"`, `outcome="ok"`}},
		{"lifeline_requests_total", []string{`route="json"`, `outcome="invalid_output"`}},
		{"lifeline_requests_total", []string{`route="budget"`, `outcome="upstream_unavailable"`}},
		{"lifeline_attempts_total", []string{`target="fb0/m0"`, `class="overloaded"`}},
		{"lifeline_attempts_total", []string{`target="fb1/m1"`, `class="ok"`}},
		{"lifeline_attempts_total", []string{`target="bud0/m0"`, `class="transient"`}},
		{"lifeline_attempts_total", []string{`target="cut0/m0"`, `class="broken_stream"`}},
		{"lifeline_fallbacks_total", []string{`route="fallback"`, `reason="overloaded"`}},
		{"lifeline_breaker_state", []string{`target="brk0/m0"`}},
		{"lifeline_breaker_state", []string{`target="fb0/m0"`}},
		{"lifeline_request_duration_seconds_bucket", []string{`route="fallback"`}},
		{"lifeline_request_duration_seconds_count", []string{`route="json"`}},
		{"lifeline_first_token_seconds_bucket", []string{`route="streaming"`}},
		{"lifeline_validation_failures_total", []string{`target="inv0/m0"`}},
		{"lifeline_retry_budget_exhausted_total", []string{`target="bud0/m0"`}},
	} {
		if metricLine(ans.body, want.name, want.labels...) == "" {
			t.Errorf("no %s{%s} in /metrics", want.name, strings.Join(want.labels, ","))
		}
	}
	// A stream cut after its first byte counts once, as broken_stream.
	if line := metricLine(ans.body, "lifeline_attempts_total", `target="cut0/m0"`, `class="broken_stream"`); !strings.HasSuffix(line, " 1") {
		t.Errorf("cut stream's attempt exported as %q, want 1", line)
	}
	if line := metricLine(ans.body, "lifeline_attempts_total", `target="cut0/m0"`, `class="ok"`); line != "" && !strings.HasSuffix(line, " 0") {
		t.Errorf("cut stream's attempt also counted ok: %q", line)
	}
	if line := metricLine(ans.body, "lifeline_breaker_state", `target="brk0/m0"`); !strings.HasSuffix(line, " 2") {
		t.Errorf("open breaker exported as %q, want 2", line)
	}
	if line := metricLine(ans.body, "lifeline_breaker_state", `target="fb1/m1"`); !strings.HasSuffix(line, " 0") {
		t.Errorf("closed breaker exported as %q, want 0", line)
	}
}

// isSample reports whether line is a sample of name that carries every
// label.
func isSample(line, name string, labels []string) bool {
	if !strings.HasPrefix(line, name+"{") {
		return false
	}
	for _, l := range labels {
		if !strings.Contains(line, l) {
			return false
		}
	}
	return true
}

// metricLine finds the sample line of name that carries every label.
func metricLine(text, name string, labels ...string) string {
	for line := range strings.SplitSeq(text, "\n") {
		if isSample(line, name, labels) {
			return line
		}
	}
	return ""
}

// metricSum adds up the samples of name that carry every label.
func metricSum(text, name string, labels ...string) float64 {
	sum := 0.0
	for line := range strings.SplitSeq(text, "\n") {
		if !isSample(line, name, labels) {
			continue
		}
		if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// docs/operations.md describes every key /api/status answers with.
func TestStatusKeysAreDocumented(t *testing.T) {
	g := observability(t)
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Top     map[string]json.RawMessage
		Routes  []map[string]any `json:"routes"`
		Targets []map[string]any `json:"targets"`
	}
	body := []byte(g.get("/api/status").body)
	if json.Unmarshal(body, &st.Top) != nil || json.Unmarshal(body, &st) != nil || len(st.Targets) == 0 {
		t.Fatalf("/api/status: %s", body)
	}
	keys := map[string]bool{}
	for k := range st.Top {
		keys[k] = true
	}
	for _, objs := range [][]map[string]any{st.Routes, st.Targets} {
		for _, o := range objs {
			for k := range o {
				keys[k] = true
			}
		}
	}
	for k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") && !strings.Contains(string(doc), "."+k+"`") {
			t.Errorf("docs/operations.md does not describe /api/status key %q", k)
		}
	}
}

func TestStatusShowsBreakersCooldownsBudgetsAndCounts(t *testing.T) {
	g := observability(t)
	ans := g.get("/api/status")
	var st struct {
		Routes []struct {
			Name    string   `json:"name"`
			Targets []string `json:"targets"`
		} `json:"routes"`
		Targets []struct {
			Target       string           `json:"target"`
			Provider     string           `json:"provider"`
			Kind         string           `json:"kind"`
			Model        string           `json:"model"`
			State        string           `json:"state"`
			OpenUntil    *time.Time       `json:"open_until"`
			CoolingUntil *time.Time       `json:"cooling_until"`
			CoolReason   string           `json:"cool_reason"`
			BudgetTokens *float64         `json:"budget_tokens"`
			Recent       map[string]int64 `json:"recent"`
		} `json:"targets"`
	}
	if ans.status != 200 || json.Unmarshal([]byte(ans.body), &st) != nil {
		t.Fatalf("/api/status %d %s", ans.status, ans.body)
	}
	if len(st.Routes) != 8 || st.Routes[0].Name != "fallback" || strings.Join(st.Routes[0].Targets, ",") != "fb0/m0,fb1/m1" {
		t.Fatalf("routes %+v", st.Routes)
	}
	now := time.Now()
	byName := map[string]int{}
	for i, tg := range st.Targets {
		byName[tg.Target] = i
		if tg.BudgetTokens == nil || tg.State == "" || tg.Recent == nil {
			t.Fatalf("target %+v lacks state, budget or counts", tg)
		}
	}
	get := func(name string) int {
		i, ok := byName[name]
		if !ok {
			t.Fatalf("/api/status lacks target %s: %s", name, ans.body)
		}
		return i
	}
	brk := st.Targets[get("brk0/m0")]
	if brk.State != "open" || brk.OpenUntil == nil || !brk.OpenUntil.After(now) {
		t.Errorf("tripped breaker shows %q until %v", brk.State, brk.OpenUntil)
	}
	if brk.Provider != "brk0" || brk.Model != "m0" || brk.Kind != "openai" {
		t.Errorf("target identity %+v", brk)
	}
	lim := st.Targets[get("lim0/m0")]
	if lim.CoolingUntil == nil || lim.CoolingUntil.Sub(now) < time.Minute || lim.CoolReason != "rate_limited" {
		t.Errorf("rate-limited target cools until %v (%q)", lim.CoolingUntil, lim.CoolReason)
	}
	q := st.Targets[get("q0/m0")]
	if q.CoolingUntil == nil || q.CoolReason != "quota" {
		t.Errorf("exhausted target cools until %v (%q)", q.CoolingUntil, q.CoolReason)
	}
	if b := *st.Targets[get("bud0/m0")].BudgetTokens; b >= 1 {
		t.Errorf("spent retry budget shows %v tokens", b)
	}
	if b := *st.Targets[get("fb1/m1")].BudgetTokens; b < 1 {
		t.Errorf("untouched retry budget shows %v tokens", b)
	}
	if fb := st.Targets[get("fb0/m0")]; fb.Recent["overloaded"] < 1 || fb.State != "closed" {
		t.Errorf("fb0/m0 state %q recent %v", fb.State, fb.Recent)
	}
	if c := st.Targets[get("bud0/m0")].Recent["transient"]; c < 6 {
		t.Errorf("bud0/m0 recent transient = %d", c)
	}
	if c := st.Targets[get("fb1/m1")].Recent["ok"]; c != 1 {
		t.Errorf("fb1/m1 recent ok = %d", c)
	}
}

func TestFallbacksCountOnlyMovesToAnotherTarget(t *testing.T) {
	d := openaiD
	failing := newUpstream(t, d.Server)
	good := newUpstream(t, d.Good(false))
	hang := newUpstream(t, upstreamtest.Hang())
	g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{
		prefixedRoute("alone", "al", on(d, failing.URL), lifeline.WithMaxAttempts(2)),
		prefixedRoute("pair", "pr", on(d, failing.URL, good.URL), lifeline.WithMaxAttempts(2)),
		prefixedRoute("dead", "dd", on(d, failing.URL, failing.URL), lifeline.WithMaxAttempts(1)),
		prefixedRoute("late", "lt", on(d, hang.URL, good.URL)),
	}})
	send := func(routeName string, hdr ...string) answer {
		return g.post(d.path, strings.Replace(d.Request, `"route"`, `"`+routeName+`"`, 1), hdr...)
	}
	wantError(t, d, send("alone"), 503, "upstream_unavailable")
	wantServed(t, send("pair"), "pr1/m1", 3)
	wantError(t, d, send("dead"), 503, "upstream_unavailable")
	// The deadline ends the request during its first attempt: it never
	// moves to the second target.
	wantError(t, d, send("late", lifeline.HeaderTimeout, "200ms"), 504, "deadline_exceeded")
	body := g.get("/metrics").body
	// A route of one target has nowhere to fall back to; a chain of two
	// moves once at most, and not when the deadline ended the request.
	for r, want := range map[string]float64{"alone": 0, "late": 0, "pair": 1, "dead": 1} {
		if n := metricSum(body, "lifeline_fallbacks_total", `route="`+r+`"`); n != want {
			t.Errorf("route %s counts %v fallbacks, want %v", r, n, want)
		}
	}
}

// A client that leaves in the middle of a stream ends its attempt, which
// counts as canceled: neither an ok answer nor a failure of the target.
func TestAbandonedStreamAttemptCountsCanceled(t *testing.T) {
	d := openaiD
	stall := newUpstream(t, events(d.Stream[:d.Opening+1], true)) // content, then a stall
	finished := make(chan struct{}, 1)
	g := startGW(t, gateway.Config{
		Routes: []gateway.RouteSpec{prefixedRoute("gone", "gn", on(d, stall.URL))},
		Observer: func(ev lifeline.Event) {
			if ev.Kind == lifeline.RequestFinished {
				finished <- struct{}{}
			}
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.ts.URL+d.path,
		strings.NewReader(strings.Replace(d.Body(true), `"route"`, `"gone"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	// Read up to the first content, then leave.
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended before its content: %v", err)
		}
		if strings.Contains(line, `"content"`) {
			break
		}
	}
	cancel()
	resp.Body.Close()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not end after its client left")
	}
	body := g.get("/metrics").body
	if line := metricLine(body, "lifeline_attempts_total", `target="gn0/m0"`, `class="canceled"`); !strings.HasSuffix(line, " 1") {
		t.Errorf("the abandoned attempt exported as %q, want canceled 1", line)
	}
	for _, class := range []string{"ok", "transient", "broken_stream"} {
		if line := metricLine(body, "lifeline_attempts_total", `target="gn0/m0"`, `class="`+class+`"`); line != "" && !strings.HasSuffix(line, " 0") {
			t.Errorf("the abandoned attempt also counted %s: %q", class, line)
		}
	}
	if line := metricLine(body, "lifeline_requests_total", `route="gone"`, `outcome="canceled"`); !strings.HasSuffix(line, " 1") {
		t.Errorf("the abandoned request exported as %q, want canceled 1", line)
	}
	if rc := g.onlyTargetRecent(); rc["canceled"] != 1 || len(rc) != 1 {
		t.Errorf("recent outcomes %v, want canceled 1 only", rc)
	}
}

// onlyTargetRecent returns the recent outcome counts /api/status shows for
// the gateway's one target.
func (h *harness) onlyTargetRecent() map[string]int64 {
	h.t.Helper()
	var st struct {
		Targets []struct {
			Recent map[string]int64 `json:"recent"`
		} `json:"targets"`
	}
	if err := json.Unmarshal([]byte(h.get("/api/status").body), &st); err != nil || len(st.Targets) != 1 {
		h.t.Fatalf("/api/status: %v %+v", err, st)
	}
	return st.Targets[0].Recent
}

// Log levels say whose trouble it is: a request the provider refused as
// malformed is the client's (info), a target that fails is the operator's
// (warn); a breaker that opens is news of trouble (warn), one that closes
// of recovery (info).
func TestLogLevelsSayWhoseTroubleItIs(t *testing.T) {
	d := openaiD
	bad := newUpstream(t, d.BadReq)
	flaky := newUpstream(t, d.Server, d.Good(false))
	h := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{
		route("bad", on(d, bad.URL)),
		route("flaky", on(d, flaky.URL), lifeline.WithMaxAttempts(1),
			lifeline.WithBreaker(breaker.Config{ConsecutiveFailures: 1, MinRequests: 1000, Cooldown: time.Millisecond})),
	}})
	h.post("/v1/chat/completions", strings.Replace(d.Body(false), `"model":"route"`, `"model":"bad"`, 1))
	flakyBody := strings.Replace(d.Body(false), `"model":"route"`, `"model":"flaky"`, 1)
	h.post("/v1/chat/completions", flakyBody) // a 500 opens the breaker
	// Once its cool-down is over, a probe succeeds and closes it.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if a := h.post("/v1/chat/completions", flakyBody); a.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the breaker never let a probe through")
		}
	}
	levels := map[string]string{}
	for line := range strings.Lines(h.logs.String()) {
		var rec struct {
			Level, Msg, Class, To string
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue // the text handler's copy
		}
		switch rec.Msg {
		case "attempt failed":
			levels["attempt "+rec.Class] = rec.Level
		case "breaker changed":
			levels["breaker to "+rec.To] = rec.Level
		}
	}
	for what, want := range map[string]string{
		"attempt rejected": "INFO", "attempt transient": "WARN",
		"breaker to open": "WARN", "breaker to half_open": "WARN", "breaker to closed": "INFO",
	} {
		if levels[what] != want {
			t.Errorf("%s logged at %q, want %s (all: %v)", what, levels[what], want, levels)
		}
	}
}

// The gateway's logger, which serve hands to net/http and the Redis client
// for their own lines, redacts the credentials the gateway knows.
func TestLoggerRedactsCredentials(t *testing.T) {
	const key = "sk-provider-key-0123456789"
	h := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{{
		Name: "r", Chain: []lifeline.Target{{Provider: &lifeline.Provider{Name: "p", Kind: openaiD.Kind, BaseURL: "http://127.0.0.1:1/v1", APIKey: key}, Model: "m"}},
	}}})
	h.srv.Logger().Warn("http: panic serving 127.0.0.1:4242: request carried " + key)
	if logs := h.logs.String(); strings.Contains(logs, key) || !strings.Contains(logs, "panic serving") {
		t.Errorf("the logger wrote:\n%s\nwant the line without the key", logs)
	}
}
