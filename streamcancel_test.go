package lifeline_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/internal/upstreamtest"
	"github.com/lifelinehq/lifeline/wire"
)

// A caller that goes away while it reads a served stream (a gateway client
// that disconnects mid-answer) ends the upstream attempt, and the target
// is not blamed: its breaker, which one failure would open, stays closed.
func TestCallerCancelDuringStreamDoesNotBlameTarget(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		evs := d.Stream[:d.Opening+1]
		u := up.on("p.invalid", timedEvents(0, evs, make([]time.Duration, len(evs)), true))
		f := newFixtureOn(t, up.client(), d, []string{u}, lifeline.WithBreaker(breakerConfig(1)))
		gone := errors.New("the caller went away")
		ctx, cancel := context.WithCancelCause(context.Background())
		resp, err := f.engine.Do(ctx, f.route, &lifeline.Request{Dialect: d.Kind, Body: []byte(d.StreamRequest())})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Stream.Close()
		if chunk, err := resp.Stream.Next(); err != nil || len(chunk) == 0 {
			t.Fatalf("first chunk %q, %v", chunk, err)
		}
		start := time.Now()
		time.AfterFunc(time.Second, func() { cancel(gone) })
		var last []byte
		for {
			chunk, err := resp.Stream.Next()
			if errors.Is(err, lifeline.ErrBrokenStream) {
				t.Fatalf("err = %v: the caller's leaving is not a broken upstream", err)
			}
			if err != nil {
				if !errors.Is(err, gone) {
					t.Fatalf("err = %v, want the caller's cause", err)
				}
				break
			}
			last = append(last[:0], chunk...)
		}
		if el := time.Since(start); el != time.Second {
			t.Fatalf("the stream ended %v after it began waiting, want at the cancel, 1s", el)
		}
		// Whoever still reads (a gateway cutting streams at shutdown)
		// sees a cut answer, never a clean end.
		if !strings.Contains(string(last), `"error":{`) {
			t.Fatalf("the last chunk is not an error event:\n%s", last)
		}
		if ch := f.events.Kind(lifeline.BreakerChanged); len(ch) != 0 {
			t.Fatalf("the target was blamed: %+v", ch)
		}
		fin := f.events.Kind(lifeline.RequestFinished)
		if len(fin) != 1 || fin[0].Reason != lifeline.ReasonCanceled {
			t.Fatalf("finished events = %+v, want one, canceled", fin)
		}
		// Its one attempt has no class: neither ok nor a failure.
		att := f.events.Kind(lifeline.AttemptFinished)
		if len(att) != 1 || att[0].Class != 0 || att[0].Reason != lifeline.ReasonCanceled {
			t.Fatalf("attempt events = %+v, want one, canceled and without a class", att)
		}
	})
}

// The idle bound is a gap between the upstream's events: a caller that
// takes longer than it to read the next chunk (the stream waits on it, not
// on the upstream) does not break the stream.
func TestSlowReaderIsNotAnIdleUpstream(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		u := up.on("p.invalid", timedEvents(0, d.Stream, make([]time.Duration, len(d.Stream)), false))
		f := newFixtureOn(t, up.client(), d, []string{u},
			lifeline.WithTimeouts(lifeline.Timeouts{Idle: 5 * time.Second, Total: time.Hour}))
		resp, err := f.engine.Do(context.Background(), f.route, &lifeline.Request{Dialect: d.Kind, Body: []byte(d.StreamRequest())})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Stream.Close()
		var got []byte
		for {
			chunk, err := resp.Stream.Next()
			got = append(got, chunk...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("err = %v after %q", err, got)
			}
			time.Sleep(10 * time.Second) // the caller is busy
		}
		if want := strings.Join(d.Stream, ""); string(got) != want {
			t.Fatalf("stream = %q, want %q", got, want)
		}
	})
}

// stallingStream is an OpenAI route, in a synctest bubble, whose upstream
// sends the opening events and first content of a stream, then stalls; c
// sends requests through the route's Transport.
func stallingStream(t *testing.T) (f *fixture, c *http.Client, evs []string) {
	d := openaiD
	up := newClocked()
	evs = d.Stream[:d.Opening+1]
	u := up.on("p.invalid", timedEvents(0, evs, make([]time.Duration, len(evs)), true))
	f = newFixtureOn(t, up.client(), d, []string{u})
	return f, &http.Client{Transport: f.engine.Transport(f.route)}, evs
}

