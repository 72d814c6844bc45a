package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// Content faults send a complete 200 answer whose content is wrong.
func TestContentFaults(t *testing.T) {
	srv, ts := startServer(t, Config{})
	checkWeather := schemaCheck(t, weatherSchema)
	checkPerson := schemaCheck(t, personSchema)
	cases := []struct {
		fault Fault
		arg   string
		k     kind
		check func(t *testing.T, o output)
	}{
		{NotJSON, "", kSchema, func(t *testing.T, o output) {
			if json.Valid([]byte(o.text)) || !strings.Contains(o.text, "```json") {
				t.Errorf("not_json sent %q", o.text)
			}
		}},
		{NotJSON, "", kJSONObject, func(t *testing.T, o output) {
			if json.Valid([]byte(o.text)) {
				t.Errorf("not_json sent JSON %q", o.text)
			}
		}},
		{BadSchema, "", kSchema, func(t *testing.T, o output) {
			var m map[string]any
			if err := json.Unmarshal([]byte(o.text), &m); err != nil {
				t.Fatalf("bad_schema must still be JSON: %q", o.text)
			}
			if _, ok := m["name"]; ok || checkPerson(o.text) == nil {
				t.Errorf("bad_schema kept the first required field or passed the schema: %s", o.text)
			}
		}},
		{BadSchema, "type", kSchema, func(t *testing.T, o output) {
			var m map[string]any
			if err := json.Unmarshal([]byte(o.text), &m); err != nil {
				t.Fatalf("bad_schema must still be JSON: %q", o.text)
			}
			if _, isString := m["name"].(string); isString || checkPerson(o.text) == nil {
				t.Errorf("bad_schema type did not break the type of name: %s", o.text)
			}
		}},
		{BadToolArgs, "", kTool, func(t *testing.T, o output) {
			if o.toolName != "get_weather" || !json.Valid([]byte(o.toolArgs)) || checkWeather(o.toolArgs) == nil {
				t.Errorf("bad_tool_args sent %s %s", o.toolName, o.toolArgs)
			}
		}},
		{BadToolArgs, "not_json", kTool, func(t *testing.T, o output) {
			if o.toolName != "get_weather" || checkWeather(o.toolArgs) == nil {
				t.Errorf("bad_tool_args not_json sent %s", o.toolArgs)
			}
		}},
		{Empty, "", kText, func(t *testing.T, o output) {
			if o.text != "" || o.toolName != "" {
				t.Errorf("empty sent %q %q", o.text, o.toolName)
			}
		}},
		{Empty, "", kTool, func(t *testing.T, o output) {
			if o.text != "" || o.toolName != "" {
				t.Errorf("empty sent %q %q", o.text, o.toolName)
			}
		}},
	}
	for _, tc := range cases {
		for _, dl := range dialects {
			if tc.k == kJSONObject && dl.d == wire.Anthropic {
				continue // no json_object mode
			}
			for _, stream := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/kind%d/%s/stream=%v", tc.fault, tc.arg, tc.k, dl.d, stream), func(t *testing.T) {
					resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, tc.k, stream),
						"X-Mock-Fault", string(tc.fault), "X-Mock-Fault-Arg", tc.arg)
					if resp.StatusCode != 200 || resp.Header.Get("X-Mock-Fault") != string(tc.fault) {
						t.Fatalf("status %d fault header %q", resp.StatusCode, resp.Header.Get("X-Mock-Fault"))
					}
					o, evs := answer(t, dl.d, resp, stream)
					if stream { // a well-formed stream with its terminal event
						last := names(dl.d, evs)[len(evs)-1]
						if last != "message_stop" && last != "done" {
							t.Errorf("stream ends with %s", last)
						}
					}
					tc.check(t, o)
					e, ok := srv.Lookup(o.id)
					if !ok || e.Valid || e.Fault != tc.fault || e.Status != 200 {
						t.Errorf("ledger entry %+v (found %v)", e, ok)
					}
				})
			}
		}
	}
}

// An empty completion streams no content events.
func TestEmptyStreamSequence(t *testing.T) {
	_, ts := startServer(t, Config{})
	for _, dl := range dialects {
		resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, true), "X-Mock-Fault", "empty")
		evs, err := readEvents(t, resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"role", "finish", "usage", "done"}
		if dl.d == wire.Anthropic {
			want = []string{"message_start", "ping", "message_delta", "message_stop"}
		}
		if got := names(dl.d, evs); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", dl.d, got, want)
		}
	}
}

// A content fault that does not apply to the request leaves the answer
// valid, without an X-Mock-Fault header, and the ledger says so.
func TestContentFaultNotApplicable(t *testing.T) {
	srv, ts := startServer(t, Config{})
	for _, f := range []Fault{NotJSON, BadSchema, BadToolArgs} {
		for _, dl := range dialects {
			resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, false), "X-Mock-Fault", string(f))
			if h := resp.Header.Get("X-Mock-Fault"); h != "" {
				t.Errorf("%s on a text request: X-Mock-Fault %q on a clean answer", f, h)
			}
			o, _ := answer(t, dl.d, resp, false)
			if o.text != DefaultText {
				t.Errorf("%s on a text request changed the text: %q", f, o.text)
			}
			if e, _ := srv.Lookup(o.id); !e.Valid || e.Fault != f {
				t.Errorf("%s: ledger entry %+v", f, e)
			}
		}
	}
}
