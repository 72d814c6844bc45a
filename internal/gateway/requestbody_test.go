package gateway_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/internal/gateway"
)

// gzipped is s compressed with gzip.
func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGzipRequestBodyIsDecoded(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL})
		for _, enc := range []string{"gzip", "x-gzip", "GZIP"} {
			ans := g.post(d.path, gzipped(t, d.Body(stream)), "Content-Encoding", enc)
			wantServed(t, ans, "p0/m0", 1)
		}
		// What reaches the provider is the JSON itself, labelled as such.
		for _, r := range a.Requests() {
			if r.Header.Get("Content-Encoding") != "" {
				t.Fatalf("Content-Encoding %q forwarded with a decoded body", r.Header.Get("Content-Encoding"))
			}
			if !strings.HasPrefix(strings.TrimSpace(r.Body), "{") {
				t.Fatalf("the upstream got %q, want the JSON body", r.Body[:min(len(r.Body), 40)])
			}
		}
		// The same body, sent plainly with identity, is served too.
		wantServed(t, g.post(d.path, d.Body(stream), "Content-Encoding", "identity"), "p0/m0", 1)
	})
}

func TestRequestBodyInAnEncodingLifelineCannotReadIs415(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		a := newUpstream(t, d.Good(false))
		g := newGW(t, d, []string{a.URL})
		for _, enc := range []string{"br", "zstd", "deflate", "gzip, gzip"} {
			// The body is plain JSON: a gateway that ignored the header would
			// serve it, and the provider would get a body it cannot decode.
			ans := g.post(d.path, d.Body(false), "Content-Encoding", enc)
			wantError(t, d, ans, http.StatusUnsupportedMediaType, "invalid_request_error")
			if got := ans.header.Get("Accept-Encoding"); got != "gzip" {
				t.Fatalf("Content-Encoding %s: Accept-Encoding %q, want gzip (RFC 9110 §15.5.16)", enc, got)
			}
			if !strings.Contains(ans.body, enc) {
				t.Fatalf("the 415 does not name the encoding %q: %s", enc, ans.body)
			}
		}
		if n := len(a.Requests()); n != 0 {
			t.Fatalf("%d upstream calls for bodies lifeline could not read", n)
		}
	})
}

func TestGzipRequestBodyIsBoundedOnceDecoded(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		a := newUpstream(t, d.Good(false))
		g := startGW(t, gateway.Config{MaxBody: 64 << 10, Routes: []gateway.RouteSpec{route("route", on(d, a.URL))}})
		// A few kilobytes that decode to 1 MiB: bounded by limits.max_body
		// after decoding, not before.
		body := strings.Replace(d.Body(false), `"messages"`, `"pad":"`+strings.Repeat("a", 1<<20)+`","messages"`, 1)
		wantError(t, d, g.post(d.path, gzipped(t, body), "Content-Encoding", "gzip"), http.StatusRequestEntityTooLarge, "request_too_large")
		// A body that is not gzip at all.
		ans := g.post(d.path, d.Body(false), "Content-Encoding", "gzip")
		wantError(t, d, ans, http.StatusBadRequest, "invalid_request_error")
		if !strings.Contains(ans.body, "gzip") {
			t.Fatalf("the 400 does not say the body is not gzip: %s", ans.body)
		}
		if n := len(a.Requests()); n != 0 {
			t.Fatalf("%d upstream calls", n)
		}
	})
}

func TestByteOrderMarkBeforeTheJSONIsIgnored(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL})
		// What PowerShell 5's UTF-8 and some Windows editors write (RFC 8259
		// §8.1 lets a parser ignore it).
		wantServed(t, g.post(d.path, "\uFEFF"+d.Body(stream)), "p0/m0", 1)
		wantServed(t, g.post(d.path, gzipped(t, "\uFEFF"+d.Body(stream)), "Content-Encoding", "gzip"), "p0/m0", 1)
		for _, r := range a.Requests() {
			if strings.HasPrefix(r.Body, "\uFEFF") {
				t.Fatal("the byte order mark was sent upstream")
			}
		}
	})
}
