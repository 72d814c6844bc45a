package memory_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
)

// Stored answers are bounded in bytes, not only in number: streams of
// thousands of tokens take megabytes each, and 100,000 of them would not
// fit in memory. The oldest answers are evicted first; the newest stays.
func TestStoredAnswersAreBoundedInBytes(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.WithMaxRecords(100), memory.WithMaxBytes(8<<20))
	defer s.Close()
	body := bytes.Repeat([]byte("x"), 1<<20)
	const n = 20
	for i := range n {
		key := fmt.Sprint("k", i)
		c, err := s.Claim(ctx, key, fp, time.Minute)
		if err != nil || c.State != store.Acquired {
			t.Fatalf("claim %s: %+v, %v", key, c, err)
		}
		if err := s.Complete(ctx, key, c.Token, store.Record{Status: 200, Body: body}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	done := 0
	var held int
	for i := range n {
		c, err := s.Claim(ctx, fmt.Sprint("k", i), fp, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if c.State == store.Done {
			done++
			held += len(c.Record.Body)
		} else if i == n-1 {
			t.Errorf("the newest answer was evicted")
		}
	}
	if held > 8<<20 {
		t.Errorf("%d answers of 1 MiB kept (%d bytes), want at most 8 MiB", done, held)
	}
	if done == 0 {
		t.Error("no answer kept")
	}
}

// An in-flight key is not evicted to make room for answers: a duplicate
// still waits for it.
func TestByteBoundSparesKeysInFlight(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.WithMaxRecords(100), memory.WithMaxBytes(2<<20))
	defer s.Close()
	if c, err := s.Claim(ctx, "running", fp, time.Minute); err != nil || c.State != store.Acquired {
		t.Fatalf("claim: %+v, %v", c, err)
	}
	body := bytes.Repeat([]byte("x"), 1<<20)
	for i := range 5 {
		key := fmt.Sprint("k", i)
		c, _ := s.Claim(ctx, key, fp, time.Minute)
		if err := s.Complete(ctx, key, c.Token, store.Record{Status: 200, Body: body}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := s.Claim(ctx, "running", fp, time.Minute); err != nil || c.State != store.InFlight {
		t.Fatalf("the key in flight: %+v, %v; want it still in flight", c, err)
	}
}

// An answer larger than the bound is not stored, and its key is let go at
// once: a duplicate runs the request again instead of waiting for a claim
// that nobody holds any more until its lease runs out.
func TestAnswerOverTheByteBoundFreesItsKey(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.WithMaxRecords(100), memory.WithMaxBytes(1<<20))
	defer s.Close()
	c, err := s.Claim(ctx, "big", fp, time.Hour)
	if err != nil || c.State != store.Acquired {
		t.Fatalf("claim: %+v, %v", c, err)
	}
	body := bytes.Repeat([]byte("x"), 2<<20)
	if err := s.Complete(ctx, "big", c.Token, store.Record{Status: 200, Body: body}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Claim(ctx, "big", fp, time.Hour); err != nil || c.State != store.Acquired {
		t.Fatalf("a duplicate after an answer over the bound: %+v, %v; want it to run (acquired)", c, err)
	}
}
