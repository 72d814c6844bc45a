package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/lifelinehq/lifeline/bench/upstream"
)

// requestBody is what every benchmark request sends: a short chat request
// for the route "bench".
var requestBody = []byte(`{"model":"bench","messages":[{"role":"system","content":"You are terse."},` +
	`{"role":"user","content":"Summarise the benchmark in one sentence."}],"max_tokens":64}`)

// streamBody is requestBody asking for a stream.
var streamBody = []byte(`{"model":"bench","stream":true,"messages":[{"role":"system","content":"You are terse."},` +
	`{"role":"user","content":"Summarise the benchmark in one sentence."}],"max_tokens":64}`)

// completionsPath is the OpenAI chat completions path every system serves.
const completionsPath = "/v1/chat/completions"

// sample is what one round of load measured.
type sample struct {
	latency []time.Duration // whole request (non-streaming) or whole stream
	ttfb    []time.Duration // streams: time to the first body byte
	gaps    []time.Duration // streams: largest gap between two reads, per stream
	errors  map[string]int  // error text → count
	wall    time.Duration
}

func (s *sample) fail(msg string) {
	if s.errors == nil {
		s.errors = map[string]int{}
	}
	s.errors[msg]++
}

func (s *sample) errorCount() int {
	n := 0
	for _, c := range s.errors {
		n += c
	}
	return n
}

// newClient returns the load generator's client for one system: its own
// connection pool, kept across rounds, large enough never to dial under
// load after warm-up.
func newClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 4096,
			MaxConnsPerHost:     0,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// maxInFlight bounds the requests the load generator keeps open at once.
// A healthy system at 4k rps has a handful in flight; the bound only
// matters when a system falls behind, and then shows as an achieved rate
// below the offered one instead of an ever-growing pile of connections.
const maxInFlight = 1000

// attackRate sends non-streaming requests with body to url at a constant
// rate for d with vegeta, an open-model generator: requests start on schedule whether
// or not earlier ones have finished.
// It ends early when ctx is cancelled.
func attackRate(ctx context.Context, c *http.Client, url string, body []byte, rate int, d time.Duration) sample {
	tr := vegeta.NewStaticTargeter(vegeta.Target{
		Method: http.MethodPost, URL: url, Body: body,
		Header: http.Header{"Content-Type": {"application/json"}},
	})
	// An Attacker stops for good after one attack; the client (and its
	// warm connections) is what carries over between rounds.
	atk := vegeta.NewAttacker(vegeta.Client(c), vegeta.Workers(32), vegeta.MaxWorkers(maxInFlight))
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	s := sample{latency: make([]time.Duration, 0, rate*int(d/time.Second+1))}
	start := time.Now()
	want := len(upstream.OpenAIBody())
	for r := range atk.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, "") {
		switch {
		case r.Error != "":
			s.fail(r.Error)
		case r.Code != http.StatusOK:
			s.fail("HTTP " + strconv.Itoa(int(r.Code)))
		case len(r.Body) != want:
			s.fail("unexpected body length " + strconv.Itoa(len(r.Body)))
		default:
			s.latency = append(s.latency, r.Latency)
		}
	}
	s.wall = time.Since(start)
	return s
}

// runStreams keeps n streams open against url for d: each worker opens a
// stream, reads it to the end, and opens the next, until d has passed.
// Every stream must carry exactly events events and end with [DONE].
func runStreams(ctx context.Context, c *http.Client, url string, n, events int, d time.Duration) sample {
	var mu sync.Mutex
	var all sample
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			var s sample
			buf := make([]byte, 32<<10)
			var body bytes.Buffer
			for time.Now().Before(end) && ctx.Err() == nil {
				oneStream(ctx, c, url, events, buf, &body, &s)
			}
			mu.Lock()
			all.latency = append(all.latency, s.latency...)
			all.ttfb = append(all.ttfb, s.ttfb...)
			all.gaps = append(all.gaps, s.gaps...)
			for k, v := range s.errors {
				if all.errors == nil {
					all.errors = map[string]int{}
				}
				all.errors[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	all.wall = time.Since(start)
	return all
}

// oneStream reads one stream, recording its time to first byte, its
// length and the longest pause between two reads.
func oneStream(ctx context.Context, c *http.Client, url string, events int, buf []byte, body *bytes.Buffer, s *sample) {
	body.Reset()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(streamBody))
	if err != nil {
		s.fail(err.Error())
		return
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["Accept"] = []string{"text/event-stream"}
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		s.fail(err.Error())
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		s.fail("HTTP " + strconv.Itoa(resp.StatusCode))
		return
	}
	var first time.Duration
	var gap time.Duration
	last := t0
	for {
		k, err := resp.Body.Read(buf)
		if k > 0 {
			now := time.Now()
			if first == 0 {
				first = now.Sub(t0)
			} else if g := now.Sub(last); g > gap {
				gap = g
			}
			last = now
			body.Write(buf[:k])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			s.fail(err.Error())
			return
		}
	}
	total := time.Since(t0)
	if got := upstream.Count(body.Bytes()); got != events || !bytes.HasSuffix(body.Bytes(), []byte("data: [DONE]\n\n")) {
		s.fail("stream of " + strconv.Itoa(got) + " events, not " + strconv.Itoa(events) + " ending in [DONE]")
		return
	}
	s.latency = append(s.latency, total)
	s.ttfb = append(s.ttfb, first)
	s.gaps = append(s.gaps, gap)
}
