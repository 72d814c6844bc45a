package demo

import (
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestHistogramQuantileMatchesPromQL(t *testing.T) {
	// Buckets le=0.1: 10, le=0.5: 30, le=1: 39, +Inf: 40.
	h := histogram{bounds: []float64{0.1, 0.5, 1}, cum: []float64{10, 30, 39}, count: 40}
	for _, c := range []struct{ q, want float64 }{
		{0.25, 0.1},   // rank 10: the top of the first bucket
		{0.125, 0.05}, // rank 5: halfway into the first bucket, from 0
		{0.5, 0.3},    // rank 20: halfway between 0.1 and 0.5
		{0.975, 1},    // rank 39: the top of the last finite bucket
		{0.99, 1},     // rank 39.6: in +Inf, which answers the highest finite bound
	} {
		if got := h.quantile(c.q); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := (histogram{}).quantile(0.5); !math.IsNaN(got) {
		t.Errorf("quantile of no observations = %v, want NaN", got)
	}
}

func TestReadStreamTellsCompleteBrokenAndCut(t *testing.T) {
	for _, c := range []struct {
		name, body       string
		openai           bool
		id               string
		complete, broken bool
	}{
		{"anthropic complete", "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}\n\n" +
			"event: content_block_delta\ndata: {\"delta\":{\"text\":\"hi\"}}\n\nevent: message_stop\ndata: {}\n\n", false, "msg_1", true, false},
		{"anthropic broken", "event: message_start\ndata: {\"message\":{\"id\":\"msg_2\"}}\n\n" +
			"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"}}\n\n", false, "msg_2", false, true},
		{"anthropic cut", "event: message_start\ndata: {\"message\":{\"id\":\"msg_3\"}}\n\n", false, "msg_3", false, false},
		{"openai complete", "data: {\"id\":\"chatcmpl-1\",\"choices\":[]}\n\ndata: {\"id\":\"chatcmpl-1\"}\n\ndata: [DONE]\n\n", true, "chatcmpl-1", true, false},
		{"openai broken", "data: {\"id\":\"chatcmpl-2\"}\n\ndata: {\"error\":{\"type\":\"server_error\"}}\n\n", true, "chatcmpl-2", false, true},
		{"openai content mentioning error", "data: {\"id\":\"chatcmpl-3\",\"choices\":[{\"delta\":{\"content\":\"\\\"error\\\"\"}}]}\n\ndata: [DONE]\n\n", true, "chatcmpl-3", true, false},
	} {
		st, err := readStream(strings.NewReader(c.body), c.openai)
		if err != nil || st.id != c.id || st.complete != c.complete || st.broken != c.broken {
			t.Errorf("%s: got %+v, %v; want id %q complete %v broken %v", c.name, st, err, c.id, c.complete, c.broken)
		}
	}
}

func TestErrorOutcomeUsesStatusAndType(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		want   string
	}{
		{503, `{"error":{"type":"upstream_unavailable","code":"upstream_unavailable"}}`, outUnavailable},
		{502, `{"type":"error","error":{"type":"invalid_output"}}`, outInvalid},
		{504, `{"error":{"type":"deadline_exceeded"}}`, outDeadline},
		{400, `{"type":"error","error":{"type":"invalid_request_error"}}`, outRejected},
		{500, `not json`, outError},
	} {
		if got := errorOutcome(c.status, []byte(c.body)); got != c.want {
			t.Errorf("errorOutcome(%d, %s) = %s, want %s", c.status, c.body, got, c.want)
		}
	}
}

func TestDrawSpecMix(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	var openai, stream, schema, tools, rejected int
	for i := range n {
		s := drawSpec(r, uint64(i))
		if s.openai {
			openai++
		}
		if s.stream {
			stream++
		}
		switch s.shape {
		case routeSchema, ownSchema:
			schema++
		case withTools:
			tools++
		case rejectedByProvider:
			rejected++
		}
	}
	for what, c := range map[string][2]float64{
		"openai": {float64(openai) / n, 0.5}, "stream": {float64(stream) / n, 1.0 / 3},
		"schema": {float64(schema) / n, 0.33}, "tools": {float64(tools) / n, 0.2}, "rejected": {float64(rejected) / n, 0.03},
	} {
		if math.Abs(c[0]-c[1]) > 0.02 {
			t.Errorf("%s share %.3f, want about %.3f", what, c[0], c[1])
		}
	}
}

func TestSummaryTableReadsBack(t *testing.T) {
	s := &summary{requests: 100, firstTry: 70, retry: 10, fallback: 12, ok: 92, rejected: 3,
		other: map[string]int64{outUnavailable: 4, outBrokenStream: 1}, invalidCaught: 6, attempts: 131, attempted: 100,
		p50: 212 * time.Millisecond, p99: 1500 * time.Millisecond, trips: 2, tripsBy: map[string]int64{"a/b": 2}}
	var b bytes.Buffer
	b.WriteString("Summary:\n")
	writeSummary(&b, s)
	got := tableRows(b.String())
	want := map[string]string{rowRequests: "100", rowFirstTry: "70", rowRetry: "10", rowFallback: "12", rowRejected: "3",
		rowOther: "5", rowInvalid: "6", rowCalls: "1.31", rowP50: "212ms", rowP99: "1.5s", rowTrips: "2"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("row %q = %q, want %q\n%s", k, got[k], v, b.String())
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil || o.duration != 30*time.Second || o.concurrency != 8 || o.listen != "127.0.0.1:0" {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	o, err = parseFlags([]string{"--duration", "5s", "--concurrency", "2", "--seed", "0", "--listen", "127.0.0.1:9"}, io.Discard)
	if err != nil || o.duration != 5*time.Second || o.concurrency != 2 || o.seed != 0 || o.listen != "127.0.0.1:9" {
		t.Errorf("flags: %+v, %v", o, err)
	}
	for _, args := range [][]string{{"--duration", "0s"}, {"--concurrency", "0"}, {"extra"}, {"--nope"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}
