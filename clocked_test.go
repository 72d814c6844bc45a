package lifeline_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// clocked is an in-memory upstream for tests run under testing/synctest:
// every delay is on the bubble's fake clock, so time bounds are exact.
// Requests go to the script of their URL's host; a script's last
// behaviour repeats.
type clocked struct {
	mu      sync.Mutex
	scripts map[string][]clockedStep
	calls   map[string]int
}

// clockedStep answers one request; ctx is the attempt's context.
type clockedStep func(ctx context.Context) (*http.Response, error)

func newClocked() *clocked {
	return &clocked{scripts: map[string][]clockedStep{}, calls: map[string]int{}}
}

// on sets the script of host and returns its base URL.
func (c *clocked) on(host string, steps ...clockedStep) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scripts[host] = steps
	return "http://" + host
}

// count is the number of requests host received.
func (c *clocked) count(host string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[host]
}

func (c *clocked) client() *http.Client { return &http.Client{Transport: c} }

// RoundTrip implements http.RoundTripper.
func (c *clocked) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	c.mu.Lock()
	steps := c.scripts[r.URL.Host]
	n := c.calls[r.URL.Host]
	c.calls[r.URL.Host]++
	c.mu.Unlock()
	// Like net/http's transport, it reports the request's write done.
	if trace := httptrace.ContextClientTrace(r.Context()); trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{})
	}
	step := steps[min(n, len(steps)-1)]
	resp, err := step(r.Context())
	if resp != nil {
		resp.Request = r
	}
	return resp, err
}

// timedEvents sends its headers after headerDelay, then each event after
// its delay; then the body ends or, with hang, waits for the attempt to
// end.
func timedEvents(headerDelay time.Duration, evs []string, delays []time.Duration, hang bool) clockedStep {
	return func(ctx context.Context) (*http.Response, error) {
		select {
		case <-time.After(headerDelay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		ch := make(chan []byte)
		go func() {
			defer close(ch)
			for i, e := range evs {
				select {
				case <-time.After(delays[i]):
				case <-ctx.Done():
					return
				}
				select {
				case ch <- []byte(e):
				case <-ctx.Done():
					return
				}
			}
			if hang {
				<-ctx.Done()
			}
		}()
		return &http.Response{
			StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"text/event-stream"}},
			Body:   &chanBody{ctx: ctx, ch: ch}, ContentLength: -1,
		}, nil
	}
}

// chanBody is a response body fed by a channel; a read ends with the
// attempt's context.
type chanBody struct {
	ctx context.Context
	ch  <-chan []byte
	buf []byte
}

func (b *chanBody) Read(p []byte) (int, error) {
	for len(b.buf) == 0 {
		select {
		case chunk, ok := <-b.ch:
			if !ok {
				return 0, io.EOF
			}
			b.buf = chunk
		case <-b.ctx.Done():
			return 0, b.ctx.Err()
		}
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

func (b *chanBody) Close() error { return nil }

// inBubbles runs fn for each dialect, each in its own synctest bubble.
func inBubbles(t *testing.T, fn func(t *testing.T, d dialect)) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { fn(t, d) })
		})
	}
}
