package translate

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// anthropicToolIDPattern is what Anthropic takes as a tool_use id (and so a
// tool_result's tool_use_id): "String should match pattern '^[a-zA-Z0-9_-]+$'".
var anthropicToolIDPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// anTurns decodes the messages of an Anthropic request, with string content
// read as one text block.
func anTurns(t *testing.T, body []byte) []anMessage {
	t.Helper()
	var req anRequest
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("request %s: %v", body, err)
	}
	return req.Messages
}

func anBlocksOf(t *testing.T, m anMessage) []anBlock {
	t.Helper()
	if isString(m.Content) {
		var s string
		json.Unmarshal(m.Content, &s)
		return []anBlock{{Type: "text", Text: &s}}
	}
	var bs []anBlock
	if err := json.Unmarshal(m.Content, &bs); err != nil {
		t.Fatalf("content %s: %v", m.Content, err)
	}
	return bs
}

// An agent's history made by an OpenAI-compatible provider holds tool call
// ids such as Kimi's "functions.get_weather:0", which Anthropic refuses. A
// fallback to an Anthropic target sends ids it takes, each tool_result
// still naming its tool_use, the same on every turn, and two ids that
// differ only by a refused character still distinct.
func TestRequestToolIDsAnthropicTakes(t *testing.T) {
	long := "fc_" + strings.Repeat("0123456789", 7) + "|call_x"
	ids := []string{"call_Ab1-_", "functions.get_weather:0", "call_9|b", "call_9.b", long}
	var calls, results []string
	for _, id := range ids {
		calls = append(calls, `{"id":"`+id+`","type":"function","function":{"name":"f","arguments":"{}"}}`)
		results = append(results, `{"role":"tool","tool_call_id":"`+id+`","content":"ok"}`)
	}
	body := `{"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"go"},` +
		`{"role":"assistant","content":null,"tool_calls":[` + strings.Join(calls, ",") + `]},` +
		strings.Join(results, ",") + `,{"role":"user","content":"next"}]}`
	out, err := Request(wire.OpenAI, wire.Anthropic, []byte(body), "claude")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Request(wire.OpenAI, wire.Anthropic, []byte(body), "claude")
	if string(out) != string(again) {
		t.Fatalf("translation differs between turns:\n%s\n%s", out, again)
	}
	turns := anTurns(t, out)
	if len(turns) != 4 {
		t.Fatalf("turns: %s", out)
	}
	var uses, answered []string
	for _, b := range anBlocksOf(t, turns[1]) {
		uses = append(uses, b.ID)
	}
	for _, b := range anBlocksOf(t, turns[2]) {
		answered = append(answered, b.ToolUseID)
	}
	seen := map[string]bool{}
	for i, id := range uses {
		if !anthropicToolIDPattern.MatchString(id) {
			t.Errorf("tool_use id %q (from %q) is refused by Anthropic", id, ids[i])
		}
		if seen[id] {
			t.Errorf("tool_use id %q twice", id)
		}
		seen[id] = true
		if i >= len(answered) || answered[i] != id {
			t.Errorf("tool_result ids %q do not answer tool_use ids %q", answered, uses)
			break
		}
	}
	if uses[0] != ids[0] {
		t.Errorf("an id Anthropic takes changed: %q → %q", ids[0], uses[0])
	}
}

