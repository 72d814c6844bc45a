package gateway_test

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
)

// silentUpstream never answers: each attempt ends when its context does.
type silentUpstream struct{}

func (silentUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// timeouts.total bounds the whole client request from its arrival: a body
// that took 40 s to arrive leaves the attempts the other 20 s of a 60 s
// total, not a fresh 60 s.
func TestTotalCountsFromTheRequestsArrival(t *testing.T) {
	const total = 60 * time.Second
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ln := servePiped(t, gateway.Config{
					Routes: []gateway.RouteSpec{route("route", on(d, "http://upstream.invalid"),
						lifeline.WithTimeouts(lifeline.Timeouts{Attempt: 10 * time.Minute, FirstToken: 10 * time.Minute, Idle: 10 * time.Minute, Total: total}))},
					HTTPClient: &http.Client{Transport: silentUpstream{}},
				})
				conn := ln.dial()
				defer conn.Close()
				body := d.Body(false)
				start := time.Now()
				head := "POST " + d.path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
					strconv.Itoa(len(body)) + "\r\n\r\n"
				if _, err := io.WriteString(conn, head+body[:1]); err != nil {
					t.Fatal(err)
				}
				time.Sleep(40 * time.Second) // the rest of the body comes late
				if _, err := io.WriteString(conn, body[1:]); err != nil {
					t.Fatal(err)
				}
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				took := time.Since(start)
				if resp.StatusCode != http.StatusGatewayTimeout {
					t.Fatalf("status %d, want 504", resp.StatusCode)
				}
				if took != total {
					t.Fatalf("answered %v after the request arrived; want timeouts.total, %v", took, total)
				}
			})
		})
	}
}
