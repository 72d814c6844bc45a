package gateway_test

import (
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/validate"
)

// truncatedJSON answers {"answer":"yes"}, whole JSON, but ended by the
// token limit: finish_reason length (OpenAI), stop_reason max_tokens
// (Anthropic).
func truncatedJSON(d dialect, stream bool) behaviour {
	r := strings.NewReplacer(
		`"hello"`, `"{\"answer\":\"yes\"}"`,
		`"hel"`, `"{\"answer\":"`, `"lo"`, `"\"yes\"}"`,
		`"finish_reason":"stop"`, `"finish_reason":"length"`,
		`"stop_reason":"end_turn"`, `"stop_reason":"max_tokens"`)
	if !stream {
		return reply(200, nil, r.Replace(d.OK))
	}
	evs := make([]string, len(d.Stream))
	for i, e := range d.Stream {
		evs[i] = r.Replace(e)
	}
	return events(evs, false)
}

func TestTruncatedAnswerIsInvalidOnlyWhenJSONIsRequired(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, truncatedJSON(d, stream))
		for _, tc := range []struct {
			name string
			opts []lifeline.RouteOption
			body string
		}{
			{"route json", []lifeline.RouteOption{lifeline.WithValidation(validate.Spec{JSON: true})}, d.Body(stream)},
			{"route schema", []lifeline.RouteOption{lifeline.WithValidation(validate.Spec{Schema: []byte(answerSchema)})}, d.Body(stream)},
			{"request schema", nil, d.withSchema(d.Body(stream), answerSchema)},
		} {
			g := newGW(t, d, []string{a.URL}, append(tc.opts, lifeline.WithMaxAttempts(1))...)
			ans := g.post(d.path, tc.body)
			e := wantError(t, d, ans, 502, "invalid_output")
			wantClasses(t, e, "p0/m0:invalid")
			if !strings.Contains(e.Attempts[0].Error, "non_empty") {
				t.Fatalf("%s: attempt error %q, want the non_empty validator named", tc.name, e.Attempts[0].Error)
			}
		}
		// No JSON required: the same answer is served, non_empty or not.
		for _, spec := range []validate.Spec{{NonEmpty: true}, {}} {
			g := newGW(t, d, []string{a.URL}, lifeline.WithValidation(spec))
			wantServed(t, g.send(d, stream), "p0/m0", 1)
		}
	})
}
