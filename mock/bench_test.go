package mock

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// discardWriter is a ResponseWriter that keeps nothing, reused across
// iterations so the benchmark measures the handler alone.
type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }
func (w *discardWriter) Flush()                      {}

func benchHandler(b *testing.B, d wire.Dialect, k kind, stream bool) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	path := pathOpenAI
	if d == wire.Anthropic {
		path = pathAnthropic
	}
	body := []byte(requestBody(d, k, stream))
	rd := bytes.NewReader(body)
	req := httptest.NewRequest(http.MethodPost, path, nil)
	req.Body = io.NopCloser(rd)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rd.Reset(body)
		clear(w.h)
		s.ServeHTTP(w, req)
	}
	b.ReportMetric(float64(w.n)/float64(b.N), "out-bytes/op")
}

func BenchmarkMockNonStream(b *testing.B) {
	for _, dl := range dialects {
		b.Run(dl.d.String()+"/text", func(b *testing.B) { benchHandler(b, dl.d, kText, false) })
		b.Run(dl.d.String()+"/tool", func(b *testing.B) { benchHandler(b, dl.d, kTool, false) })
	}
}

func BenchmarkMockStream(b *testing.B) {
	for _, dl := range dialects {
		b.Run(dl.d.String()+"/text", func(b *testing.B) { benchHandler(b, dl.d, kText, true) })
		b.Run(dl.d.String()+"/tool", func(b *testing.B) { benchHandler(b, dl.d, kTool, true) })
	}
}

// BenchmarkMockHTTP measures whole requests over loopback HTTP, clients in
// parallel, as a load test sees the mock.
func BenchmarkMockHTTP(b *testing.B) {
	s, _ := New(Config{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	defer client.CloseIdleConnections()
	for _, stream := range []bool{false, true} {
		name := "nonstream"
		if stream {
			name = "stream"
		}
		body := requestBody(wire.Anthropic, kText, stream)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Post(ts.URL+pathAnthropic, "application/json", strings.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
