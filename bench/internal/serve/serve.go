// Package serve runs the benchmark's helper servers (the upstream and the
// bare proxy) the way the runner expects them to behave: announce the
// listening address on stdout, serve until SIGINT or SIGTERM, then shut
// down gracefully.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Prefix starts the line a server prints on stdout once it listens, before
// its base URL: "listening http://127.0.0.1:9001".
const Prefix = "listening "

// ReadHeaderTimeout bounds the time a client may take to send a request's
// headers to a helper server.
const ReadHeaderTimeout = 10 * time.Second

// ShutdownTimeout bounds the graceful shutdown after a signal.
const ShutdownTimeout = 5 * time.Second

// Announce writes the line that tells the runner where ln listens.
func Announce(w io.Writer, ln net.Listener) error {
	_, err := fmt.Fprintln(w, Prefix+"http://"+ln.Addr().String())
	return err
}

// Serve announces ln on announce and serves h on it until ctx is done,
// then starts a graceful shutdown (requests in flight get up to
// ShutdownTimeout) and returns nil as soon as the server stops accepting
// connections. Any other end of serving is returned as an error.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, announce io.Writer) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: ReadHeaderTimeout}
	if err := Announce(announce, ln); err != nil {
		ln.Close()
		return err
	}
	served := make(chan struct{})
	defer close(served)
	go func() {
		select {
		case <-served:
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
			defer cancel()
			srv.Shutdown(sctx)
		}
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Main is the body of a helper server's main: it listens on addr and
// serves h, announced on stdout, until SIGINT or SIGTERM. On failure it
// prints "name: error" to stderr and exits with status 1.
func Main(name, addr string, h http.Handler) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := listenAndServe(ctx, addr, h, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		stop()
		os.Exit(1)
	}
}

// listenAndServe listens on addr and serves h there until ctx is done.
func listenAndServe(ctx context.Context, addr string, h http.Handler, announce io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return Serve(ctx, ln, h, announce)
}
