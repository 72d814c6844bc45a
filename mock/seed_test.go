package mock

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// recorderSafeMix draws every fault that does not hold the connection
// open (hang and stall would need a real server).
func recorderSafeMix() map[Fault]float64 {
	mix := map[Fault]float64{}
	for _, f := range Faults()[1:] {
		if f != Hang && f != Stall {
			mix[f] = 0.04
		}
	}
	return mix
}

// faultRun sends 200 varied requests and returns the fault of each, as the
// X-Mock-Fault response header says.
func faultRun(t *testing.T, seed uint64) []Fault {
	t.Helper()
	s, err := New(Config{Seed: seed, Faults: recorderSafeMix()})
	if err != nil {
		t.Fatal(err)
	}
	var got []Fault
	for i := range 200 {
		d := dialects[i%2].d
		w := httptest.NewRecorder()
		s.ServeHTTP(w, newRequest(context.Background(), d, kind(i%4), i%3 == 0))
		f := Fault(w.Header().Get("X-Mock-Fault"))
		if f == "" {
			f = None
		}
		got = append(got, f)
	}
	for i, e := range s.Ledger() {
		// A content fault with nothing to break leaves a clean answer: the
		// ledger records the draw, the header says nothing. Plain text cut
		// by max_tokens is valid but not clean: the header says so.
		header := e.Fault
		if e.Fault.content() && e.Valid && e.Fault != MaxTokens {
			header = None
		}
		if e.Seq != uint64(i) || header != got[i] {
			t.Fatalf("ledger entry %d: %+v, header said %s", i, e, got[i])
		}
		got[i] = e.Fault
	}
	return got
}

// The same seed gives the same fault sequence; another seed another.
func TestSeedReproducible(t *testing.T) {
	a, b, c := faultRun(t, 42), faultRun(t, 42), faultRun(t, 43)
	if !slices.Equal(a, b) {
		t.Errorf("seed 42 gave two sequences:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Error("seeds 42 and 43 gave the same sequence")
	}
	kinds := map[Fault]bool{}
	for _, f := range a {
		kinds[f] = true
	}
	if len(kinds) < 10 {
		t.Errorf("only %d distinct faults in 200 requests: %v", len(kinds), kinds)
	}
}

// Under concurrency each request's fault is still the one drawn for its
// sequence number.
func TestSeedUnderConcurrency(t *testing.T) {
	s, _ := New(Config{Seed: 9, Faults: recorderSafeMix()})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				s.ServeHTTP(httptest.NewRecorder(), newRequest(context.Background(), dialects[(g+i)%2].d, kText, i%2 == 0))
			}
		})
	}
	wg.Wait()
	entries := s.Ledger()
	if len(entries) != 200 {
		t.Fatalf("%d entries", len(entries))
	}
	for i, e := range entries {
		if e.Seq != uint64(i) || e.Fault != s.FaultOf(e.Seq) {
			t.Fatalf("entry %+v, drawn fault %s", e, s.FaultOf(e.Seq))
		}
	}
}

// Probabilities are honoured.
func TestMixProportions(t *testing.T) {
	s, _ := New(Config{Seed: 3, Faults: map[Fault]float64{RateLimit: 0.3, Overloaded: 0.1}})
	counts := map[Fault]int{}
	const n = 20000
	for i := range uint64(n) {
		counts[s.FaultOf(i)]++
	}
	for f, p := range map[Fault]float64{RateLimit: 0.3, Overloaded: 0.1, None: 0.6} {
		if got := float64(counts[f]) / n; got < p-0.02 || got > p+0.02 {
			t.Errorf("%s: %.3f of requests, want %.2f", f, got, p)
		}
	}
	if len(counts) != 3 {
		t.Errorf("unexpected faults drawn: %v", counts)
	}
}

// A forced fault does not shift the drawn sequence of later requests.
func TestForcedFaultKeepsSequence(t *testing.T) {
	s, _ := New(Config{Seed: 5, Faults: recorderSafeMix()})
	for i := range 20 {
		var h []string
		if i%4 == 0 {
			h = []string{"X-Mock-Fault", "auth"}
		}
		s.ServeHTTP(httptest.NewRecorder(), newRequest(context.Background(), wire.OpenAI, kText, false, h...))
	}
	for _, e := range s.Ledger() {
		want := s.FaultOf(e.Seq)
		if e.Forced {
			want = Auth
		}
		if e.Fault != want {
			t.Errorf("entry %+v, want %s", e, want)
		}
	}
}
