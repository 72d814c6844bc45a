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
