package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Upstream fixtures.
const (
	openaiOK = `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`
	anthOK   = `{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}`
	request  = `{"model":"chat","messages":[{"role":"user","content":"hi"}]}`
)

var openaiStream = []string{
	"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
	"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hel\"},\"finish_reason\":null}]}\n\n",
	"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n",
	"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
	"data: [DONE]\n\n",
}

// config is a serve configuration over an OpenAI and an Anthropic
// upstream; route "chat" tries them in that order.
func config(openaiURL, anthropicURL, extra string) string {
	return fmt.Sprintf(`listen: 127.0.0.1:8080
log: {level: debug, format: json}
keys:
  - {key: "${TEST_CLIENT_KEY}", routes: ["*"]}
providers:
  - {name: up-openai, kind: openai, base_url: "%s/v1", api_key: "${TEST_OPENAI_KEY}"}
  - {name: up-anthropic, kind: anthropic, base_url: "%s", api_key: "${TEST_ANTHROPIC_KEY}"}
routes:
  - name: chat
    chain: [{provider: up-openai, model: gpt-test}, {provider: up-anthropic, model: claude-test}]
defaults:
  retry: {max_attempts: 2, base: 1ms, cap: 2ms, jitter: none}
  timeouts: {attempt: 10s, first_token: 10s, idle: 10s, total: 20s}
%s`, openaiURL, anthropicURL, extra)
}

func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+clientKey)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// client talks to the binary; no keep-alive, so no idle connection
// outlives a test.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func TestServeEndToEnd(t *testing.T) {
	// The OpenAI upstream refuses the key and echoes it; the Anthropic one
	// serves. The client speaks OpenAI.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"error":{"message":"bad key %s","type":"invalid_request_error","code":"invalid_api_key"}}`, r.Header.Get("Authorization"))
	}))
	defer echo.Close()
	anth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/messages" || r.Header.Get("X-Api-Key") != anthropicKey {
			http.Error(w, "unexpected request", 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, anthOK)
	}))
	defer anth.Close()
	path := writeConfig(t, config(echo.URL, anth.URL, ""))

	out, errOut, code := lifeline(t, "check", "--config", path)
	if code != 0 || !strings.Contains(out, "chain: up-openai/gpt-test -> up-anthropic/claude-test") {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
	noSecrets(t, "check output", out+errOut)

	s := serve(t, path)
	resp, err := client.Get(s.url("/readyz"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/readyz: %v %v", err, resp)
	}
	resp.Body.Close()

	resp = post(t, s.url("/v1/chat/completions"), request)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Lifeline-Target") != "up-anthropic/claude-test" ||
		resp.Header.Get("X-Lifeline-Attempts") != "2" || !strings.Contains(string(b), `"chat.completion"`) {
		t.Fatalf("status %d target %q attempts %q body %s", resp.StatusCode, resp.Header.Get("X-Lifeline-Target"),
			resp.Header.Get("X-Lifeline-Attempts"), b)
	}
	served := string(b)
	for _, p := range []string{"/metrics", "/api/status", "/", "/v1/models"} {
		req, _ := http.NewRequest(http.MethodGet, s.url(p), nil)
		req.Header.Set("Authorization", "Bearer "+clientKey)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		served += string(b)
	}
	s.terminate(t)
	if code := s.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGTERM:\n%s", code, s.logs.String())
	}
	logs := s.logs.String()
	if !strings.Contains(logs, `"class":"auth"`) {
		t.Fatalf("the auth failure was not logged:\n%s", logs)
	}
	noSecrets(t, "the server's log", logs)
	noSecrets(t, "what the server served", served)
}

func TestServeMetricsShowTheProcess(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, openaiOK)
	}))
	defer up.Close()
	s := serve(t, writeConfig(t, config(up.URL, up.URL, "")))
	resp, err := client.Get(s.url("/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// An operator watches goroutines and open files for leaks: a stream
	// its client left must not leave either behind.
	for _, name := range []string{"go_goroutines", "process_open_fds", "lifeline_inflight_requests"} {
		if !strings.Contains(string(b), "\n"+name+" ") {
			t.Errorf("/metrics has no %s", name)
		}
	}
	s.terminate(t)
	if code := s.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, s.logs.String())
	}
}

