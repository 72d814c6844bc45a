package compat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/scanner"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// snippet is one ```go block of a document: statements, not a whole file.
type snippet struct {
	doc   string // the document's path from the repository root
	line  int    // the document's line of the block's first line
	lines []string
}

// snippets returns the ```go blocks of the markdown text doc.
func snippets(doc, text string) []snippet {
	var out []snippet
	var cur *snippet
	for i, l := range strings.Split(text, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(l) == "```go":
			out = append(out, snippet{doc: doc, line: i + 2})
			cur = &out[len(out)-1]
		case cur != nil && strings.TrimSpace(l) == "```":
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		}
	}
	return out
}

// snippetPackages are the packages a snippet may use without importing
// them, by the name it calls them. "option" is openai's, or anthropic's in
// a snippet that uses anthropic.
var snippetPackages = map[string]string{
	"lifeline":  "github.com/lifelinehq/lifeline",
	"backoff":   "github.com/lifelinehq/lifeline/backoff",
	"breaker":   "github.com/lifelinehq/lifeline/breaker",
	"budget":    "github.com/lifelinehq/lifeline/budget",
	"classify":  "github.com/lifelinehq/lifeline/classify",
	"mock":      "github.com/lifelinehq/lifeline/mock",
	"sse":       "github.com/lifelinehq/lifeline/sse",
	"store":     "github.com/lifelinehq/lifeline/store",
	"memory":    "github.com/lifelinehq/lifeline/store/memory",
	"redis":     "github.com/lifelinehq/lifeline/store/redis",
	"translate": "github.com/lifelinehq/lifeline/translate",
	"validate":  "github.com/lifelinehq/lifeline/validate",
	"wire":      "github.com/lifelinehq/lifeline/wire",
	"openai":    "github.com/openai/openai-go/v3",
	"anthropic": "github.com/anthropics/anthropic-sdk-go/v2",
	"option":    "github.com/openai/openai-go/v3/option",
	"bytes":     "bytes",
	"context":   "context",
	"errors":    "errors",
	"fmt":       "fmt",
	"http":      "net/http",
	"io":        "io",
	"json":      "encoding/json",
	"log":       "log",
	"os":        "os",
	"slog":      "log/slog",
	"strings":   "strings",
	"time":      "time",
}

// snippetParams declares what the snippets use without declaring it. Each
// snippet runs in a scope of its own inside the function, so that its own
// := declarations of these names shadow them.
const snippetParams = `ctx context.Context, engine *lifeline.Engine, route *lifeline.Route, chain []lifeline.Target,
	client openai.Client, params openai.ChatCompletionNewParams, maxSteps int, err error`

// snippetImport is a snippet's comment line naming an import:
// // import "path" or // import name "path".
var snippetImport = regexp.MustCompile(`^\s*//\s*import\s+(?:(\w+)\s+)?"([^"]+)"\s*$`)

// source is the Go file that type-checks s as the body of function n.
// Its line directive makes the compiler's messages name the document's
// lines; a line that is only an elision (…) is left empty.
func (s snippet) source(n int) string {
	imports := map[string]string{ // name → path: the parameters' packages, the // import lines'
		"context":  "context",
		"lifeline": snippetPackages["lifeline"],
		"openai":   snippetPackages["openai"],
	}
	body := make([]string, len(s.lines))
	for i, l := range s.lines {
		if t := strings.TrimSpace(l); t == "…" || t == "..." {
			continue
		}
		body[i] = l
		if m := snippetImport.FindStringSubmatch(l); m != nil {
			name := m[1]
			if name == "" {
				name = m[2][strings.LastIndex(m[2], "/")+1:]
			}
			imports[name] = m[2]
		}
	}
	used := qualifiers(strings.Join(body, "\n"))
	for name := range used {
		if _, ok := imports[name]; ok {
			continue
		}
		path, ok := snippetPackages[name]
		if !ok {
			continue // a variable's field or method
		}
		if name == "option" && used["anthropic"] {
			path = "github.com/anthropics/anthropic-sdk-go/v2/option"
		}
		imports[name] = path
	}

	var b strings.Builder
	b.WriteString("package docsnippets\n\nimport (\n")
	for _, name := range slices.Sorted(maps.Keys(imports)) {
		fmt.Fprintf(&b, "\t%s %q\n", name, imports[name])
	}
	fmt.Fprintf(&b, ")\n\nfunc snippet%d(%s) error {\n\t{\n", n, snippetParams)
	fmt.Fprintf(&b, "//line %s:%d:1\n", s.doc, s.line)
	for _, l := range body {
		b.WriteString(l + "\n")
	}
	b.WriteString("\t}\n\treturn nil\n}\n")
	return b.String()
}

