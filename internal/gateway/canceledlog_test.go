package gateway_test

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/internal/upstreamtest"
)

// requestLines passes each "request" log record on to a channel, after the
// handler it wraps wrote it.
type requestLines struct {
	slog.Handler
	lines chan<- slog.Record
}

func (h requestLines) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Message == "request" {
		h.lines <- r
	}
	return err
}

func (h requestLines) WithAttrs(as []slog.Attr) slog.Handler {
	return requestLines{h.Handler.WithAttrs(as), h.lines}
}

func (h requestLines) WithGroup(name string) slog.Handler {
	return requestLines{h.Handler.WithGroup(name), h.lines}
}

// The request log line names an attempt its client abandoned as metrics
// and /api/status count it, canceled, and not by the class the cut gave it
// (transient for one still waiting for its answer, ok for a stream under
// way).
func TestAbandonedAttemptLogsCanceled(t *testing.T) {
	d := openaiD
	for _, tc := range []struct {
		name   string
		stream bool
		script upstreamtest.Behaviour
	}{
		{"waiting for the answer", false, nil},
		{"in the middle of a stream", true, events(d.Stream[:d.Opening+1], true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			script := tc.script
			if script == nil {
				script = func(w http.ResponseWriter, r *http.Request) {
					arrived <- struct{}{}
					<-r.Context().Done()
				}
			}
			up := newUpstream(t, script)
			logs := &syncbuffer.Buffer{}
			lines := make(chan slog.Record, 4)
			g := startGW(t, gateway.Config{
				Routes: []gateway.RouteSpec{prefixedRoute("gone", "gn", on(d, up.URL))},
				Logger: slog.New(requestLines{slog.NewJSONHandler(logs, nil), lines}),
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.ts.URL+d.path,
				strings.NewReader(strings.Replace(d.Body(tc.stream), `"route"`, `"gone"`, 1)))
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				resp, err := g.client.Do(req)
				if err != nil {
					return
				}
				defer resp.Body.Close()
				r := bufio.NewReader(resp.Body)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if strings.Contains(line, `"content"`) {
						arrived <- struct{}{}
						<-ctx.Done()
						return
					}
				}
			}()
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatal("the request never reached its attempt")
			}
			cancel()
			<-done
			var rec slog.Record
			select {
			case rec = <-lines:
			case <-time.After(10 * time.Second):
				t.Fatal("no request line after the client left")
			}
			classes := ""
			rec.Attrs(func(a slog.Attr) bool {
				if a.Key == "classes" {
					classes = a.Value.String()
				}
				return true
			})
			if classes != "canceled" {
				t.Errorf("request line: classes %q, want canceled (logs: %s)", classes, logs)
			}
			body := g.get("/metrics").body
			if line := metricLine(body, "lifeline_attempts_total", `target="gn0/m0"`, `class="canceled"`); !strings.HasSuffix(line, " 1") {
				t.Errorf("the abandoned attempt exported as %q, want canceled 1", line)
			}
			if rc := g.onlyTargetRecent(); rc["canceled"] != 1 || len(rc) != 1 {
				t.Errorf("recent outcomes %v, want canceled 1 only", rc)
			}
		})
	}
}
