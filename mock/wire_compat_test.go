package mock

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

// The gateway's wire package reads the mock's answers: outputs parse, the
// opening events are classified as opening, the first content event as
// content, the terminal and error events as such.
func TestWirePackageReadsMock(t *testing.T) {
	_, ts := startServer(t, Config{})
	checkWeather := schemaCheck(t, weatherSchema)
	for _, dl := range dialects {
		for _, k := range []kind{kText, kTool} {
			t.Run(fmt.Sprintf("%s/kind%d", dl.d, k), func(t *testing.T) {
				resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, k, false))
				body, _ := io.ReadAll(resp.Body)
				out, err := wire.ParseOutput(dl.d, body)
				if err != nil {
					t.Fatal(err)
				}
				resp = post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, k, true))
				acc := wire.NewAccumulator(dl.d)
				rd := sse.NewReader(resp.Body, 0)
				var kinds []wire.Kind
				for {
					ev, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					kinds = append(kinds, wire.EventKind(dl.d, ev))
					acc.Add(ev)
				}
				checkKinds(t, kinds, true)
				streamed := acc.Output()
				for _, o := range []wire.Output{out, streamed} {
					if k == kTool {
						if len(o.ToolCalls) != 1 || o.ToolCalls[0].Name != "get_weather" || checkWeather(string(o.ToolCalls[0].Arguments)) != nil {
							t.Errorf("tool calls %+v", o.ToolCalls)
						}
					} else if o.Text != DefaultText || len(o.ToolCalls) != 0 {
						t.Errorf("output %+v", o)
					}
					if o.Truncated || o.FinishReason == "" {
						t.Errorf("finish %q truncated %v", o.FinishReason, o.Truncated)
					}
				}
			})
		}
	}
	for _, dl := range dialects {
		for _, f := range []Fault{StreamErrorBefore, StreamErrorAfter} {
			resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, true), "X-Mock-Fault", string(f))
			rd := sse.NewReader(resp.Body, 0)
			var kinds []wire.Kind
			for {
				ev, err := rd.Next()
				if err != nil {
					break
				}
				kinds = append(kinds, wire.EventKind(dl.d, ev))
			}
			checkKinds(t, kinds, false)
			if kinds[len(kinds)-1] != wire.KindError {
				t.Errorf("%s %s: last event kind %v, want an error", dl.d, f, kinds[len(kinds)-1])
			}
			hasContent := false
			for _, k := range kinds {
				hasContent = hasContent || k == wire.KindContent
			}
			if hasContent != (f == StreamErrorAfter) {
				t.Errorf("%s %s: content before the error: %v", dl.d, f, hasContent)
			}
		}
	}
}

// checkKinds checks that a stream opens with opening events only and,
// when complete, ends with its terminal event.
func checkKinds(t *testing.T, kinds []wire.Kind, complete bool) {
	t.Helper()
	if len(kinds) == 0 || kinds[0] != wire.KindOpening {
		t.Fatalf("kinds %v: the first event must be an opening one", kinds)
	}
	for i, k := range kinds {
		if k == wire.KindContent || k == wire.KindError {
			break
		}
		if k != wire.KindOpening {
			t.Errorf("event %d before any content has kind %v", i, k)
		}
	}
	if complete && kinds[len(kinds)-1] != wire.KindDone {
		t.Errorf("last kind %v, want the terminal event", kinds[len(kinds)-1])
	}
}
