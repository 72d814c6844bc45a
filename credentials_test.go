package lifeline_test

import (
	"net/http"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/wire"
)

// Every attempt carries the target's credentials in its dialect's header,
// never the caller's; an Anthropic target also gets anthropic-version: the
// caller's when it sent one, else wire.AnthropicVersion.
func TestUpstreamCredentials(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			for _, callerVersion := range []string{"", "2024-01-01"} {
				up := newUpstream(t, reply(200, nil, d.OK))
				f := newFixture(t, d, []string{up.URL})
				h := http.Header{"Authorization": {"Bearer caller-key"}, "X-Api-Key": {"caller-key"}}
				if callerVersion != "" {
					h.Set("Anthropic-Version", callerVersion)
				}
				if _, _, err := f.doCtx(t.Context(), false, func(r *lifeline.Request) { r.Header = h }); err != nil {
					t.Fatal(err)
				}
				got := up.Requests()[0].Header
				switch d.Kind {
				case wire.Anthropic:
					want := callerVersion
					if want == "" {
						want = wire.AnthropicVersion
					}
					if got.Get("X-Api-Key") != "sk-test-secret" || got.Get("Authorization") != "" || got.Get("Anthropic-Version") != want {
						t.Errorf("upstream headers %v: want x-api-key of the target and anthropic-version %s", got, want)
					}
				default:
					if got.Get("Authorization") != "Bearer sk-test-secret" || got.Get("X-Api-Key") != "" {
						t.Errorf("upstream headers %v: want the target's bearer key only", got)
					}
				}
			}
		})
	}
}
