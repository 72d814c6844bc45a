// Package bareproxy is the benchmark's baseline: a plain
// httputil.ReverseProxy with nothing added, so that lifeline's cost can be
// read as a ratio to the least any Go proxy must spend.
package bareproxy

import (
	"net/http"
	"net/http/httputil"
	"net/url"
)

// MaxIdleConnsPerHost is the idle upstream connections kept per host: the
// same number lifeline's engine keeps, so both proxies reuse connections
// alike (net/http's default of 2 would make the baseline dial under load).
const MaxIdleConnsPerHost = 256

// New returns a reverse proxy to upstream. It rewrites the URL and nothing
// else; server-sent event streams are flushed event by event, as
// ReverseProxy does for text/event-stream.
func New(upstream *url.URL) *httputil.ReverseProxy {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	return &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(upstream) },
		Transport: t,
	}
}
