package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// Stream faults change the event sequence exactly as their names say.
func TestStreamFaultSequences(t *testing.T) {
	_, ts := startServer(t, Config{})
	type want struct {
		anthropic, openai []string
		errType           map[wire.Dialect]string // the in-stream error type; "" when none
	}
	aOpen := []string{"message_start", "content_block_start", "ping"}
	aAll := []string{"message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
		"content_block_delta", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"}
	oAll := []string{"role", "content", "content", "content", "content", "content", "content", "finish", "usage", "done"}
	overloaded := map[wire.Dialect]string{wire.Anthropic: "overloaded_error", wire.OpenAI: "server_error"}
	server := map[wire.Dialect]string{wire.Anthropic: "api_error", wire.OpenAI: "server_error"}
	cases := []struct {
		fault Fault
		arg   string
		want  want
	}{
		{None, "", want{aAll, oAll, nil}},
		{StreamErrorBefore, "", want{append(slices.Clone(aOpen), "error"), []string{"role", "error"}, overloaded}},
		{StreamErrorBefore, "server_error", want{append(slices.Clone(aOpen), "error"), []string{"role", "error"}, server}},
		{StreamErrorAfter, "", want{append(slices.Clone(aAll[:5]), "error"), []string{"role", "content", "content", "error"}, overloaded}},
		{StreamErrorAfter, "server_error:3", want{append(slices.Clone(aAll[:6]), "error"), []string{"role", "content", "content", "content", "error"}, server}},
		{StreamErrorAfter, "99", want{append(slices.Clone(aAll[:9]), "error"), append(slices.Clone(oAll[:7]), "error"), overloaded}},
		{Cut, "", want{aAll[:len(aAll)-1], oAll[:len(oAll)-1], nil}},
		{Cut, "4", want{aAll[:4], oAll[:4], nil}},
	}
	for _, tc := range cases {
		for _, dl := range dialects {
			t.Run(fmt.Sprintf("%s/%s/%s", tc.fault, tc.arg, dl.d), func(t *testing.T) {
				resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, true),
					"X-Mock-Fault", string(tc.fault), "X-Mock-Fault-Arg", tc.arg)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d", resp.StatusCode)
				}
				evs, err := readEvents(t, resp.Body)
				if err != nil {
					t.Fatalf("the stream should end cleanly at the transport level: %v", err)
				}
				wantNames := tc.want.openai
				if dl.d == wire.Anthropic {
					wantNames = tc.want.anthropic
				}
				if got := names(dl.d, evs); !slices.Equal(got, wantNames) {
					t.Fatalf("events\n got %v\nwant %v", got, wantNames)
				}
				last := evs[len(evs)-1]
				if wantType := tc.want.errType[dl.d]; wantType != "" {
					u, ok := wire.ParseError([]byte(last.data))
					if !ok || u.Type != wantType {
						t.Errorf("error event %s, want type %s", last.data, wantType)
					}
					if dl.d == wire.OpenAI && tc.arg == "" && tc.fault == StreamErrorBefore && u.Message != msgOOverloaded {
						t.Errorf("OpenAI overloaded stream error says %q", u.Message)
					}
				}
				// The accumulated id and model are consistent even when cut.
				if o := accumulate(t, dl.d, evs); o.id == "" {
					t.Error("no id in the stream")
				}
			})
		}
	}
}

// A stall sends N events and then nothing: with a bound, the connection is
// dropped after exactly N events (not a clean end of stream).
func TestStallDropsAfterBound(t *testing.T) {
	srv, ts := startServer(t, Config{StallAfter: 2})
	for _, dl := range dialects {
		for _, arg := range []string{"20ms", "4:20ms"} {
			resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, true),
				"X-Mock-Fault", "stall", "X-Mock-Fault-Arg", arg)
			evs, err := readEvents(t, resp.Body)
			want := 2
			if arg == "4:20ms" {
				want = 4
			}
			if len(evs) != want || err == nil {
				t.Errorf("%s arg %q: %d events, end %v; want %d events and a broken connection", dl.d, arg, len(evs), err, want)
			}
		}
	}
	if st := srv.Stats(); st.ByFault[Stall] != 4 || st.Invalid != 4 {
		t.Errorf("stats %+v", st)
	}
}

// Non-streaming stall and cut send half of the declared body.
func TestNonStreamCutAndStall(t *testing.T) {
	_, ts := startServer(t, Config{})
	for _, dl := range dialects {
		for _, tc := range []struct {
			fault Fault
			arg   string
		}{{Cut, ""}, {Stall, "20ms"}} {
			resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, false),
				"X-Mock-Fault", string(tc.fault), "X-Mock-Fault-Arg", tc.arg)
			body, err := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || len(body) == 0 || json.Valid(body) {
				t.Errorf("%s %s: status %d, %d bytes, err %v", tc.fault, dl.d, resp.StatusCode, len(body), err)
			}
			if resp.ContentLength <= int64(len(body)) {
				t.Errorf("%s %s: declared %d bytes, sent %d", tc.fault, dl.d, resp.ContentLength, len(body))
			}
		}
	}
}
