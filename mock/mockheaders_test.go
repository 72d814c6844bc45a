package mock

import (
	"context"
	"strings"
	"testing"
)

// A mistake in a mock header is refused with a 400 that names the header,
// as an unknown X-Mock-Fault is, instead of being ignored: a test that
// meant to force a 250ms hint or a 2s latency must not pass for the wrong
// reason on the defaults.
func TestMistakenMockHeadersAreRefused(t *testing.T) {
	srv, ts := startServer(t, Config{})
	cases := []struct {
		name   string
		header []string
		names  string // what the error message must name
	}{
		{"unknown word", []string{"X-Mock-Fault", "rate_limit", "X-Mock-Fault-Arg", "banana"}, "X-Mock-Fault-Arg"},
		{"a wait without its unit", []string{"X-Mock-Fault", "rate_limit", "X-Mock-Fault-Arg", "retry-after-ms:250"}, "X-Mock-Fault-Arg"},
		{"misspelt kind", []string{"X-Mock-Fault", "stream_error_after", "X-Mock-Fault-Arg", "overloadd:2"}, "X-Mock-Fault-Arg"},
		{"negative count", []string{"X-Mock-Fault", "cut", "X-Mock-Fault-Arg", "-3"}, "X-Mock-Fault-Arg"},
		{"negative duration", []string{"X-Mock-Fault", "hang", "X-Mock-Fault-Arg", "-2s"}, "X-Mock-Fault-Arg"},
		{"a duration to a fault that takes a count", []string{"X-Mock-Fault", "cut", "X-Mock-Fault-Arg", "5s"}, "X-Mock-Fault-Arg"},
		{"two formats", []string{"X-Mock-Fault", "rate_limit", "X-Mock-Fault-Arg", "http-date:reset"}, "X-Mock-Fault-Arg"},
		{"argument to a fault that takes none", []string{"X-Mock-Fault", "overloaded", "X-Mock-Fault-Arg", "5s"}, "X-Mock-Fault-Arg"},
		{"bad latency", []string{"X-Mock-Latency", "abc"}, "X-Mock-Latency"},
		{"reversed ttft range", []string{"X-Mock-Ttft", "80ms-20ms"}, "X-Mock-Ttft"},
	}
	for _, dl := range dialects {
		for _, tc := range cases {
			resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, true), tc.header...)
			body, _ := readAll(resp.Body)
			if resp.StatusCode != 400 {
				t.Errorf("%s %s: status %d, want 400", dl.d, tc.name, resp.StatusCode)
				continue
			}
			if u := errorBody(t, dl.d, body); u.Type != "invalid_request_error" || !strings.Contains(u.Message, tc.names) {
				t.Errorf("%s %s: error %+v, want an invalid_request_error naming %s", dl.d, tc.name, u, tc.names)
			}
			if resp.Header.Get("X-Mock-Fault") != "" {
				t.Errorf("%s %s: X-Mock-Fault %q on a refused request", dl.d, tc.name, resp.Header.Get("X-Mock-Fault"))
			}
		}
	}
	if st := srv.Stats(); st.ByFault[BadRequest] != uint64(2*len(cases)) {
		t.Errorf("stats %+v: every refused request counts as bad_request", st)
	}

	// The documented arguments are taken.
	for _, dl := range dialects {
		for _, h := range [][]string{
			{"X-Mock-Fault", "rate_limit", "X-Mock-Fault-Arg", "http-date:2s"},
			{"X-Mock-Fault", "rate_limit", "X-Mock-Fault-Arg", "250ms"},
			{"X-Mock-Fault", "quota", "X-Mock-Fault-Arg", "organization_spend_limit_exceeded"},
			{"X-Mock-Fault", "stream_error_after", "X-Mock-Fault-Arg", "server_error:1"},
			{"X-Mock-Fault", "stream_error_before", "X-Mock-Fault-Arg", "overloaded"},
			{"X-Mock-Fault", "cut", "X-Mock-Fault-Arg", "4"},
			{"X-Mock-Fault", "bad_tool_args", "X-Mock-Fault-Arg", "not_json"},
			{"X-Mock-Fault", "bad_schema", "X-Mock-Fault-Arg", "type"},
			{"X-Mock-Fault", "none", "X-Mock-Latency", "1ms-2ms", "X-Mock-Ttft", "1ms"},
		} {
			resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, true), h...)
			_, _ = readAll(resp.Body)
			if resp.StatusCode == 400 {
				t.Errorf("%s %v: refused", dl.d, h)
			}
		}
	}
}
