package compat_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/lifelinehq/lifeline"
)

// The tool every tool-call case offers. The mock calls it with arguments
// generated from this schema; lifeline checks them against it.
var weatherParams = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"city": map[string]any{"type": "string", "minLength": 1},
		"unit": map[string]any{"type": "string", "enum": []any{"celsius", "fahrenheit"}},
	},
	"required":             []any{"city"},
	"additionalProperties": false,
}

const weatherTool = "get_weather"

// The structured output every JSON case asks for.
var answerSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"answer":     map[string]any{"type": "string"},
		"confidence": map[string]any{"type": "number", "minimum": 0, "maximum": 1},
	},
	"required":             []any{"answer", "confidence"},
	"additionalProperties": false,
}

// checkWeatherArgs fails the test unless args is a JSON object that
// satisfies weatherParams.
func checkWeatherArgs(t *testing.T, args string) {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(args), &v); err != nil {
		t.Fatalf("tool arguments %q are not a JSON object: %v", args, err)
	}
	city, ok := v["city"].(string)
	if !ok || city == "" {
		t.Fatalf("tool arguments %s: city is missing or not a non-empty string", args)
	}
	for k, val := range v {
		switch k {
		case "city":
		case "unit":
			if u, _ := val.(string); u != "celsius" && u != "fahrenheit" {
				t.Fatalf("tool arguments %s: unit %v is not in the enum", args, val)
			}
		default:
			t.Fatalf("tool arguments %s: unexpected property %q", args, k)
		}
	}
}

// checkAnswerJSON fails the test unless text is a JSON object that
// satisfies answerSchema.
func checkAnswerJSON(t *testing.T, text string) {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("structured output %q is not a JSON object: %v", text, err)
	}
	if _, ok := v["answer"].(string); !ok {
		t.Fatalf("structured output %s: answer is missing or not a string", text)
	}
	c, ok := v["confidence"].(float64)
	if !ok || c < 0 || c > 1 {
		t.Fatalf("structured output %s: confidence is missing or out of [0, 1]", text)
	}
	if len(v) != 2 {
		t.Fatalf("structured output %s: unexpected properties", text)
	}
}

// checkServed fails the test unless the response headers name the route,
// the serving target and the number of upstream attempts.
func checkServed(t *testing.T, h http.Header, route, target string, attempts string) {
	t.Helper()
	if h == nil {
		t.Fatal("no response headers captured")
	}
	got := [3]string{h.Get(lifeline.HeaderRoute), h.Get(lifeline.HeaderTarget), h.Get(lifeline.HeaderAttempts)}
	if want := [3]string{route, target, attempts}; got != want {
		t.Fatalf("route, target, attempts headers = %q, want %q", got, want)
	}
}

// lifelineAttempts reads the "lifeline" member of the body of a lifeline
// error response (the SDKs keep the body readable in their typed errors):
// every attempt's target, status and class.
func lifelineAttempts(t *testing.T, resp *http.Response) []attemptJSON {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw := string(b)
	var body struct {
		Lifeline *struct {
			Attempts []attemptJSON `json:"attempts"`
		} `json:"lifeline"`
	}
	if err := json.Unmarshal([]byte(raw), &body); err != nil || body.Lifeline == nil {
		t.Fatalf("error body %s has no lifeline member (%v)", raw, err)
	}
	return body.Lifeline.Attempts
}

type attemptJSON struct {
	Target string `json:"target"`
	Status int    `json:"status"`
	Class  string `json:"class"`
}

// mark is what the counters said before a call.
type mark struct {
	e         *env
	fc        face
	calls     int64
	upstreams map[string]uint64
}

func (e *env) mark(fc face) mark {
	return mark{e: e, fc: fc, calls: fc.calls(e), upstreams: e.upstreamCalls()}
}

// want fails the test unless, since the mark, the SDK sent calls requests
// and each upstream received the given calls (others none).
func (m mark) want(t *testing.T, calls int64, upstreams map[string]uint64) {
	t.Helper()
	if got := m.fc.calls(m.e) - m.calls; got != calls {
		t.Errorf("the SDK sent %d requests, want %d", got, calls)
	}
	now := m.e.upstreamCalls()
	for _, name := range upstreamNames {
		if got := now[name] - m.upstreams[name]; got != upstreams[name] {
			diff := map[string]uint64{}
			for _, n := range upstreamNames {
				if d := now[n] - m.upstreams[n]; d > 0 {
					diff[n] = d
				}
			}
			t.Errorf("upstream calls %v, want %v", diff, upstreams)
			return
		}
	}
}
