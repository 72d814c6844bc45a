// Package demo is lifeline's embedded demo: two fault-injecting mock
// providers started in-process behind ready routes, so that a newcomer sees
// retries, reroutes, fallbacks and the breaker at work with nothing but the
// binary.
package demo

import (
	"context"
	_ "embed"
	"errors"
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

// Start launches the demo providers on loopback ports. seed makes their
// fault sequences reproducible.
func Start(seed uint64) (*Providers, error) {
	primary, err := mock.Listen("127.0.0.1:0", mock.Config{
		Seed: seed, Name: "demo-primary", Faults: PrimaryFaults,
		Latency:    mock.Range{Min: 20 * time.Millisecond, Max: 60 * time.Millisecond},
		TTFT:       mock.Range{Min: 50 * time.Millisecond, Max: 150 * time.Millisecond},
		EventDelay: mock.Range{Min: 5 * time.Millisecond, Max: 15 * time.Millisecond},
		Hint:       mock.HintRetryAfterMS, HintAfter: 300 * time.Millisecond, HangMax: 10 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	backup, err := mock.Listen("127.0.0.1:0", mock.Config{
		Seed: seed + 1, Name: "demo-backup", Faults: BackupFaults,
		Latency:    mock.Range{Min: 30 * time.Millisecond, Max: 90 * time.Millisecond},
		TTFT:       mock.Range{Min: 60 * time.Millisecond, Max: 200 * time.Millisecond},
		EventDelay: mock.Range{Min: 5 * time.Millisecond, Max: 15 * time.Millisecond},
		Hint:       mock.HintRetryAfterMS, HintAfter: 300 * time.Millisecond, HangMax: 10 * time.Second,
	})
	if err != nil {
		primary.Close()
		return nil, err
	}
	return &Providers{Primary: primary, Backup: backup}, nil
}

// Config returns the demo gateway's configuration, pointing at p.
func (p *Providers) Config(listen string) (*config.Config, error) {
	env := map[string]string{
		"LIFELINE_DEMO_LISTEN":      listen,
		"LIFELINE_DEMO_PRIMARY_URL": p.Primary.URL,
		"LIFELINE_DEMO_BACKUP_URL":  p.Backup.URL + "/v1",
	}
	return config.Parse("embedded demo configuration", demoYAML, ".", func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
}

// Close stops the providers, releasing any request they hold.
func (p *Providers) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return errors.Join(p.Primary.Shutdown(ctx), p.Backup.Shutdown(ctx))
}
