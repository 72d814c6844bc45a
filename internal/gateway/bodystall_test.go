package gateway_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lifelinehq/lifeline/internal/gateway"
)

// stalledRequest sends head and the first byte of a body of the declared
// Content-Length (or a chunked one when length is 0), never the rest, then
// reads what comes back. It returns the status and whether the gateway
// closed the connection after its answer.
func stalledRequest(t *testing.T, conn net.Conn, head string, length int) (status int, closed bool) {
	t.Helper()
	if length > 0 {
		head += "Content-Length: " + strconv.Itoa(length) + "\r\n\r\n{"
	} else {
		head += "Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n"
	}
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	resp.Body.Close()
	_, err = br.ReadByte()
	return resp.StatusCode, errors.Is(err, io.EOF)
}

// A request answered without its body being read (a missing key, a body
// over the limit, an endpoint that takes none) is answered at once and its
// connection closed: the gateway does not wait, without a bound, for the
// rest of a body a client never sends.
func TestAnswerWithoutReadingTheBodyClosesTheConnection(t *testing.T) {
	a := newUpstream(t, openaiD.Good(false))
	g := startGW(t, gateway.Config{
		Routes:  []gateway.RouteSpec{route("route", on(openaiD, a.URL))},
		Keys:    []gateway.Key{{Key: clientKey, Routes: []string{"*"}}},
		MaxBody: 1024,
	})
	addr := strings.TrimPrefix(g.ts.URL, "http://")
	for _, c := range []struct {
		name, head string
		length     int
		want       int
	}{
		{"no key", "POST /v1/messages HTTP/1.1\r\nHost: x\r\n", 1000, 401},
		{"no key, chunked", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n", 0, 401},
		{"over max_body", "POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + clientKey + "\r\n", 2000, 413},
		{"models", "GET /v1/models HTTP/1.1\r\nHost: x\r\nx-api-key: " + clientKey + "\r\n", 1000, 200},
		{"healthz", "GET /healthz HTTP/1.1\r\nHost: x\r\n", 1000, 200},
		{"no endpoint", "POST /v1/nothing HTTP/1.1\r\nHost: x\r\n", 1000, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Far above a local round trip: reached only when the gateway
			// waits for the body.
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			status, closed := stalledRequest(t, conn, c.head, c.length)
			if status != c.want || !closed {
				t.Fatalf("status %d, connection closed %v; want %d and closed", status, closed, c.want)
			}
		})
	}
}

// A body that stops arriving is answered 408 when the body read bound
// (60 s) runs out, and the connection is closed: the rest of the body is
// not awaited after the answer either.
func TestStalledBodyIsAnsweredAndTheConnectionClosed(t *testing.T) {
	for _, length := range []int{1000, 0} {
		synctest.Test(t, func(t *testing.T) {
			ln := servePiped(t, gateway.Config{
				Routes: []gateway.RouteSpec{route("route", on(openaiD, "http://127.0.0.1:1"))},
				Keys:   []gateway.Key{{Key: clientKey, Routes: []string{"*"}}},
			})
			conn := ln.dial()
			defer conn.Close()
			start := time.Now()
			conn.SetDeadline(start.Add(10 * time.Minute))
			status, closed := stalledRequest(t, conn, "POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: "+clientKey+"\r\n", length)
			if status != http.StatusRequestTimeout || !closed {
				t.Fatalf("status %d, connection closed %v after %v; want 408 and closed", status, closed, time.Since(start))
			}
			// The answer at the 60 s body read bound, the connection closed
			// after at most a second of draining.
			if d := time.Since(start); d < 60*time.Second || d > 61*time.Second {
				t.Fatalf("answered and closed after %v; want 60 s to 61 s", d)
			}
		})
	}
}

// servePiped starts a gateway on cfg behind an http.Server whose
// connections are in memory (see pipeListener), so that in a synctest
// bubble every wait runs on the bubble's clock; it stops at the test's end.
func servePiped(t *testing.T, cfg gateway.Config) *pipeListener {
	t.Helper()
	srv, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.MarkReady()
	ln := newPipeListener()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		hs.Serve(ln)
	}()
	t.Cleanup(func() {
		hs.Close()
		<-served
		srv.Close()
	})
	return ln
}

// pipeListener serves in-memory connections, so that every wait runs on
// a synctest bubble's clock.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) dial() net.Conn {
	client, server := net.Pipe()
	l.conns <- server
	return client
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }
