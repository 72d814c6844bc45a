//go:build unix

package main_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeOnAllInterfacesNamesAnAddressToOpen runs the demo with
// --listen :0 (every interface): its log and banner name a URL a user can
// open on this machine, http://127.0.0.1:PORT, never http://[::]:PORT, and
// say that lifeline listens on all interfaces.
func TestServeOnAllInterfacesNamesAnAddressToOpen(t *testing.T) {
	s := startReadmeServe(t, binary, []string{"serve", "--listen", ":0"})
	if s == nil {
		t.Fatal("serve did not start")
	}
	_, port, err := net.SplitHostPort(s.addr)
	if err != nil {
		t.Fatalf("listening address %q: %v", s.addr, err)
	}
	url := "http://127.0.0.1:" + port
	// The banner follows the listening line.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.log(), "/metrics") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	out := s.log()
	for _, want := range []string{
		"url=" + url,
		"curl -si " + url + "/v1/chat/completions",
		"Dashboard  " + url + "/",
		"all interfaces",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "http://[::]") || strings.Contains(out, "http://0.0.0.0") {
		t.Errorf("output names an address no browser opens:\n%s", out)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("the URL the banner names does not answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s/healthz = %d", url, resp.StatusCode)
	}
}
