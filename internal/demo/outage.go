package demo

import (
	"net/http"
	"sync/atomic"
	"time"
)

// outage is a scheduled provider outage: while it is on, every call the
// gateway makes to the provider's host carries X-Mock-Fault: overloaded,
// so the mock answers 529 overloaded_error (and records the forced fault
// in its ledger). It lets a short run show the breaker open, traffic move
// to the backup, and half-open probes close it again.
type outage struct {
	host   string // host:port of the provider in trouble
	on     atomic.Bool
	from   time.Duration // since the start of the workload
	length time.Duration
}

// schedule switches the outage on and off at its times from now. The
// returned function cancels what has not happened yet and ends the outage.
func (o *outage) schedule() (stop func()) {
	on := time.AfterFunc(o.from, func() { o.on.Store(true) })
	off := time.AfterFunc(o.from+o.length, func() { o.on.Store(false) })
	return func() {
		on.Stop()
		off.Stop()
		o.on.Store(false)
	}
}

// newOutage schedules an outage of host from 40% of the run for 12% of it
// (at most 4s), so that the breaker opens and, in a run of 20s or more,
// has time to close again before the end; it may still be open then, when
// a half-open probe met one of the primary's ordinary random faults and
// opened it again for twice the cool-down.
func newOutage(host string, run time.Duration) *outage {
	return &outage{host: host, from: run * 4 / 10, length: min(run*12/100, 4*time.Second)}
}

// transport wraps an upstream transport with the outage.
func (o *outage) transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		if o.on.Load() && r.URL.Host == o.host {
			r = r.Clone(r.Context())
			r.Header.Set("X-Mock-Fault", "overloaded")
		}
		return next.RoundTrip(r)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
