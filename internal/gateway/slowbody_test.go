package gateway_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A request body that stops arriving is cut at the gateway's bound with a
// 408 that says so, without the connection's addresses, and no upstream
// call is made.
func TestSlowRequestBodyGets408(t *testing.T) {
	up := newUpstream(t, openaiD.Good(false))
	g := newGW(t, openaiD, []string{up.URL})
	g.srv.SetBodyReadTimeout(200 * time.Millisecond)

	conn, err := net.Dial("tcp", g.ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers and the first bytes of a 100-byte body, then nothing.
	io.WriteString(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"+
		"Content-Length: 100\r\n\r\n{\"model\":")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || resp.Header.Get("X-Should-Retry") != "false" {
		t.Fatalf("status %d, x-should-retry %q: %s", resp.StatusCode, resp.Header.Get("X-Should-Retry"), body)
	}
	if !strings.Contains(string(body), "did not arrive within 200ms") || strings.Contains(string(body), "127.0.0.1") {
		t.Fatalf("body %s: want what happened, without addresses", body)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("answered after %v", el)
	}
	if n := len(up.Requests()); n != 0 {
		t.Fatalf("%d upstream calls, want none", n)
	}
}
