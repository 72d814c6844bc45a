// Package upstreamtest is a scripted model API for tests: a real HTTP
// server that plays one behaviour per request it receives and remembers
// what it was sent, plus the behaviours the engine's and the gateway's
// tests share (an answer, an event stream, a hang) and a refused port.
package upstreamtest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Behaviour is what a scripted upstream does for one request.
type Behaviour func(w http.ResponseWriter, r *http.Request)

// Request is one request an upstream received.
type Request struct {
	Header http.Header
	Body   string
	At     time.Time
	Proto  string // "HTTP/1.1", or "HTTP/2.0" on a NewHTTP2 server
}

// Server is a real HTTP server that plays a script, one behaviour per
// request; the last behaviour repeats.
type Server struct {
	*httptest.Server
	mu     sync.Mutex
	script []Behaviour
	calls  atomic.Int32
	reqs   []Request
}

// New starts a Server playing script; it is closed when the test ends.
func New(t testing.TB, script ...Behaviour) *Server {
	t.Helper()
	s := newServer(script)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// NewHTTP2 is New over TLS with HTTP/2, as the providers' own APIs are
// served; its Client trusts it and speaks HTTP/2 to it.
func NewHTTP2(t testing.TB, script ...Behaviour) *Server {
	t.Helper()
	s := newServer(script)
	s.EnableHTTP2 = true
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// newServer returns a Server playing script, not started.
func newServer(script []Behaviour) *Server {
	s := &Server{script: script}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := int(s.calls.Add(1)) - 1
		s.reqs = append(s.reqs, Request{Header: r.Header.Clone(), Body: string(b), At: time.Now(), Proto: r.Proto})
		if n >= len(s.script) {
			n = len(s.script) - 1
		}
		beh := s.script[n]
		s.mu.Unlock()
		beh(w, r)
	}))
	return s
}

// Count is the number of requests the server received.
func (s *Server) Count() int { return int(s.calls.Load()) }

// Requests returns what the server received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Bodies returns the bodies of the requests received, in order.
func (s *Server) Bodies() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Body)
	}
	return out
}

// IdempotencyKeys returns the Idempotency-Key of each request received,
// in order.
func (s *Server) IdempotencyKeys() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Header.Get("Idempotency-Key"))
	}
	return out
}

// SetScript replaces the script and forgets the requests seen so far.
func (s *Server) SetScript(script ...Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = script
	s.calls.Store(0)
	s.reqs = nil
}

// RefusedURL returns a URL on which connections are refused.
func RefusedURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// Reply answers with status, the headers and a JSON body.
func Reply(status int, header map[string]string, body string) Behaviour {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// Events writes SSE events one by one with a flush each; then returns
// (the stream ends) or, with hangAfter, waits until the client goes away.
func Events(evs []string, hangAfter bool) Behaviour {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		f := w.(http.Flusher)
		for _, e := range evs {
			io.WriteString(w, e)
			f.Flush()
		}
		if hangAfter {
			<-r.Context().Done()
		}
	}
}

// Hang waits, headers unsent, until the client goes away.
func Hang() Behaviour {
	return func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
}
