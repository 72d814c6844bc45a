package gateway_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
)

// The request line of a refused request names the route whenever the body
// was read and its model names one, so that an operator sees which route a
// client key was kept from or sent a malformed request to; it is empty only
// when no route is known.
func TestRefusedRequestLineNamesTheRoute(t *testing.T) {
	d := openaiD
	a := newUpstream(t, d.Good(false))
	logs := &syncbuffer.Buffer{}
	lines := make(chan slog.Record, 16)
	narrow := "narrow-key-0123456789"
	g := startGW(t, gateway.Config{
		Routes:  []gateway.RouteSpec{route("route", on(d, a.URL)), route("other", on(d, a.URL))},
		Keys:    []gateway.Key{{Key: clientKey, Routes: []string{"*"}}, {Key: lifeline.Secret(narrow), Routes: []string{"other"}}},
		MaxBody: 4096,
		Logger:  slog.New(requestLines{slog.NewJSONHandler(logs, nil), lines}),
	})
	full := []string{"Authorization", "Bearer " + clientKey}
	for _, tc := range []struct {
		name   string
		body   string
		hdr    []string
		status int
		route  string
	}{
		{"key not allowed this route", d.Request, []string{"Authorization", "Bearer " + narrow}, 403, "route"},
		{"no messages", `{"model":"route","messages":[]}`, full, 400, "route"},
		{"malformed deadline", d.Request, append([]string{"X-Lifeline-Timeout", "soon"}, full...), 400, "route"},
		{"no key", d.Request, nil, 401, ""},
		{"unknown route", strings.Replace(d.Request, `"route"`, `"nowhere"`, 1), full, 404, ""},
		{"malformed body", `{"model":"route","messages":[`, full, 400, ""},
		{"body over max_body", `{"model":"route","messages":[{"role":"user","content":"` + strings.Repeat("x", 5000) + `"}]}`, full, 413, ""},
	} {
		ans := g.post(d.path, tc.body, tc.hdr...)
		if ans.status != tc.status {
			t.Fatalf("%s: status %d, want %d: %s", tc.name, ans.status, tc.status, ans.body)
		}
		var rec slog.Record
		select {
		case rec = <-lines:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no request line", tc.name)
		}
		got, status := "?", int64(0)
		rec.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "route":
				got = a.Value.String()
			case "status":
				status = a.Value.Int64()
			}
			return true
		})
		if got != tc.route || status != int64(tc.status) {
			t.Errorf("%s: request line route=%q status=%d, want route=%q status=%d", tc.name, got, status, tc.route, tc.status)
		}
	}
	if a.Count() != 0 {
		t.Errorf("%d upstream calls for refused requests", a.Count())
	}
}
