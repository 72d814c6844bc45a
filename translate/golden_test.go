package translate

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ (and the fuzz seed corpora) from the current output")

// goldenOptions has the fixed clock of every golden test: "created"
// members depend on it.
func goldenOptions() Options {
	return Options{Now: func() time.Time { return time.Unix(1767225600, 0) }}
}

// directions maps a testdata subdirectory to the translation it holds.
func directions() map[string][2]wire.Dialect {
	return map[string][2]wire.Dialect{
		"openai-to-anthropic": {wire.OpenAI, wire.Anthropic},
		"anthropic-to-openai": {wire.Anthropic, wire.OpenAI},
	}
}

// goldenCases calls fn for every input file testdata/<kind>/<direction>/<name>.in.<ext>.
func goldenCases(t *testing.T, kind string, fn func(t *testing.T, from, to wire.Dialect, in []byte, name, dir string) []byte, ext string) {
	t.Helper()
	n := 0
	for dirName, d := range directions() {
		dir := filepath.Join("testdata", kind, dirName)
		files, err := filepath.Glob(filepath.Join(dir, "*.in.*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := strings.SplitN(filepath.Base(f), ".in.", 2)[0]
			n++
			t.Run(dirName+"/"+name, func(t *testing.T) {
				in, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				got := fn(t, d[0], d[1], in, name, dir)
				checkGolden(t, filepath.Join(dir, name+".golden."+ext), got)
			})
		}
	}
	if n == 0 {
		t.Fatalf("no golden cases under testdata/%s", kind)
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		out := got
		if strings.HasSuffix(path, ".json") {
			var b bytes.Buffer
			if err := json.Indent(&b, got, "", "  "); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, got)
			}
			b.WriteByte('\n')
			out = b.Bytes()
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./translate -run TestGolden -update to create it)", err)
	}
	var g, w string
	if strings.HasSuffix(path, ".sse") {
		g, w = normalizeSSE(t, got), normalizeSSE(t, want)
	} else {
		g, w = normalizeJSON(t, got), normalizeJSON(t, want)
	}
	if g != w {
		t.Errorf("output differs from %s\n got: %s\nwant: %s", path, g, w)
	}
}

// normalizeJSON re-encodes a JSON document with sorted keys and no spaces.
func normalizeJSON(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// normalizeSSE lists a stream's events, one per line, as "name data" with
// JSON data normalised.
func normalizeSSE(t *testing.T, b []byte) string {
	t.Helper()
	var sb strings.Builder
	r := sse.NewReader(bytes.NewReader(b), 0)
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return sb.String()
		}
		if err != nil {
			t.Fatalf("reading SSE: %v", err)
		}
		data := string(ev.Data)
		if json.Valid(ev.Data) {
			data = normalizeJSON(t, ev.Data)
		}
		fmt.Fprintf(&sb, "%s %s\n", ev.Name, data)
	}
}

// translateStream feeds an SSE stream through a Stream, returning what it
// emitted.
func translateStream(t testing.TB, o Options, from, to wire.Dialect, in, clientRequest []byte) []byte {
	s := o.NewStream(from, to, clientRequest)
	r := sse.NewReader(bytes.NewReader(in), 0)
	var out []byte
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("reading SSE: %v", err)
		}
		out, _ = s.Event(out, ev)
		if err != nil {
			return out
		}
	}
}

func TestGoldenRequest(t *testing.T) {
	goldenCases(t, "request", func(t *testing.T, from, to wire.Dialect, in []byte, _, _ string) []byte {
		out, err := goldenOptions().Request(from, to, in, "target-model")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}, "json")
}

func TestGoldenResponse(t *testing.T) {
	goldenCases(t, "response", func(t *testing.T, from, to wire.Dialect, in []byte, _, _ string) []byte {
		out, err := goldenOptions().Response(from, to, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}, "json")
}

// Error cases are named <status>-<what>.in.<ext>.
func TestGoldenError(t *testing.T) {
	goldenCases(t, "error", func(t *testing.T, from, to wire.Dialect, in []byte, name, _ string) []byte {
		status, err := strconv.Atoi(strings.SplitN(name, "-", 2)[0])
		if err != nil {
			t.Fatalf("case name %q does not start with a status", name)
		}
		out := Error(from, to, status, in)
		if !json.Valid(out) {
			t.Fatalf("not JSON: %s", out)
		}
		return out
	}, "json")
}

// Stream cases may have a <name>.request.json holding the client's request;
// without one, an OpenAI client asked for the usage chunk.
func TestGoldenStream(t *testing.T) {
	goldenCases(t, "stream", func(t *testing.T, from, to wire.Dialect, in []byte, name, dir string) []byte {
		req, err := os.ReadFile(filepath.Join(dir, name+".request.json"))
		if errors.Is(err, os.ErrNotExist) {
			req = []byte(`{"stream":true,"stream_options":{"include_usage":true}}`)
		} else if err != nil {
			t.Fatal(err)
		}
		return translateStream(t, goldenOptions(), from, to, in, req)
	}, "sse")
	if *update {
		writeSeedCorpora(t)
	}
}

// writeSeedCorpora writes every stream input as a seed of the fuzz target
// of its direction, in the go fuzz corpus format.
func writeSeedCorpora(t *testing.T) {
	targets := map[string]string{
		"anthropic-to-openai": "FuzzStreamAnthropicToOpenAI",
		"openai-to-anthropic": "FuzzStreamOpenAIToAnthropic",
	}
	for dir, target := range targets {
		files, _ := filepath.Glob(filepath.Join("testdata", "stream", dir, "*.in.sse"))
		out := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.SplitN(filepath.Base(f), ".in.", 2)[0]
			corpus := "go test fuzz v1\n[]byte(" + strconv.Quote(string(in)) + ")\n"
			if err := os.WriteFile(filepath.Join(out, "seed-"+name), []byte(corpus), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
