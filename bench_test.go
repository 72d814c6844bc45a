package lifeline_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
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
// engine's own cost. Like net/http's transport, it reports the end of the
// request's write to the request's httptrace hooks.
type memoryUpstream struct{ body []byte }

func (m memoryUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	if trace := httptrace.ContextClientTrace(r.Context()); trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{})
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

// bareWrapper does only the work no RoundTripper with the engine's
// contract can skip on a successful call, each part as cheaply as the
// engine does it: the reference for what the engine's policies add. It
// reads the SDK's body, finds its fields and writes the target's model
// into a copy, builds upstream headers with credentials and a fresh
// idempotency key, sends the attempt under its own cancellable context (a
// time bound needs one), and reads the answer into memory before the SDK
// sees it. Like the engine, it reuses the body buffer and the upstream
// request's storage (the engine's own type: request, header map, context)
// from one request to the next when net/http gave them back. It has no
// breaker, budget, watchdog, classification or fallback, and serves
// requests of known length only.
type bareWrapper struct {
	next     http.RoundTripper
	template *http.Request
	mu       sync.Mutex
	random   *bufio.Reader
	storage  sync.Pool // of *bareStorage
}

// bareStorage is what the bare wrapper reuses across requests.
type bareStorage struct {
	up *lifeline.UpstreamCall
	in []byte
}

func newBareWrapper(next http.RoundTripper, base string) *http.Client {
	u, err := url.Parse(base + "/chat/completions")
	if err != nil {
		panic(err)
	}
	return &http.Client{Transport: &bareWrapper{
		next: next,
		template: &http.Request{Method: http.MethodPost, URL: u, Host: u.Host,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1},
		random: bufio.NewReaderSize(rand.Reader, 4096),
	}}
}

func (w *bareWrapper) RoundTrip(req *http.Request) (*http.Response, error) {
	st, _ := w.storage.Get().(*bareStorage)
	if st == nil {
		st = new(bareStorage)
	}
	n := int(req.ContentLength)
	if cap(st.in) < 2*n+16 {
		st.in = make([]byte, 0, 2*n+16)
	}
	in := st.in[:n]
	_, err := io.ReadFull(req.Body, in)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	f, err := wire.Scan(in)
	if err != nil {
		return nil, err
	}
	body := wire.AppendSetModel(in[n:n:cap(in)], in, f, "m")
	w.mu.Lock()
	key, err := uuid.NewRandomFromReader(w.random)
	w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if st.up == nil || !st.up.Restart(req.Context()) {
		st.up = lifeline.NewUpstreamCall(req.Context())
	}
	up := st.up.Prepare(w.template, body, key.String())
	up.Header["Authorization"] = bareAuth
	up.Header["Content-Type"] = bareContentType
	resp, err := w.next.RoundTrip(up)
	if err != nil {
		st.up.Finish()
		return nil, err // the storage stays with net/http
	}
	out := &bareAnswer{resp: *resp}
	answer := make([]byte, resp.ContentLength)
	_, err = io.ReadFull(resp.Body, answer)
	resp.Body.Close()
	if st.up.Finish() {
		w.storage.Put(st)
	}
	if err != nil {
		return nil, err
	}
	out.body.Reset(answer)
	out.resp.Body, out.resp.Request = bareBody{&out.body}, req
	return &out.resp, nil
}

// Header values the bare wrapper shares between requests, as the engine does.
var (
	bareAuth        = []string{"Bearer k"}
	bareContentType = []string{"application/json"}
)

// bareAnswer is the one allocation of the bare wrapper's answer.
type bareAnswer struct {
	resp http.Response
	body bytes.Reader
}

// bareBody is an in-memory answer's body.
type bareBody struct{ *bytes.Reader }

func (bareBody) Close() error { return nil }

// BenchmarkBareWrapper is BenchmarkTransport with the bare wrapper in
// place of the engine.
func BenchmarkBareWrapper(b *testing.B) {
	base := benchUpstream(b, openaiD.OK)
	c := newBareWrapper(benchTransport(), base+"/v1")
	runClient(b, c, "http://lifeline.invalid/v1/chat/completions", []byte(openaiD.Request))
}

// BenchmarkBareWrapperInMemory is BenchmarkTransportInMemory with the bare
// wrapper in place of the engine.
func BenchmarkBareWrapperInMemory(b *testing.B) {
	c := newBareWrapper(memoryUpstream{[]byte(openaiD.OK)}, "http://upstream.invalid/v1")
	runClient(b, c, "http://lifeline.invalid/v1/chat/completions", []byte(openaiD.Request))
}

// BenchmarkOverhead measures what the engine adds to a call by timing
// three clients in turns, request by request, on the same loopback
// upstream: a plain http.Client, the same client under the bare wrapper,
// and under the engine's Transport. Whatever else the machine does in the
// meantime slows all three alike. It reports each client's time per call
// ("plain-ns/op", "bare-ns/op", "lifeline-ns/op") and what the wrapper and
// the engine add to the plain call ("bare-added-ns/op", "added-ns/op");
// allocations are counted by the separate benchmarks.
func BenchmarkOverhead(b *testing.B) {
	base := benchUpstream(b, openaiD.OK)
	lb := "http://lifeline.invalid/v1/chat/completions"
	clients := []struct {
		c   *http.Client
		url string
	}{
		{&http.Client{Transport: benchTransport()}, base + "/v1/chat/completions"},
		{newBareWrapper(benchTransport(), base+"/v1"), lb},
		{benchRoute(b, benchTransport(), base+"/v1"), lb},
	}
	body := []byte(openaiD.Request)
	var spent [3]time.Duration
	i := 0
	for b.Loop() {
		// Each client goes first, second and third in turn.
		for j := range clients {
			k := (i + j) % len(clients)
			start := time.Now()
			sdkCall(b, clients[k].c, clients[k].url, body)
			spent[k] += time.Since(start)
		}
		i++
	}
	per := func(d time.Duration) float64 { return float64(d) / float64(b.N) }
	b.ReportMetric(per(spent[0]), "plain-ns/op")
	b.ReportMetric(per(spent[1]), "bare-ns/op")
	b.ReportMetric(per(spent[2]), "lifeline-ns/op")
	b.ReportMetric(per(spent[1]-spent[0]), "bare-added-ns/op")
	b.ReportMetric(per(spent[2]-spent[0]), "added-ns/op")
}