func TestDrainOnSIGTERMFinishesTheOpenStream(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		f := w.(http.Flusher)
		for _, e := range openaiStream[:2] {
			io.WriteString(w, e)
		}
		f.Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		for _, e := range openaiStream[2:] {
			io.WriteString(w, e)
			f.Flush()
		}
	}))
	defer slow.Close()
	path := writeConfig(t, config(slow.URL, slow.URL, "shutdown_grace: 10s\n"))
	s := serve(t, path)

	resp := post(t, s.url("/v1/chat/completions"), strings.Replace(request, `"messages"`, `"stream":true,"messages"`, 1))
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	rd := bufio.NewReader(resp.Body)
	got, err := rd.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}

	s.terminate(t)
	sent := time.Now()
	// While the stream drains, the listener stays open: readiness says
	// draining, and a new request is refused with a retryable 503.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := client.Get(s.url("/readyz"))
		if err != nil {
			t.Fatalf("/readyz while draining: %v", err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode == http.StatusServiceUnavailable {
			if !strings.Contains(string(b), `"draining"`) {
				t.Fatalf("/readyz while draining: %s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d after SIGTERM", r.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
	refused := post(t, s.url("/v1/chat/completions"), request)
	refused.Body.Close()
	if refused.StatusCode != http.StatusServiceUnavailable || refused.Header.Get("X-Should-Retry") != "true" {
		t.Fatalf("a new request while draining: %d, x-should-retry %q", refused.StatusCode, refused.Header.Get("X-Should-Retry"))
	}
	select {
	case <-s.exited:
		t.Fatalf("serve exited with a stream open:\n%s", s.logs.String())
	default:
	}

	close(release)
	rest, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("the open stream was cut: %v", err)
	}
	body := got + string(rest)
	if body != strings.Join(openaiStream, "") {
		t.Fatalf("the drained stream is not intact:\n%s", body)
	}
	if code := s.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, s.logs.String())
	}
	if el := time.Since(sent); el > 10*time.Second {
		t.Fatalf("exited %v after SIGTERM, beyond shutdown_grace", el)
	}
	noSecrets(t, "the server's log", s.logs.String())
}

func TestDrainGraceRunsOut(t *testing.T) {
	s, rd := openStuckStream(t, "shutdown_grace: 500ms\n")
	s.terminate(t)
	start := time.Now()
	wantCutWithErrorEvent(t, rd, "shutdown")
	wantForcedExit(t, s, start, "SIGTERM with a 500ms grace", "drain grace ran out")
}

func TestSecondSignalEndsTheDrainAtOnce(t *testing.T) {
	s, rd := openStuckStream(t, "shutdown_grace: 60s\n")
	s.terminate(t)
	waitDraining(t, s)
	// An operator who signals again does not want to wait out the grace:
	// the open stream ends now, with its error event, and the process exits.
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	wantCutWithErrorEvent(t, rd, "the second signal")
	wantForcedExit(t, s, start, "the second signal, with a 60s grace", "second signal")
}

// wantForcedExit checks that s, forced to stop at start (after what),
// exits 0 within 5 s and logs logged.
func wantForcedExit(t *testing.T, s *server, start time.Time, what, logged string) {
	t.Helper()
	if code := s.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, s.logs.String())
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("exited %v after %s", el, what)
	}
	if !strings.Contains(s.logs.String(), logged) {
		t.Fatalf("the forced stop was not logged (%q):\n%s", logged, s.logs.String())
	}
}

