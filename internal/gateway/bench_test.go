package gateway_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
)

// The request path without a network: the gateway's handler called
// directly, its upstream an in-memory RoundTripper with a fixed answer.

// memTransport answers every request with the same response.
type memTransport struct {
	status int
	header http.Header
	body   []byte
}

func (m *memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: m.status, Header: m.header, Body: io.NopCloser(bytes.NewReader(m.body)),
		ContentLength: int64(len(m.body)), Request: req, ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}

// discardWriter is a minimal http.ResponseWriter and http.Flusher.
type discardWriter struct {
	h      http.Header
	status int
	n      int
	last   []byte
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(s int)   { w.status = s }
func (w *discardWriter) Flush()              {}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	w.last = p
	return len(p), nil
}

// benchStream is an OpenAI stream of 20 events: the role chunk, 17 content
// chunks, the finish chunk and [DONE].
func benchStream() []byte {
	var b strings.Builder
	b.WriteString("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n")
	for i := range 17 {
		fmt.Fprintf(&b, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token %d \"},\"finish_reason\":null}]}\n\n", i)
	}
	b.WriteString("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
	b.WriteString("data: [DONE]\n\n")
	return []byte(b.String())
}

func benchGateway(b *testing.B, t *memTransport, keys ...gateway.Key) *gateway.Server {
	b.Helper()
	p := &lifeline.Provider{Name: "mem", Kind: openaiD.Kind, BaseURL: "http://upstream.invalid/v1", APIKey: openaiKey}
	srv, err := gateway.New(gateway.Config{
		Routes:     []gateway.RouteSpec{{Name: "route", Chain: []lifeline.Target{{Provider: p, Model: "m0"}}}},
		HTTPClient: &http.Client{Transport: t},
		Keys:       keys,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	srv.MarkReady()
	return srv
}

func benchHandler(b *testing.B, srv *gateway.Server, body []byte, wantLast string, auth ...string) {
	b.Helper()
	rd := bytes.NewReader(body)
	req, err := http.NewRequest(http.MethodPost, "http://gateway/v1/chat/completions", rd)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, a := range auth {
		req.Header.Set("Authorization", a)
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		clear(w.h)
		w.status, w.n = 0, 0
		srv.ServeHTTP(w, req)
		if w.status != 200 {
			b.Fatalf("status %d", w.status)
		}
	}
	if !strings.HasSuffix(string(w.last), wantLast) {
		b.Fatalf("last write %q, want it to end with %q", w.last, wantLast)
	}
}

func BenchmarkHandlerNonStream(b *testing.B) {
	srv := benchGateway(b, &memTransport{
		status: 200, header: http.Header{"Content-Type": {"application/json"}, "X-Ratelimit-Remaining-Requests": {"99"}},
		body: []byte(openaiD.OK),
	})
	benchHandler(b, srv, []byte(openaiD.Request), `"total_tokens":2}}`)
}

func BenchmarkHandlerStream20(b *testing.B) {
	srv := benchGateway(b, &memTransport{
		status: 200, header: http.Header{"Content-Type": {"text/event-stream"}},
		body: benchStream(),
	})
	benchHandler(b, srv, []byte(openaiD.StreamRequest()), "data: [DONE]\n\n")
}

// BenchmarkHandlerNonStreamKeys is BenchmarkHandlerNonStream behind 1,000
// client keys, the request presenting the last one configured: what finding
// a client's key costs a deployment with many of them.
func BenchmarkHandlerNonStreamKeys(b *testing.B) {
	srv := benchGateway(b, &memTransport{
		status: 200, header: http.Header{"Content-Type": {"application/json"}, "X-Ratelimit-Remaining-Requests": {"99"}},
		body: []byte(openaiD.OK),
	}, benchKeys(1000)...)
	benchHandler(b, srv, []byte(openaiD.Request), `"total_tokens":2}}`, "Bearer client-key-0999")
}

func benchKeys(n int) []gateway.Key {
	keys := make([]gateway.Key, n)
	for i := range keys {
		keys[i] = gateway.Key{Key: lifeline.Secret(fmt.Sprintf("client-key-%04d", i)), Routes: []string{"*"}}
	}
	return keys
}

// BenchmarkHandlerStream20Keys is BenchmarkHandlerStream20 behind 1,000
// client keys: every event is checked for every credential before it is
// written.
func BenchmarkHandlerStream20Keys(b *testing.B) {
	srv := benchGateway(b, &memTransport{
		status: 200, header: http.Header{"Content-Type": {"text/event-stream"}},
		body: benchStream(),
	}, benchKeys(1000)...)
	benchHandler(b, srv, []byte(openaiD.StreamRequest()), "data: [DONE]\n\n", "Bearer client-key-0999")
}
