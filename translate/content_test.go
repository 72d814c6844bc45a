package translate

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// A request holding content the target dialect cannot carry is refused,
// with an error naming the message, the part and its type, rather than
// sent upstream without it.
func TestRequestRefusesContentWithoutCounterpart(t *testing.T) {
	const pdf = `data:application/pdf;base64,JVBERi0xLjQK`
	oaUser := func(parts string) string {
		return `{"model":"m","messages":[{"role":"user","content":"first"},{"role":"user","content":[{"type":"text","text":"hi"},` + parts + `]}]}`
	}
	anUser := func(blocks string) string {
		return `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"role":"user","content":[{"type":"text","text":"hi"},` + blocks + `]}]}`
	}
	anToolResult := func(inner string) string {
		return `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"q"},` +
			`{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":` + inner + `}]}]}`
	}
	oaCall := `{"role":"user","content":"q"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}`
	cases := []struct {
		name     string
		from, to wire.Dialect
		body     string
		want     error
		mention  []string // substrings the error must hold
	}{
		{"web search options", wire.OpenAI, wire.Anthropic,
			`{"model":"m","web_search_options":{},"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"web_search_options"}},
		{"MCP servers", wire.Anthropic, wire.OpenAI,
			`{"model":"m","max_tokens":5,"mcp_servers":[{"type":"url","url":"https://mcp.example","name":"x"}],"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"mcp_servers"}},
		{"more than four stop sequences", wire.Anthropic, wire.OpenAI,
			`{"model":"m","max_tokens":5,"stop_sequences":["a","b","c","d","e"],"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"stop_sequences", "5", "at most 4"}},
		{"deprecated functions", wire.OpenAI, wire.Anthropic,
			`{"model":"m","functions":[{"name":"f","parameters":{"type":"object"}}],"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"functions"}},
		{"several choices", wire.OpenAI, wire.Anthropic,
			`{"model":"m","n":3,"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"n > 1"}},
		{"audio output", wire.OpenAI, wire.Anthropic,
			`{"model":"m","modalities":["text","audio"],"audio":{"voice":"alloy","format":"wav"},"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"audio"}},
		{"allowed_tools tool_choice", wire.OpenAI, wire.Anthropic,
			`{"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"allowed_tools","allowed_tools":{"mode":"auto","tools":[{"type":"function","function":{"name":"f"}}]}},"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"tool_choice", `"allowed_tools"`}},
		{"custom tool", wire.OpenAI, wire.Anthropic,
			`{"model":"m","tools":[{"type":"function","function":{"name":"f"}},{"type":"custom","custom":{"name":"g"}}],"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"tools[1]", `"custom"`}},
		{"server tool", wire.Anthropic, wire.OpenAI,
			`{"model":"m","max_tokens":5,"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}],"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"tools[0]", "web_search_20250305"}},
		{"file by id", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"file","file":{"file_id":"file-abc123"}}`),
			ErrUntranslatable, []string{"messages[1].content[1]", "file_id"}},
		{"file by id with data", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"file","file":{"file_id":"file-abc123","file_data":"` + pdf + `"}}`),
			ErrUntranslatable, []string{"messages[1].content[1]", "file_id"}},
		{"file not a PDF", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"file","file":{"filename":"a.txt","file_data":"data:text/plain;base64,aGk="}}`),
			ErrUntranslatable, []string{"messages[1].content[1]", `"text/plain"`}},
		{"file data not a data URL", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"file","file":{"filename":"a.pdf","file_data":"JVBERi0xLjQK"}}`),
			ErrUntranslatable, []string{"messages[1].content[1]", "file parts", "data:application/pdf;base64"}},
		{"file without data or id", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"file","file":{"filename":"a.pdf"}}`),
			ErrInvalidRequest, []string{"messages[1].content[1]", "file"}},
		{"file without file", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"file"}`),
			ErrInvalidRequest, []string{"messages[1].content[1]", "file"}},
		{"input_audio", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}`),
			ErrUntranslatable, []string{"messages[1].content[1]", "input_audio"}},
		{"unknown part", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"video_url","video_url":{"url":"https://x/v.mp4"}}`),
			ErrUntranslatable, []string{"messages[1].content[1]", `"video_url"`}},
		{"image URL without scheme", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"image_url","image_url":{"url":"cat.png"}}`),
			ErrUntranslatable, []string{"messages[1].content[1]", "image_url"}},
		{"image data URL not base64", wire.OpenAI, wire.Anthropic,
			oaUser(`{"type":"image_url","image_url":{"url":"data:image/svg+xml;utf8,<svg/>"}}`),
			ErrUntranslatable, []string{"messages[1].content[1]", "image_url"}},
		{"image part in a system message", wire.OpenAI, wire.Anthropic,
			`{"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"s"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"messages[0].content[1]", `"image_url"`, "system"}},
		{"image part in a tool message", wire.OpenAI, wire.Anthropic,
			`{"model":"m","messages":[` + oaCall + `,{"role":"tool","tool_call_id":"c1","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`,
			ErrUntranslatable, []string{"messages[2].content[0]", `"image_url"`, "tool"}},
		{"file part in an assistant message", wire.OpenAI, wire.Anthropic,
			`{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"file","file":{"file_id":"f"}}]}]}`,
			ErrUntranslatable, []string{"messages[1].content[0]", `"file"`, "assistant"}},
		{"function result", wire.OpenAI, wire.Anthropic,
			`{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"function","name":"f","content":"42"}]}`,
			ErrUntranslatable, []string{"messages[1]", `"function"`}},
		{"function call", wire.OpenAI, wire.Anthropic,
			`{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{}"}}]}`,
			ErrUntranslatable, []string{"messages[1].function_call"}},
		{"audio answer", wire.OpenAI, wire.Anthropic,
			`{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","audio":{"id":"audio_1"}}]}`,
			ErrUntranslatable, []string{"messages[1].audio"}},

		{"empty user content", wire.Anthropic, wire.OpenAI,
			`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[]}]}`,
			ErrInvalidRequest, []string{"messages[0].content"}},
		{"unknown block", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"hologram","data":"x"}`),
			ErrUntranslatable, []string{"messages[2].content[1]", `"hologram"`}},
		{"search result block", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"search_result","source":"https://x","title":"t","content":[{"type":"text","text":"r"}]}`),
			ErrUntranslatable, []string{"messages[2].content[1]", `"search_result"`}},
		{"image from the Files API", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"image","source":{"type":"file","file_id":"file_1"}}`),
			ErrUntranslatable, []string{"messages[2].content[1]", `"file"`}},
		{"image without source", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"image"}`),
			ErrInvalidRequest, []string{"messages[2].content[1]"}},
		{"text document with citations", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"document","source":{"type":"text","media_type":"text/plain","data":"doc"},"citations":{"enabled":true}}`),
			ErrUntranslatable, []string{"messages[2].content[1].citations", "plain-text document"}},
		{"text document with context", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"document","source":{"type":"text","media_type":"text/plain","data":"doc"},"context":"Q3"}`),
			ErrUntranslatable, []string{"messages[2].content[1]", "context"}},
		{"text document not plain text", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"document","source":{"type":"text","media_type":"text/html","data":"<p>doc</p>"}}`),
			ErrUntranslatable, []string{"messages[2].content[1]", `"text/html"`}},
		{"PDF document by URL", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"document","source":{"type":"url","url":"https://x/a.pdf"}}`),
			ErrUntranslatable, []string{"messages[2].content[1]", "document", `"url"`}},
		{"document from the Files API", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"document","source":{"type":"file","file_id":"file_1"}}`),
			ErrUntranslatable, []string{"messages[2].content[1]", "document", `"file"`}},
		{"document of custom content", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"document","source":{"type":"content","content":[{"type":"text","text":"x"}]}}`),
			ErrUntranslatable, []string{"messages[2].content[1]", "document", `"content"`}},
		{"document with context", wire.Anthropic, wire.OpenAI,
			anUser(`{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"context":"Q3 figures"}`),
			ErrUntranslatable, []string{"messages[2].content[1]", "context"}},
		{"image in a tool result", wire.Anthropic, wire.OpenAI,
			anToolResult(`[{"type":"text","text":"12:00"},{"type":"image","source":{"type":"url","url":"https://x/c.png"}}]`),
			ErrUntranslatable, []string{"messages[2].content[0].content[1]", `"image"`}},
		{"document in a tool result", wire.Anthropic, wire.OpenAI,
			anToolResult(`[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}]`),
			ErrUntranslatable, []string{"messages[2].content[0].content[0]", `"document"`}},
		{"tool result content not string or blocks", wire.Anthropic, wire.OpenAI,
			anToolResult(`5`),
			ErrInvalidRequest, []string{"messages[2].content[0].content"}},
		{"server tool blocks in an assistant turn", wire.Anthropic, wire.OpenAI,
			`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"news?"},{"role":"assistant","content":[` +
				`{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"news"}},` +
				`{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]},{"type":"text","text":"Here."}]}]}`,
			ErrUntranslatable, []string{"messages[1].content[0]", `"server_tool_use"`}},
		{"non-text system block", wire.Anthropic, wire.OpenAI,
			`{"model":"m","max_tokens":5,"system":[{"type":"text","text":"s"},{"type":"image","source":{"type":"url","url":"https://x/y.png"}}],"messages":[{"role":"user","content":"hi"}]}`,
			ErrUntranslatable, []string{"system[1]", `"image"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Request(c.from, c.to, []byte(c.body), "target")
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v (output %s)", err, c.want, out)
			}
			if out != nil {
				t.Errorf("output %s with an error", out)
			}
			for _, s := range c.mention {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// A PDF given inline crosses in both directions: an OpenAI file part with
// a base64 data URL and an Anthropic document block with a base64 source.
// A plain-text document reaches OpenAI as text after its title, and a
// failed tool result as a tool message marked as an error.
func TestRequestCarriesInlineDocuments(t *testing.T) {
	cases := []struct {
		name     string
		from, to wire.Dialect
		body     string
		want     string // the translated messages
	}{
		{"file part to document", wire.OpenAI, wire.Anthropic,
			`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Summarise."},` +
				`{"type":"file","file":{"filename":"q3.pdf","file_data":"data:application/pdf;base64,JVBERi0xLjQK"}},` +
				`{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0xLjcK"}}]}]}`,
			`[{"role":"user","content":[{"type":"text","text":"Summarise."},` +
				`{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjQK"},"title":"q3.pdf"},` +
				`{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjcK"}}]}]`},
		{"document to file part", wire.Anthropic, wire.OpenAI,
			`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[` +
				`{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjQK"},"title":"q3.pdf","citations":{"enabled":true}},` +
				`{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjcK"},"context":""},` +
				`{"type":"text","text":"Summarise."}]}]}`,
			`[{"role":"user","content":[` +
				`{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0xLjQK","filename":"q3.pdf"}},` +
				`{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0xLjcK","filename":"document.pdf"}},` +
				`{"type":"text","text":"Summarise."}]}]`},
		{"text document to text part", wire.Anthropic, wire.OpenAI,
			`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[` +
				`{"type":"document","source":{"type":"text","media_type":"text/plain","data":"Revenue rose 4%."},"title":"Q3 notes","citations":{"enabled":false}},` +
				`{"type":"document","source":{"type":"text","media_type":"text/plain","data":"No title."}},` +
				`{"type":"text","text":"Summarise."}]}]}`,
			`[{"role":"user","content":[` +
				`{"type":"text","text":"Q3 notes\n\nRevenue rose 4%."},` +
				`{"type":"text","text":"No title."},` +
				`{"type":"text","text":"Summarise."}]}]`},
		{"failed tool result marked", wire.Anthropic, wire.OpenAI,
			`{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[` +
				`{"type":"tool_use","id":"t1","name":"f","input":{}},{"type":"tool_use","id":"t2","name":"f","input":{}},` +
				`{"type":"tool_use","id":"t3","name":"f","input":{}},{"type":"tool_use","id":"t4","name":"f","input":{}},` +
				`{"type":"tool_use","id":"t5","name":"f","input":{}}]},` +
				`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"timeout","is_error":true},` +
				`{"type":"tool_result","tool_use_id":"t2","content":[{"type":"text","text":"no such city"},{"type":"text","text":"try again"}],"is_error":true},` +
				`{"type":"tool_result","tool_use_id":"t3","is_error":true},` +
				`{"type":"tool_result","tool_use_id":"t4","content":"fine","is_error":false},` +
				`{"type":"tool_result","tool_use_id":"t5","content":[{"type":"text","text":""}],"is_error":true}]}]}`,
			`[{"role":"assistant","tool_calls":[` +
				`{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"t2","type":"function","function":{"name":"f","arguments":"{}"}},` +
				`{"id":"t3","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"t4","type":"function","function":{"name":"f","arguments":"{}"}},` +
				`{"id":"t5","type":"function","function":{"name":"f","arguments":"{}"}}]},` +
				`{"role":"tool","content":"Error: timeout","tool_call_id":"t1"},` +
				`{"role":"tool","content":[{"type":"text","text":"Error: no such city"},{"type":"text","text":"try again"}],"tool_call_id":"t2"},` +
				`{"role":"tool","content":"Error","tool_call_id":"t3"},` +
				`{"role":"tool","content":"fine","tool_call_id":"t4"},` +
				`{"role":"tool","content":[{"type":"text","text":"Error"}],"tool_call_id":"t5"}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Request(c.from, c.to, []byte(c.body), "target")
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Messages json.RawMessage }
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if string(got.Messages) != c.want {
				t.Errorf("messages\n got: %s\nwant: %s", got.Messages, c.want)
			}
		})
	}
}

// An Anthropic request never becomes an OpenAI one with "messages": null,
// which no OpenAI endpoint reads as a conversation.
func TestRequestToOpenAIMessagesNeverNull(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"model":"m","max_tokens":5,"messages":[]}`, `"messages":[]`},
		{`{"model":"m","max_tokens":5,"system":"s","messages":[]}`, `"messages":[{"role":"system","content":"s"}]`},
	}
	for _, c := range cases {
		out, err := Request(wire.Anthropic, wire.OpenAI, []byte(c.body), "")
		if err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%s: got %s, want it to hold %s", c.body, out, c.want)
		}
	}
}

