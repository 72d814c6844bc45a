package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/mock"
)

// chain is the route the agent runs on, with what must be closed after.
type chain struct {
	engine    *lifeline.Engine
	route     *lifeline.Route
	model     string // what the agent sends as "model" (informational: the route decides)
	transport *http.Transport
	mocks     []*mock.Running
}

// newChain builds the route: the example's own mock providers, the
// providers whose keys are in the environment, or the one at -url.
func newChain(o options, getenv func(string) string) (*chain, error) {
	c := &chain{transport: http.DefaultTransport.(*http.Transport).Clone(), model: "agent"}
	c.engine = lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: c.transport}))
	var targets []lifeline.Target
	var opts []lifeline.RouteOption
	anthropicKey, openaiKey := getenv("ANTHROPIC_API_KEY"), getenv("OPENAI_API_KEY")
	switch {
	case o.url != "":
		kind, key := lifeline.OpenAI, openaiKey
		switch o.kind {
		case "openai":
		case "anthropic":
			kind, key = lifeline.Anthropic, anthropicKey
		default:
			return nil, fmt.Errorf("-kind %q: want openai or anthropic", o.kind)
		}
		targets = []lifeline.Target{{Provider: &lifeline.Provider{Name: "provider", Kind: kind, BaseURL: o.url, APIKey: lifeline.Secret(key)}, Model: o.model}}
	case anthropicKey != "" || openaiKey != "":
		if anthropicKey != "" {
			targets = append(targets, lifeline.Target{Provider: &lifeline.Provider{
				Name: "anthropic", Kind: lifeline.Anthropic, BaseURL: "https://api.anthropic.com", APIKey: lifeline.Secret(anthropicKey)},
				Model: "claude-sonnet-4-5"})
		}
		if openaiKey != "" {
			targets = append(targets, lifeline.Target{Provider: &lifeline.Provider{
				Name: "openai", Kind: lifeline.OpenAI, BaseURL: "https://api.openai.com/v1", APIKey: lifeline.Secret(openaiKey)},
				Model: "gpt-4.1"})
		}
	default:
		faults, err := mock.ParseFaults(o.faults)
		if err != nil {
			return nil, fmt.Errorf("-faults: %w", err)
		}
		primary, err := mock.Listen("127.0.0.1:0", mock.Config{Seed: o.seed, Name: "primary", Faults: faults,
			Latency: mock.Range{Min: 5 * time.Millisecond, Max: 30 * time.Millisecond}})
		if err != nil {
			return nil, err
		}
		c.mocks = append(c.mocks, primary)
		backup, err := mock.Listen("127.0.0.1:0", mock.Config{Seed: o.seed + 1, Name: "backup",
			Latency: mock.Range{Min: 5 * time.Millisecond, Max: 30 * time.Millisecond}})
		if err != nil {
			c.close()
			return nil, err
		}
		c.mocks = append(c.mocks, backup)
		targets = []lifeline.Target{
			{Provider: &lifeline.Provider{Name: "mock-anthropic", Kind: lifeline.Anthropic, BaseURL: primary.URL}, Model: "claude-mock"},
			{Provider: &lifeline.Provider{Name: "mock-openai", Kind: lifeline.OpenAI, BaseURL: backup.URL + "/v1"}, Model: "gpt-mock"},
		}
		// Mock providers answer in milliseconds: shorter backoffs than the
		// defaults (500ms base) keep the demonstration quick.
		opts = append(opts, lifeline.WithBackoff(backoff.Policy{Base: 50 * time.Millisecond, Cap: time.Second, Jitter: backoff.Full}))
	}
	route, err := c.engine.NewRoute("agent", targets, opts...)
	if err != nil {
		c.close()
		return nil, err
	}
	c.route = route
	return c, nil
}

// client returns an openai-go client whose requests run through the
// route. The base URL is never dialled: the route's targets decide where
// requests go. The SDK's retries are off: lifeline retries.
func (c *chain) client() openai.Client {
	return openai.NewClient(
		option.WithHTTPClient(&http.Client{Transport: c.engine.Transport(c.route)}),
		option.WithBaseURL("http://lifeline.invalid/v1"),
		option.WithAPIKey("unused"),
		option.WithMaxRetries(0),
	)
}

// describe lists the chain's targets.
func (c *chain) describe() string {
	var names []string
	for _, t := range c.route.Targets() {
		names = append(names, t.Name())
	}
	return strings.Join(names, " → ")
}

func (c *chain) close() {
	for _, m := range c.mocks {
		m.Close()
	}
	c.transport.CloseIdleConnections()
}
