package mock

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Running is a mock provider serving on a listener of its own.
type Running struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234". OpenAI clients
	// use URL+"/v1" as their base URL, Anthropic clients URL itself.
	URL string
	// Addr is the address the listener is bound to.
	Addr string
	// Server is the handler, for its ledger and counters.
	Server *Server

	http     *http.Server
	served   chan struct{} // closed when Serve has returned
	serveErr error         // what Serve returned, other than ErrServerClosed
	once     sync.Once
	err      error
}

// DefaultGrace bounds a graceful shutdown of Running.Close and Command.
const DefaultGrace = 5 * time.Second

// Listen starts a mock provider on addr ("127.0.0.1:0" for a free port) and
// serves it in the background until Close.
func Listen(addr string, cfg Config) (*Running, error) {
	srv, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return serve(ln, srv), nil
}

func serve(ln net.Listener, srv *Server) *Running {
	r := &Running{
		URL:    "http://" + ln.Addr().String(),
		Addr:   ln.Addr().String(),
		Server: srv,
		http:   &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second},
		served: make(chan struct{}),
	}
	go func() {
		defer close(r.served)
		if err := r.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			r.serveErr = err
		}
	}()
	return r
}

// Shutdown stops accepting requests, ends hanging and stalled responses,
// and waits for the others to finish until ctx is done, when it closes
// every connection. Later calls return the first call's result.
func (r *Running) Shutdown(ctx context.Context) error {
	r.once.Do(func() {
		_ = r.Server.Close()
		err := r.http.Shutdown(ctx)
		if err != nil {
			_ = r.http.Close()
		}
		<-r.served
		if r.serveErr != nil && err == nil {
			err = r.serveErr
		}
		r.err = err
	})
	return r.err
}

// Close shuts the mock down, waiting at most DefaultGrace for in-flight
// responses.
func (r *Running) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultGrace)
	defer cancel()
	err := r.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil // connections were closed; the grace period is the bound
	}
	return err
}
