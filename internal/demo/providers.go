// Package demo is lifeline's embedded demo: two fault-injecting mock
// providers started in-process behind ready routes, so that a newcomer sees
// retries, reroutes, fallbacks and the breaker at work with nothing but the
// binary.
package demo

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/mock"
)

//go:embed demo.yaml
var demoYAML []byte

// Providers are the demo's running mock providers.
type Providers struct {
	Primary *mock.Running // Anthropic dialect, flaky
	Backup  *mock.Running // OpenAI dialect, steadier
}

// PrimaryFaults and BackupFaults are the demo providers' fault mixes.
var (
	PrimaryFaults = map[mock.Fault]float64{
		mock.Overloaded: 0.06, mock.RateLimit: 0.02, mock.ServerError: 0.05, mock.StreamErrorBefore: 0.03,
		mock.NotJSON: 0.03, mock.BadSchema: 0.04, mock.BadToolArgs: 0.03, mock.Cut: 0.02,
	}
	BackupFaults = map[mock.Fault]float64{
		mock.ServerError: 0.03, mock.BadSchema: 0.02, mock.RateLimit: 0.01,
	}
)

// The models of route demo-json (demo.yaml), which the providers answer
// with JSON under the route's schema.
const (
	primaryJSONModel = "claude-demo-json"
	backupJSONModel  = "gpt-demo-json"
)

// The serve demo's recurring outage of demo-primary: from OutageAfter
// after the start, for OutageFor every OutageEvery, every call to it gets
// 529 overloaded, so that under ordinary use its breaker opens, traffic
// falls back to demo-backup, and half-open probes close the breaker again
// once the window has passed.
const (
	OutageAfter = 20 * time.Second
	OutageFor   = 8 * time.Second
	OutageEvery = 40 * time.Second
)

// primaryOutage returns the serve demo's outage of demo-primary.
func primaryOutage() mock.Outage {
	return mock.Outage{After: OutageAfter, For: OutageFor, Every: OutageEvery, Fault: mock.Overloaded}
}

// Start launches the demo providers of `lifeline serve` on loopback ports,
// demo-primary with its recurring outage (primaryOutage). seed makes their
// fault sequences reproducible.
func Start(seed uint64) (*Providers, error) {
	return start(seed, primaryOutage())
}

// start launches the demo providers, demo-primary with the given outage
// (none when zero).
func start(seed uint64, outage mock.Outage) (*Providers, error) {
	pc, bc, err := providerConfigs(seed, outage)
	if err != nil {
		return nil, err
	}
	primary, err := mock.Listen("127.0.0.1:0", pc)
	if err != nil {
		return nil, err
	}
	backup, err := mock.Listen("127.0.0.1:0", bc)
	if err != nil {
		primary.Close()
		return nil, err
	}
	return &Providers{Primary: primary, Backup: backup}, nil
}

// providerConfigs returns the mock configurations of demo-primary and
// demo-backup.
func providerConfigs(seed uint64, outage mock.Outage) (primary, backup mock.Config, err error) {
	schema, err := schemaOfRoute("demo-json")
	if err != nil {
		return primary, backup, err
	}
	primary = mock.Config{
		Seed: seed, Name: "demo-primary", Faults: PrimaryFaults,
		Latency:    mock.Range{Min: 20 * time.Millisecond, Max: 60 * time.Millisecond},
		TTFT:       mock.Range{Min: 50 * time.Millisecond, Max: 150 * time.Millisecond},
		EventDelay: mock.Range{Min: 5 * time.Millisecond, Max: 15 * time.Millisecond},
		Hint:       mock.HintRetryAfterMS, HintAfter: 300 * time.Millisecond, HangMax: 10 * time.Second,
		Schemas: map[string]mock.Schema{primaryJSONModel: schema},
		Outage:  outage,
	}
	backup = mock.Config{
		Seed: seed + 1, Name: "demo-backup", Faults: BackupFaults,
		Latency:    mock.Range{Min: 30 * time.Millisecond, Max: 90 * time.Millisecond},
		TTFT:       mock.Range{Min: 60 * time.Millisecond, Max: 200 * time.Millisecond},
		EventDelay: mock.Range{Min: 5 * time.Millisecond, Max: 15 * time.Millisecond},
		Hint:       mock.HintRetryAfterMS, HintAfter: 300 * time.Millisecond, HangMax: 10 * time.Second,
		Schemas: map[string]mock.Schema{backupJSONModel: schema},
	}
	return primary, backup, nil
}

// schemaOfRoute returns the json_schema the named route of demo.yaml
// validates answers against.
func schemaOfRoute(route string) (mock.Schema, error) {
	cfg, err := demoConfig("127.0.0.1:0", "http://127.0.0.1:1", "http://127.0.0.1:2/v1")
	if err != nil {
		return nil, err
	}
	for _, r := range cfg.Routes {
		if r.Name == route && len(r.Validate.JSONSchema.JSON) > 0 {
			return mock.Schema(r.Validate.JSONSchema.JSON), nil
		}
	}
	return nil, fmt.Errorf("the embedded demo configuration has no route %q with a json_schema", route)
}

// Config returns the demo gateway's configuration, pointing at p.
func (p *Providers) Config(listen string) (*config.Config, error) {
	return demoConfig(listen, p.Primary.URL, p.Backup.URL+"/v1")
}

// demoConfig parses demo.yaml with the given listen address and provider
// base URLs.
func demoConfig(listen, primaryURL, backupURL string) (*config.Config, error) {
	env := map[string]string{
		"LIFELINE_DEMO_LISTEN":      listen,
		"LIFELINE_DEMO_PRIMARY_URL": primaryURL,
		"LIFELINE_DEMO_BACKUP_URL":  backupURL,
	}
	return config.Parse("embedded demo configuration", demoYAML, ".", func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
}

// Close stops the providers, releasing any request they hold.
func (p *Providers) Close() error { return p.shutdown(context.Background()) }

// shutdown is Close, which closes every connection at once when force
// ends.
func (p *Providers) shutdown(force context.Context) error {
	ctx, cancel := context.WithTimeout(force, 2*time.Second)
	defer cancel()
	return errors.Join(p.Primary.Shutdown(ctx), p.Backup.Shutdown(ctx))
}
