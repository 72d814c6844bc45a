package upstreamtest

import (
	"fmt"
	"strings"

	"github.com/lifelinehq/lifeline/wire"
)

// Dialect holds one wire format's fixtures as the providers send them: a
// client request naming the route "route", a valid answer and stream (both
// say "hello"), and an error of every class.
type Dialect struct {
	Kind       wire.Dialect
	Request    string   // a non-streaming request with model "route"
	OK         string   // a valid 2xx answer
	Stream     []string // a whole valid stream
	Opening    int      // events before the first content event
	ErrorEvent func(typ string) string
	Overloaded Behaviour
	RateLimit  func(hdr map[string]string) Behaviour
	Quota      Behaviour
	Server     Behaviour
	BadReq     Behaviour
	TooLarge   Behaviour
	Auth       Behaviour
	NotFound   Behaviour
}

// String names the wire format.
func (d Dialect) String() string { return d.Kind.String() }

// StreamRequest is Request asking for a stream.
func (d Dialect) StreamRequest() string {
	return strings.Replace(d.Request, `"messages"`, `"stream":true,"messages"`, 1)
}

// Body is StreamRequest or Request.
func (d Dialect) Body(stream bool) string {
	if stream {
		return d.StreamRequest()
	}
	return d.Request
}

// Good answers with the valid stream or the valid answer.
func (d Dialect) Good(stream bool) Behaviour {
	if stream {
		return Events(d.Stream, false)
	}
	return Reply(200, nil, d.OK)
}

// OpenAI is the fixture of the OpenAI Chat Completions format.
var OpenAI = Dialect{
	Kind:    wire.OpenAI,
	Request: `{"model":"route","messages":[{"role":"user","content":"hi"}]}`,
	OK:      `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`,
	Stream: []string{
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hel\"},\"finish_reason\":null}]}\n\n",
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n",
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
		"data: [DONE]\n\n",
	},
	Opening: 1,
	ErrorEvent: func(typ string) string {
		return fmt.Sprintf("data: {\"error\":{\"message\":\"boom\",\"type\":%q,\"code\":null}}\n\n", typ)
	},
	Overloaded: Reply(503, nil, `{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","code":null}}`),
	RateLimit: func(h map[string]string) Behaviour {
		return Reply(429, h, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`)
	},
	Quota:    Reply(429, nil, `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`),
	Server:   Reply(500, nil, `{"error":{"message":"The server had an error while processing your request","type":"server_error","code":null}}`),
	BadReq:   Reply(400, nil, `{"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error","param":"temperature","code":null}}`),
	TooLarge: Reply(400, nil, `{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`),
	Auth:     Reply(401, nil, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`),
	NotFound: Reply(404, nil, `{"error":{"message":"The model does not exist","type":"invalid_request_error","code":"model_not_found"}}`),
}

// Anthropic is the fixture of the Anthropic Messages format.
var Anthropic = Dialect{
	Kind:    wire.Anthropic,
	Request: `{"model":"route","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`,
	OK:      `{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}`,
	Stream: []string{
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n",
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
		"event: ping\ndata: {\"type\":\"ping\"}\n\n",
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hel\"}}\n\n",
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n",
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n",
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
	},
	Opening: 3,
	ErrorEvent: func(typ string) string {
		return fmt.Sprintf("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":%q,\"message\":\"boom\"}}\n\n", typ)
	},
	Overloaded: Reply(529, nil, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`),
	RateLimit: func(h map[string]string) Behaviour {
		return Reply(429, h, `{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}`)
	},
	Quota:    Reply(429, nil, `{"type":"error","error":{"type":"rate_limit_error","message":"spend limit reached","details":{"error_code":"enforced_spend_limit_reached"}}}`),
	Server:   Reply(500, nil, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`),
	BadReq:   Reply(400, nil, `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}`),
	TooLarge: Reply(400, nil, `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}`),
	Auth:     Reply(401, nil, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`),
	NotFound: Reply(404, nil, `{"type":"error","error":{"type":"not_found_error","message":"model: nope"}}`),
}
