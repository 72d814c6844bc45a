package lifeline_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// benchUpstream answers every request with the same OpenAI completion.
func benchUpstream(b *testing.B, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func benchTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	return t
}

func runClient(b *testing.B, c *http.Client, url string, req []byte) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := c.Post(url, "application/json", bytes.NewReader(req))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
}

// BenchmarkPlainClient is the baseline: a plain http.Client on a loopback
// upstream.
func BenchmarkPlainClient(b *testing.B) {
	srv := benchUpstream(b, openaiD.ok)
	c := &http.Client{Transport: benchTransport()}
	runClient(b, c, srv.URL+"/v1/chat/completions", []byte(openaiD.request))
}

// BenchmarkTransport is the same call through lifeline's RoundTripper: the
// difference to BenchmarkPlainClient is what the engine adds to a
// successful non-streaming call.
func BenchmarkTransport(b *testing.B) {
	srv := benchUpstream(b, openaiD.ok)
	e := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: benchTransport()}))
	r, err := e.NewRoute("route", []lifeline.Target{{
		Provider: &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: srv.URL + "/v1", APIKey: "k"}, Model: "m",
	}})
	if err != nil {
		b.Fatal(err)
	}
	c := &http.Client{Transport: e.Transport(r)}
	runClient(b, c, "http://lifeline.invalid/v1/chat/completions", []byte(openaiD.request))
}

// BenchmarkTransportValidated adds a JSON Schema check of the answer.
func BenchmarkTransportValidated(b *testing.B) {
	srv := benchUpstream(b, `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\"answer\":\"yes\",\"confidence\":0.9}"},"finish_reason":"stop"}]}`)
	e := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: benchTransport()}))
	r, err := e.NewRoute("route", []lifeline.Target{{
		Provider: &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: srv.URL + "/v1", APIKey: "k"}, Model: "m",
	}}, lifeline.WithValidation(validate.Spec{Schema: []byte(`{"type":"object","required":["answer","confidence"],"properties":{"answer":{"type":"string"},"confidence":{"type":"number"}}}`)}))
	if err != nil {
		b.Fatal(err)
	}
	c := &http.Client{Transport: e.Transport(r)}
	runClient(b, c, "http://lifeline.invalid/v1/chat/completions", []byte(openaiD.request))
}

// memoryUpstream answers every request in memory with the same body: no
// network, so the difference between the two benchmarks below is the
// engine's own cost.
type memoryUpstream struct{ body []byte }

func (m memoryUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(m.body)),
		ContentLength: int64(len(m.body)), Request: r,
	}, nil
}

// BenchmarkPlainClientInMemory: a plain http.Client over the in-memory upstream.
func BenchmarkPlainClientInMemory(b *testing.B) {
	c := &http.Client{Transport: memoryUpstream{[]byte(openaiD.ok)}}
	runClient(b, c, "http://upstream.invalid/v1/chat/completions", []byte(openaiD.request))
}

// BenchmarkTransportInMemory: the same through lifeline's RoundTripper.
func BenchmarkTransportInMemory(b *testing.B) {
	e := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: memoryUpstream{[]byte(openaiD.ok)}}))
	r, err := e.NewRoute("route", []lifeline.Target{{
		Provider: &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: "http://upstream.invalid/v1", APIKey: "k"}, Model: "m",
	}})
	if err != nil {
		b.Fatal(err)
	}
	c := &http.Client{Transport: e.Transport(r)}
	runClient(b, c, "http://lifeline.invalid/v1/chat/completions", []byte(openaiD.request))
}
