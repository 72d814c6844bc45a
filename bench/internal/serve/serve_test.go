package serve

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestServeAnnouncesServesAndStops: the runner reads the address from the
// announcement, requests are served there, and cancelling the context ends
// Serve without an error.
func TestServeAnnouncesServesAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var announced bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "pong")
		}), &announced)
	}()
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "pong" {
		t.Errorf("body %q, want pong", body)
	}
	c.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v, want nil", err)
	}
	want := "listening http://" + ln.Addr().String() + "\n"
	if announced.String() != want {
		t.Errorf("announced %q, want %q", announced.String(), want)
	}
	if !strings.HasPrefix(announced.String(), Prefix) {
		t.Errorf("announcement %q lacks the prefix %q", announced.String(), Prefix)
	}
}

// TestListenFailureIsAnError: an address that cannot be bound is reported,
// not served.
func TestListenFailureIsAnError(t *testing.T) {
	var announced bytes.Buffer
	err := listenAndServe(context.Background(), "127.0.0.1:-1", http.NotFoundHandler(), &announced)
	if err == nil {
		t.Fatal("listenAndServe on an invalid address: nil error")
	}
	if announced.Len() != 0 {
		t.Errorf("announced %q for a server that never listened", announced.String())
	}
}
