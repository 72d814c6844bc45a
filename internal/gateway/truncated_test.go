package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/validate"
)

// An answer the token limit ended, though its JSON is whole, is invalid
// only when JSON is required.
func TestTruncatedAnswerIsInvalidOnlyWhenJSONIsRequired(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, cutAnswer(d, stream, `{"answer":"yes"}`))
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

// cutAnswer answers text, split in two stream events at half, ended by the
// token limit.
func cutAnswer(d dialect, stream bool, text string) behaviour {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	half := len(text) / 2
	r := strings.NewReplacer(
		`"hello"`, q(text), `"hel"`, q(text[:half]), `"lo"`, q(text[half:]),
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

// An answer the token limit cut short, where JSON is required, is refused
// by non_empty and counted under it in lifeline_validation_failures_total,
// whatever was left of its JSON: cut inside a value (it does not parse),
// or whole but short of the schema's fields. An operator who sees
// validator="json" rise looks at the prompt; one who sees non_empty, at
// max_tokens.
func TestTruncatedAnswerCountsUnderNonEmpty(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		for _, tc := range []struct {
			name string
			text string
			opts []lifeline.RouteOption
			body func(stream bool) string
		}{
			{"cut inside a value, route json", `{"answer":"ye`, []lifeline.RouteOption{lifeline.WithValidation(validate.Spec{JSON: true})}, d.Body},
			{"cut inside a value, route schema", `{"answer":"ye`, []lifeline.RouteOption{lifeline.WithValidation(validate.Spec{Schema: []byte(answerSchema)})}, d.Body},
			{"cut inside a value, request schema", `{"answer":"ye`, nil, func(s bool) string { return d.withSchema(d.Body(s), answerSchema) }},
			{"whole but short of the schema", `{"other":1}`, []lifeline.RouteOption{lifeline.WithValidation(validate.Spec{Schema: []byte(answerSchema)})}, d.Body},
		} {
			a := newUpstream(t, cutAnswer(d, stream, tc.text))
			g := newGW(t, d, []string{a.URL}, append(tc.opts, lifeline.WithMaxAttempts(1))...)
			e := wantError(t, d, g.post(d.path, tc.body(stream)), 502, "invalid_output")
			wantClasses(t, e, "p0/m0:invalid")
			if !strings.Contains(e.Attempts[0].Error, "non_empty") || !strings.Contains(e.Attempts[0].Error, "token limit") {
				t.Errorf("%s: attempt error %q, want the non_empty validator and the token limit named", tc.name, e.Attempts[0].Error)
			}
			m := g.get("/metrics").body
			for validator, want := range map[string]string{"non_empty": " 1", "json": " 0", "schema": " 0"} {
				if line := metricLine(m, "lifeline_validation_failures_total", `target="p0/m0"`, `validator="`+validator+`"`); !strings.HasSuffix(line, want) {
					t.Errorf("%s: %q, want%s", tc.name, line, want)
				}
			}
		}
	})
}
