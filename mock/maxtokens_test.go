package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lifelinehq/lifeline/wire"
)

// max_tokens is an answer stopped by the token limit, as a provider sends
// it: a complete 200 answer or well-formed stream whose content is cut
// short, with stop_reason max_tokens (Anthropic) or finish_reason length
// (OpenAI) and the usage of what was sent. Plain text stays valid (a
// gateway may serve it); JSON and tool arguments cut short are not.
func TestMaxTokensStopsTheAnswerShort(t *testing.T) {
	srv, ts := startServer(t, Config{})
	for _, tc := range []struct {
		k     kind
		valid bool
	}{{kText, true}, {kSchema, false}, {kTool, false}} {
		for _, dl := range dialects {
			for _, stream := range []bool{false, true} {
				name := fmt.Sprintf("kind%d/%s/stream=%v", tc.k, dl.d, stream)
				clean, _ := answer(t, dl.d, post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, tc.k, stream)), stream)
				resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, tc.k, stream), "X-Mock-Fault", "max_tokens")
				if resp.StatusCode != 200 || resp.Header.Get("X-Mock-Fault") != "max_tokens" {
					t.Errorf("%s: status %d, X-Mock-Fault %q", name, resp.StatusCode, resp.Header.Get("X-Mock-Fault"))
					continue
				}
				o, evs := answer(t, dl.d, resp, stream)
				if stream {
					if last := names(dl.d, evs)[len(evs)-1]; last != "message_stop" && last != "done" {
						t.Errorf("%s: stream ends with %s, want its terminal event", name, last)
					}
				}
				want := "length"
				if dl.d == wire.Anthropic {
					want = "max_tokens"
				}
				if o.finish != want {
					t.Errorf("%s: stop %q, want %q", name, o.finish, want)
				}
				got, full := o.text, clean.text
				if tc.k == kTool {
					got, full = o.toolArgs, clean.toolArgs
				}
				if tc.k == kTool && dl.d == wire.Anthropic && !stream {
					// A Message's tool input is always an object: the
					// cut one holds none of the required members.
					if got != "{}" {
						t.Errorf("%s: tool input %s, want {}", name, got)
					}
				} else if got == "" || len(got) >= len(full) || !strings.HasPrefix(full, got) {
					t.Errorf("%s: content %q is not a cut of %q", name, got, full)
				}
				if tc.k != kText && json.Valid([]byte(got)) && got != "{}" {
					t.Errorf("%s: cut JSON %q still parses", name, got)
				}
				if o.outTokens <= 0 || o.outTokens >= clean.outTokens {
					t.Errorf("%s: output tokens %d, want fewer than the full answer's %d", name, o.outTokens, clean.outTokens)
				}
				if e, ok := srv.Lookup(o.id); !ok || e.Fault != MaxTokens || e.Valid != tc.valid || e.Status != 200 {
					t.Errorf("%s: ledger entry %+v (found %v), want valid=%v", name, e, ok, tc.valid)
				}
			}
		}
	}
}

// A text cut by max_tokens stops between two characters, never inside
// one: a provider stops at a token, and tokens are whole characters.
func TestMaxTokensCutsTextBetweenCharacters(t *testing.T) {
	_, ts := startServer(t, Config{Text: "€€€€€"})
	for _, dl := range dialects {
		for _, stream := range []bool{false, true} {
			resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, stream), "X-Mock-Fault", "max_tokens")
			o, _ := answer(t, dl.d, resp, stream)
			if o.text == "" || !utf8.ValidString(o.text) || !strings.HasPrefix("€€€€€", o.text) {
				t.Errorf("%s stream=%v: text %q is not the answer cut between characters", dl.d, stream, o.text)
			}
		}
	}
}
