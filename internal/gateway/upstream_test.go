package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/internal/upstreamtest"
	"github.com/lifelinehq/lifeline/wire"
)

// The scripted upstream and its behaviours are shared with the engine's
// tests.
type (
	behaviour = upstreamtest.Behaviour
	upstream  = upstreamtest.Server
)

var (
	newUpstream = upstreamtest.New
	refusedURL  = upstreamtest.RefusedURL
	reply       = upstreamtest.Reply
	events      = upstreamtest.Events
	hang        = upstreamtest.Hang
)

// withHeader adds response headers to b.
func withHeader(b behaviour, kv ...string) behaviour {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		b(w, r)
	}
}

// dialect holds one wire format's fixtures: a client request naming the
// route "route", valid answers and the provider errors of every class.
type dialect struct {
	d          wire.Dialect
	path       string // the gateway endpoint
	request    string
	ok         string
	stream     []string // a whole valid stream
	opening    int      // events before the first content event
	errorEvent func(typ string) string
	overloaded behaviour
	rateLimit  func(hdr map[string]string) behaviour
	quota      behaviour
	server     behaviour
	badReq     behaviour
	tooLarge   behaviour
	auth       behaviour
	notFound   behaviour
	// withSchema adds the dialect's structured-output request member.
	withSchema func(body, schema string) string
	// echoKey answers 401 with the credentials it received in the message.
	echoKey behaviour
}

func (d dialect) String() string { return d.d.String() }

func (d dialect) streamRequest() string {
	return strings.Replace(d.request, `"messages"`, `"stream":true,"messages"`, 1)
}

func (d dialect) body(stream bool) string {
	if stream {
		return d.streamRequest()
	}
	return d.request
}

func (d dialect) good(stream bool) behaviour {
	if stream {
		return events(d.stream, false)
	}
	return reply(200, nil, d.ok)
}

// okText is what a good answer says, in the body or the whole stream.
func (d dialect) okText(stream bool) string {
	if stream {
		return strings.Join(d.stream, "")
	}
	return d.ok
}

// jsonAnswer is a good answer whose text is {"answer":"yes"}.
func (d dialect) jsonAnswer(stream bool) behaviour {
	if !stream {
		return reply(200, nil, strings.ReplaceAll(d.ok, `"hello"`, `"{\"answer\":\"yes\"}"`))
	}
	evs := make([]string, len(d.stream))
	for i, e := range d.stream {
		evs[i] = strings.Replace(strings.Replace(e, `"hel"`, `"{\"answer\":"`, 1), `"lo"`, `"\"yes\"}"`, 1)
	}
	return events(evs, false)
}

// echoCredentials answers status with every credential header the
// upstream received inside the error message, as a careless server might.
func echoCredentials(d wire.Dialect, status int) behaviour {
	return func(w http.ResponseWriter, r *http.Request) {
		msg := fmt.Sprintf("invalid credentials: Authorization=%q x-api-key=%q", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if d == wire.Anthropic {
			fmt.Fprintf(w, `{"type":"error","error":{"type":"authentication_error","message":%q}}`, msg)
			return
		}
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error","code":"invalid_api_key"}}`, msg)
	}
}

var openaiD = dialect{
	d:       wire.OpenAI,
	path:    "/v1/chat/completions",
	request: `{"model":"route","messages":[{"role":"user","content":"hi"}]}`,
	ok:      `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`,
	stream: []string{
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hel\"},\"finish_reason\":null}]}\n\n",
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n",
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
		"data: [DONE]\n\n",
	},
	opening: 1,
	errorEvent: func(typ string) string {
		return fmt.Sprintf("data: {\"error\":{\"message\":\"boom\",\"type\":%q,\"code\":null}}\n\n", typ)
	},
	overloaded: reply(503, nil, `{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","code":null}}`),
	rateLimit: func(h map[string]string) behaviour {
		return reply(429, h, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`)
	},
	quota:    reply(429, nil, `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`),
	server:   reply(500, nil, `{"error":{"message":"The server had an error while processing your request","type":"server_error","code":null}}`),
	badReq:   reply(400, nil, `{"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error","param":"temperature","code":null}}`),
	tooLarge: reply(400, nil, `{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`),
	auth:     reply(401, nil, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`),
	notFound: reply(404, nil, `{"error":{"message":"The model does not exist","type":"invalid_request_error","code":"model_not_found"}}`),
	withSchema: func(body, schema string) string {
		return strings.Replace(body, `"messages"`, `"response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,"schema":`+schema+`}},"messages"`, 1)
	},
	echoKey: echoCredentials(wire.OpenAI, 401),
}

var anthropicD = dialect{
	d:       wire.Anthropic,
	path:    "/v1/messages",
	request: `{"model":"route","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`,
	ok:      `{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}`,
	stream: []string{
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n",
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
		"event: ping\ndata: {\"type\":\"ping\"}\n\n",
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hel\"}}\n\n",
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n",
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n",
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
	},
	opening: 3,
	errorEvent: func(typ string) string {
		return fmt.Sprintf("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":%q,\"message\":\"boom\"}}\n\n", typ)
	},
	overloaded: reply(529, nil, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`),
	rateLimit: func(h map[string]string) behaviour {
		return reply(429, h, `{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}`)
	},
	quota:    reply(429, nil, `{"type":"error","error":{"type":"rate_limit_error","message":"spend limit reached","details":{"error_code":"enforced_spend_limit_reached"}}}`),
	server:   reply(500, nil, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`),
	badReq:   reply(400, nil, `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}`),
	tooLarge: reply(400, nil, `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}`),
	auth:     reply(401, nil, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`),
	notFound: reply(404, nil, `{"type":"error","error":{"type":"not_found_error","message":"model: nope"}}`),
	withSchema: func(body, schema string) string {
		return strings.Replace(body, `"messages"`, `"output_config":{"format":{"type":"json_schema","schema":`+schema+`}},"messages"`, 1)
	},
	echoKey: echoCredentials(wire.Anthropic, 401),
}

var dialects = []dialect{openaiD, anthropicD}

// modes runs fn for both dialects, non-streaming and streaming.
func modes(t *testing.T, fn func(t *testing.T, d dialect, stream bool)) {
	t.Helper()
	for _, d := range dialects {
		for _, stream := range []bool{false, true} {
			name := d.String()
			if stream {
				name += "/stream"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				fn(t, d, stream)
			})
		}
	}
}

// each runs fn for both dialects.
func each(t *testing.T, fn func(t *testing.T, d dialect)) {
	t.Helper()
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}
