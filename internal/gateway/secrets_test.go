package gateway_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/wire"
)

// Provider keys never appear in anything the gateway writes or serves,
// even when a provider echoes the credential it received. Every harness
// greps its logs (JSON and text, debug level) and every answer, status
// page and metric it served when its test ends; this test drives every
// kind of answer through upstreams that echo their credentials.

// credentialsOf is what a careless provider prints of the credentials it
// received.
func credentialsOf(r *http.Request) string {
	return fmt.Sprintf("Authorization=%q x-api-key=%q", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
}

// echoError answers status with an error of dialect d whose message holds
// the credentials; tooLarge makes it a context-window error.
func echoError(d wire.Dialect, status int, tooLarge bool) behaviour {
	return func(w http.ResponseWriter, r *http.Request) {
		msg := "invalid request: " + credentialsOf(r)
		code := "invalid_api_key"
		if tooLarge {
			msg = "prompt is too long: " + credentialsOf(r)
			code = "context_length_exceeded"
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if d == wire.Anthropic {
			fmt.Fprintf(w, `{"type":"error","error":{"type":"invalid_request_error","message":%q}}`, msg)
			return
		}
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error","code":%q}}`, msg, code)
	}
}

// echoStream streams d's opening events (and one content event when
// afterContent), then an error event whose message holds the credentials.
func echoStream(d dialect, afterContent bool) behaviour {
	return func(w http.ResponseWriter, r *http.Request) {
		n := d.Opening
		if afterContent {
			n++
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		for _, e := range d.Stream[:n] {
			io.WriteString(w, e)
		}
		msg := strings.ReplaceAll(credentialsOf(r), `"`, `'`)
		io.WriteString(w, strings.Replace(d.ErrorEvent(errorType(d)), "boom", msg, 1))
	}
}

// echoAnswer is a 200 whose text repeats the credentials.
func echoAnswer(d dialect) behaviour {
	return func(w http.ResponseWriter, r *http.Request) {
		msg := strings.ReplaceAll(credentialsOf(r), `"`, `'`)
		reply(200, nil, strings.Replace(d.OK, `"hello"`, `"`+msg+`"`, 1))(w, r)
	}
}

func other(d dialect) dialect {
	if d.Kind == wire.Anthropic {
		return openaiD
	}
	return anthropicD
}

func TestNoCredentialInAnythingServedOrLogged(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		o := other(d)
		anthAuth := newUpstream(t, echoError(wire.Anthropic, 401, false))
		openAuth := newUpstream(t, echoError(wire.OpenAI, 403, false))
		same := func(b behaviour) link { return link{kind: d.Kind, url: newUpstream(t, b).URL} }
		otherLink := func(b behaviour) link { return link{kind: o.Kind, url: newUpstream(t, b).URL} }
		auth := []link{{kind: wire.Anthropic, url: anthAuth.URL}, {kind: wire.OpenAI, url: openAuth.URL}}
		one := []lifeline.RouteOption{lifeline.WithMaxAttempts(1)}
		routes := []gateway.RouteSpec{
			prefixedRoute("auth-then-ok", "auth-then-ok-", append(append([]link{}, auth...), same(d.Good(false))), one...),
			prefixedRoute("auth-then-ok-stream", "auth-then-ok-stream-", append(append([]link{}, auth...), same(d.Good(true))), one...),
			prefixedRoute("auth-everywhere", "auth-everywhere-", auth, one...),
			prefixedRoute("rejected", "rejected-", []link{same(echoError(d.Kind, 400, false))}, one...),
			prefixedRoute("rejected-translated", "rejected-translated-", []link{otherLink(echoError(o.Kind, 400, false))}, one...),
			prefixedRoute("too-large", "too-large-", []link{same(echoError(d.Kind, 400, true))}, one...),
			prefixedRoute("too-large-translated", "too-large-translated-", []link{otherLink(echoError(o.Kind, 400, true))}, one...),
			prefixedRoute("stream-error-before-content", "stream-error-before-content-", []link{same(echoStream(d, false)), otherLink(echoStream(o, false))}, one...),
			prefixedRoute("stream-error-after-content", "stream-error-after-content-", []link{same(echoStream(d, true))}, one...),
			prefixedRoute("stream-error-after-content-translated", "stream-error-after-content-translated-", []link{otherLink(echoStream(o, true))}, one...),
			prefixedRoute("answer-echo", "answer-echo-", []link{same(echoAnswer(d))}, one...),
			prefixedRoute("answer-echo-translated", "answer-echo-translated-", []link{otherLink(echoAnswer(o))}, one...),
		}
		g := startGW(t, gateway.Config{Routes: routes, Keys: []gateway.Key{{Key: clientKey, Routes: []string{"*"}}}})
		auth2 := []string{"Authorization", "Bearer " + clientKey}
		for _, rs := range routes {
			for _, stream := range []bool{false, true} {
				body := strings.Replace(d.Body(stream), `"route"`, `"`+rs.Name+`"`, 1)
				ans := g.post(d.path, body, auth2...)
				if ans.status == 0 {
					t.Fatalf("%s: no answer", rs.Name)
				}
			}
		}
		// Client-side errors of every kind.
		g.post(d.path, d.Request)
		g.post(d.path, d.Request, "X-Api-Key", "wrong-"+clientKey)
		g.post(d.path, `{"model":`, auth2...)
		g.post(d.path, strings.Replace(d.Request, `"route"`, `"nope"`, 1), auth2...)

		// The harness's check runs at cleanup; check here as well so the
		// failure points at this test, and make sure the echoes happened.
		g.noSecrets()
		if !strings.Contains(g.logs.String(), redactedMarker) && !strings.Contains(g.served.String(), redactedMarker) {
			t.Fatal("no upstream echo was seen: the test does not exercise redaction")
		}
		if anthAuth.Count() == 0 || openAuth.Count() == 0 {
			t.Fatal("the echoing upstreams were not called")
		}
	})
}

const redactedMarker = "[REDACTED]"
