package sse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
)

func TestReaderEventTooLarge(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	tests := []struct {
		name  string
		input string
		max   int
	}{
		{name: "many data lines", input: "data: a\n\n" + strings.Repeat("data: 0123456789\n", 20) + "\n", max: 100},
		{name: "single long line", input: "data: a\n\ndata: " + long + "\n\n", max: 1000},
		{name: "single long line over the read buffer", input: "data: a\n\ndata: " + long + "\n\n", max: 5000},
		{name: "long unterminated line", input: "data: a\n\ndata: " + long, max: 1000},
		{name: "long comment line", input: "data: a\n\n: " + long + "\n\ndata: b\n\n", max: 1000},
		{name: "long name", input: "data: a\n\nevent: " + long + "\ndata: b\n\n", max: 1000},
		{name: "cut event over the bound", input: "data: a\n\ndata: 0123456789\ndata: 0123456789", max: 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sse.NewReader(strings.NewReader(tt.input), tt.max)
			if ev, err := r.Next(); err != nil || string(ev.Data) != "a" {
				t.Fatalf("first event %q, %v; want data a", ev.Data, err)
			}
			ev, err := r.Next()
			if !errors.Is(err, sse.ErrEventTooLarge) {
				t.Fatalf("err = %v (event of %d bytes), want ErrEventTooLarge", err, len(ev.Raw))
			}
		})
	}
}

func TestReaderEventAtTheBound(t *testing.T) {
	// Raw counts every byte of the event including the blank line: "data: "
	// + 10 + "\n" + "\n" = 18 bytes.
	input := "data: 0123456789\n\n"
	for _, tt := range []struct {
		max     int
		wantErr error
	}{{max: 18}, {max: 17, wantErr: sse.ErrEventTooLarge}} {
		r := sse.NewReader(strings.NewReader(input), tt.max)
		_, err := r.Next()
		if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
			t.Errorf("max %d: err = %v, want %v", tt.max, err, tt.wantErr)
		}
	}
}

func TestReaderDefaultBound(t *testing.T) {
	// An event just under DefaultMaxEvent passes with maxEvent 0; one over
	// it is refused.
	under := "data: " + strings.Repeat("x", sse.DefaultMaxEvent-8) + "\n\n"
	over := "data: " + strings.Repeat("x", sse.DefaultMaxEvent) + "\n\n"
	if _, err := sse.NewReader(strings.NewReader(under), 0).Next(); err != nil {
		t.Errorf("event of %d bytes: %v", len(under), err)
	}
	if _, err := sse.NewReader(strings.NewReader(over), -1).Next(); !errors.Is(err, sse.ErrEventTooLarge) {
		t.Errorf("event of %d bytes: err = %v, want ErrEventTooLarge", len(over), err)
	}
}
