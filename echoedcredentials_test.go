package lifeline_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// Credentials a provider is sent, each with characters that JSON or URLs
// escape: the API key, a key in an extra header (Azure OpenAI's api-key)
// and one in the base URL's query.
const (
	echoKey    = `sk-live+LEAK/api=0123"&<>9876`
	echoHeader = `azure-LEAKHDR/0123+456=789`
	echoQuery  = `LEAKQUERY-0123456789abcdef`
)

// received is what a careless provider prints of the credentials it got.
func received(r *http.Request) string {
	return fmt.Sprintf("auth=%s x-api-key=%s api-key=%s query=%s",
		r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Api-Key"), r.URL.RawQuery)
}

// jsonText is s as a JSON string, escaped as some servers do: / as \/.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(string(b), "/", `\/`)
}

// echoing answers with the credentials it received in every place a
// provider could put them: an error message (in JSON that escapes them),
// a response header, and the text of an answer that fails validation.
func echoing(d dialect, what string) behaviour {
	return func(w http.ResponseWriter, r *http.Request) {
		msg := received(r)
		w.Header().Set("Request-Id", "req "+msg)
		w.Header().Set("X-Ratelimit-Echo", msg)
		w.Header().Set("Content-Type", "application/json")
		errBody := fmt.Sprintf(`{"error":{"message":%s,"type":"invalid_request_error","code":"bad"}}`, jsonText(msg))
		if d.Kind == wire.Anthropic {
			errBody = fmt.Sprintf(`{"type":"error","error":{"type":"invalid_request_error","message":%s}}`, jsonText(msg))
		}
		answer, _ := json.Marshal(map[string]string{"answer": msg})
		switch what {
		case "rejected":
			w.WriteHeader(400)
			w.Write([]byte(errBody))
		case "unmatched":
			w.WriteHeader(500)
			w.Write([]byte(`{"error":{"message":"hm","type":"odd_error","code":"odd"}}`))
		case "invalid":
			w.Write([]byte(strings.Replace(d.OK, `"hello"`, jsonText(string(answer)), 1)))
		case "invalid-stream", "invalid-stream-pass":
			// The answer's text comes in two halves, the key cut between them.
			half := len(answer) / 2
			w.Header().Set("Content-Type", "text/event-stream")
			for i, ev := range d.Stream {
				switch i {
				case d.Opening:
					ev = strings.Replace(ev, `"hel"`, jsonText(string(answer[:half])), 1)
				case d.Opening + 1:
					ev = strings.Replace(ev, `"lo"`, jsonText(string(answer[half:])), 1)
				}
				w.Write([]byte(ev))
			}
		case "error-event":
			// Content, then an error event whose message echoes them.
			w.Header().Set("Content-Type", "text/event-stream")
			for _, ev := range d.Stream[:d.Opening+1] {
				w.Write([]byte(ev))
			}
			if d.Kind == wire.Anthropic {
				w.Write([]byte("event: error\ndata: " + errBody + "\n\n"))
			} else {
				w.Write([]byte("data: " + errBody + "\n\n"))
			}
		}
	}
}

// forms are the copies of s that would reveal it to a reader.
func forms(s string) []string {
	b, _ := json.Marshal(s)
	out := []string{s, string(b[1 : len(b)-1]), url.QueryEscape(s)}
	return append(out, strings.ReplaceAll(out[1], "/", `\/`))
}

// noCredential fails when any form of a credential is in text.
func noCredential(t *testing.T, where, text string) {
	t.Helper()
	for _, c := range []string{echoKey, echoHeader, echoQuery} {
		for _, f := range forms(c) {
			if strings.Contains(text, f) {
				t.Errorf("%s holds a credential (%s): %s", where, f, text)
			}
		}
	}
}

