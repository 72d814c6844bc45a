package compat_test

import (
	"net/http"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"
)

// face is one way an SDK reaches lifeline: as a base-URL client of the
// gateway at the SDK's default max retries, or through the library's
// RoundTripper, both at max retries 0 (the documented setup) and at the
// SDK's default max retries.
type face struct {
	name string
	// openai and anthropic return a client whose requests run through the
	// named route.
	openai    func(e *env, route string) openai.Client
	anthropic func(e *env, route string) anthropic.Client
	// calls returns the requests the SDKs have sent so far: their own
	// attempts, retries included.
	calls func(e *env) int64
	// gateway is set for the base-URL face, where the model names the route.
	gateway bool
}

var faces = []face{
	{
		name: "gateway",
		openai: func(e *env, _ string) openai.Client {
			return openai.NewClient(
				ooption.WithBaseURL(e.URL+"/v1"),
				ooption.WithAPIKey("unused"),
				ooption.WithHTTPClient(e.httpClient(nil)),
			)
		},
		anthropic: func(e *env, _ string) anthropic.Client {
			return anthropic.NewClient(
				aoption.WithBaseURL(e.URL),
				aoption.WithAPIKey("unused"),
				aoption.WithHTTPClient(e.httpClient(nil)),
			)
		},
		calls:   func(e *env) int64 { return e.gatewayCalls.Load() },
		gateway: true,
	},
	// The library face as docs/library.md configures it: the SDK's HTTP
	// client option and max retries 0.
	transportFace("transport", ooption.WithMaxRetries(0), aoption.WithMaxRetries(0)),
	// The library face with the SDK left at its default max retries: only
	// lifeline's x-should-retry: false keeps the SDK from running the
	// route's whole policy again.
	transportFace("transport-sdk-retries", nil, nil),
}

// transportFace returns a face of the library's RoundTripper whose clients
// take the given extra option (nil for none).
func transportFace(name string, oopt ooption.RequestOption, aopt aoption.RequestOption) face {
	return face{
		name: name,
		openai: func(e *env, route string) openai.Client {
			opts := []ooption.RequestOption{
				ooption.WithBaseURL("http://lifeline.invalid/v1"),
				ooption.WithAPIKey("unused"),
				ooption.WithHTTPClient(e.transportClient(route)),
			}
			if oopt != nil {
				opts = append(opts, oopt)
			}
			return openai.NewClient(opts...)
		},
		anthropic: func(e *env, route string) anthropic.Client {
			opts := []aoption.RequestOption{
				aoption.WithBaseURL("http://lifeline.invalid"),
				aoption.WithAPIKey("unused"),
				aoption.WithHTTPClient(e.transportClient(route)),
			}
			if aopt != nil {
				opts = append(opts, aopt)
			}
			return anthropic.NewClient(opts...)
		},
		calls: func(e *env) int64 { return e.transportCalls.Load() },
	}
}

// transportClient returns an *http.Client whose transport is lifeline's
// Transport for the named route, counting the requests the SDK hands it.
func (e *env) transportClient(route string) *http.Client {
	r := e.routes[route]
	if r == nil {
		e.t.Fatalf("no route %q", route)
	}
	return &http.Client{Transport: countingTransport{n: &e.transportCalls, next: e.engine.Transport(r)}}
}

type countingTransport struct {
	n    interface{ Add(int64) int64 }
	next http.RoundTripper
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// eachFace runs f once per face, each with a fresh env.
func eachFace(t *testing.T, f func(t *testing.T, e *env, fc face)) {
	for _, fc := range faces {
		t.Run(fc.name, func(t *testing.T) {
			f(t, newEnv(t), fc)
		})
	}
}

// chain is a route as seen from a client of one dialect.
type chain struct {
	kind    string // same, cross or mixed
	route   string
	primary string // the first target's upstream
	backup  string // the second target's upstream ("" for solo routes)
	// target names of the primary and the backup as X-Lifeline-Target says them
	primaryTarget, backupTarget string
}

// chainsFor returns, for a client of the given dialect ("openai" or
// "anthropic"), the route whose targets speak its dialect (same), the one
// whose targets speak the other (cross: every answer is translated), and
// the one that falls back from its dialect to the other (mixed).
func chainsFor(dialect string) []chain {
	other := "anthropic"
	if dialect == "anthropic" {
		other = "openai"
	}
	return []chain{
		{kind: "same", route: dialect, primary: dialect + "-a", backup: dialect + "-b",
			primaryTarget: targetOf(dialect + "-a"), backupTarget: targetOf(dialect + "-b")},
		{kind: "cross", route: other, primary: other + "-a", backup: other + "-b",
			primaryTarget: targetOf(other + "-a"), backupTarget: targetOf(other + "-b")},
		{kind: "mixed", route: dialect + "-then-" + other, primary: dialect + "-a", backup: other + "-b",
			primaryTarget: targetOf(dialect + "-a"), backupTarget: targetOf(other + "-b")},
	}
}

// soloFor returns the one-target route of a dialect's primary.
func soloFor(dialect string) chain {
	return chain{kind: "solo", route: "solo-" + dialect, primary: dialect + "-a", primaryTarget: targetOf(dialect + "-a")}
}

// targetOf returns the target name ("provider/model") of an upstream.
func targetOf(upstream string) string {
	model := map[string]string{"openai-a": "gpt-a", "openai-b": "gpt-b", "anthropic-a": "claude-a", "anthropic-b": "claude-b"}[upstream]
	return upstream + "/" + model
}
