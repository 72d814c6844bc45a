package mock

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// The generation paths the mock serves.
const (
	pathOpenAI      = "/v1/chat/completions"
	pathOpenAIShort = "/chat/completions"
	pathAnthropic   = "/v1/messages"
	pathLedger      = "/_mock/ledger"
	pathStats       = "/_mock/stats"
)

// Server is a fake model provider speaking the OpenAI Chat Completions and
// the Anthropic Messages dialects. It is an http.Handler, safe for
// concurrent use.
type Server struct {
	cfg    Config
	pick   picker
	idSeed uint64
	cache  *outputCache
	resets resetCache
	ledger *ledger
	count  counters

	done      chan struct{} // closed by Close: hangs and stalls end
	closeOnce sync.Once

	start       time.Time // when New ran, on cfg.Now: the outage windows count from it
	shouldRetry []string  // x-should-retry of responses that are not clean answers; nil: none

	text               []byte // the text answer
	answerObject       []byte // the json_object answer: {"answer": text}
	answerObjectFenced []byte
	fingerprint        []byte // system_fingerprint as a JSON string literal
}

// New returns a mock provider configured by cfg.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:    cfg,
		pick:   newPicker(cfg.Seed, cfg.Faults),
		idSeed: cfg.Seed ^ fnv64(cfg.Name),
		cache:  newOutputCache(4096),
		ledger: newLedger(cfg.LedgerSize),
		done:   make(chan struct{}),
		text:   []byte(cfg.Text),
		start:  cfg.Now(),
	}
	s.shouldRetry, _ = shouldRetryValue(cfg.ShouldRetry)
	s.answerObject = append(append([]byte(`{"answer":`), jsonString(cfg.Text)...), '}')
	s.answerObjectFenced = fenced(s.answerObject)
	s.fingerprint = appendJSONString(nil, "fp_"+string(appendHex(nil, mix(s.idSeed), 0)[:10]))
	return s, nil
}

// Config returns the server's configuration, defaults applied.
func (s *Server) Config() Config { return s.cfg }

// Close ends every hanging or stalled response at once (their connections
// are dropped) and makes later hang and stall faults end at once. The
// server keeps answering other requests.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}

// Ledger returns the kept ledger entries (the most recent LedgerSize),
// ordered by sequence number.
func (s *Server) Ledger() []Entry { return s.ledger.entries() }

// Lookup returns the most recent ledger entry whose response id, tool-call
// id or request id is id.
func (s *Server) Lookup(id string) (Entry, bool) { return s.ledger.lookup(id) }

// LedgerIndex maps every response, tool-call and request id in the ledger
// to its most recent entry, as Lookup finds it: one pass over the ledger
// for a caller that looks up many ids.
func (s *Server) LedgerIndex() map[string]Entry { return s.ledger.index() }

// Stats returns the counters: requests, by fault, by path, valid/invalid.
func (s *Server) Stats() Stats { return s.count.stats() }

// FaultOf returns the fault the mix draws for the n-th request (counting
// from 0), whatever header a request may carry and whether or not an
// outage window is open.
func (s *Server) FaultOf(n uint64) Fault { return s.pick.pick(n) }