// qualifiers returns the names src qualifies something with: x in x.Y
// where x is not itself a selector.
func qualifiers(src string) map[string]bool {
	out := map[string]bool{}
	var sc scanner.Scanner
	b := []byte(src)
	sc.Init(token.NewFileSet().AddFile("", -1, len(b)), b, func(token.Position, string) {}, 0)
	var prev, before token.Token
	var prevLit string
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.PERIOD && prev == token.IDENT && before != token.PERIOD {
			out[prevLit] = true
		}
		before, prev, prevLit = prev, tok, lit
	}
}

// TestDocSnippets: every ```go block of README.md and docs/*.md compiles
// against the current code, as the statements of a function body in which
// ctx, engine, route, chain, client, params, maxSteps and err are given.
func TestDocSnippets(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var all []snippet
	for _, doc := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(root, doc)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, snippets(filepath.ToSlash(rel), string(b))...)
	}
	if len(all) < 10 {
		t.Fatalf("found %d ```go blocks in README.md and docs/*.md", len(all))
	}
	for _, f := range checkSnippets(t, root, all) {
		t.Error(f)
	}
}

// TestDocSnippetsCatchAPIChange: a block that calls a function the code
// does not have fails, naming its document, its line and the compiler's
// message, while the well-formed block beside it passes.
func TestDocSnippetsCatchAPIChange(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	doc := "Some text.\n\n```go\nroute, err := engine.NewRoute(\"smart\", chain)\n```\n\n" +
		"More text.\n\n```go\nengine := lifeline.New()\n…\nroute, err := engine.NewRoute(\"smart\", chain,\n\tlifeline.WithMaxAttempt(2))\n```\n"
	failures := checkSnippets(t, root, snippets("docs/renamed.md", doc))
	want := "the ```go block of docs/renamed.md at line 9 does not compile:\ndocs/renamed.md:13:11: undefined: lifeline.WithMaxAttempt"
	if len(failures) != 1 || failures[0] != want {
		t.Fatalf("failures = %q, want [%q]", failures, want)
	}
}

// checkSnippets builds snippets in a module of their own that requires
// the module at root, and returns each error the compiler reports but for
// unused variables and imports, with the block it is in.
func checkSnippets(t *testing.T, root string, snips []snippet) []string {
	t.Helper()
	dir := t.TempDir()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	gomod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(gomod, []byte("module docsnippets"))
	gomod = fmt.Appendf(gomod, "\nrequire github.com/lifelinehq/lifeline v0.0.0\n\nreplace github.com/lifelinehq/lifeline => %s\n", root)
	files := map[string][]byte{"go.mod": gomod, "go.sum": gosum}
	// A syntax error stops the compiler before it type-checks any file:
	// a block that does not parse is reported here and left out.
	var failures []string
	for i, s := range snips {
		src := s.source(i)
		if _, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution); err != nil {
			var list scanner.ErrorList
			if !errors.As(err, &list) {
				t.Fatal(err)
			}
			for _, e := range list {
				failures = append(failures, placeSnippetError(e.Error(), snips))
			}
			continue
		}
		files[fmt.Sprintf("snippet%02d.go", i)] = []byte(src)
	}
	if len(files) == 2 {
		return failures
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	args := []string{"build", "-gcflags=-e"}
	if raceBuild() {
		args = append(args, "-race") // the dependencies this test was built with are in the build cache
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, append(args, "./...")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return failures
	}
	for _, e := range compilerErrors(out) {
		if strings.Contains(e, "declared and not used") || strings.Contains(e, "imported and not used") {
			continue
		}
		failures = append(failures, placeSnippetError(e, snips))
	}
	if !bytes.Contains(out, []byte(".md:")) {
		t.Fatalf("go build of the ```go blocks: %v\n%s", err, out)
	}
	return failures
}

// raceBuild reports whether this test was built with -race.
func raceBuild() bool {
	info, ok := debug.ReadBuildInfo()
	return ok && slices.ContainsFunc(info.Settings, func(s debug.BuildSetting) bool {
		return s.Key == "-race" && s.Value == "true"
	})
}

// compilerErrors splits the output of go build into its errors, each with
// its indented continuation lines.
func compilerErrors(out []byte) []string {
	var errs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch {
		case strings.HasPrefix(l, "# "):
		case strings.HasPrefix(l, "\t") && len(errs) > 0:
			errs[len(errs)-1] += "\n" + l
		default:
			errs = append(errs, l)
		}
	}
	return errs
}

// snippetPosition is the document and line that begin a compiler's error.
var snippetPosition = regexp.MustCompile(`^(?:\./)?([^:\s]+):(\d+):`)

// placeSnippetError names the block an error of the compiler is in.
func placeSnippetError(e string, snips []snippet) string {
	if m := snippetPosition.FindStringSubmatch(e); m != nil {
		line, _ := strconv.Atoi(m[2])
		for _, s := range snips {
			if m[1] == s.doc && line >= s.line && line < s.line+len(s.lines) {
				return fmt.Sprintf("the ```go block of %s at line %d does not compile:\n%s", s.doc, s.line-1, e)
			}
		}
	}
	return "go build of the ```go blocks:\n" + e
}