// openStuckStream starts the gateway with extra config in front of an
// upstream whose stream sends two events and then nothing, and returns it
// with a stream open through it, its first line read.
func openStuckStream(t *testing.T, extra string) (*server, *bufio.Reader) {
	t.Helper()
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		for _, e := range openaiStream[:2] {
			io.WriteString(w, e)
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(stuck.Close)
	s := serve(t, writeConfig(t, config(stuck.URL, stuck.URL, extra)))
	resp := post(t, s.url("/v1/chat/completions"), strings.Replace(request, `"messages"`, `"stream":true,"messages"`, 1))
	t.Cleanup(func() { resp.Body.Close() })
	rd := bufio.NewReader(resp.Body)
	if _, err := rd.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	return s, rd
}

// wantCutWithErrorEvent reads the rest of a stream that what cut: it ends
// with an error event, never a clean [DONE].
func wantCutWithErrorEvent(t *testing.T, rd *bufio.Reader, what string) {
	t.Helper()
	rest, _ := io.ReadAll(rd)
	if !strings.Contains(string(rest), `data: {"error":`) || strings.Contains(string(rest), "[DONE]") {
		t.Fatalf("the stream cut by %s did not end with an error event:\n%s", what, rest)
	}
}

// waitDraining waits until /readyz says the server drains.
func waitDraining(t *testing.T, s *server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := client.Get(s.url("/readyz"))
		if err != nil {
			t.Fatalf("/readyz while draining: %v", err)
		}
		r.Body.Close()
		if r.StatusCode == http.StatusServiceUnavailable {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d after SIGTERM", r.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeRefusesABadConfig(t *testing.T) {
	path := writeConfig(t, strings.Replace(config("http://127.0.0.1:9", "http://127.0.0.1:9", ""), "provider: up-anthropic", "provider: up-antropic", 1))
	_, errOut, code := lifeline(t, "serve", "--config", path, "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, path) || !strings.Contains(errOut, "routes[0].chain[1].provider") ||
		!strings.Contains(errOut, "fix:") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

// The address is taken (another gateway, or anything else on 8080): serve
// says which address and how to pick another, as it does for a bad config.
func TestServeNamesTheFixWhenItsAddressIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	_, errOut, code := lifeline(t, "serve", "--config", writeConfig(t, config("http://127.0.0.1:9", "http://127.0.0.1:9", "")), "--listen", addr)
	if code != 1 || !strings.Contains(errOut, addr) || !strings.Contains(errOut, "already in use") ||
		!strings.Contains(errOut, "fix:") || !strings.Contains(errOut, "--listen") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

// A gateway without client keys is open to whoever reaches it: on a
// loopback address that is the local machine, beyond it anyone on the
// network, who may then spend the providers' keys. serve says so when it
// starts, and only then.
func TestServeWarnsWhenOpenBeyondLoopback(t *testing.T) {
	open := strings.Replace(config("http://127.0.0.1:1", "http://127.0.0.1:1", ""), "keys:\n  - {key: \"${TEST_CLIENT_KEY}\", routes: [\"*\"]}\n", "", 1)
	keyed := config("http://127.0.0.1:1", "http://127.0.0.1:1", "")
	for _, c := range []struct {
		name, config, listen string
		warn                 bool
	}{
		{"open, every interface", open, "0.0.0.0:0", true},
		{"open, loopback", open, "127.0.0.1:0", false},
		{"open, localhost", open, "localhost:0", false},
		{"keyed, every interface", keyed, "0.0.0.0:0", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := serveOn(t, writeConfig(t, c.config), c.listen)
			s.terminate(t)
			if code := s.wait(t, 10*time.Second); code != 0 {
				t.Fatalf("exit status %d:\n%s", code, s.logs.String())
			}
			logs := s.logs.String()
			warned := strings.Contains(logs, `"level":"WARN","msg":"no client keys`)
			if warned != c.warn {
				t.Fatalf("warned %v, want %v:\n%s", warned, c.warn, logs)
			}
		})
	}
}

// With Redis unreachable from the start, the Redis client's own lines
// (its failed dials) are records of the gateway's log like every other,
// never raw lines in another format on standard error.
func TestServeLogsTheRedisClientsLinesAsRecords(t *testing.T) {
	s := serve(t, writeConfig(t, config("http://127.0.0.1:1", "http://127.0.0.1:1",
		"state: {backend: redis, redis_url: \"redis://127.0.0.1:1/0?dial_timeout=100ms\"}\n")))
	s.terminate(t)
	if code := s.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, s.logs.String())
	}
	logs := s.logs.String()
	if !strings.Contains(logs, `"component":"go-redis"`) {
		t.Errorf("no line of the Redis client in the log:\n%s", logs)
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("a line that is not a JSON record: %s", line)
		}
	}
}
