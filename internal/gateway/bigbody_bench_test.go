package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
)

// BenchmarkHandlerLargeBody is a 30 MiB OpenAI request through the gateway,
// to an OpenAI target (same) and to an Anthropic one (translated):
// bytes allocated per request, in copies of the body.
func BenchmarkHandlerLargeBody(b *testing.B) {
	body, _ := json.Marshal(map[string]any{"model": "route", "messages": []map[string]string{
		{"role": "user", "content": strings.Repeat("abcdefghij ", 30<<20/11)}}})
	for _, tc := range []struct {
		name string
		kind lifeline.Dialect
		url  string
		ans  string
	}{
		{"same", openaiD.Kind, "http://upstream.invalid/v1", openaiD.OK},
		{"translated", anthropicD.Kind, "http://upstream.invalid", anthropicD.OK},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := &lifeline.Provider{Name: "mem", Kind: tc.kind, BaseURL: tc.url, APIKey: openaiKey}
			srv, err := gateway.New(gateway.Config{
				Routes: []gateway.RouteSpec{{Name: "route", Chain: []lifeline.Target{{Provider: p, Model: "m0"}}}},
				HTTPClient: &http.Client{Transport: &memTransport{status: 200,
					header: http.Header{"Content-Type": {"application/json"}}, body: []byte(tc.ans)}},
			})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			srv.MarkReady()
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, "http://gateway/v1/chat/completions", io.NopCloser(bytes.NewReader(body)))
				req.ContentLength = int64(len(body))
				clear(w.h)
				w.status = 0
				srv.ServeHTTP(w, req)
				if w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