// An Anthropic client served by an OpenAI-compatible target sends the
// answer back on its next turn, maybe to an Anthropic target as it is: the
// tool_use ids of a translated answer are ones Anthropic takes, the same
// as a translated request would send, and the "\n\n" such models put
// beside their tool calls is not a text block (Anthropic refuses a turn
// whose only text is whitespace). Streamed and whole answers alike.
func TestResponseToolTurnAnthropicTakesBack(t *testing.T) {
	const id = "functions.get_weather:0"
	want := anthropicToolID(id)
	if !anthropicToolIDPattern.MatchString(want) {
		t.Fatalf("anthropicToolID(%q) = %q", id, want)
	}
	check := func(name string, m anResponse) {
		t.Helper()
		var uses int
		for _, b := range m.Content {
			switch b.Type {
			case "text":
				if strings.TrimSpace(textOf(b.Text)) == "" {
					t.Errorf("%s: whitespace-only text block %q", name, textOf(b.Text))
				}
			case "tool_use":
				uses++
				if b.ID != want {
					t.Errorf("%s: tool_use id %q, want %q", name, b.ID, want)
				}
			}
		}
		if uses != 1 || m.StopReason == nil || *m.StopReason != "tool_use" {
			t.Errorf("%s: message %+v", name, m)
		}
	}
	body := `{"id":"chatcmpl-1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"\n\n",` +
		`"tool_calls":[{"id":"` + id + `","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"finish_reason":"tool_calls"}]}`
	out, err := Response(wire.OpenAI, wire.Anthropic, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var m anResponse
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	check("response", m)

	chunk := func(delta, finish string) string {
		return "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n"
	}
	in := chunk(`{"role":"assistant","content":""}`, "null") + chunk(`{"content":"\n"}`, "null") + chunk(`{"content":"\n"}`, "null") +
		chunk(`{"tool_calls":[{"index":0,"id":"`+id+`","type":"function","function":{"name":"f","arguments":""}}]}`, "null") +
		chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]}`, "null") +
		chunk(`{}`, `"tool_calls"`) + "data: [DONE]\n\n"
	m = accumulateAnthropic(t, translateStream(t, Options{}, wire.OpenAI, wire.Anthropic, []byte(in), nil))
	check("stream", m)

	// Whitespace alone, with no tool call, is the answer: it stays.
	in = chunk(`{"role":"assistant","content":""}`, "null") + chunk(`{"content":" "}`, "null") + chunk(`{}`, `"stop"`) + "data: [DONE]\n\n"
	m = accumulateAnthropic(t, translateStream(t, Options{}, wire.OpenAI, wire.Anthropic, []byte(in), nil))
	if len(m.Content) != 1 || textOf(m.Content[0].Text) != " " {
		t.Errorf("whitespace answer: %+v", m.Content)
	}
	// Whitespace before text is part of the text.
	in = chunk(`{"role":"assistant","content":""}`, "null") + chunk(`{"content":"\n"}`, "null") + chunk(`{"content":"Hi"}`, "null") +
		chunk(`{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}`, "null") +
		chunk(`{}`, `"tool_calls"`) + "data: [DONE]\n\n"
	m = accumulateAnthropic(t, translateStream(t, Options{}, wire.OpenAI, wire.Anthropic, []byte(in), nil))
	if len(m.Content) != 2 || textOf(m.Content[0].Text) != "\nHi" {
		t.Errorf("text with leading whitespace: %+v", m.Content)
	}
}

// accumulateAnthropic builds the message an Anthropic stream carries, as the
// SDK's accumulator does: text and input_json deltas joined per block.
func accumulateAnthropic(t *testing.T, stream []byte) anResponse {
	t.Helper()
	var m anResponse
	var inputs []string
	for _, line := range strings.Split(string(stream), "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Type         string          `json:"type"`
			Index        int             `json:"index"`
			ContentBlock anBlock         `json:"content_block"`
			Delta        json.RawMessage `json:"delta"`
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("event %s: %v", data, err)
		}
		switch ev.Type {
		case "content_block_start":
			if ev.Index != len(m.Content) {
				t.Fatalf("block index %d, want %d", ev.Index, len(m.Content))
			}
			m.Content = append(m.Content, ev.ContentBlock)
			inputs = append(inputs, "")
		case "content_block_delta":
			var d struct{ Type, Text, PartialJSON string }
			json.Unmarshal(ev.Delta, &d)
			var pj struct {
				P string `json:"partial_json"`
			}
			json.Unmarshal(ev.Delta, &pj)
			b := &m.Content[ev.Index]
			if d.Type == "text_delta" {
				b.Text = ptr(textOf(b.Text) + d.Text)
			} else {
				inputs[ev.Index] += pj.P
			}
		case "message_delta":
			var d struct {
				StopReason string `json:"stop_reason"`
			}
			json.Unmarshal(ev.Delta, &d)
			m.StopReason = &d.StopReason
		}
	}
	for i, in := range inputs {
		if m.Content[i].Type == "tool_use" && in != "" && !json.Valid([]byte(in)) {
			t.Errorf("block %d input %q", i, in)
		}
	}
	return m
}

// OpenAI refuses a tool call id over 40 characters ("string too long.
// Expected a string with maximum length 40", code string_above_max_length);
// Anthropic takes longer ones, and agent frameworks mint them. A fallback to
// an OpenAI target sends ids of 40 at most, each tool message still naming
// its call; an id rewritten for Anthropic fits both.
func TestRequestToolIDsOpenAITakes(t *testing.T) {
	long := "toolu_" + strings.Repeat("x", 44)
	ids := []string{"toolu_01A09q90qw90lq917835lq9", long, long + "y"}
	var uses, results []string
	for _, id := range ids {
		uses = append(uses, `{"type":"tool_use","id":"`+id+`","name":"f","input":{}}`)
		results = append(results, `{"type":"tool_result","tool_use_id":"`+id+`","content":"ok"}`)
	}
	body := `{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"go"},` +
		`{"role":"assistant","content":[` + strings.Join(uses, ",") + `]},{"role":"user","content":[` + strings.Join(results, ",") + `]}]}`
	out, err := Request(wire.Anthropic, wire.OpenAI, []byte(body), "gpt")
	if err != nil {
		t.Fatal(err)
	}
	var req oaRequest
	if err := json.Unmarshal(out, &req); err != nil {
		t.Fatal(err)
	}
	calls := req.Messages[1].ToolCalls
	seen := map[string]bool{}
	for i, tc := range calls {
		if len(tc.ID) > 40 || seen[tc.ID] {
			t.Errorf("tool call id %q (from %q): over 40 or repeated", tc.ID, ids[i])
		}
		seen[tc.ID] = true
		if got := req.Messages[2+i].ToolCallID; got != tc.ID {
			t.Errorf("tool message %d answers %q, want %q", i, got, tc.ID)
		}
	}
	if len(calls) != 3 || calls[0].ID != ids[0] {
		t.Errorf("calls %+v", calls)
	}
	if id := anthropicToolID("functions.get_weather:0" + strings.Repeat("z", 60)); len(id) > 40 {
		t.Errorf("rewritten id %q is over 40", id)
	}
}
