package translate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// Anthropic refuses a text block that is empty or only whitespace when its
// turn has no other text ("text content blocks must contain non-whitespace
// text"); OpenAI takes them, and OpenAI-compatible models often answer "\n\n"
// beside their tool calls. Such text says nothing: it is left out toward
// Anthropic, and a message left with nothing is left out (but the last).
func TestRequestWhitespaceTextLeftOut(t *testing.T) {
	body := `{"model":"m","messages":[` +
		`{"role":"system","content":"Be brief."},{"role":"system","content":" \n"},` +
		`{"role":"user","content":[{"type":"text","text":"weather?"},{"type":"image_url","image_url":{"url":"https://x.example/a.png"}}]},` +
		`{"role":"assistant","content":"\n\n","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"c1","content":"  "},` +
		`{"role":"user","content":"  "},` +
		`{"role":"assistant","content":[{"type":"text","text":"\t"}]},` +
		`{"role":"user","content":[{"type":"text","text":" "},{"type":"image_url","image_url":{"url":"https://x.example/b.png"}}]},` +
		`{"role":"user","content":"next"}]}`
	out, err := Request(wire.OpenAI, wire.Anthropic, []byte(body), "claude")
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		System json.RawMessage `json:"system"`
	}
	json.Unmarshal(out, &req)
	if string(req.System) != `"Be brief."` {
		t.Errorf("system %s, want \"Be brief.\"", req.System)
	}
	for i, m := range anTurns(t, out) {
		for j, b := range anBlocksOf(t, m) {
			if b.Type == "text" && strings.TrimSpace(textOf(b.Text)) == "" {
				t.Errorf("messages[%d].content[%d]: whitespace-only text %q in %s", i, j, textOf(b.Text), out)
			}
			if b.Type == "tool_result" && len(b.Content) > 0 {
				t.Errorf("messages[%d].content[%d]: tool_result content %s", i, j, b.Content)
			}
		}
	}
	if !strings.Contains(string(out), `"tool_use_id":"c1"`) || !strings.Contains(string(out), "b.png") {
		t.Errorf("content lost: %s", out)
	}
}
