package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Request outcomes as the workload sees them. Served requests are split by
// how they were served; the others use the gateway's outcome names
// (lifeline_requests_total{outcome}).
const (
	servedFirstTry  = "first_try"
	servedRetry     = "retry"
	servedFallback  = "fallback"
	outRejected     = "rejected"
	outUnavailable  = "upstream_unavailable"
	outInvalid      = "invalid_output"
	outDeadline     = "deadline_exceeded"
	outBrokenStream = "broken_stream"
	outCanceled     = "canceled"
	outError        = "error"
)

// served reports whether an outcome is a served answer.
func served(outcome string) bool {
	return outcome == servedFirstTry || outcome == servedRetry || outcome == servedFallback
}

// result is what the workload learned from one request.
type result struct {
	spec     spec
	outcome  string
	attempts int    // X-Lifeline-Attempts
	target   string // X-Lifeline-Target
	id       string // the answer's id (msg_…, chatcmpl-…), when served
	latency  time.Duration
	retryIn  time.Duration // Retry-After of an upstream_unavailable answer
	cut      bool          // a stream ended without its terminal event and without an error event
}

// maxAnswer bounds how much of an answer the workload reads.
const maxAnswer = 4 << 20

// send makes one request through the gateway at base and reads the whole
// answer. first is the first target of the chains, which tells a retry
// from a fallback.
func send(ctx context.Context, c *http.Client, base, first string, s spec) (res result) {
	res.spec = s
	start := time.Now()
	defer func() { res.latency = time.Since(start) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+s.path(), bytes.NewReader(s.body()))
	if err != nil {
		res.outcome = outError
		return res
	}
	req.Header.Set("Content-Type", "application/json")
	if s.shape == rejectedByProvider {
		req.Header.Set("X-Mock-Fault", "bad_request")
	}
	resp, err := c.Do(req)
	if err != nil {
		res.outcome = failure(ctx)
		return res
	}
	defer resp.Body.Close()
	res.attempts, _ = strconv.Atoi(resp.Header.Get("X-Lifeline-Attempts"))
	res.target = resp.Header.Get("X-Lifeline-Target")
	body := io.LimitReader(resp.Body, maxAnswer)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(body)
		res.outcome = errorOutcome(resp.StatusCode, b)
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			res.retryIn = time.Duration(secs) * time.Second
		}
		return res
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		st, err := readStream(body, s.openai)
		switch {
		case err != nil:
			res.outcome = failure(ctx)
			return res
		case st.broken:
			res.outcome = outBrokenStream
			return res
		case !st.complete:
			res.outcome, res.cut = outBrokenStream, true
			return res
		}
		res.id = st.id
	} else {
		b, err := io.ReadAll(body)
		if err != nil {
			res.outcome = failure(ctx)
			return res
		}
		var a struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(b, &a) != nil {
			res.outcome = outError
			return res
		}
		res.id = a.ID
	}
	switch {
	case res.target != first:
		res.outcome = servedFallback
	case res.attempts > 1:
		res.outcome = servedRetry
	default:
		res.outcome = servedFirstTry
	}
	return res
}

// failure is the outcome of a request whose connection failed.
func failure(ctx context.Context) string {
	if ctx.Err() != nil {
		return outCanceled
	}
	return outError
}

// errorOutcome maps an error answer onto the gateway's outcome names by
// its status and error type (both dialects carry error.type).
func errorOutcome(status int, body []byte) string {
	var e struct {
		Error struct {
			Type string `json:"type"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	switch t := e.Error.Type; {
	case t == outUnavailable, t == outInvalid, t == outDeadline:
		return t
	case status >= 400 && status < 500:
		return outRejected
	}
	return outError
}

// streamResult is what a stream said.
type streamResult struct {
	id       string
	complete bool // the terminal event came (message_stop / data: [DONE])
	broken   bool // an error event came
}

// readStream reads an SSE answer to its end. It parses the events on its
// own rather than with lifeline's reader, so it checks the gateway's
// framing independently.
func readStream(r io.Reader, openai bool) (streamResult, error) {
	var st streamResult
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxAnswer)
	var event string
	var data []byte
	dispatch := func() {
		defer func() { event, data = "", data[:0] }()
		if len(data) == 0 && event == "" {
			return
		}
		if openai {
			switch {
			case string(data) == "[DONE]":
				st.complete = true
			case bytes.Contains(data, []byte(`"error"`)) && hasMember(data, "error"):
				st.broken = true
			case st.id == "":
				st.id = memberString(data, "id")
			}
			return
		}
		switch event {
		case "message_stop":
			st.complete = true
		case "error":
			st.broken = true
		case "message_start":
			var m struct {
				Message struct {
					ID string `json:"id"`
				} `json:"message"`
			}
			if json.Unmarshal(data, &m) == nil {
				st.id = m.Message.ID
			}
		}
	}
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			dispatch()
		case bytes.HasPrefix(line, []byte("event:")):
			event = string(bytes.TrimSpace(line[len("event:"):]))
		case bytes.HasPrefix(line, []byte("data:")):
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, bytes.TrimPrefix(line[len("data:"):], []byte(" "))...)
		}
	}
	if err := sc.Err(); err != nil {
		return st, err
	}
	dispatch()
	if st.complete && st.broken {
		return st, errors.New("stream has both an error event and a clean end")
	}
	return st, nil
}

// hasMember reports whether the JSON object data has the top-level member.
func hasMember(data []byte, name string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	_, ok := m[name]
	return ok
}

// memberString returns the top-level string member of a JSON object.
func memberString(data []byte, name string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(m[name], &s)
	return s
}
