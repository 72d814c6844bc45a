package mock

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// The counters agree with the ledger: by fault, by validity, by path.
func TestLedgerCountsMatch(t *testing.T) {
	s, _ := New(Config{Seed: 11, Faults: recorderSafeMix()})
	paths := []string{pathOpenAI, pathOpenAIShort, pathAnthropic}
	for i := range 150 {
		path := paths[i%3]
		d := wire.OpenAI
		if path == pathAnthropic {
			d = wire.Anthropic
		}
		body := requestBody(d, kind(i%4), i%2 == 0)
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
	}
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/v1/completions", strings.NewReader("{}")))

	st := s.Stats()
	entries := s.Ledger()
	if st.Requests != 151 || len(entries) != 151 {
		t.Fatalf("requests %d, entries %d", st.Requests, len(entries))
	}
	byFault := map[Fault]uint64{}
	var valid, invalid uint64
	for _, e := range entries {
		byFault[e.Fault]++
		if e.Valid {
			valid++
			if e.Fault != None && !e.Fault.content() {
				t.Errorf("entry %+v: a %s response cannot be valid", e, e.Fault)
			}
		} else {
			invalid++
		}
	}
	for f, n := range byFault {
		if st.ByFault[f] != n {
			t.Errorf("%s: stats %d, ledger %d", f, st.ByFault[f], n)
		}
	}
	if len(st.ByFault) != len(byFault) || st.Valid != valid || st.Invalid != invalid || valid+invalid != st.Requests {
		t.Errorf("stats %+v; ledger valid %d invalid %d", st, valid, invalid)
	}
	want := map[string]uint64{pathOpenAI: 50, pathOpenAIShort: 50, pathAnthropic: 50, "other": 1}
	for p, n := range want {
		if st.ByPath[p] != n {
			t.Errorf("path %s: %d, want %d", p, st.ByPath[p], n)
		}
	}
}

// The ledger keeps the most recent LedgerSize entries; the counters keep
// counting.
func TestLedgerBound(t *testing.T) {
	s, _ := New(Config{LedgerSize: 10})
	var ids []string
	for range 25 {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, newRequest(context.Background(), wire.OpenAI, kText, false))
		ids = append(ids, w.Header().Get("X-Request-Id"))
	}
	entries := s.Ledger()
	if len(entries) != 10 || entries[0].Seq != 15 || entries[9].Seq != 24 || s.Stats().Requests != 25 {
		t.Fatalf("kept %d entries from %d to %d", len(entries), entries[0].Seq, entries[len(entries)-1].Seq)
	}
	if _, ok := s.Lookup(ids[3]); ok {
		t.Error("an evicted entry was found")
	}
	if e, ok := s.Lookup(ids[24]); !ok || e.Seq != 24 {
		t.Errorf("lookup of the last request: %+v %v", e, ok)
	}
	// The index finds what Lookup finds, and nothing evicted.
	index := s.LedgerIndex()
	for _, id := range ids {
		want, ok := s.Lookup(id)
		if got, found := index[id]; found != ok || got.Seq != want.Seq {
			t.Errorf("index[%s] = %+v %v; Lookup: %+v %v", id, got, found, want, ok)
		}
	}
}

// Tool-call ids are in the ledger too, and the introspection endpoints
// serve the ledger and the counters.
func TestLedgerToolIDsAndEndpoints(t *testing.T) {
	s, ts := startServer(t, Config{})
	o, _ := answer(t, wire.Anthropic, post(t, context.Background(), ts.URL, pathAnthropic, requestBody(wire.Anthropic, kTool, false)), false)
	if e, ok := s.Lookup(o.toolID); !ok || e.ID != o.id || e.ToolCallID != o.toolID || !e.Valid {
		t.Errorf("lookup by tool id: %+v %v", e, ok)
	}
	if e, ok := s.LedgerIndex()[o.toolID]; !ok || e.ID != o.id {
		t.Errorf("index by tool id: %+v %v", e, ok)
	}
	resp, err := http.Get(ts.URL + pathLedger)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var entries []Entry
	if err := json.NewDecoder(resp.Body).Decode(&entries); err != nil || len(entries) != 1 || entries[0].ID != o.id {
		t.Errorf("GET %s: %+v %v", pathLedger, entries, err)
	}
	resp2, err := http.Get(ts.URL + pathStats)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var st Stats
	if err := json.NewDecoder(resp2.Body).Decode(&st); err != nil || st.Requests != 1 || st.ByFault[None] != 1 || st.ByPath[pathAnthropic] != 1 {
		t.Errorf("GET %s: %+v %v", pathStats, st, err)
	}
}

// Every ledger entry carries the Idempotency-Key its request carried, a
// forced fault's and a refused request's too, and GET /_mock/ledger shows
// it: the attempts of one logical request are found by their key.
func TestLedgerIdempotencyKey(t *testing.T) {
	_, ts := startServer(t, Config{Seed: 3})
	ctx := context.Background()
	post(t, ctx, ts.URL, pathOpenAI, requestBody(wire.OpenAI, kText, false), "Idempotency-Key", "key-1", "X-Mock-Fault", "overloaded")
	post(t, ctx, ts.URL, pathAnthropic, requestBody(wire.Anthropic, kText, true), "Idempotency-Key", "key-1")
	post(t, ctx, ts.URL, pathOpenAI, `{"model":"gpt-test-1"}`, "Idempotency-Key", "key-2")
	post(t, ctx, ts.URL, pathOpenAI, requestBody(wire.OpenAI, kText, false))

	resp, err := http.Get(ts.URL + pathLedger)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var entries []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Fatalf("%d entries, want 4", len(entries))
	}
	want := []struct {
		key    any
		status float64
	}{{"key-1", 503}, {"key-1", 200}, {"key-2", 400}, {nil, 200}}
	for i, w := range want {
		if e := entries[i]; e["idempotency_key"] != w.key || e["status"] != w.status {
			t.Errorf("entry %d: idempotency_key %v, status %v; want %v, %v", i, e["idempotency_key"], e["status"], w.key, w.status)
		}
	}
}

// A ledger entry holds when its request arrived, by the configured clock.
func TestLedgerReceived(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, _ := New(Config{Now: func() time.Time { at = at.Add(time.Second); return at }})
	at = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // from the first request on
	for range 2 {
		s.ServeHTTP(httptest.NewRecorder(), newRequest(context.Background(), wire.OpenAI, kText, false))
	}
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/v1/completions", strings.NewReader("{}")))
	entries := s.Ledger()
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3", len(entries))
	}
	for i, e := range entries {
		if want := time.Date(2026, 3, 1, 12, 0, i+1, 0, time.UTC); !e.Received.Equal(want) {
			t.Errorf("entry %d received at %s, want %s", i, e.Received, want)
		}
	}
}
