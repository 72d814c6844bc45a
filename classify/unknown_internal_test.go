package classify

import (
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

func TestUnknownSetIsBounded(t *testing.T) {
	u := newUnknownLog(wire.OpenAI, slog.New(slog.NewTextHandler(io.Discard, nil)), 4)
	for i := range 10 {
		if !u.first(unknownKey{status: 418, typ: "t", code: strconv.Itoa(i)}) {
			t.Fatalf("kind %d reported as seen", i)
		}
		if n := len(u.seen); n > 4 {
			t.Fatalf("set holds %d kinds, cap is 4", n)
		}
	}
	// A kind seen since the last reset is still remembered.
	if u.first(unknownKey{status: 418, typ: "t", code: "9"}) {
		t.Error("the latest kind was forgotten")
	}
}

func TestUnknownKeyIsClipped(t *testing.T) {
	u := newUnknownLog(wire.OpenAI, slog.New(slog.NewTextHandler(io.Discard, nil)), unknownCap)
	long := strings.Repeat("x", 1<<20)
	e := wire.UpstreamError{Type: long, Code: long}
	u.outcome(Signal{Status: 418}, &e, Rejected)
	for k := range u.seen {
		if len(k.typ) > maxKeyField || len(k.code) > maxKeyField {
			t.Errorf("key holds %d/%d bytes, want at most %d", len(k.typ), len(k.code), maxKeyField)
		}
	}
}
