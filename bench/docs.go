package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// outFile is one output file of a run, rendered.
type outFile struct {
	name string
	data []byte
}

// document is what one mode of the runner writes: its files, the Markdown
// tables first, and the markers around its section of the benchmarks page.
type document struct {
	files      []outFile
	start, end string
}

// emit writes the document's files into the output directory and its
// tables to stdout, then, when page is not empty, publishes it there.
func (ws workspace) emit(d document, page string, stdout io.Writer) error {
	names := make([]string, len(d.files))
	for i, f := range d.files {
		if err := os.WriteFile(filepath.Join(ws.out, f.name), f.data, 0o644); err != nil {
			return err
		}
		names[i] = f.name
	}
	fmt.Fprintln(stdout)
	stdout.Write(d.files[0].data)
	fmt.Fprintf(stdout, "wrote %s/{%s}\n", ws.out, strings.Join(names, ","))
	if page != "" {
		return publish(d, page, ws.results())
	}
	return nil
}

// publish copies the document's files to dir (kept with the sources: the
// chart the page shows), and replaces the text between the document's
// markers of the page at path with its tables.
func publish(d document, path, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range d.files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	page, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := splice(page, d.files[0].data, d.start, d.end)
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

// rewriteFrom renders the outputs (and -docs) of an earlier run from its
// record, the file -from: record is filled from it, then render turns it
// into the document.
func rewriteFrom(f flags, record any, render func() (document, error), stdout io.Writer) error {
	b, err := os.ReadFile(f.from)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, record); err != nil {
		return fmt.Errorf("%s: %w", f.from, err)
	}
	ws, err := newWorkspace(f)
	if err != nil {
		return err
	}
	d, err := render()
	if err != nil {
		return err
	}
	return ws.emit(d, f.docs, stdout)
}

// writeJSON writes v, a run's record, as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
