package redis_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store/redis"
	"github.com/lifelinehq/lifeline/wire"
)

// A request is answered by its deadline while Redis stalls: a state store
// call made near the deadline ends at the deadline, not after the store's
// own timeout; the time a store call took counts against the request's
// bounds, which the attempt after it does not get afresh; and the report
// of an attempt the deadline cut gives up after a short grace.
func TestDeadlineHoldsWhileRedisStalls(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deadline time.Duration
		midway   bool // Redis stalls during the attempt, not before it
	}{
		{"deadline within the store's timeout", 200 * time.Millisecond, false},
		{"deadline beyond the store's timeout", 900 * time.Millisecond, false},
		{"stall during the attempt", 300 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			s := openRaw(t, srv, prefix(), redis.WithTimeout(500*time.Millisecond))
			hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if tc.midway {
					freeze(t, srv) // the attempt's report finds Redis stalled
				}
				<-r.Context().Done()
			}))
			defer hang.Close()
			e := lifeline.New(lifeline.WithStore(s))
			route, err := e.NewRoute("r", []lifeline.Target{{
				Provider: &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: hang.URL, APIKey: "k"}, Model: "m",
			}})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.midway {
				freeze(t, srv)
			}
			start := time.Now()
			_, err = e.Do(t.Context(), route, &lifeline.Request{Dialect: wire.OpenAI,
				Body: []byte(`{"model":"r","messages":[{"role":"user","content":"x"}]}`), Deadline: start.Add(tc.deadline)})
			took := time.Since(start)
			if !errors.Is(err, lifeline.ErrDeadlineExceeded) {
				t.Fatalf("err = %v, want the deadline", err)
			}
			// The report's grace (100ms) and a margin for a busy machine;
			// without the bounds the answer came a whole store timeout
			// (500ms) late.
			if took > tc.deadline+300*time.Millisecond {
				t.Errorf("answered %v after a %v deadline", took.Round(time.Millisecond), tc.deadline)
			}
		})
	}
}
