package lifeline_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/internal/upstreamtest"
	"github.com/lifelinehq/lifeline/wire"
)

// The scripted upstream and its behaviours are shared with the gateway's
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

// dialect fixtures

type dialect struct {
	d          wire.Dialect
	request    string // non-streaming request with model "route"
	ok         string // a valid 2xx answer
	okText     string
	stream     []string // a full valid stream
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
}

func (d dialect) streamRequest() string {
	return strings.Replace(d.request, `"messages"`, `"stream":true,"messages"`, 1)
}

func (d dialect) String() string { return d.d.String() }

var openaiD = dialect{
	d:       wire.OpenAI,
	request: `{"model":"route","messages":[{"role":"user","content":"hi"}]}`,
	ok:      `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`,
	okText:  "hello",
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
}

var anthropicD = dialect{
	d:       wire.Anthropic,
	request: `{"model":"route","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`,
	ok:      `{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}`,
	okText:  "hello",
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
}

var dialects = []dialect{openaiD, anthropicD}

func (d dialect) okReply() behaviour  { return reply(200, nil, d.ok) }
func (d dialect) okStream() behaviour { return events(d.stream, false) }

// fixture is an engine with a route over upstreams of one dialect.
type fixture struct {
	t      *testing.T
	engine *lifeline.Engine
	route  *lifeline.Route
	d      dialect
	events *recorder
}

// recorder collects engine events.
type recorder struct {
	mu  sync.Mutex
	evs []lifeline.Event
}

func (r *recorder) observe(e lifeline.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
}

func (r *recorder) kinds(k lifeline.EventKind) []lifeline.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []lifeline.Event
	for _, e := range r.evs {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// fastPolicy keeps tests quick: tiny backoff (zero with the zero jitter
// source), short bounds.
func fastPolicy() []lifeline.RouteOption {
	return []lifeline.RouteOption{
		lifeline.WithBackoff(backoff.Policy{Base: time.Millisecond, Cap: 5 * time.Millisecond, Jitter: backoff.Full}),
		lifeline.WithTimeouts(lifeline.Timeouts{Attempt: 5 * time.Second, FirstToken: 2 * time.Second, Idle: 2 * time.Second, Total: 10 * time.Second}),
	}
}

func newFixture(t *testing.T, d dialect, urls []string, opts ...lifeline.RouteOption) *fixture {
	t.Helper()
	rec := &recorder{}
	e := lifeline.New(lifeline.WithObserver(rec.observe), lifeline.WithRand(func() float64 { return 0 }))
	var chain []lifeline.Target
	for i, u := range urls {
		base := u
		if d.d == wire.OpenAI {
			base += "/v1"
		}
		p := &lifeline.Provider{Name: fmt.Sprintf("p%d", i), Kind: d.d, BaseURL: base, APIKey: "sk-test-secret"}
		chain = append(chain, lifeline.Target{Provider: p, Model: fmt.Sprintf("m%d", i)})
	}
	r, err := e.NewRoute("route", chain, append(fastPolicy(), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, engine: e, route: r, d: d, events: rec}
}

// do sends the dialect's request (streaming or not) and returns the body
// the client would read (the whole stream for streams) or the error.
func (f *fixture) do(stream bool) (*lifeline.Response, string, error) {
	return f.doCtx(context.Background(), stream, nil)
}

func (f *fixture) doCtx(ctx context.Context, stream bool, mod func(*lifeline.Request)) (*lifeline.Response, string, error) {
	f.t.Helper()
	body := f.d.request
	if stream {
		body = f.d.streamRequest()
	}
	req := &lifeline.Request{Dialect: f.d.d, Body: []byte(body)}
	if mod != nil {
		mod(req)
	}
	resp, err := f.engine.Do(ctx, f.route, req)
	if err != nil {
		return nil, "", err
	}
	if resp.Stream == nil {
		return resp, string(resp.Body), nil
	}
	defer resp.Stream.Close()
	var b strings.Builder
	for {
		chunk, err := resp.Stream.Next()
		b.Write(chunk)
		if err == io.EOF {
			return resp, b.String(), nil
		}
		if err != nil {
			return resp, b.String(), err
		}
	}
}