// Through the Transport, the body of a stream whose request was cancelled
// fails with the cancellation's cause instead of ending as if complete.
func TestTransportStreamBodyFailsWhenCallerCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, c, evs := stallingStream(t)
		gone := errors.New("the caller went away")
		ctx, cancel := context.WithCancelCause(context.Background())
		resp := postStream(t, c, ctx)
		defer resp.Body.Close()
		start := time.Now()
		time.AfterFunc(time.Second, func() { cancel(gone) })
		got, err := io.ReadAll(resp.Body)
		if !errors.Is(err, gone) || !errors.Is(err, lifeline.ErrCanceled) {
			t.Fatalf("read %q, err = %v; want the caller's cause", got, err)
		}
		// What came before the cancel, and no error event of lifeline's:
		// the caller reads its own cancellation, not a server error.
		if string(got) != strings.Join(evs, "") {
			t.Fatalf("read %q before the cancel, want the events sent", got)
		}
		if el := time.Since(start); el != time.Second {
			t.Fatalf("the body failed %v after reading began, want at the cancel, 1s", el)
		}
	})
}

// A caller's context whose deadline passes mid-stream ends the stream as
// the request's own deadline does: through the Transport, the body fails
// with the context's error, as net/http's would, with no error event of
// lifeline's; through the typed API, the stream ends broken, with an error
// that matches ErrDeadlineExceeded and context.DeadlineExceeded.
func TestCallerDeadlineMidStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := openaiD
		f, c, evs := stallingStream(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		resp := postStream(t, c, ctx)
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, lifeline.ErrDeadlineExceeded) {
			t.Fatalf("read %q, err = %v; want the context's deadline", got, err)
		}
		if string(got) != strings.Join(evs, "") {
			t.Fatalf("read %q before the deadline, want the events sent and no error event", got)
		}

		ctx, cancel = context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		rs, err := f.engine.Do(ctx, f.route, &lifeline.Request{Dialect: d.Kind, Body: []byte(d.StreamRequest())})
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Stream.Close()
		for {
			if _, err = rs.Stream.Next(); err != nil {
				break
			}
		}
		for _, want := range []error{lifeline.ErrBrokenStream, lifeline.ErrDeadlineExceeded, context.DeadlineExceeded} {
			if !errors.Is(err, want) {
				t.Errorf("typed API: err = %v, does not match %v", err, want)
			}
		}
		if n := strings.Count(err.Error(), "lifeline:"); n != 1 {
			t.Errorf("typed API: err = %q says \"lifeline:\" %d times, want once", err, n)
		}
	})
}

// Through the Transport, a request the caller cancels before its answer
// fails as a net/http request does: an error (no synthesized response)
// that matches context.Canceled and ErrCanceled. It lists the attempts
// made, and they stay readable after RoundTrip returned: the call's
// storage is reused by the next request.
func TestTransportCallerCancelKeepsAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := openaiD
		up := newClocked()
		u := up.on("p.invalid",
			clockedReply(500, nil, `{"error":{"message":"boom","type":"server_error"}}`),
			timedEvents(time.Hour, nil, nil, true),
			clockedReply(200, nil, d.OK))
		f := newFixtureOn(t, up.client(), d, []string{u}, lifeline.WithTimeouts(lifeline.Timeouts{Total: 2 * time.Hour}))
		c := &http.Client{Transport: f.engine.Transport(f.route)}
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		time.AfterFunc(time.Second, cancel)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://lifeline.invalid/v1/chat/completions", strings.NewReader(d.Request))
		resp, err := c.Do(req)
		if el := time.Since(start); el != time.Second {
			t.Fatalf("the request ended %v after it began, want at the cancel, 1s", el)
		}
		if resp != nil {
			resp.Body.Close()
			t.Fatalf("a response (%d) for a cancelled request", resp.StatusCode)
		}
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrCanceled) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want a canceled *lifeline.Error matching context.Canceled", err)
		}
		// The next request reuses the pooled call's storage.
		next, err := c.Post("http://lifeline.invalid/v1/chat/completions", "application/json", strings.NewReader(d.Request))
		if err != nil {
			t.Fatal(err)
		}
		next.Body.Close()
		if len(le.Attempts) != 2 || le.Attempts[0].Target != "p0/m0" || le.Attempts[0].Class != classify.Transient {
			t.Fatalf("attempts = %+v, want p0/m0's transient attempt first", le.Attempts)
		}
		// The abandoned attempt is named canceled in the error's text, as
		// the gateway's log and metrics name it, not by its cut's class.
		if !le.Attempts[1].Canceled || !strings.HasSuffix(le.Error(), "(2 attempts; last p0/m0 canceled)") {
			t.Fatalf("err = %q, canceled %v; want the last attempt named canceled", le, le.Attempts[1].Canceled)
		}
		// Observers see both attempts end, the cancelled one without a class.
		att := f.events.Kind(lifeline.AttemptFinished)
		if len(att) < 2 || att[0].Class != classify.Transient || att[1].Class != 0 || att[1].Reason != lifeline.ReasonCanceled {
			t.Fatalf("attempt events = %+v, want a transient one, then one canceled and without a class", att)
		}
	})
}

