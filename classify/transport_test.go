package classify_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/internal/upstreamtest"
	"github.com/lifelinehq/lifeline/wire"
)

// client returns an HTTP client that keeps no idle connections behind.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// rawServer serves every connection with handle, then closes it.
func rawServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			handle(c)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// transportErrors produces real transport failures.
func transportErrors(t *testing.T) map[string]error {
	errs := map[string]error{}

	_, err := net.Dial("tcp", strings.TrimPrefix(upstreamtest.RefusedURL(t), "http://"))
	errs["dial refused"] = err

	_, err = client(t).Get(upstreamtest.RefusedURL(t) + "/v1/messages")
	errs["http refused"] = err

	// The server hangs up before answering.
	hangup := rawServer(t, func(c net.Conn) { bufio.NewReader(c).ReadString('\n') })
	_, err = client(t).Get("http://" + hangup + "/")
	errs["hang-up before response"] = err

	// The server promises 100 bytes and sends 5: the stream was cut.
	cut := rawServer(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 100\r\n\r\nevent")
	})
	resp, err := client(t).Get("http://" + cut + "/")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	errs["cut body"] = err

	// A TLS server whose certificate the client does not trust.
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	_, err = client(t).Get(tlsSrv.URL)
	errs["tls unknown authority"] = err

	// The attempt's deadline has passed.
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tlsSrv.URL, nil)
	_, err = client(t).Do(req)
	errs["deadline"] = err

	// A read that times out (an idle watchdog's deadline).
	idle := rawServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	conn, err := net.Dial("tcp", idle)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now())
	_, err = conn.Read(make([]byte, 1))
	conn.Close()
	errs["read timeout"] = err

	errs["dns"] = &url.Error{Op: "Post", URL: "https://nonexistent.invalid/v1/messages",
		Err: &net.DNSError{Err: "no such host", Name: "nonexistent.invalid", IsNotFound: true}}
	errs["canceled"] = fmt.Errorf("attempt: %w", context.Canceled)
	errs["eof"] = io.EOF
	errs["unexpected eof"] = io.ErrUnexpectedEOF
	errs["reset"] = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	return errs
}

func TestTransportErrors(t *testing.T) {
	errs := transportErrors(t)
	for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		c := classify.New(d, nil)
		for name, err := range errs {
			t.Run(d.String()+"/"+name, func(t *testing.T) {
				if err == nil {
					t.Fatal("no error was produced")
				}
				r := c.Classify(classify.Signal{Err: err})
				if r.Class != classify.Transient || !r.Known {
					t.Errorf("%T %v: got %v known=%v, want transient known", err, err, r.Class, r.Known)
				}
				// An error wins over whatever status and body came with it.
				r = c.Classify(classify.Signal{Status: 200, InStream: true, Body: []byte(antOverloaded), Err: err})
				if r.Class != classify.Transient {
					t.Errorf("with body: got %v, want transient", r.Class)
				}
			})
		}
	}
	if !errors.Is(errs["dial refused"], syscall.ECONNREFUSED) {
		t.Errorf("dial error %v is not ECONNREFUSED", errs["dial refused"])
	}
}

func TestUnknownTransportErrorIsTransient(t *testing.T) {
	h := &countingHandler{}
	c := classify.New(wire.OpenAI, newLogger(h))
	for range 3 {
		r := c.Classify(classify.Signal{Err: errors.New("something odd")})
		if r.Class != classify.Transient || r.Known {
			t.Fatalf("got %v known=%v, want transient unknown", r.Class, r.Known)
		}
	}
	if n := h.count(); n != 1 {
		t.Errorf("logged %d records, want 1", n)
	}
}
