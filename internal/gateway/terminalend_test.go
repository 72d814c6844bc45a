package gateway_test

import (
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/internal/gateway"
)

// An upstream that closes its stream right after the last field of its
// terminal event, without the blank line after it (as Open WebUI Pipelines
// and some proxies do), served a whole answer: the client gets a clean end
// in its dialect, translated or not, with that event well-formed.
func TestTerminalEventWithoutBlankLineEndsCleanly(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		for _, u := range []dialect{d, other(d)} {
			evs := append([]string{}, u.Stream...)
			evs[len(evs)-1] = strings.TrimRight(evs[len(evs)-1], "\n")
			a := newUpstream(t, events(evs, false))
			g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{route("route", on(u, a.URL))}})
			ans := g.send(d, true)
			if ans.status != 200 {
				t.Fatalf("from %s: status %d: %s", u, ans.status, ans.body)
			}
			if terminal := d.Stream[len(d.Stream)-1]; !strings.HasSuffix(ans.body, terminal) || strings.Contains(ans.body, "error") {
				t.Fatalf("from %s: the stream does not end cleanly with %q:\n%s", u, terminal, ans.body)
			}
			if u.Kind == d.Kind && ans.body != d.okText(true) {
				t.Fatalf("client got\n%q\nwant\n%q", ans.body, d.okText(true))
			}
		}
	})
}