// A caller's deadline that carries its own cause (context.WithTimeoutCause)
// is still a deadline: the request fails with deadline_exceeded, not as
// cancelled.
func TestCallerDeadlineWithCauseIsDeadlineExceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := openaiD
		up := newClocked()
		u := up.on("p.invalid", timedEvents(time.Hour, nil, nil, true)) // no headers
		f := newFixtureOn(t, up.client(), d, []string{u}, lifeline.WithTimeouts(lifeline.Timeouts{Total: 2 * time.Hour, Attempt: 2 * time.Hour, FirstToken: 2 * time.Hour}))
		loopEnded := errors.New("the agent's loop is out of time")
		ctx, cancel := context.WithTimeoutCause(context.Background(), time.Second, loopEnded)
		defer cancel()
		_, _, err := f.doCtx(ctx, false, nil)
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrDeadlineExceeded) || errors.Is(err, lifeline.ErrCanceled) || le.Status != http.StatusGatewayTimeout {
			t.Fatalf("err = %v, want deadline_exceeded", err)
		}
	})
}

// An official SDK streaming through the Transport whose context is
// cancelled mid-stream sees its own cancellation (context.Canceled), not
// an error event that reads as the server's.
func TestSDKStreamCancelledMidStream(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			a := newUpstream(t, upstreamtest.Events(d.Stream[:d.Opening+1], true))
			f := newFixture(t, d, []string{a.URL})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var err error
			if d.Kind == wire.OpenAI {
				client := openaiClient(f, &countingTransport{})
				s := client.Chat.Completions.NewStreaming(ctx, openaiParams)
				for s.Next() {
					if len(s.Current().Choices) > 0 && s.Current().Choices[0].Delta.Content != "" {
						cancel()
					}
				}
				err = s.Err()
				s.Close()
			} else {
				client := anthropicClient(f, &countingTransport{})
				s := client.Messages.NewStreaming(ctx, anthropicParams)
				for s.Next() {
					if s.Current().Type == "content_block_delta" {
						cancel()
					}
				}
				err = s.Err()
				s.Close()
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("SDK error %v, want context.Canceled", err)
			}
		})
	}
}

// As net/http's bodies, a Transport stream body may be closed from another
// goroutine while a read waits for the upstream: the read ends at once
// (with no data race), the target is not blamed, and a read after Close
// fails.
func TestTransportStreamBodyClosedWhileReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := openaiD
		up := newClocked()
		evs := d.Stream[:d.Opening+1]
		u := up.on("p.invalid", timedEvents(0, evs, make([]time.Duration, len(evs)), true))
		f := newFixtureOn(t, up.client(), d, []string{u}, lifeline.WithBreaker(breakerConfig(1)))
		c := &http.Client{Transport: f.engine.Transport(f.route)}
		resp, err := c.Post("http://lifeline.invalid/v1/chat/completions", "application/json", strings.NewReader(d.StreamRequest()))
		if err != nil {
			t.Fatal(err)
		}
		first := make([]byte, 64<<10)
		if _, err := resp.Body.Read(first); err != nil {
			t.Fatal(err)
		}
		read := make(chan error, 1)
		go func() {
			_, err := io.ReadAll(resp.Body)
			read <- err
		}()
		synctest.Wait() // the read waits for the upstream, inside Read
		if err := resp.Body.Close(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case err := <-read:
			if err == nil {
				t.Fatal("the read ended as a clean end of the stream")
			}
		default:
			t.Fatal("the read still waits after Close")
		}
		if _, err := resp.Body.Read(first); err == nil {
			t.Fatal("a read after Close succeeded")
		}
		if ev := f.events.Kind(lifeline.BreakerChanged); len(ev) != 0 {
			t.Fatalf("closing the body blamed the target: %+v", ev)
		}
	})
}

