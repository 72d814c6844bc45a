package main

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/bench/upstream"
)

// arrivals reads one stream from url and returns when each event arrived,
// relative to the first, and how many reads carried more than one event.
func arrivals(t *testing.T, c *http.Client, url string) (at []time.Duration, batched int, err error) {
	t.Helper()
	resp, err := c.Post(url, "application/json", bytes.NewReader(streamBody))
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
	}
	var pending []byte
	var first time.Time
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			now := time.Now()
			if first.IsZero() {
				first = now
			}
			pending = append(pending, buf[:n]...)
			k := 0
			for {
				i := bytes.Index(pending, []byte("\n\n"))
				if i < 0 {
					break
				}
				pending = pending[i+2:]
				at = append(at, now.Sub(first))
				k++
			}
			if k > 1 {
				batched++
			}
		}
		if err == io.EOF {
			return at, batched, nil
		}
		if err != nil {
			return at, batched, err
		}
	}
}

// TestEventsFlushedOneByOne checks that the gateway forwards each event
// when it arrives: the upstream writes events 20 ms apart, and the client
// sees them about 20 ms apart, not gathered into bursts. The bare proxy's
// gaps are logged alongside as the reference.
func TestEventsFlushedOneByOne(t *testing.T) {
	const gap, events = 20 * time.Millisecond, 12
	systems := inProcess(t, upstream.Options{Events: events, Gap: gap})
	c := newClient(10 * time.Second)
	defer c.CloseIdleConnections()
	for _, sys := range systems[1:] {
		at, batched, err := arrivals(t, c, sys.url+completionsPath)
		if err != nil && sys.name != lifeline {
			// The bare proxy is only the reference; it sometimes cuts a
			// stream (golang/go#40747), which is not what this test measures.
			t.Logf("%s: %v", sys.name, err)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", sys.name, err)
		}
		if len(at) != events {
			t.Fatalf("%s: %d events, want %d", sys.name, len(at), events)
		}
		var gaps []time.Duration
		for i := 1; i < len(at); i++ {
			gaps = append(gaps, at[i]-at[i-1])
		}
		sorted := slices.Sorted(slices.Values(gaps))
		median := sorted[len(sorted)/2]
		short := 0
		for _, g := range gaps {
			if g < gap/2 {
				short++
			}
		}
		t.Logf("%s: gaps %v", sys.name, strings.Join(fmtDurations(gaps), " "))
		if sys.name != lifeline {
			continue
		}
		// Scheduling on a busy machine may delay an event towards the next
		// one now and then; a gateway that buffers gathers most of them.
		if median < gap*3/4 || median > gap*5/4 {
			t.Errorf("%s: median gap between events %v, want about %v", sys.name, median, gap)
		}
		if short > 2 || batched > 2 {
			t.Errorf("%s: %d gaps under %v and %d reads carrying several events: events are batched", sys.name, short, gap/2, batched)
		}
		if total := at[len(at)-1]; total < time.Duration(events-2)*gap {
			t.Errorf("%s: all events within %v: batched", sys.name, total)
		}
	}
}

func fmtDurations(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Round(100 * time.Microsecond).String()
	}
	return out
}
