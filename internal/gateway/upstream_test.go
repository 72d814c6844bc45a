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
	upstreamtest.Dialect
	path string // the gateway endpoint
	// withSchema adds the dialect's structured-output request member.
	withSchema func(body, schema string) string
	// echoKey answers 401 with the credentials it received in the message.
	echoKey behaviour
}

// okText is what a good answer says, in the body or the whole stream.
func (d dialect) okText(stream bool) string {
	if stream {
		return strings.Join(d.Stream, "")
	}
	return d.OK
}

// jsonAnswer is a good answer whose text is {"answer":"yes"}.
func (d dialect) jsonAnswer(stream bool) behaviour {
	if !stream {
		return reply(200, nil, strings.ReplaceAll(d.OK, `"hello"`, `"{\"answer\":\"yes\"}"`))
	}
	evs := make([]string, len(d.Stream))
	for i, e := range d.Stream {
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
	Dialect: upstreamtest.OpenAI,
	path:    "/v1/chat/completions",
	withSchema: func(body, schema string) string {
		return strings.Replace(body, `"messages"`, `"response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,"schema":`+schema+`}},"messages"`, 1)
	},
	echoKey: echoCredentials(wire.OpenAI, 401),
}

var anthropicD = dialect{
	Dialect: upstreamtest.Anthropic,
	path:    "/v1/messages",
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