// ServeHTTP answers POST /v1/chat/completions, POST /chat/completions,
// POST /v1/messages, and GET /_mock/ledger and /_mock/stats (JSON dumps of
// the ledger and the counters).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var d wire.Dialect
	pathIdx := len(countedPaths) - 1
	switch r.URL.Path {
	case pathOpenAI:
		d, pathIdx = wire.OpenAI, 0
	case pathOpenAIShort:
		d, pathIdx = wire.OpenAI, 1
	case pathAnthropic:
		d, pathIdx = wire.Anthropic, 2
	case pathLedger, pathStats:
		if r.Method == http.MethodGet {
			s.serveIntrospection(w, r)
			return
		}
	}
	n := s.count.requests.Add(1) - 1
	s.count.byPath[pathIdx].Add(1)

	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	rp := &reply{sc: sc, d: d, n: n, now: s.cfg.Now(), shouldRetry: s.shouldRetry}
	if d == 0 || r.Method != http.MethodPost {
		if d == 0 {
			rp.d = dialectOfPath(r.URL.Path)
		}
		s.reject(w, r, rp, notFound(rp.d, r.Method, r.URL.Path))
		return
	}

	// The body's read is bounded in time as in size; the bound is lifted
	// after it, for the read that notices a client going away.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(bodyReadTimeout))
	err := readBody(r, sc)
	_ = rc.SetReadDeadline(time.Time{})
	if err != nil {
		e := requestError("Request body is too large or could not be read.")
		if err == errTooLarge {
			e = apiError{status: 413, typ: "request_too_large", message: "Request exceeds the maximum allowed number of bytes."}
		}
		s.reject(w, r, rp, e)
		return
	}
	rp.fault = s.pick.pick(n)
	if s.cfg.Outage.active(rp.now.Sub(s.start)) {
		rp.fault = s.cfg.Outage.Fault
	}
	if v := r.Header[hMockFault]; len(v) > 0 {
		f, err := ParseFault(v[0])
		if err != nil {
			s.reject(w, r, rp, requestError("X-Mock-Fault: "+err.Error()))
			return
		}
		rp.fault, rp.forced = f, true
	}
	if v := r.Header[hMockFaultArg]; len(v) > 0 {
		a, err := parseArg(v[0])
		if err == nil && rp.forced {
			err = checkArg(rp.fault, a)
		}
		if err != nil {
			s.reject(w, r, rp, requestError("X-Mock-Fault-Arg: "+err.Error()))
			return
		}
		rp.arg = a
	}
	rp.latency, rp.ttft = s.cfg.Latency, s.cfg.TTFT
	for _, h := range [...]struct {
		name string
		r    *Range
	}{{hMockLatency, &rp.latency}, {hMockTTFT, &rp.ttft}} {
		if v := r.Header[h.name]; len(v) > 0 {
			l, err := ParseRange(v[0])
			if err != nil {
				s.reject(w, r, rp, requestError(h.name+": "+err.Error()))
				return
			}
			*h.r = l
		}
	}
	if v := r.Header[hMockRetry]; len(v) > 0 {
		sr, ok := shouldRetryValue(v[0])
		if !ok {
			s.reject(w, r, rp, requestError("X-Mock-Should-Retry: want true or false, not "+strconv.Quote(v[0])))
			return
		}
		rp.shouldRetry = sr
	}
	req, e := parseRequest(d, sc.body)
	if e != nil {
		s.reject(w, r, rp, *e)
		return
	}
	s.modelSchema(&req)
	rp.req = req
	s.decide(rp)
	s.makeIDs(rp)
	s.respond(w, r, rp)
}

// reject answers a request the mock cannot serve (unknown path, unreadable
// body, unknown X-Mock-Fault) with a provider-style error, recorded in the
// ledger as bad_request. No X-Mock-Fault header is sent: nothing was
// injected.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, rp *reply, e apiError) {
	rp.fault, rp.forced = None, false
	s.makeIDs(rp)
	s.setCommonHeaders(w.Header(), rp)
	rp.fault = BadRequest
	s.record(r, rp, e.status)
	s.writeError(w, rp, &e)
}

// record adds the reply's ledger entry and counts it.
func (s *Server) record(r *http.Request, rp *reply, status int) {
	e := Entry{
		Seq: rp.n, Dialect: rp.d.String(), Path: r.URL.Path, Stream: rp.req.stream,
		Fault: rp.fault, Forced: rp.forced, Status: status, Valid: rp.valid && status == http.StatusOK,
		RequestID: string(rp.reqID), Received: rp.now,
	}
	if v := r.Header[hIdempotencyKey]; len(v) > 0 {
		e.IdempotencyKey = v[0]
	}
	if rp.fault == "" {
		e.Fault = None
	}
	if rp.req.model != nil {
		e.Model = unquote(rp.req.model)
	}
	if status == http.StatusOK {
		e.ID = string(rp.id)
		if rp.callID != nil {
			e.ToolCallID = string(rp.callID)
		}
	}
	s.ledger.add(e, s.cfg.LedgerSize)
	s.count.byFault[e.Fault.index()].Add(1)
	if e.Valid {
		s.count.valid.Add(1)
	} else {
		s.count.invalid.Add(1)
	}
}

