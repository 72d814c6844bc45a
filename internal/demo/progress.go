package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// progress prints the live progress line: rewritten in place on a
// terminal, one plain line per tick otherwise.
type progress struct {
	out      io.Writer
	terminal bool
	total    time.Duration
	client   *http.Client
	base     string
	t        *tally
	outage   *outage
	pending  bool // a line without its newline is on the terminal
}

// show prints the current numbers, with the breakers' states read from
// the gateway's /metrics.
func (p *progress) show(ctx context.Context, elapsed time.Duration) {
	var breakers map[string]int
	if ctx.Err() == nil {
		if fams, err := scrape(ctx, p.client, p.base); err == nil {
			breakers = summarize(fams).breakers
		}
	}
	line := progressLine(elapsed, p.total, p.t.snapshot(false), breakers)
	if p.outage != nil && p.outage.on.Load() {
		line += " · primary outage"
	}
	if p.terminal {
		fmt.Fprintf(p.out, "\r%s\x1b[K", line)
		p.pending = true
		return
	}
	fmt.Fprintln(p.out, line)
}

// end finishes the line on a terminal.
func (p *progress) end() {
	if p.pending {
		fmt.Fprintln(p.out)
		p.pending = false
	}
}
