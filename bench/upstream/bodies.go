package upstream

import (
	"bytes"
	"fmt"
)

// minEvents is the shortest stream both dialects can frame: Anthropic's
// five framing events and one text delta.
const minEvents = 6

// openAIBody is a chat completion of typical size (538 bytes).
var openAIBody = []byte(`{"id":"chatcmpl-bench0000000000000000000000","object":"chat.completion","created":1700000000,` +
	`"model":"bench-model","system_fingerprint":"fp_bench","choices":[{"index":0,"message":{"role":"assistant",` +
	`"content":"The loopback upstream answers every request with this same completion, so the benchmark measures ` +
	`only what sits between the client and the model API: connection handling, routing, policy and copying.",` +
	`"refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":41,` +
	`"total_tokens":65}}`)

// anthropicBody is a Messages API answer of typical size.
var anthropicBody = []byte(`{"id":"msg_bench00000000000000000000","type":"message","role":"assistant","model":"bench-model",` +
	`"content":[{"type":"text","text":"The loopback upstream answers every request with this same message, so the ` +
	`benchmark measures only what sits between the client and the model API: connection handling, routing, ` +
	`policy and copying."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":24,"output_tokens":41}}`)

// The 503 answers under OverloadedPrefix, as the providers word them.
var (
	openAIOverloaded    = []byte(`{"error":{"message":"The server is overloaded. Please try again later.","type":"server_error","param":null,"code":null}}`)
	anthropicOverloaded = []byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
)

// openAIEvents is a chat completion stream of n events: n-2 content chunks
// (the first also carries the role, so the first event is already content),
// a chunk with the finish reason, and the [DONE] sentinel.
func openAIEvents(n int) [][]byte {
	const head = `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model","choices":[{"index":0,`
	evs := make([][]byte, 0, n)
	for i := 0; i < n-2; i++ {
		role := ""
		if i == 0 {
			role = `"role":"assistant",`
		}
		evs = append(evs, fmt.Appendf(nil, "%s\"delta\":{%s\"content\":\"token%02d \"},\"finish_reason\":null}]}\n\n", head, role, i))
	}
	evs = append(evs, []byte(head+`"delta":{},"finish_reason":"stop"}]}`+"\n\n"))
	evs = append(evs, []byte("data: [DONE]\n\n"))
	return evs
}

// anthropicEvents is a Messages stream of n events: message_start,
// content_block_start, n-5 text deltas, content_block_stop, message_delta
// and message_stop.
func anthropicEvents(n int) [][]byte {
	ev := func(name, data string) []byte { return []byte("event: " + name + "\ndata: " + data + "\n\n") }
	evs := make([][]byte, 0, n)
	evs = append(evs,
		ev("message_start", `{"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"bench-model","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":24,"output_tokens":1}}}`),
		ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`))
	for i := 0; i < n-5; i++ {
		evs = append(evs, ev("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"token%02d "}}`, i)))
	}
	evs = append(evs,
		ev("content_block_stop", `{"type":"content_block_stop","index":0}`),
		ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":`+fmt.Sprint(n-5)+`}}`),
		ev("message_stop", `{"type":"message_stop"}`))
	return evs
}

// Count reports how many events of a stream body are complete ("\n\n"
// terminated): a client's check that nothing was lost on the way.
func Count(body []byte) int { return bytes.Count(body, []byte("\n\n")) }

// OpenAIBody returns a copy of the fixed non-streaming OpenAI answer.
func OpenAIBody() []byte { return append([]byte(nil), openAIBody...) }

// AnthropicBody returns a copy of the fixed non-streaming Anthropic answer.
func AnthropicBody() []byte { return append([]byte(nil), anthropicBody...) }
