package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/slogtest"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/wire"
)

const testKey = "sk-test-SECRET-0123456789"

func testRedactor() *redactor {
	p := &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: "http://x", APIKey: testKey,
		Header: http.Header{"Helicone-Auth": {"Bearer hh-SECRET-header-value"}, "X-Short": {"ollama"}}}
	return newRedactor([]RouteSpec{{Name: "r", Chain: []lifeline.Target{{Provider: p, Model: "m"}}}},
		[]Key{{Key: "client-SECRET-key-0001"}})
}

func TestRedactingHandlerIsAConformingHandler(t *testing.T) {
	var buf bytes.Buffer
	h := testRedactor().handler(slog.NewJSONHandler(&buf, nil))
	results := func() []map[string]any {
		var out []map[string]any
		for line := range bytes.SplitSeq(buf.Bytes(), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Fatal(err)
	}
}

type holder struct{ Token string }

func TestRedactingHandlerRemovesCredentialsEverywhere(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(testRedactor().handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log = log.With("bound", "key="+testKey).WithGroup("g")
	log.Debug("provider said "+testKey,
		"s", "Bearer "+testKey,
		"err", errors.New("echo: "+testKey),
		"grp", slog.GroupValue(slog.String("inner", "hh-SECRET-header-value"), slog.Int("n", 1)),
		"any", holder{Token: "client-SECRET-key-0001"},
		"short", "ollama")
	out := buf.String()
	for _, s := range []string{testKey, "hh-SECRET-header-value", "client-SECRET-key-0001"} {
		if strings.Contains(out, s) {
			t.Fatalf("%q leaked: %s", s, out)
		}
	}
	for _, want := range []string{"[REDACTED]", "g.short=ollama", "g.grp.n=1"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q: %s", want, out)
		}
	}
}

func TestRedactorLeavesCleanTextAlone(t *testing.T) {
	r := testRedactor()
	clean := []byte(`{"content":"run ollama locally"}`)
	if got := r.bytes(clean); &got[0] != &clean[0] {
		t.Fatal("clean bytes were copied")
	}
	vs := []string{"fine"}
	if got := r.values(vs); &got[0] != &vs[0] {
		t.Fatal("clean header values were copied")
	}
	dirty := []string{"ok", "x " + testKey}
	got := r.values(dirty)
	if got[1] != "x [REDACTED]" || dirty[1] != "x "+testKey {
		t.Fatalf("values %q; the original must stay untouched: %q", got, dirty)
	}
	if b := r.bytes([]byte(testKey + "|client-SECRET-key-0001")); string(b) != "[REDACTED]|[REDACTED]" {
		t.Fatalf("bytes %s", b)
	}
	if !newRedactor(nil, nil).set.Empty() {
		t.Fatal("secrets from nothing")
	}
}
