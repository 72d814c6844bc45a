package lifeline_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/internal/eventtest"
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

// The dialects' fixtures are shared with the gateway's tests.
type dialect = upstreamtest.Dialect

var (
	openaiD    = upstreamtest.OpenAI
	anthropicD = upstreamtest.Anthropic
)

var dialects = []dialect{openaiD, anthropicD}

// fixture is an engine with a route over upstreams of one dialect.
type fixture struct {
	t      *testing.T
	engine *lifeline.Engine
	route  *lifeline.Route
	d      dialect
	events *eventtest.Recorder
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
	return newFixtureOn(t, nil, d, urls, opts...)
}

// newFixtureOn is newFixture with the engine's upstream calls made by
// client (nil: the engine's default).
func newFixtureOn(t *testing.T, client *http.Client, d dialect, urls []string, opts ...lifeline.RouteOption) *fixture {
	t.Helper()
	var eopts []lifeline.Option
	if client != nil {
		eopts = append(eopts, lifeline.WithHTTPClient(client))
	}
	return newFixtureWith(t, eopts, d, urls, opts...)
}

// newFixtureWith is newFixture with more engine options.
func newFixtureWith(t *testing.T, eopts []lifeline.Option, d dialect, urls []string, opts ...lifeline.RouteOption) *fixture {
	t.Helper()
	rec := &eventtest.Recorder{}
	eopts = append([]lifeline.Option{lifeline.WithObserver(rec.Observe), lifeline.WithRand(func() float64 { return 0 })}, eopts...)
	e := lifeline.New(eopts...)
	var chain []lifeline.Target
	for i, u := range urls {
		base := u
		if d.Kind == wire.OpenAI {
			base += "/v1"
		}
		p := &lifeline.Provider{Name: fmt.Sprintf("p%d", i), Kind: d.Kind, BaseURL: base, APIKey: "sk-test-secret"}
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
	body := f.d.Request
	if stream {
		body = f.d.StreamRequest()
	}
	req := &lifeline.Request{Dialect: f.d.Kind, Body: []byte(body)}
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
