package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// rewrite renders the outputs of an earlier run from its results.json:
// the tables, the chart and the checks come from the recorded numbers.
func rewrite(f flags, stdout io.Writer) error {
	b, err := os.ReadFile(f.from)
	if err != nil {
		return err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", f.from, err)
	}
	r.Checks = checks(r.Scenarios)
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = filepath.Join(root, "bench", "out")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeOutputs(out, &r, stdout); err != nil {
		return err
	}
	if f.docs != "" {
		return publish(f.docs, out, filepath.Join(root, "bench", "results"))
	}
	return nil
}

// The markers around the generated part of the benchmarks page.
const (
	resultsStart = "<!-- results:start (written by go run ./bench -docs) -->"
	resultsEnd   = "<!-- results:end -->"
)

// publish copies a run's outputs from out (scratch, not kept) to dir (kept
// with the sources: the chart the page shows), and replaces the text
// between the results markers of the page at path with the run's table.
func publish(path, out, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var res []byte
	for _, name := range []string{"results.md", "results.json", "latency.svg"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
		if name == "results.md" {
			res = b
		}
	}
	page, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := splice(page, res, resultsStart, resultsEnd)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, updated, 0o644)
}

// splice puts res between the markers start and end of page.
func splice(page, res []byte, start, end string) ([]byte, error) {
	i := bytes.Index(page, []byte(start))
	j := bytes.Index(page, []byte(end))
	if i < 0 || j < i {
		return nil, fmt.Errorf("no %q … %q section", start, end)
	}
	var b bytes.Buffer
	b.Write(page[:i+len(start)])
	b.WriteString("\n\n")
	b.Write(bytes.TrimSpace(res))
	b.WriteString("\n\n")
	b.Write(page[j:])
	return b.Bytes(), nil
}
