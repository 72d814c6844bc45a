package lifeline_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// validatedAnswer is a completion whose content matches benchSchema.
const validatedAnswer = `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\"answer\":\"yes\",\"confidence\":0.9}"},"finish_reason":"stop"}]}`

const benchSchema = `{"type":"object","required":["answer","confidence"],"properties":{"answer":{"type":"string"},"confidence":{"type":"number"}}}`

// benchUpstream answers every request on a loopback port with the same
// 200 JSON body and returns its base URL. It is a canned responder, not a
// net/http server: it reads each request (headers to the blank line, then
// Content-Length bytes) into buffers it reuses and writes a prebuilt
// response, so that its own work is small, fixed and allocation-free, and
// the benchmarks compare what the clients spend.
func benchUpstream(b *testing.B, body string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Go(func() { answerEach(conn, resp) })
		}
	})
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// answerEach writes resp for every request read from conn, until conn
// fails or a request is not one it can frame.
func answerEach(conn net.Conn, resp []byte) {
	defer conn.Close()
	r := bufio.NewReaderSize(conn, 8<<10)
	for {
		n := int64(0)
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 { // the blank line ending the headers
				break
			}
			if name, value, ok := bytes.Cut(line, []byte(":")); ok {
				if bytes.EqualFold(name, []byte("Content-Length")) {
					if n = parseLength(bytes.TrimSpace(value)); n < 0 {
						return
					}
				} else if bytes.EqualFold(name, []byte("Transfer-Encoding")) {
					return // chunked bodies are not framed here
				}
			}
		}
		if _, err := r.Discard(int(n)); err != nil {
			return
		}
		if _, err := conn.Write(resp); err != nil {
			return
		}
	}
}

// parseLength reads a Content-Length value; -1 when it is not one.
func parseLength(v []byte) int64 {
	if len(v) == 0 || len(v) > 12 {
		return -1
	}
	n := int64(0)
	for _, c := range v {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func benchTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	return t
}

// runClient sends the same request as an SDK would, credentials included,
// b.N times.
func runClient(b *testing.B, c *http.Client, url string, body []byte) {
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		sdkCall(b, c, url, body)
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// sdkCall sends body as an SDK would, credentials included, and reads
// the whole answer, which must be a 200.
func sdkCall(b *testing.B, c *http.Client, url string, body []byte) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["Authorization"] = []string{"Bearer k"}
	resp, err := c.Do(req)
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

// processCPU returns the CPU time this process has used (every thread,
// user and system) in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchRoute returns a client whose transport runs every request through
// a one-target route to base.
func benchRoute(b *testing.B, rt http.RoundTripper, base string, opts ...lifeline.RouteOption) *http.Client {
	e := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: rt}))
	r, err := e.NewRoute("route", []lifeline.Target{{
		Provider: &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: base, APIKey: "k"}, Model: "m",
	}}, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return &http.Client{Transport: e.Transport(r)}
}

// BenchmarkPlainClient is the baseline: a plain http.Client on a loopback
// upstream.
func BenchmarkPlainClient(b *testing.B) {
	base := benchUpstream(b, openaiD.OK)
	runClient(b, &http.Client{Transport: benchTransport()}, base+"/v1/chat/completions", []byte(openaiD.Request))
}

// BenchmarkTransport is the same call through lifeline's RoundTripper: the
// difference to BenchmarkPlainClient is what the engine adds to a
// successful non-streaming call.
func BenchmarkTransport(b *testing.B) {
	base := benchUpstream(b, openaiD.OK)
	c := benchRoute(b, benchTransport(), base+"/v1")
	runClient(b, c, "http://lifeline.invalid/v1/chat/completions", []byte(openaiD.Request))
}

// BenchmarkTransportValidated adds a JSON Schema check of the answer.
func BenchmarkTransportValidated(b *testing.B) {
	base := benchUpstream(b, validatedAnswer)
	c := benchRoute(b, benchTransport(), base+"/v1",
		lifeline.WithValidation(validate.Spec{Schema: []byte(benchSchema)}))
	runClient(b, c, "http://lifeline.invalid/v1/chat/completions", []byte(openaiD.Request))
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
	c := &http.Client{Transport: memoryUpstream{[]byte(openaiD.OK)}}
	runClient(b, c, "http://upstream.invalid/v1/chat/completions", []byte(openaiD.Request))
}

// BenchmarkTransportInMemory: the same through lifeline's RoundTripper.
func BenchmarkTransportInMemory(b *testing.B) {
	c := benchRoute(b, memoryUpstream{[]byte(openaiD.OK)}, "http://upstream.invalid/v1")
	runClient(b, c, "http://lifeline.invalid/v1/chat/completions", []byte(openaiD.Request))
}

// BenchmarkOverhead measures what the engine adds to a call by timing
// the two clients of the benchmarks above in turns, request by request, on
// the same upstream: whatever else the machine does in the meantime slows
// both alike. It reports each client's time per call and the difference
// ("added-ns/op"); allocations are counted by the separate benchmarks.
func BenchmarkOverhead(b *testing.B) {
	base := benchUpstream(b, openaiD.OK)
	plain := &http.Client{Transport: benchTransport()}
	engine := benchRoute(b, benchTransport(), base+"/v1")
	body := []byte(openaiD.Request)
	call := func(c *http.Client, url string) time.Duration {
		start := time.Now()
		sdkCall(b, c, url, body)
		return time.Since(start)
	}
	var tp, te time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			tp += call(plain, base+"/v1/chat/completions")
			te += call(engine, "http://lifeline.invalid/v1/chat/completions")
		} else {
			te += call(engine, "http://lifeline.invalid/v1/chat/completions")
			tp += call(plain, base+"/v1/chat/completions")
		}
		i++
	}
	b.ReportMetric(float64(tp)/float64(b.N), "plain-ns/op")
	b.ReportMetric(float64(te)/float64(b.N), "lifeline-ns/op")
	b.ReportMetric(float64(te-tp)/float64(b.N), "added-ns/op")
}
