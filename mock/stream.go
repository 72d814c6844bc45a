package mock

import (
	"net/http"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// streamPlan says which of a stream's events are sent and what follows.
type streamPlan struct {
	send  int    // events sent, from the first
	tail  []byte // an error event sent after them; nil when none
	stall bool   // hold the stream open after them
}

// planStream applies the reply's fault to a rendered stream of total
// events whose content spans [first, after).
func (s *Server) planStream(rp *reply, total, first, after int) streamPlan {
	p := streamPlan{send: total}
	count := func(def int) int {
		if rp.arg.n > 0 {
			return rp.arg.n
		}
		return def
	}
	switch rp.fault {
	case Stall:
		p.send, p.stall = min(count(s.cfg.StallAfter), total-1), true
	case Cut:
		if n := count(s.cfg.CutAfter); n > 0 && n < total {
			p.send = n
		} else {
			p.send = total - 1 // everything but the terminal event
		}
	case StreamErrorBefore, StreamErrorAfter:
		switch {
		case first < 0: // no content at all: after the opening event
			p.send = 1
		case rp.fault == StreamErrorBefore:
			p.send = first
		default:
			p.send = min(max(first+count(s.cfg.ErrorAfter), first+1), after)
		}
		e := streamError(rp.d, rp.arg)
		start := len(rp.sc.out)
		rp.sc.out = e.appendStreamEvent(rp.sc.out, rp.d, rp.reqID)
		p.tail = rp.sc.out[start:]
	}
	return p
}

// writeStream writes an SSE answer: its events, paced by the time to first
// token and the inter-event delay, cut short as the fault says.
func (s *Server) writeStream(w http.ResponseWriter, r *http.Request, rp *reply, ttft time.Duration) {
	var first, after int
	if rp.d == wire.Anthropic {
		first, after = s.anthropicStream(rp)
	} else {
		first, after = s.openAIStream(rp)
	}
	p := s.planStream(rp, len(rp.sc.ends), first, after)
	out, ends := rp.sc.out, rp.sc.ends
	gap := s.cfg.EventDelay.draw(unit(draw(s.cfg.Seed, rp.n, saltEvent)))

	h := w.Header()
	h[hContentType] = hvSSE
	h[hCacheControl] = hvNoCache
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	ctx := r.Context()

	// Event i starts at ends[i-1]; the tail, if any, is event p.send.
	events := p.send
	if p.tail != nil {
		events++
	}
	pending := 0 // start of the bytes not yet written
	for i := 1; i < events; i++ {
		d := gap
		if i == first || (first < 0 && i == events-1 && p.tail != nil) {
			d += ttft
		}
		if d <= 0 {
			continue
		}
		_, _ = w.Write(out[pending:ends[i-1]])
		pending = ends[i-1]
		_ = rc.Flush()
		if !sleep(ctx, d) {
			return
		}
	}
	if p.send > 0 {
		_, _ = w.Write(out[pending:ends[p.send-1]])
	}
	if p.tail != nil {
		_, _ = w.Write(p.tail)
	}
	_ = rc.Flush()
	if p.stall {
		bound := s.cfg.HangMax
		if rp.arg.dur > 0 {
			bound = rp.arg.dur
		}
		s.hold(ctx, bound)
	}
}