// An assistant turn's refusal is part of the conversation: it reaches
// Anthropic as text, as a refusal in a response does.
func TestRequestAssistantRefusalBecomesText(t *testing.T) {
	cases := []struct{ assistant, want string }{
		{`{"role":"assistant","content":null,"refusal":"I can't help with that."}`,
			`[{"type":"text","text":"I can't help with that."}]`},
		{`{"role":"assistant","content":"Well.","refusal":"No."}`,
			`[{"type":"text","text":"Well."},{"type":"text","text":"No."}]`},
		{`{"role":"assistant","content":"Sure.","refusal":null}`, `"Sure."`},
	}
	for _, c := range cases {
		body := `{"model":"m","messages":[{"role":"user","content":"hi"},` + c.assistant + `,{"role":"user","content":"why?"}]}`
		out, err := Request(wire.OpenAI, wire.Anthropic, []byte(body), "")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Messages []struct{ Content json.RawMessage }
		}
		if err := json.Unmarshal(out, &got); err != nil || len(got.Messages) != 3 {
			t.Fatalf("%s (%v)", out, err)
		}
		if g := string(got.Messages[1].Content); g != c.want {
			t.Errorf("%s: assistant content = %s, want %s", c.assistant, g, c.want)
		}
	}
}

// Up to four Anthropic stop sequences reach OpenAI as its stop list, which
// takes no more.
func TestRequestCarriesFourStopSequences(t *testing.T) {
	body := `{"model":"m","max_tokens":5,"stop_sequences":["a","b","c","d"],"messages":[{"role":"user","content":"hi"}]}`
	out, err := Request(wire.Anthropic, wire.OpenAI, []byte(body), "target")
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Stop []string }
	if err := json.Unmarshal(out, &got); err != nil || strings.Join(got.Stop, ",") != "a,b,c,d" {
		t.Fatalf("stop %v (%v) in %s, want a,b,c,d", got.Stop, err, out)
	}
}
