package lifeline_test

import (
	"fmt"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/upstreamtest"
	"github.com/lifelinehq/lifeline/validate"
)

// An answer whose output is neither text nor a tool call of the client's
// is not empty: an OpenAI refusal or audio answer, an Anthropic turn of
// server-tool blocks (pause_turn) or of a block type added later. With
// non_empty on, it is served, streamed or not; an answer of nothing but
// thinking is still empty.
func TestNonEmptyCountsOutputOtherThanTextAndToolCalls(t *testing.T) {
	const (
		oaChunk = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":%s}]}\n\n"
		anStart = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"m\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n"
	)
	oa := func(delta string) []string {
		return []string{
			fmt.Sprintf(oaChunk, `{"role":"assistant","content":null}`, "null"),
			fmt.Sprintf(oaChunk, delta, "null"),
			fmt.Sprintf(oaChunk, `{}`, `"stop"`),
			"data: [DONE]\n\n",
		}
	}
	an := func(block, delta, stop string) []string {
		return []string{
			anStart,
			"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":" + block + "}\n\n",
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":" + delta + "}\n\n",
			"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stop + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":5}}\n\n",
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
		}
	}
	for _, tc := range []struct {
		name   string
		d      dialect
		body   string
		stream []string
		empty  bool
	}{
		{"openai refusal", openaiD,
			`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}`,
			oa(`{"refusal":"I can't help with that."}`), false},
		{"openai audio", openaiD,
			`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"audio":{"id":"audio_1","data":"AAAA","expires_at":1729,"transcript":"Hello"}},"finish_reason":"stop"}]}`,
			oa(`{"audio":{"id":"audio_1","transcript":"Hello"}}`), false},
		{"anthropic server tool", anthropicD,
			`{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"x"}},{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]}],"stop_reason":"pause_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":5}}`,
			an(`{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}`, `{"type":"input_json_delta","partial_json":"{\"query\":\"x\"}"}`, "pause_turn"), false},
		{"anthropic block added later", anthropicD,
			`{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"future_block","payload":{"a":1}}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":5}}`,
			an(`{"type":"future_block","payload":{}}`, `{"type":"future_delta","x":1}`, "end_turn"), false},
		{"anthropic thinking only", anthropicD,
			`{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"thinking","thinking":"hmm","signature":"s"},{"type":"redacted_thinking","data":"x"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":5}}`,
			an(`{"type":"thinking","thinking":"","signature":""}`, `{"type":"thinking_delta","thinking":"hmm"}`, "end_turn"), true},
	} {
		for _, stream := range []bool{false, true} {
			name := tc.name
			if stream {
				name += "/stream"
			}
			t.Run(name, func(t *testing.T) {
				b := upstreamtest.Reply(200, nil, tc.body)
				if stream {
					b = upstreamtest.Events(tc.stream, false)
				}
				a := newUpstream(t, b)
				good := newUpstream(t, tc.d.Good(stream))
				f := newFixture(t, tc.d, []string{a.URL, good.URL}, lifeline.WithMaxAttempts(1),
					lifeline.WithValidation(validate.Spec{NonEmpty: true}), lifeline.WithStreamMode(lifeline.StreamBuffer))
				resp, _, err := f.do(stream)
				if tc.empty {
					wantClasses(t, resp, err, "p0/m0:invalid", "p1/m1:ok")
					return
				}
				wantClasses(t, resp, err, "p0/m0:ok")
			})
		}
	}
}
