package upstream

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

func post(t *testing.T, h http.Handler, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
	return w
}

func TestFixedBodies(t *testing.T) {
	h := New(Options{})
	for _, tc := range []struct {
		path string
		want []byte
		d    wire.Dialect
	}{
		{"/v1/chat/completions", OpenAIBody(), wire.OpenAI},
		{"/v1/messages", AnthropicBody(), wire.Anthropic},
	} {
		w := post(t, h, tc.path, `{"model":"m","messages":[]}`)
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), tc.want) {
			t.Fatalf("%s: %d %s", tc.path, w.Code, w.Body)
		}
		if got := w.Header().Get("Content-Type"); got != "application/json" {
			t.Errorf("%s: Content-Type %q", tc.path, got)
		}
		out, err := wire.ParseOutput(tc.d, w.Body.Bytes())
		if err != nil || out.Text == "" {
			t.Errorf("%s: not a valid answer in its dialect: %v", tc.path, err)
		}
	}
}

// events reads a stream body as SSE events.
func events(t *testing.T, body []byte) []sse.Event {
	t.Helper()
	rd := sse.NewReader(bytes.NewReader(body), 0)
	var evs []sse.Event
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		ev.Data = append([]byte(nil), ev.Data...)
		ev.Name = append([]byte(nil), ev.Name...)
		evs = append(evs, ev)
	}
}

func TestStreamsInBothDialects(t *testing.T) {
	for _, n := range []int{0, 6, 20, 50} {
		want := n
		if n == 0 {
			want = 20
		}
		h := New(Options{Events: n})
		for _, tc := range []struct {
			path string
			d    wire.Dialect
		}{{"/v1/chat/completions", wire.OpenAI}, {"/openai/v1/chat/completions", wire.OpenAI}, {"/v1/messages", wire.Anthropic}} {
			w := post(t, h, tc.path, `{"model":"m", "stream" : true,"messages":[]}`)
			if ct := w.Header().Get("Content-Type"); w.Code != 200 || ct != "text/event-stream" {
				t.Fatalf("%s: %d %q", tc.path, w.Code, ct)
			}
			if got := Count(w.Body.Bytes()); got != want {
				t.Fatalf("%s with %d events: Count = %d", tc.path, n, got)
			}
			evs := events(t, w.Body.Bytes())
			if len(evs) != want {
				t.Fatalf("%s: %d events parsed, want %d", tc.path, len(evs), want)
			}
			if tc.d == wire.OpenAI {
				if k := wire.EventKind(tc.d, evs[0]); k != wire.KindContent {
					t.Errorf("first OpenAI event is kind %v, want content: the benchmark's TTFB must not include lifeline's hold of opening events", k)
				}
			}
			if k := wire.EventKind(tc.d, evs[len(evs)-1]); k != wire.KindDone {
				t.Errorf("%s: last event is kind %v, want done", tc.path, k)
			}
			acc := wire.NewAccumulator(tc.d)
			for _, ev := range evs {
				acc.Add(ev)
			}
			if out := acc.Output(); !strings.Contains(out.Text, "token00") {
				t.Errorf("%s: accumulated text %q", tc.path, out.Text)
			}
		}
	}
}

func TestWantsStream(t *testing.T) {
	for body, want := range map[string]bool{
		`{"stream":true}`:          true,
		`{"stream" : true}`:        true,
		"{\"stream\":\n\ttrue}":    true,
		`{"stream":false}`:         false,
		`{"model":"m"}`:            false,
		`{"x":"stream","y":true}`:  false,
		`{"stream_options":{}}`:    false,
		`{"messages":[],"stream"}`: false,
	} {
		if got := wantsStream([]byte(body)); got != want {
			t.Errorf("wantsStream(%s) = %v, want %v", body, got, want)
		}
	}
}

func TestOtherRequestsAre404(t *testing.T) {
	h := New(Options{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/chat/completions", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("GET: %d", w.Code)
	}
	if w := post(t, h, "/v1/embeddings", `{}`); w.Code != http.StatusNotFound {
		t.Errorf("embeddings: %d", w.Code)
	}
}

func TestOpenAIStreamIsValidJSONPerChunk(t *testing.T) {
	w := post(t, New(Options{}), "/v1/chat/completions", `{"stream":true}`)
	sc := bufio.NewScanner(w.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		if !json.Valid([]byte(data)) {
			t.Errorf("invalid chunk %s", data)
		}
	}
}

// TestOverloadedPrefix: under OverloadedPrefix every request is answered
// 503 with a body that lifeline's classifier reads as overloaded, in both
// dialects, so a provider based there is a target that always fails and
// whose failures move the request to the next target at once.
func TestOverloadedPrefix(t *testing.T) {
	h := New(Options{})
	for _, tc := range []struct {
		path string
		d    wire.Dialect
	}{
		{OverloadedPrefix + "/v1/chat/completions", wire.OpenAI},
		{OverloadedPrefix + "/v1/messages", wire.Anthropic},
	} {
		for _, body := range []string{`{"model":"m","messages":[]}`, `{"model":"m","stream":true,"messages":[]}`} {
			w := post(t, h, tc.path, body)
			if w.Code != http.StatusServiceUnavailable {
				t.Fatalf("%s %s: HTTP %d, want 503", tc.path, body, w.Code)
			}
			res := classify.New(tc.d, nil).Classify(classify.Signal{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()})
			if res.Class != classify.Overloaded || !res.Known {
				t.Errorf("%s: classified %v (known %v), want overloaded", tc.path, res.Class, res.Known)
			}
		}
	}
	if w := post(t, h, "/v1/chat/completions", `{"model":"m","messages":[]}`); w.Code != http.StatusOK {
		t.Errorf("outside the prefix: HTTP %d, want 200", w.Code)
	}
}
