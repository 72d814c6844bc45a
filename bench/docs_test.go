package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testDocument is a document of two files with the results markers.
func testDocument() document {
	return document{
		files: []outFile{{"t.md", []byte("| a |\n")}, {"t.json", []byte("{}\n")}},
		start: resultsStart, end: resultsEnd,
	}
}

// TestEmitWritesFilesAndShowsTables: the files land in the output
// directory, the tables and their location on stdout; nothing is published
// without -docs.
func TestEmitWritesFilesAndShowsTables(t *testing.T) {
	root := t.TempDir()
	ws := workspace{root: root, out: filepath.Join(root, "out")}
	if err := os.MkdirAll(ws.out, 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := ws.emit(testDocument(), "", &stdout); err != nil {
		t.Fatal(err)
	}
	for _, f := range testDocument().files {
		if b, err := os.ReadFile(filepath.Join(ws.out, f.name)); err != nil || !bytes.Equal(b, f.data) {
			t.Errorf("%s: %q, %v; want %q", f.name, b, err, f.data)
		}
	}
	if want := "\n| a |\nwrote " + ws.out + "/{t.md,t.json}\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if _, err := os.Stat(ws.results()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bench/results touched without -docs: %v", err)
	}
}

// TestEmitPublishes: with -docs the files are copied to bench/results and
// the page's section between the markers is replaced by the tables, the
// rest of the page kept.
func TestEmitPublishes(t *testing.T) {
	root := t.TempDir()
	ws := workspace{root: root, out: t.TempDir()}
	page := filepath.Join(root, "page.md")
	before := "# Page\n\n" + resultsStart + "\nold table\n" + resultsEnd + "\n\nafter\n"
	if err := os.WriteFile(page, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ws.emit(testDocument(), page, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(page)
	if want := "# Page\n\n" + resultsStart + "\n\n| a |\n\n" + resultsEnd + "\n\nafter\n"; string(got) != want {
		t.Errorf("page:\n%s\nwant:\n%s", got, want)
	}
	for _, f := range testDocument().files {
		if b, err := os.ReadFile(filepath.Join(root, "bench", "results", f.name)); err != nil || !bytes.Equal(b, f.data) {
			t.Errorf("bench/results/%s: %q, %v; want %q", f.name, b, err, f.data)
		}
	}
}

// TestPublishNeedsTheMarkers: a page without the section is an error that
// names the page, and is left as it was.
func TestPublishNeedsTheMarkers(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.md")
	if err := os.WriteFile(page, []byte("no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := publish(testDocument(), page, filepath.Join(dir, "results"))
	if err == nil || !strings.Contains(err.Error(), page) || !strings.Contains(err.Error(), resultsStart) {
		t.Fatalf("publish on a page without markers: %v", err)
	}
	if b, _ := os.ReadFile(page); string(b) != "no markers\n" {
		t.Errorf("page changed to %q", b)
	}
}
