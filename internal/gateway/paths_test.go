package gateway_test

import (
	"net/http"
	"testing"
)

func TestPathWithDoubleSlashOrDotSegmentsIsServedAsItsCleanForm(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL})
		// As curl and httpx do by default: a redirect is the answer.
		g.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		// A base URL that ends with a slash, joined to /v1/…, as a
		// hand-written client does: a 307 would be no answer to curl, nor to
		// a client that does not follow redirects, and would send the body
		// twice to one that does.
		for _, p := range []string{"/" + d.path, "/v1/" + d.path[len("/v1"):], "/v1/." + d.path[len("/v1"):]} {
			ans := g.post(p, d.Body(stream))
			wantServed(t, ans, "p0/m0", 1)
		}
		// Every endpoint, the same.
		if ans := g.get("//healthz"); ans.status != http.StatusOK {
			t.Fatalf("GET //healthz: %d %s", ans.status, ans.body)
		}
		// A path that is another endpoint's once cleaned is still only that
		// endpoint's: its methods, its answer.
		ans := g.get("/v1/chat/../../healthz")
		if ans.status != http.StatusOK {
			t.Fatalf("GET /v1/chat/../../healthz: %d %s", ans.status, ans.body)
		}
		ans = g.post("//healthz", "")
		if ans.status != http.StatusMethodNotAllowed || ans.header.Get("Allow") != "GET, HEAD" {
			t.Fatalf("POST //healthz: %d Allow %q", ans.status, ans.header.Get("Allow"))
		}
	})
}
