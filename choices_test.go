package lifeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
)

// A request for two choices offering one tool.
const twoChoicesRequest = `{"model":"route","n":2,"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],"messages":[{"role":"user","content":"hi"}]}`

// twoChoicesAnswer is an answer whose choice 0 calls the offered tool and
// whose choice 1 calls tool.
func twoChoicesAnswer(tool string) string {
	return `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[` +
		`{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},"finish_reason":"tool_calls"},` +
		`{"index":1,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"` + tool + `","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`
}

// twoChoicesStream is twoChoicesAnswer as a stream, the choices' chunks
// interleaved.
func twoChoicesStream(tool string) []string {
	return []string{
		`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}` + "\n\n",
		`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":1,"delta":{"role":"assistant","content":null},"finish_reason":null}]}` + "\n\n",
		`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},"finish_reason":null}]}` + "\n\n",
		`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"` + tool + `","arguments":"{}"}}]},"finish_reason":null}]}` + "\n\n",
		`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}` + "\n\n",
		`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":1,"delta":{},"finish_reason":"tool_calls"}]}` + "\n\n",
		"data: [DONE]\n\n",
	}
}

func twoChoices(stream bool) func(*lifeline.Request) {
	return func(r *lifeline.Request) {
		r.Body = []byte(twoChoicesRequest)
		if stream {
			r.Body = []byte(strings.Replace(twoChoicesRequest, `"messages"`, `"stream":true,"messages"`, 1))
		}
	}
}

// wantChoiceFailure fails the test unless one validation failed, on
// choice 1's tool call.
func wantChoiceFailure(t *testing.T, f *fixture) {
	t.Helper()
	got := f.events.Kind(lifeline.ValidationFailed)
	if len(got) != 1 || got[0].Validator != "tools" || got[0].Err == nil || !strings.Contains(got[0].Err.Error(), "choices[1]") {
		t.Fatalf("validation events = %+v, want one tools failure naming choices[1]", got)
	}
}

// Every choice of an n > 1 answer is validated: a second choice calling a
// tool the request never offered makes the answer invalid, and the next
// target serves.
func TestSecondChoiceCallingUnofferedToolIsInvalid(t *testing.T) {
	a := newUpstream(t, reply(200, nil, twoChoicesAnswer("rm_rf")))
	b := newUpstream(t, reply(200, nil, twoChoicesAnswer("get_weather")))
	f := newFixture(t, openaiD, []string{a.URL, b.URL})
	resp, body, err := f.doCtx(context.Background(), false, twoChoices(false))
	if err != nil {
		t.Fatal(err)
	}
	wantClasses(t, resp, err, "p0/m0:invalid", "p1/m1:ok")
	if strings.Contains(body, "rm_rf") {
		t.Fatalf("invalid answer reached the client: %s", body)
	}
	wantChoiceFailure(t, f)
}

// A buffered stream is validated choice by choice at its end: an invalid
// second choice never reaches the client and the next target serves.
func TestBufferedStreamSecondChoiceInvalid(t *testing.T) {
	a := newUpstream(t, events(twoChoicesStream("rm_rf"), false))
	b := newUpstream(t, events(twoChoicesStream("get_weather"), false))
	f := newFixture(t, openaiD, []string{a.URL, b.URL}, lifeline.WithStreamMode(lifeline.StreamBuffer))
	resp, body, err := f.doCtx(context.Background(), true, twoChoices(true))
	if err != nil {
		t.Fatal(err)
	}
	wantClasses(t, resp, err, "p0/m0:invalid", "p1/m1:ok")
	if strings.Contains(body, "rm_rf") || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("client read:\n%s", body)
	}
	wantChoiceFailure(t, f)
}

// A passed-through stream whose second choice calls an unoffered tool
// ends broken, with an error event instead of a clean end.
func TestPassedStreamSecondChoiceInvalidIsBroken(t *testing.T) {
	a := newUpstream(t, events(twoChoicesStream("rm_rf"), false))
	f := newFixture(t, openaiD, []string{a.URL}, lifeline.WithStreamMode(lifeline.StreamPass))
	_, body, err := f.doCtx(context.Background(), true, twoChoices(true))
	if !errors.Is(err, lifeline.ErrBrokenStream) {
		t.Fatalf("err = %v, want a broken stream", err)
	}
	if strings.Contains(body, "[DONE]") {
		t.Fatalf("invalid stream ended cleanly:\n%s", body)
	}
	wantChoiceFailure(t, f)
}

// Two valid choices pass, streamed or not.
func TestEveryChoiceValidIsOK(t *testing.T) {
	for _, stream := range []bool{false, true} {
		a := newUpstream(t, reply(200, nil, twoChoicesAnswer("get_weather")))
		if stream {
			a = newUpstream(t, events(twoChoicesStream("get_weather"), false))
		}
		f := newFixture(t, openaiD, []string{a.URL})
		resp, _, err := f.doCtx(context.Background(), stream, twoChoices(stream))
		if err != nil {
			t.Fatalf("stream %v: %v", stream, err)
		}
		wantClasses(t, resp, err, "p0/m0:ok")
	}
}
