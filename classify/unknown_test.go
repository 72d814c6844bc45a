package classify_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/wire"
)

// countingHandler records every log record it handles.
type countingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *countingHandler) WithGroup(string) slog.Handler            { return h }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

func (h *countingHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.records)
}

// attrs returns the attributes of record i as text.
func (h *countingHandler) attrs(i int) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := map[string]string{"level": h.records[i].Level.String()}
	h.records[i].Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

func newLogger(h slog.Handler) *slog.Logger { return slog.New(h) }

func unknownBody(typ, code string) []byte {
	return []byte(`{"error":{"message":"Incorrect API key provided: sk-proj-****abcd","type":"` + typ + `","param":null,"code":"` + code + `"}}`)
}

func TestUnknownLoggedOnce(t *testing.T) {
	h := &countingHandler{}
	c := classify.New(wire.OpenAI, newLogger(h))

	for range 3 {
		if r := c.Classify(classify.Signal{Status: 418, Body: unknownBody("teapot", "short")}); r.Known || r.Class != classify.Rejected {
			t.Fatalf("got %v known=%v, want rejected unknown", r.Class, r.Known)
		}
	}
	if n := h.count(); n != 1 {
		t.Fatalf("logged %d records for one unknown outcome, want 1", n)
	}
	got := h.attrs(0)
	for k, want := range map[string]string{
		"level": "WARN", "dialect": "openai", "status": "418", "type": "teapot", "code": "short", "class": "rejected",
	} {
		if got[k] != want {
			t.Errorf("attr %s = %q, want %q", k, got[k], want)
		}
	}
	for k, v := range got {
		if strings.Contains(v, "sk-") {
			t.Errorf("attr %s = %q: the upstream message must not be logged", k, v)
		}
	}

	// Another status, type, code or an in-stream error is another kind.
	c.Classify(classify.Signal{Status: 418, Body: unknownBody("teapot", "stout")})
	c.Classify(classify.Signal{Status: 418, Body: unknownBody("kettle", "short")})
	c.Classify(classify.Signal{Status: 451, Body: unknownBody("teapot", "short")})
	c.Classify(classify.Signal{Status: 200, InStream: true, Body: unknownBody("teapot", "short")})
	if n := h.count(); n != 5 {
		t.Errorf("logged %d records for five kinds, want 5", n)
	}

	// Known outcomes are not logged.
	c.Classify(classify.Signal{Status: 429, Body: []byte(oaiRateLimit)})
	c.Classify(classify.Signal{Status: 200})
	if n := h.count(); n != 5 {
		t.Errorf("known outcomes were logged: %d records, want 5", n)
	}
}

func TestUnknownLogConcurrent(t *testing.T) {
	h := &countingHandler{}
	c := classify.New(wire.Anthropic, newLogger(h))
	const kinds = 10
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range 100 {
				c.Classify(classify.Signal{Status: 418, Body: unknownBody("teapot", fmt.Sprint(i%kinds))})
			}
		})
	}
	wg.Wait()
	if n := h.count(); n != kinds {
		t.Errorf("logged %d records, want %d", n, kinds)
	}
}

func TestNilLogger(t *testing.T) {
	c := classify.New(wire.Anthropic, nil)
	if r := c.Classify(classify.Signal{Status: 418}); r.Class != classify.Rejected || r.Known {
		t.Errorf("got %v known=%v, want rejected unknown", r.Class, r.Known)
	}
}

// TestUnknownLogsProviderRequestID: the unknown-outcome line carries the
// provider's request id, the one its support asks for: from the error body
// (Anthropic's request_id) or, when the body has none, from the response
// header each provider sends (OpenAI's x-request-id, Anthropic's request-id).
func TestUnknownLogsProviderRequestID(t *testing.T) {
	anthropicBody := func(id string) []byte {
		return []byte(`{"type":"error","error":{"type":"teapot_error","message":"m"}` + id + `}`)
	}
	for _, tc := range []struct {
		name    string
		dialect wire.Dialect
		header  http.Header
		body    []byte
		want    string
	}{
		{"openai header", wire.OpenAI, http.Header{"X-Request-Id": {"req_openai_1"}}, unknownBody("teapot", "c"), "req_openai_1"},
		{"anthropic header", wire.Anthropic, http.Header{"Request-Id": {"req_hdr"}}, anthropicBody(""), "req_hdr"},
		{"anthropic body first", wire.Anthropic, http.Header{"Request-Id": {"req_hdr"}}, anthropicBody(`,"request_id":"req_body"`), "req_body"},
		{"none", wire.OpenAI, nil, unknownBody("teapot", "c"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &countingHandler{}
			c := classify.New(tc.dialect, newLogger(h))
			c.Classify(classify.Signal{Status: 418, Header: tc.header, Body: tc.body})
			if n := h.count(); n != 1 {
				t.Fatalf("logged %d records, want 1", n)
			}
			if got := h.attrs(0)["request_id"]; got != tc.want {
				t.Errorf("request_id = %q, want %q", got, tc.want)
			}
		})
	}
}