// No credential of a provider, in any form it echoes, reaches what the
// library gives its caller: the error, its attempts, its upstream
// response and causes, the observer's events and the engine's log.
func TestEchoedCredentialsStayOut(t *testing.T) {
	schema := validate.Spec{Schema: []byte(`{"type":"object","properties":{"answer":{"type":"string","pattern":"^ok$"}}}`), SchemaURL: "inline"}
	for _, d := range dialects {
		for _, what := range []string{"rejected", "unmatched", "invalid", "invalid-stream", "invalid-stream-pass", "error-event"} {
			t.Run(d.String()+"/"+what, func(t *testing.T) {
				var log bytes.Buffer
				var seen []string
				e := lifeline.New(
					lifeline.WithLogger(slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))),
					lifeline.WithObserver(func(ev lifeline.Event) { seen = append(seen, fmt.Sprintf("%+v", ev)) }))
				up := newUpstream(t, echoing(d, what))
				base := up.URL
				if d.Kind == wire.OpenAI {
					base += "/v1"
				}
				p := &lifeline.Provider{Name: "p", Kind: d.Kind, BaseURL: base + "?api-version=1&api-key=" + echoQuery,
					APIKey: echoKey, Header: http.Header{"Api-Key": {echoHeader}}}
				opts := append(fastPolicy(), lifeline.WithMaxAttempts(1), lifeline.WithValidation(schema))
				stream := strings.HasPrefix(what, "invalid-stream") || what == "error-event"
				if what == "invalid-stream-pass" || what == "error-event" {
					opts = append(opts, lifeline.WithStreamMode(lifeline.StreamPass))
				}
				r, err := e.NewRoute("r", []lifeline.Target{{Provider: p, Model: "m"}}, opts...)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := e.Do(t.Context(), r, &lifeline.Request{Dialect: d.Kind, Body: []byte(d.Body(stream))})
				if err == nil && resp.Stream != nil {
					// Passed on at once: the failure ends the stream.
					var got strings.Builder
					for {
						chunk, serr := resp.Stream.Next()
						got.Write(chunk)
						if serr != nil {
							err = serr
							break
						}
					}
					resp.Stream.Close()
					noCredential(t, "the stream's error event", got.String()[strings.LastIndex(got.String(), "error"):])
				}
				if err == nil {
					t.Fatal("the request succeeded")
				}
				if up.Count() == 0 || !strings.Contains(received(&http.Request{Header: up.Requests()[0].Header, URL: &url.URL{}}), "LEAKHDR") {
					t.Fatal("the upstream did not get the credentials: the test shows nothing")
				}
				noCredential(t, "the error", fmt.Sprintf("%v | %+v | %#v", err, err, err))
				for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
					noCredential(t, "a cause", u.Error())
				}
				var le *lifeline.Error
				if !errors.As(err, &le) {
					t.Fatalf("%T is no *lifeline.Error", err)
				}
				for _, a := range le.Attempts {
					noCredential(t, "an attempt", a.Err)
				}
				if u := le.Upstream; u != nil {
					noCredential(t, "the upstream body", string(u.Body))
					noCredential(t, "the upstream header", fmt.Sprint(u.Header))
				}
				noCredential(t, "the events", strings.Join(seen, "\n"))
				noCredential(t, "the log", log.String())
			})
		}
	}
}

// errProxy is what a caller's own transport wraps in its errors.
var errProxy = errors.New("proxy refused the request")

// leakyTransport fails every request with an error that quotes the key it
// was given.
type leakyTransport struct{}

func (leakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("proxy saw %s: %w", r.Header.Get("Authorization"), errProxy)
}

// A cause whose text quoted a credential reads without it and still
// matches what it wrapped: a caller's errors.Is keeps working.
func TestScrubbedCauseStillMatches(t *testing.T) {
	e := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: leakyTransport{}}))
	p := &lifeline.Provider{Name: "p", Kind: lifeline.OpenAI, BaseURL: "http://upstream.invalid/v1", APIKey: echoKey}
	r, err := e.NewRoute("r", []lifeline.Target{{Provider: p, Model: "m"}}, lifeline.WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Do(t.Context(), r, &lifeline.Request{Dialect: lifeline.OpenAI, Body: []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)})
	if !errors.Is(err, errProxy) {
		t.Errorf("errors.Is(%v, errProxy) = false, want the transport's error matched", err)
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		noCredential(t, "a cause", u.Error())
	}
}
