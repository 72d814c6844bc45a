package wire

import "testing"

func TestCheckShape(t *testing.T) {
	for _, tc := range []struct {
		d    Dialect
		body string
		ok   bool
	}{
		{OpenAI, `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`, true},
		{OpenAI, " \n{\"choices\" : [ {\"message\":{\"content\":\"}\"}} ] , \"usage\":{\"total_tokens\":3}}\n", true},
		{Anthropic, `{"id":"m","type":"message","role":"assistant","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn"}`, true},
		{Anthropic, `{"type":"message","content":[],"stop_reason":"end_turn"}`, true}, // empty, but an answer (non_empty judges it)
		{OpenAI, ``, false},
		{OpenAI, `   `, false},
		{OpenAI, `<html><body>502 Bad Gateway</body></html>`, false},
		{OpenAI, `{}`, false},
		{OpenAI, `{"choices":[]}`, false},
		{OpenAI, `{"choices":{}}`, false},
		{OpenAI, `{"choices":"[]"}`, false},
		{OpenAI, `{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}`, false}, // cut
		{OpenAI, `{"id":"c","choices":[{"index":0}]`, false},                                             // cut before the last brace
		{OpenAI, `{"id":"c","choices":[{"index":0}]}{"id":"d"}`, false},                                  // two objects
		{OpenAI, `{"id":"c","choices":[{"index":0}]} trailing`, false},
		{OpenAI, `{"id":"c" "choices":[{"index":0}]}`, false}, // a missing comma
		{OpenAI, `{"id":,"choices":[{"index":0}]}`, false},    // a missing value
		{OpenAI, `{id:"c","choices":[{"index":0}]}`, false},   // an unquoted name
		{OpenAI, `[{"choices":[{"index":0}]}]`, false},
		{Anthropic, `{"type":"message","role":"assistant"}`, false},
		{Anthropic, `{"error":{"type":"overloaded_error"}}`, false},
		{Anthropic, `{"type":"message","content":[{"type":"text","text":"hi"}]`, false},
	} {
		err := CheckShape(tc.d, []byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%v %q: error %v, want ok %v", tc.d, tc.body, err, tc.ok)
		}
	}
}

func BenchmarkCheckShape(b *testing.B) {
	body := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4.1","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := CheckShape(OpenAI, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckShapeLongAnswer(b *testing.B) {
	text := make([]byte, 4000)
	for i := range text {
		text[i] = "abcdefgh ijklmnop, qrst.\n"[i%25]
	}
	body := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4.1","choices":[{"index":0,"message":{"role":"assistant","content":"` +
		string(text) + `"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := CheckShape(OpenAI, body); err != nil {
			b.Fatal(err)
		}
	}
}
