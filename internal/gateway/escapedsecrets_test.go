package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// Credentials with characters that JSON or URLs escape: a provider key, a
// key in an extra header (Azure OpenAI's api-key), one in a base URL's
// query, and a client key.
const (
	oddKey       = `sk-odd+KEY/0123="&<>4567`
	oddHeaderKey = `azure-ODD/HDR+0123=4567`
	oddQueryKey  = `QUERYKEY-0123456789abcdef`
	oddClientKey = `ck-ODD+CLIENT/0123="&<>`
)

// escapingEcho answers with every credential it received, in what: a 400
// or 401 error whose JSON escapes / as \/ (as some servers do), or a good
// answer whose text is JSON that repeats them and fails a schema.
func escapingEcho(kind wire.Dialect, what string) behaviour {
	return func(w http.ResponseWriter, r *http.Request) {
		msg := fmt.Sprintf("auth=%s x-api-key=%s api-key=%s query=%s", r.Header.Get("Authorization"),
			r.Header.Get("X-Api-Key"), r.Header.Get("Api-Key"), r.URL.RawQuery)
		quoted := func(s string) string {
			b, _ := json.Marshal(s)
			return strings.ReplaceAll(string(b), "/", `\/`)
		}
		w.Header().Set("Content-Type", "application/json")
		status := map[string]int{"rejected": 400, "auth": 401}[what]
		if status == 0 {
			answer, _ := json.Marshal(map[string]string{"answer": msg})
			d := openaiD
			if kind == wire.Anthropic {
				d = anthropicD
			}
			w.Write([]byte(strings.Replace(d.OK, `"hello"`, quoted(string(answer)), 1)))
			return
		}
		w.WriteHeader(status)
		if kind == wire.Anthropic {
			fmt.Fprintf(w, `{"type":"error","error":{"type":"invalid_request_error","message":%s}}`, quoted(msg))
			return
		}
		fmt.Fprintf(w, `{"error":{"message":%s,"type":"invalid_request_error","code":"bad"}}`, quoted(msg))
	}
}

// No form of a credential, as sent, JSON-escaped or URL-escaped, reaches
// an answer, an error body or a log line, whatever the provider echoes.
func TestEscapedCredentialsStayOut(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		schema := validate.Spec{Schema: []byte(`{"type":"object","properties":{"answer":{"type":"string","pattern":"^ok$"}}}`), SchemaURL: "inline"}
		var routes []gateway.RouteSpec
		for _, kind := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
			for _, what := range []string{"rejected", "auth", "invalid", "answer"} {
				up := newUpstream(t, escapingEcho(kind, what))
				base := up.URL
				if kind == wire.OpenAI {
					base += "/v1"
				}
				p := &lifeline.Provider{Name: fmt.Sprintf("%s-%s", kind, what), Kind: kind,
					BaseURL: base + "?api-version=1&api-key=" + oddQueryKey, APIKey: oddKey,
					Header: http.Header{"Api-Key": {oddHeaderKey}}}
				opts := append(fast(), lifeline.WithMaxAttempts(1))
				if what == "invalid" {
					opts = append(opts, lifeline.WithValidation(schema))
				}
				routes = append(routes, gateway.RouteSpec{Name: p.Name, Chain: []lifeline.Target{{Provider: p, Model: "m"}}, Options: opts})
			}
		}
		g := startGW(t, gateway.Config{Routes: routes, Keys: []gateway.Key{{Key: clientKey, Routes: []string{"*"}}, {Key: oddClientKey, Routes: []string{"*"}}}})
		for _, rs := range routes {
			for _, stream := range []bool{false, true} {
				body := strings.Replace(d.Body(stream), `"route"`, `"`+rs.Name+`"`, 1)
				if a := g.post(d.path, body, "Authorization", "Bearer "+oddClientKey); a.status == 0 {
					t.Fatalf("%s: no answer", rs.Name)
				}
			}
		}
		for _, p := range []string{"/metrics", "/api/status", "/", "/v1/models", "/readyz"} {
			g.get(p, "Authorization", "Bearer "+clientKey)
		}
		for _, where := range []struct{ name, text string }{{"logs", g.logs.String()}, {"responses", g.served.String()}} {
			for _, c := range []string{oddKey, oddHeaderKey, oddQueryKey, oddClientKey} {
				b, _ := json.Marshal(c)
				plain := strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(string(b[1 : len(b)-1]))
				for _, f := range []string{c, string(b[1 : len(b)-1]), plain, strings.ReplaceAll(plain, "/", `\/`), url.QueryEscape(c)} {
					if i := strings.Index(where.text, f); i >= 0 {
						lo, hi := max(0, i-200), min(len(where.text), i+len(f)+50)
						t.Errorf("a credential (%s) is in the %s: …%s…", f, where.name, where.text[lo:hi])
					}
				}
			}
		}
		if !strings.Contains(g.served.String(), "[REDACTED]") {
			t.Fatal("no echo was redacted: the test shows nothing")
		}
	})
}
