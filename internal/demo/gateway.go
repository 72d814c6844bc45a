package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/setup"
)

// liveGateway is the demo gateway serving on a real listener.
type liveGateway struct {
	gw       *gateway.Server
	hs       *http.Server
	base     string            // http://host:port
	first    map[string]string // route → the first target of its chain
	upstream *http.Transport
	outage   *outage // of the primary provider
	served   chan error
}

// startGateway builds the gateway from the demo configuration exactly as
// `lifeline serve` does and serves it on listen, with the primary's
// outage scheduled inside a run of the given length. Only errors are
// logged, to logw: the summary tells the story.
func startGateway(ctx context.Context, p *Providers, listen string, run time.Duration, logw io.Writer) (*liveGateway, error) {
	cfg, err := p.Config(listen)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelError}))
	gcfg, err := setup.Gateway(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	upstream := http.DefaultTransport.(*http.Transport).Clone()
	upstream.MaxIdleConnsPerHost = 256
	out := newOutage(p.Primary.Addr, run)
	gcfg.HTTPClient = &http.Client{Transport: out.transport(upstream)}
	gw, err := gateway.New(gcfg)
	if err != nil {
		gcfg.Store.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		gw.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	g := &liveGateway{
		gw:       gw,
		hs:       &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)},
		base:     "http://" + ln.Addr().String(),
		first:    map[string]string{},
		upstream: upstream,
		outage:   out,
		served:   make(chan error, 1),
	}
	for _, r := range gcfg.Routes {
		g.first[r.Name] = r.Chain[0].Name()
	}
	go func() { g.served <- g.hs.Serve(ln) }()
	gw.MarkReady()
	return g, nil
}

// waitIdle waits until the gateway serves no request, at most limit, or
// until force ends. Every request the workload finished has been counted
// by then.
func (g *liveGateway) waitIdle(force context.Context, limit time.Duration) {
	ctx, cancel := context.WithTimeout(force, limit)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for g.gw.InFlight() > 0 && ctx.Err() == nil {
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
}

// close drains and stops the gateway and releases its upstream
// connections; the requests still open get at most 5 s, none once force
// ends.
func (g *liveGateway) close(force context.Context) error {
	g.gw.Drain()
	ctx, cancel := context.WithTimeout(force, 5*time.Second)
	defer cancel()
	if err := g.hs.Shutdown(ctx); err != nil {
		g.hs.Close()
	}
	err := <-g.served
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	g.upstream.CloseIdleConnections()
	return errors.Join(err, g.gw.Close())
}