// A caller that cancels after the whole stream arrived but before reading
// it gets the cancellation from the body, as from net/http's, never a clean
// end that io.EOF would report.
func TestTransportCancelAfterCompleteStream(t *testing.T) {
	d := openaiD
	a := newUpstream(t, d.Good(true))
	f := newFixture(t, d, []string{a.URL}, lifeline.WithStreamMode(lifeline.StreamBuffer))
	c := &http.Client{Transport: f.engine.Transport(f.route)}
	ctx, cancel := context.WithCancel(context.Background())
	resp := postStream(t, c, ctx)
	defer resp.Body.Close()
	cancel()
	_, err := io.ReadAll(resp.Body)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, lifeline.ErrCanceled) || errors.Is(err, io.EOF) {
		t.Fatalf("err = %v; want the cancellation, not an end", err)
	}
}

// A stream cut after its first byte by the request's deadline ends with
// an error event whose message says so once, without lifeline's prefix
// twice over.
func TestDeadlineMidStreamErrorEventReadsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := openaiD
		f, _, _ := stallingStream(t)
		rs, err := f.engine.Do(context.Background(), f.route, &lifeline.Request{
			Dialect: d.Kind, Body: []byte(d.StreamRequest()), Deadline: time.Now().Add(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Stream.Close()
		var last []byte
		for {
			ev, err := rs.Stream.Next()
			if err != nil {
				break
			}
			last = ev
		}
		msg := string(last)
		if !strings.Contains(msg, "stream broken after first byte") || !strings.Contains(msg, "deadline exceeded") {
			t.Fatalf("last event %q, want the broken stream's error event naming the deadline", msg)
		}
		if n := strings.Count(msg, "lifeline:"); n != 1 {
			t.Errorf("last event %q says \"lifeline:\" %d times, want once", msg, n)
		}
	})
}

// A caller whose context ends and which then drops a stream's body without
// closing it (anthropic-sdk-go does so when the context ends as the
// response arrives) still ends its request, as net/http's transport does:
// the upstream attempt is released, the request and its attempt are
// reported once, canceled, and a later read fails with the context's end.
func TestTransportStreamEndsWhenContextEndsWithoutClose(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, func())
		want error
	}{
		{"cancel", func() (context.Context, func()) {
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, func()) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			return ctx, func() { time.Sleep(2 * time.Second); cancel() }
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, c, _ := stallingStream(t)
				ctx, end := tc.ctx()
				resp := postStream(t, c, ctx)
				end()
				synctest.Wait()
				fin := f.events.Kind(lifeline.RequestFinished)
				if len(fin) != 1 {
					t.Fatalf("%d RequestFinished events after the context ended, want 1", len(fin))
				}
				att := f.events.Kind(lifeline.AttemptFinished)
				if len(att) != 1 {
					t.Fatalf("%d AttemptFinished events after the context ended, want 1", len(att))
				}
				if _, err := io.ReadAll(resp.Body); !errors.Is(err, tc.want) {
					t.Fatalf("a read after the context ended: err = %v, want %v", err, tc.want)
				}
				resp.Body.Close()
				if n := len(f.events.Kind(lifeline.RequestFinished)); n != 1 {
					t.Fatalf("%d RequestFinished events after Close, want 1", n)
				}
			})
		})
	}
}

// postStream sends an OpenAI stream request under ctx through c, which
// must answer it.
func postStream(t *testing.T, c *http.Client, ctx context.Context) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://lifeline.invalid/v1/chat/completions", strings.NewReader(openaiD.StreamRequest()))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// A stream closed before its end yields nothing more: Next returns an
// error at once, not the opening events it held back for the first
// content event, which nobody asked for any more.
func TestStreamNextAfterCloseYieldsNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}`+"\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	e := lifeline.New()
	route, err := e.NewRoute("r", []lifeline.Target{{Provider: &lifeline.Provider{Name: "p", Kind: lifeline.OpenAI, BaseURL: srv.URL + "/v1"}, Model: "m"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.Do(context.Background(), route, &lifeline.Request{Dialect: lifeline.OpenAI,
		Body: []byte(`{"model":"r","stream":true,"messages":[{"role":"user","content":"hi"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	resp.Stream.Close()
	for range 2 {
		if b, err := resp.Stream.Next(); err == nil || len(b) > 0 {
			t.Fatalf("Next after Close returned %q, %v; want no bytes and an error", b, err)
		}
	}
}