// serveIntrospection writes the ledger or the counters as JSON.
func (s *Server) serveIntrospection(w http.ResponseWriter, r *http.Request) {
	var v any = s.Stats()
	if strings.HasSuffix(r.URL.Path, "ledger") {
		v = s.Ledger()
	}
	w.Header()[hContentType] = hvJSON
	_ = json.NewEncoder(w).Encode(v)
}

// respond writes the reply after the configured delays.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, rp *reply) {
	ctx := r.Context()
	delay := rp.latency.draw(unit(draw(s.cfg.Seed, rp.n, saltLatency)))
	first := rp.ttft.draw(unit(draw(s.cfg.Seed, rp.n, saltTTFT)))
	stream := rp.req.stream
	if !stream {
		delay += first
	}

	switch rp.fault {
	case Hang:
		s.record(r, rp, 0)
		bound := s.cfg.HangMax
		if rp.arg.dur > 0 {
			bound = rp.arg.dur
		}
		s.hold(ctx, bound)
		return
	case RateLimit, Quota, Overloaded, ServerError, BadGateway, Unavailable, ContextLength, BadRequest, Auth:
		s.sendError(w, r, rp, delay)
		return
	case StreamErrorBefore, StreamErrorAfter:
		if !stream {
			s.sendError(w, r, rp, delay)
			return
		}
	}
	h := w.Header()
	s.setCommonHeaders(h, rp)
	s.record(r, rp, http.StatusOK)
	if !sleep(ctx, delay) {
		return
	}
	if stream {
		s.writeStream(w, r, rp, first)
		return
	}
	s.writeJSON(w, r, rp)
}

// sendError writes the error response of an HTTP-level fault after delay.
func (s *Server) sendError(w http.ResponseWriter, r *http.Request, rp *reply, delay time.Duration) {
	wait := s.cfg.HintAfter
	if rp.arg.dur > 0 {
		wait = rp.arg.dur
	}
	e := faultError(rp.fault, rp.d, rp.arg, unquote(rp.modelLiteral()), wait, rp.now)
	h := w.Header()
	s.setCommonHeaders(h, rp)
	if rp.fault == RateLimit {
		format := s.cfg.Hint
		if f := HintFormat(rp.arg.word); f.valid() {
			format = f
		}
		setRateLimitHint(h, rp.d, format, wait, rp.now)
	}
	s.record(r, rp, e.status)
	if !sleep(r.Context(), delay) {
		return
	}
	s.writeError(w, rp, &e)
}

// writeJSON writes a non-streaming answer; stall and cut send half of it.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, rp *reply) {
	var body []byte
	if rp.d == wire.Anthropic {
		body = s.anthropicJSON(rp.sc.out[:0], rp)
	} else {
		body = s.openAIJSON(rp.sc.out[:0], rp)
	}
	rp.sc.out = body
	h := w.Header()
	h[hContentType] = hvJSON
	if rp.fault != Stall && rp.fault != Cut {
		_, _ = w.Write(body)
		return
	}
	// The declared length promises the whole body; the connection ends
	// after half of it, or stalls there.
	h["Content-Length"] = []string{itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body[:len(body)/2])
	if rp.fault == Stall {
		flush(w)
		s.hold(r.Context(), s.stallBound(rp))
	}
}

// stallBound is how long a stall lasts at most.
func (s *Server) stallBound(rp *reply) time.Duration {
	if rp.arg.dur > 0 {
		return rp.arg.dur
	}
	return s.cfg.HangMax
}

// sleep waits for d. It reports false when the client went away first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// hold keeps a hanging or stalled response open until the client goes away,
// the bound passes or the server is closed. In the last two cases it drops
// the connection (panic with http.ErrAbortHandler, which net/http handles).
func (s *Server) hold(ctx context.Context, bound time.Duration) {
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return
	case <-t.C:
	case <-s.done:
	}
	panic(http.ErrAbortHandler)
}

// flush sends buffered response bytes to the client.
func flush(w http.ResponseWriter) { _ = http.NewResponseController(w).Flush() }

func itoa(n int) string { return strconv.Itoa(n) }
