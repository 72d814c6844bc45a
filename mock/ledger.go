package mock

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Entry records one response the mock sent: what it decided to send,
// written before the first byte of the response left, so a client that has
// read any part of a response finds its entry.
type Entry struct {
	// Seq is the request's sequence number n (0 for the first request);
	// the fault of a drawn request is a pure function of the seed and Seq.
	Seq uint64 `json:"seq"`
	// Dialect is "openai" or "anthropic".
	Dialect string `json:"dialect"`
	// Path is the request path.
	Path string `json:"path"`
	// Model is the request's model, echoed in the response.
	Model string `json:"model,omitempty"`
	// Stream is set for SSE responses.
	Stream bool `json:"stream"`
	// Fault is the fault drawn, forced or imposed by an outage window for
	// the request; None for a clean answer. A content fault that does not
	// apply to the request (not_json on a plain-text request, say) is
	// recorded but leaves Valid set.
	Fault Fault `json:"fault"`
	// Forced is set when the X-Mock-Fault header chose the fault.
	Forced bool `json:"forced,omitempty"`
	// Status is the HTTP status sent; 0 when no response headers were sent
	// (hang).
	Status int `json:"status"`
	// Valid is set when the response is a complete, well-formed answer that
	// satisfies the request (its schema, its tool's schema): one a gateway
	// may serve as ok. Plain text cut by max_tokens is valid; cut JSON or
	// tool arguments are not.
	Valid bool `json:"valid"`
	// ID is the response id (chatcmpl-…, msg_…); empty for error responses.
	ID string `json:"id,omitempty"`
	// ToolCallID is the id of the tool call in the answer (call_…,
	// toolu_…), if any.
	ToolCallID string `json:"tool_call_id,omitempty"`
	// RequestID is the request-id / x-request-id header sent.
	RequestID string `json:"request_id"`
	// IdempotencyKey is the Idempotency-Key header the request carried,
	// empty without one: the attempts of one logical request share it, so
	// a test can tell a gateway's retries and fallbacks from a second run
	// of a request it should have replayed.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Received is when the request arrived, by Config.Now: the order of a
	// key's attempts across several mocks, and the waits between them.
	Received time.Time `json:"received"`
}

// ledger keeps the most recent entries in a ring.
type ledger struct {
	mu   sync.Mutex
	ring []Entry
	next int
	full bool
}

func newLedger(size int) *ledger { return &ledger{ring: make([]Entry, 0, min(size, 4096)), next: 0} }

func (l *ledger) add(e Entry, size int) {
	l.mu.Lock()
	if !l.full && len(l.ring) < size {
		l.ring = append(l.ring, e)
	} else {
		l.full = true
		l.ring[l.next] = e
		l.next = (l.next + 1) % len(l.ring)
	}
	l.mu.Unlock()
}

// entries returns a copy of the kept entries ordered by Seq.
func (l *ledger) entries() []Entry {
	l.mu.Lock()
	out := slices.Clone(l.ring)
	l.mu.Unlock()
	slices.SortFunc(out, func(a, b Entry) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
	return out
}

// keys are the ids an entry is found by: its response, tool-call and
// request id.
func (e *Entry) keys() [3]string { return [...]string{e.ID, e.ToolCallID, e.RequestID} }

// lookup finds the most recent entry with the given response, tool-call or
// request id.
func (l *ledger) lookup(id string) (Entry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.ring) - 1; i >= 0; i-- {
		e := &l.ring[(l.next+i)%len(l.ring)]
		if k := e.keys(); slices.Contains(k[:], id) {
			return *e, true
		}
	}
	return Entry{}, false
}

// index maps every id of the kept entries to its most recent entry, as
// lookup finds it.
func (l *ledger) index() map[string]Entry {
	entries := l.entries() // oldest first: later entries overwrite
	out := make(map[string]Entry, len(entries))
	for i := range entries {
		for _, id := range entries[i].keys() {
			if id != "" {
				out[id] = entries[i]
			}
		}
	}
	return out
}

// Paths counted separately in Stats.ByPath.
var countedPaths = [...]string{pathOpenAI, pathOpenAIShort, pathAnthropic, "other"}

// counters are exact, whatever the ledger keeps.
type counters struct {
	requests atomic.Uint64
	valid    atomic.Uint64
	invalid  atomic.Uint64
	byFault  [numFaults]atomic.Uint64
	byPath   [len(countedPaths)]atomic.Uint64
}

// Stats are the mock's counters since it started.
type Stats struct {
	// Requests counts every request to a generation path or an unknown path.
	Requests uint64 `json:"requests"`
	// Valid and Invalid count the ledger entries by their Valid flag.
	Valid   uint64 `json:"valid"`
	Invalid uint64 `json:"invalid"`
	// ByFault counts ledger entries by fault, None included.
	ByFault map[Fault]uint64 `json:"by_fault"`
	// ByPath counts requests by path: /v1/chat/completions,
	// /chat/completions, /v1/messages and "other".
	ByPath map[string]uint64 `json:"by_path"`
}

func (c *counters) stats() Stats {
	st := Stats{
		Requests: c.requests.Load(),
		Valid:    c.valid.Load(),
		Invalid:  c.invalid.Load(),
		ByFault:  make(map[Fault]uint64, numFaults),
		ByPath:   make(map[string]uint64, len(countedPaths)),
	}
	for i := range c.byFault {
		if v := c.byFault[i].Load(); v > 0 {
			st.ByFault[faultTable[i].fault] = v
		}
	}
	for i, p := range countedPaths {
		if v := c.byPath[i].Load(); v > 0 {
			st.ByPath[p] = v
		}
	}
	return st
}
