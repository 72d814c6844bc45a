package translate

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// TestRoundTripOpenAIAnthropicOpenAI checks that an OpenAI request sent
// through Anthropic and back keeps every field that has an Anthropic
// counterpart. The comparison normalises what the round trip cannot keep
// by design (see roundTripNormal).
func TestRoundTripOpenAIAnthropicOpenAI(t *testing.T) {
	const runs = 500
	for i := range runs {
		r := rand.New(rand.NewPCG(uint64(i), 0x11fe11e))
		req := randomOpenAIRequest(r)
		body, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		an, err := Request(wire.OpenAI, wire.Anthropic, body, "claude-x")
		if err != nil {
			t.Fatalf("seed %d: to Anthropic: %v\n%s", i, err, body)
		}
		back, err := Request(wire.Anthropic, wire.OpenAI, an, "gpt-x")
		if err != nil {
			t.Fatalf("seed %d: back to OpenAI: %v\n%s", i, err, an)
		}
		var got map[string]any
		if err := json.Unmarshal(back, &got); err != nil {
			t.Fatal(err)
		}
		want := roundTripNormal(decode(t, body))
		got = roundTripNormal(got)
		if !reflect.DeepEqual(got, want) {
			w, _ := json.Marshal(want)
			g, _ := json.Marshal(got)
			t.Fatalf("seed %d: round trip lost something\n in: %s\nvia: %s\ngot: %s\nwant: %s", i, body, an, g, w)
		}
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// roundTripNormal rewrites an OpenAI request into the form the round trip
// produces for things Anthropic cannot tell apart: developer and system
// messages (one per text part), a stop string and a one-element list,
// max_tokens and max_completion_tokens, an unset tool_choice with
// parallel_tool_calls:false and "auto", parallel_tool_calls with "none",
// the json_schema name, argument strings that differ only in spacing, and
// a top_p sent with a temperature (dropped toward Anthropic).
func roundTripNormal(m map[string]any) map[string]any {
	m["model"] = "gpt-x"
	if _, ok := m["temperature"]; ok {
		delete(m, "top_p")
	}
	if v, ok := m["max_tokens"]; ok {
		if _, has := m["max_completion_tokens"]; !has {
			m["max_completion_tokens"] = v
		}
		delete(m, "max_tokens")
	}
	if _, ok := m["max_completion_tokens"]; !ok {
		m["max_completion_tokens"] = float64(DefaultMaxTokens)
	}
	if s, ok := m["stop"].(string); ok {
		m["stop"] = []any{s}
	}
	if m["stream"] == true {
		m["stream_options"] = map[string]any{"include_usage": true}
	}
	if _, ok := m["tools"]; ok {
		if _, has := m["tool_choice"]; !has && m["parallel_tool_calls"] == false {
			m["tool_choice"] = "auto"
		}
		if m["tool_choice"] == "none" {
			delete(m, "parallel_tool_calls")
		}
	}
	if rf, ok := m["response_format"].(map[string]any); ok {
		js := rf["json_schema"].(map[string]any)
		rf["json_schema"] = map[string]any{"name": responseFormatName, "schema": js["schema"]}
	}
	var msgs []any
	for _, x := range m["messages"].([]any) {
		msg := x.(map[string]any)
		switch msg["role"] {
		case "system", "developer":
			if parts, ok := msg["content"].([]any); ok {
				for _, p := range parts {
					msgs = append(msgs, map[string]any{"role": "system", "content": p.(map[string]any)["text"]})
				}
				continue
			}
			msg["role"] = "system"
		case "assistant":
			if calls, ok := msg["tool_calls"].([]any); ok {
				if msg["content"] == "" || msg["content"] == nil {
					delete(msg, "content")
				}
				for _, c := range calls {
					fn := c.(map[string]any)["function"].(map[string]any)
					var args any
					_ = json.Unmarshal([]byte(fn["arguments"].(string)), &args)
					fn["arguments"] = args
				}
			}
		}
		msgs = append(msgs, msg)
	}
	m["messages"] = msgs
	return m
}

// randomOpenAIRequest builds a request using only fields with an Anthropic
// counterpart, in the shapes a client sends.
func randomOpenAIRequest(r *rand.Rand) map[string]any {
	req := map[string]any{"model": "gpt-4o"}
	var msgs []any
	for range r.IntN(3) {
		role := []string{"system", "developer"}[r.IntN(2)]
		if r.IntN(2) == 0 {
			msgs = append(msgs, map[string]any{"role": role, "content": randomText(r)})
		} else {
			msgs = append(msgs, map[string]any{"role": role, "content": textParts(r, 1+r.IntN(2))})
		}
	}
	tools := randomTools(r)
	callID := 0
	for range 1 + r.IntN(6) {
		switch r.IntN(3) {
		case 0:
			msgs = append(msgs, map[string]any{"role": "user", "content": randomUserContent(r)})
		case 1:
			msgs = append(msgs, map[string]any{"role": "assistant", "content": randomText(r)})
		default:
			msgs = append(msgs, map[string]any{"role": "user", "content": randomText(r)})
			var calls []any
			n := 1 + r.IntN(3)
			for range n {
				callID++
				args, _ := json.Marshal(map[string]any{"city": randomText(r), "days": r.IntN(10)})
				calls = append(calls, map[string]any{"id": fmt.Sprintf("call_%d", callID), "type": "function",
					"function": map[string]any{"name": fmt.Sprintf("tool_%d", r.IntN(5)), "arguments": string(args)}})
			}
			a := map[string]any{"role": "assistant", "tool_calls": calls}
			switch r.IntN(3) {
			case 0:
				a["content"] = randomText(r)
			case 1:
				a["content"] = nil
			}
			msgs = append(msgs, a)
			for k := range n {
				id := calls[k].(map[string]any)["id"]
				var content any = randomText(r)
				if r.IntN(3) == 0 {
					content = textParts(r, 1+r.IntN(2))
				}
				msgs = append(msgs, map[string]any{"role": "tool", "tool_call_id": id, "content": content})
			}
		}
	}
	req["messages"] = msgs
	if len(tools) > 0 {
		req["tools"] = tools
		switch r.IntN(5) {
		case 1:
			req["tool_choice"] = "auto"
		case 2:
			req["tool_choice"] = "required"
		case 3:
			req["tool_choice"] = "none"
		case 4:
			name := tools[r.IntN(len(tools))].(map[string]any)["function"].(map[string]any)["name"]
			req["tool_choice"] = map[string]any{"type": "function", "function": map[string]any{"name": name}}
		}
		if r.IntN(2) == 0 {
			req["parallel_tool_calls"] = false
		}
	}
	switch r.IntN(3) {
	case 1:
		req["stop"] = randomText(r)
	case 2:
		req["stop"] = []any{randomText(r), randomText(r)}
	}
	if r.IntN(2) == 0 {
		req["temperature"] = math.Round(r.Float64()*100) / 100
	}
	if r.IntN(2) == 0 {
		req["top_p"] = math.Round(r.Float64()*1000) / 1000
	}
	switch r.IntN(3) {
	case 1:
		req["max_tokens"] = 1 + r.IntN(100000)
	case 2:
		req["max_completion_tokens"] = 1 + r.IntN(100000)
	}
	if r.IntN(2) == 0 {
		req["response_format"] = map[string]any{"type": "json_schema", "json_schema": map[string]any{
			"name": "answer", "strict": true, "schema": map[string]any{"type": "object",
				"properties": map[string]any{"answer": map[string]any{"type": "string"}}, "required": []any{"answer"}}}}
	}
	if r.IntN(2) == 0 {
		req["user"] = "user-" + randomText(r)
	}
	if r.IntN(2) == 0 {
		req["stream"] = true
	}
	return req
}

func randomTools(r *rand.Rand) []any {
	var tools []any
	for i := range r.IntN(4) {
		fn := map[string]any{"name": fmt.Sprintf("tool_%d", i), "parameters": map[string]any{
			"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}}
		if r.IntN(2) == 0 {
			fn["description"] = randomText(r)
		}
		if r.IntN(2) == 0 {
			fn["strict"] = r.IntN(2) == 0
		}
		tools = append(tools, map[string]any{"type": "function", "function": fn})
	}
	return tools
}

func randomUserContent(r *rand.Rand) any {
	if r.IntN(2) == 0 {
		return randomText(r)
	}
	var parts []any
	for range 1 + r.IntN(3) {
		switch r.IntN(4) {
		case 0:
			parts = append(parts, map[string]any{"type": "text", "text": randomText(r)})
		case 3:
			pdf := append([]byte("%PDF-1.7\n"), byte(r.IntN(256)), byte(r.IntN(256)))
			parts = append(parts, map[string]any{"type": "file", "file": map[string]any{
				"filename":  fmt.Sprintf("report-%d.pdf", r.IntN(1000)),
				"file_data": "data:application/pdf;base64," + base64.StdEncoding.EncodeToString(pdf)}})
		case 1:
			img := make([]byte, 1+r.IntN(24))
			for i := range img {
				img[i] = byte(r.IntN(256))
			}
			mt := []string{"image/png", "image/jpeg", "image/webp", "image/gif"}[r.IntN(4)]
			parts = append(parts, map[string]any{"type": "image_url", "image_url": map[string]any{
				"url": "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(img)}})
		default:
			parts = append(parts, map[string]any{"type": "image_url", "image_url": map[string]any{
				"url": "https://example.com/" + fmt.Sprint(r.IntN(1000)) + ".png"}})
		}
	}
	return parts
}

func textParts(r *rand.Rand, n int) []any {
	parts := make([]any, n)
	for i := range parts {
		parts[i] = map[string]any{"type": "text", "text": randomText(r)}
	}
	return parts
}

// randomText returns a non-empty string mixing ASCII, JSON-significant and
// HTML-significant characters and non-ASCII text.
func randomText(r *rand.Rand) string {
	words := []string{"weather", "Paris", "\"quoted\"", "<tag>", "a&b", "naïve", "日本", "line\nbreak", "tab\t", `back\slash`, "🙂", "{json}"}
	n := 1 + r.IntN(4)
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(words[r.IntN(len(words))])
	}
	return sb.String()
}
