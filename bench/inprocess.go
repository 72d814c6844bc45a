package main

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/setup"
)

// inProcessGateway builds the gateway of a configuration file's text the
// way lifeline serve does, for tests and for profiling in this process.
// Its logs go to logw.
func inProcessGateway(ctx context.Context, yaml string, logw io.Writer) (*gateway.Server, error) {
	cfg, err := config.Parse("bench.yaml", []byte(yaml), ".", os.LookupEnv)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: cfg.Log.SlogLevel()}))
	gcfg, err := setup.Gateway(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	gw, err := gateway.New(gcfg)
	if err != nil {
		gcfg.Store.Close()
		return nil, err
	}
	gw.MarkReady()
	return gw, nil
}
