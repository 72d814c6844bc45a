// Package upstream is the benchmark's loopback model API: it answers the
// OpenAI and Anthropic dialects with fixed bodies and fixed SSE streams, so
// that every latency the benchmark measures above it is the cost of what
// sits between the client and this server.
package upstream

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Options shape the answers. The zero value answers streams of 20 events
// with no gap between them.
type Options struct {
	// Events is the number of SSE events in a streamed answer, the terminal
	// one included (default 20, at least 6).
	Events int
	// Gap is the time between two events of a stream, counted from the
	// previous event's flush: a late event delays the ones after it rather
	// than bunching them, so what the client sees reflects the path.
	Gap time.Duration
}

// OverloadedPrefix is the path prefix of a target that always fails: a
// request whose path starts with it is answered 503 with an error body in
// its dialect saying the server is overloaded (the "overloaded" class,
// which moves to the next target at once). A provider whose base URL is
// the upstream's URL + OverloadedPrefix + "/v1" is such a target.
const OverloadedPrefix = "/overloaded"

// Handler serves POST …/chat/completions (OpenAI) and POST …/messages
// (Anthropic). It reads the whole request body first, then answers with a
// fixed JSON body, or with a fixed event stream when the body asks for one
// ("stream":true). Under OverloadedPrefix it answers 503 instead.
type Handler struct {
	gap    time.Duration
	openai dialect
	anthro dialect
}

// dialect is one wire format's prepared answers.
type dialect struct {
	body       []byte
	events     [][]byte
	overloaded []byte // the 503 body under OverloadedPrefix
}

// New returns a Handler for o.
func New(o Options) *Handler {
	n := o.Events
	if n == 0 {
		n = 20
	}
	n = max(n, minEvents)
	return &Handler{
		gap:    o.Gap,
		openai: dialect{body: openAIBody, events: openAIEvents(n), overloaded: openAIOverloaded},
		anthro: dialect{body: anthropicBody, events: anthropicEvents(n), overloaded: anthropicOverloaded},
	}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var d *dialect
	switch {
	case r.Method != http.MethodPost:
	case strings.HasSuffix(r.URL.Path, "/chat/completions"):
		d = &h.openai
	case strings.HasSuffix(r.URL.Path, "/messages"):
		d = &h.anthro
	}
	if d == nil {
		http.Error(w, "the benchmark upstream serves POST …/chat/completions and …/messages", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "reading the request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if strings.HasPrefix(r.URL.Path, OverloadedPrefix+"/") {
		hd := w.Header()
		hd["Content-Type"] = contentJSON
		hd["Content-Length"] = []string{strconv.Itoa(len(d.overloaded))}
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write(d.overloaded)
		return
	}
	if !wantsStream(body) {
		hd := w.Header()
		hd["Content-Type"] = contentJSON
		hd["Content-Length"] = []string{strconv.Itoa(len(d.body))}
		w.Write(d.body)
		return
	}
	h.stream(w, r, d.events)
}

var (
	contentJSON = []string{"application/json"}
	contentSSE  = []string{"text/event-stream"}
	noCache     = []string{"no-cache"}
)

// stream writes events on the handler's schedule, flushing each one.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, events [][]byte) {
	hd := w.Header()
	hd["Content-Type"] = contentSSE
	hd["Cache-Control"] = noCache
	rc := http.NewResponseController(w)
	var t *time.Timer
	for k, ev := range events {
		if k > 0 && h.gap > 0 {
			if t == nil {
				t = time.NewTimer(h.gap)
				defer t.Stop()
			} else {
				t.Reset(h.gap)
			}
			select {
			case <-t.C:
			case <-r.Context().Done():
				return
			}
		}
		if _, err := w.Write(ev); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// wantsStream reports whether a request body asks for a stream.
func wantsStream(body []byte) bool {
	i := bytes.Index(body, []byte(`"stream"`))
	if i < 0 {
		return false
	}
	rest := bytes.TrimLeft(body[i+len(`"stream"`):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return false
	}
	return bytes.HasPrefix(bytes.TrimLeft(rest[1:], " \t\r\n"), []byte("true"))
}
