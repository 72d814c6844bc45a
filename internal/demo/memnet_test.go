package demo

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
)

// memNet is an in-memory network of HTTP servers, for tests under
// testing/synctest: connections are net.Pipe pairs, so every wait is on
// the bubble's fake clock.
type memNet struct {
	mu        sync.Mutex
	listeners map[string]*memListener
}

func newMemNet() *memNet { return &memNet{listeners: map[string]*memListener{}} }

// serve serves h at addr ("host:port") until the returned stop is called.
func (n *memNet) serve(addr string, h http.Handler) (stop func()) {
	l := &memListener{addr: memAddr(addr), conns: make(chan net.Conn), done: make(chan struct{})}
	n.mu.Lock()
	n.listeners[addr] = l
	n.mu.Unlock()
	hs := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(l)
	}()
	return func() {
		_ = hs.Close()
		<-served
	}
}

// dial connects to the server at addr; it is an http.Transport DialContext.
func (n *memNet) dial(ctx context.Context, _, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.listeners[addr]
	n.mu.Unlock()
	if l == nil {
		return nil, errors.New("memnet: connection refused: " + addr)
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, errors.New("memnet: connection refused: " + addr)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// client returns an HTTP client on the network and a function that
// closes its idle connections.
func (n *memNet) client() (*http.Client, func()) {
	tr := &http.Transport{DialContext: n.dial, MaxIdleConnsPerHost: 16}
	return &http.Client{Transport: tr}, tr.CloseIdleConnections
}

type memListener struct {
	addr  memAddr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return l.addr }

type memAddr string

func (a memAddr) Network() string { return "mem" }
func (a memAddr) String() string  { return string(a) }
