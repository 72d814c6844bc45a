package compat_test

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/setup"
	"github.com/lifelinehq/lifeline/mock"
	"github.com/lifelinehq/lifeline/store"
)

// metricsConfig has a route for each kind of event a metric counts: a
// fallback, a retry budget that runs dry, a breaker that trips.
const metricsConfig = `
providers:
  - {name: flaky, kind: anthropic, base_url: "${FLAKY}"}
  - {name: steady, kind: openai, base_url: "${STEADY}", headers: {X-Mock-Fault: none}}
routes:
  - {name: main, chain: [{provider: flaky, model: a}, {provider: steady, model: b}]}
  - name: budget
    chain: [{provider: flaky, model: budget}]
    retry: {max_attempts: 12, budget: {ratio: 0.001, min_per_second: 0.001}}
    breaker: {consecutive_failures: 1000, min_requests: 1000}
  - name: trip
    chain: [{provider: flaky, model: trip}]
    breaker: {consecutive_failures: 1}
defaults:
  retry: {base: 1ms, cap: 1ms, jitter: none}
`

// documentedMetrics reads the metrics table of docs/metrics.md: name → labels.
func documentedMetrics(t *testing.T, doc string) map[string][]string {
	t.Helper()
	row := regexp.MustCompile("(?m)^\\| `(lifeline_\\w+)` \\| \\w+ \\| ([^|]*) \\|")
	out := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		var labels []string
		for _, l := range regexp.MustCompile("`(\\w+)`").FindAllStringSubmatch(m[2], -1) {
			labels = append(labels, l[1])
		}
		slices.Sort(labels)
		out[m[1]] = labels
	}
	if len(out) < 10 {
		t.Fatalf("found %d metrics in the table of docs/metrics.md", len(out))
	}
	return out
}

// countingTimeouts is a state store that counts timed-out calls (none).
type countingTimeouts struct{ store.Store }

func (countingTimeouts) Timeouts() uint64 { return 0 }

// TestMetricsDoc: the metrics table of docs/metrics.md lists exactly the
// metrics a gateway exports, with their labels, and every PromQL
// expression in it uses existing metrics, their labels and real label
// values.
func TestMetricsDoc(t *testing.T) {
	b, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	documented := documentedMetrics(t, doc)

	flaky, err := mock.Listen("127.0.0.1:0", mock.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer flaky.Close()
	steady, err := mock.Listen("127.0.0.1:0", mock.Config{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer steady.Close()
	vars := map[string]string{"FLAKY": flaky.URL, "STEADY": steady.URL + "/v1"}
	cfg, err := config.Parse("metrics.yaml", []byte(metricsConfig), ".", func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	gcfg, err := setup.Gateway(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	gcfg.Registry, gcfg.HTTPClient = reg, &http.Client{Transport: tr}
	// The Redis store counts its timed-out calls; so does this one.
	gcfg.Store = countingTimeouts{gcfg.Store}
	gw, err := gateway.New(gcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	gw.MarkReady()
	send := func(route, fault string, stream bool) {
		body := `{"model":"` + route + `","max_tokens":64,"messages":[{"role":"user","content":"hi"}]`
		if stream {
			body += `,"stream":true`
		}
		if fault == "bad_schema" {
			body += `,"output_config":{"format":{"type":"json_schema","schema":{"type":"object","required":["x"],"properties":{"x":{"type":"string"}}}}}`
		}
		req := httptest.NewRequest(http.MethodPost, "/v1/messages", strings.NewReader(body+"}"))
		req.Header.Set("X-Mock-Fault", fault)
		gw.ServeHTTP(httptest.NewRecorder(), req)
	}
	send("main", "overloaded", true) // a fallback, a stream
	send("main", "bad_schema", false)
	send("budget", "server_error", false)
	send("trip", "server_error", false)
	idem := httptest.NewRequest(http.MethodPost, "/v1/messages", strings.NewReader(`{"model":"main","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`))
	idem.Header.Set("Idempotency-Key", "k")
	gw.ServeHTTP(httptest.NewRecorder(), idem)

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string][]string{}
	helps := map[string]string{}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "lifeline_") {
			continue // the Prometheus handler's own
		}
		labels := []string{}
		if len(f.GetMetric()) > 0 {
			for _, l := range f.GetMetric()[0].GetLabel() {
				labels = append(labels, l.GetName())
			}
		}
		slices.Sort(labels)
		exported[f.GetName()] = labels
		helps[f.GetName()] = f.GetHelp()
	}
	for name, labels := range exported {
		want, ok := documented[name]
		if !ok {
			t.Errorf("docs/metrics.md does not document %s", name)
		} else if !slices.Equal(labels, want) {
			t.Errorf("%s has labels %v; docs/metrics.md says %v", name, labels, want)
		}
	}
	for name := range documented {
		if _, ok := exported[name]; !ok {
			t.Errorf("docs/metrics.md documents %s, which the gateway does not export", name)
		}
	}

	// Every PromQL expression: in ```promql blocks and in the rules' expr.
	var exprs []string
	for _, m := range regexp.MustCompile("(?s)```promql\n(.*?)```").FindAllStringSubmatch(doc, -1) {
		exprs = append(exprs, m[1])
	}
	for _, m := range regexp.MustCompile(`(?m)expr: (?:\|\n((?:\s{10}.*\n)+)|(.*)$)`).FindAllStringSubmatch(doc, -1) {
		exprs = append(exprs, m[1]+m[2])
	}
	if len(exprs) < 8 {
		t.Fatalf("found %d PromQL expressions in docs/metrics.md", len(exprs))
	}
	values := labelValues(helps)
	metricRef := regexp.MustCompile(`lifeline_\w+`)
	matcher := regexp.MustCompile(`(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	grouping := regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	for _, e := range exprs {
		allowed := map[string]bool{}
		for _, name := range metricRef.FindAllString(e, -1) {
			base := name
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if trimmed := strings.TrimSuffix(name, suffix); trimmed != name {
					if _, ok := exported[trimmed]; ok {
						base = trimmed
						allowed["le"] = suffix == "_bucket"
					}
				}
			}
			labels, ok := exported[base]
			if !ok {
				t.Errorf("PromQL %q uses %s, which the gateway does not export", e, name)
			}
			for _, l := range labels {
				allowed[l] = true
			}
		}
		var used []string
		for _, m := range matcher.FindAllStringSubmatch(e, -1) {
			used = append(used, m[1])
			if known, ok := values[m[1]]; ok {
				for _, v := range strings.Split(m[3], "|") {
					if !known[v] {
						t.Errorf("PromQL %q: %s=%q is not a value the gateway uses", e, m[1], v)
					}
				}
			}
		}
		for _, m := range grouping.FindAllStringSubmatch(e, -1) {
			for _, l := range strings.Split(m[1], ",") {
				used = append(used, strings.TrimSpace(l))
			}
		}
		for _, l := range used {
			if !allowed[l] && l != "instance" {
				t.Errorf("PromQL %q uses label %q, which its metrics do not have", e, l)
			}
		}
	}
}

// labelValues returns the values of the labels whose values are a fixed
// set: classes (and "canceled", an abandoned attempt's), breaker states,
// and the outcomes and ways of serving that the metrics' help texts list.
func labelValues(helps map[string]string) map[string]map[string]bool {
	out := map[string]map[string]bool{"class": {"canceled": true}, "to": {"closed": true, "half_open": true, "open": true}}
	for _, c := range classify.All() {
		out["class"][c.String()] = true
	}
	list := func(help string) map[string]bool {
		m := map[string]bool{}
		_, after, _ := strings.Cut(help, ": ")
		for _, w := range regexp.MustCompile(`\b([a-z_]+)\b`).FindAllString(after, -1) {
			m[w] = true
		}
		return m
	}
	out["outcome"] = list(helps["lifeline_requests_total"])
	out["how"] = list(helps["lifeline_served_total"])
	return out
}

// TestHeadersDoc: every header docs/headers.md names in its tables is one
// the code reads or writes.
func TestHeadersDoc(t *testing.T) {
	b, err := os.ReadFile("../docs/headers.md")
	if err != nil {
		t.Fatal(err)
	}
	var code strings.Builder
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "compat" || d.Name() == "examples" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			code.Write(src)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	src := strings.ToLower(code.String())
	cell := regexp.MustCompile("(?m)^\\| ([^|]+) \\|")
	name := regexp.MustCompile("`([A-Za-z][A-Za-z0-9-]*[A-Za-z0-9])(?::[^`]*)?`")
	checked := 0
	for _, row := range cell.FindAllStringSubmatch(string(b), -1) {
		for _, m := range name.FindAllStringSubmatch(row[1], -1) {
			h := strings.ToLower(m[1])
			if !strings.Contains(h, "-") || h == "x-lifeline" {
				continue // a value, not a header name
			}
			checked++
			if !strings.Contains(src, `"`+h+`"`) && !strings.Contains(src, `"`+h+`-`) && !strings.Contains(src, `"`+h+`_`) {
				t.Errorf("docs/headers.md names %s, which no Go file outside tests spells", m[1])
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d header names", checked)
	}
}

// TestLogsDoc: every log message the Logs table of docs/operations.md
// lists is one the gateway writes, each field it names is set in a file
// that writes that message, and every message the gateway's packages log
// is listed. Rows for lines of other libraries (net/http, the Redis
// client), whose first cell is not a message in backquotes, are skipped.
func TestLogsDoc(t *testing.T) {
	b, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Logs\n")
	if !ok {
		t.Fatal(`docs/operations.md has no "## Logs" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")

	// The messages the code logs, each with the files that log it.
	call := regexp.MustCompile(`\.(?:(?:Debug|Info|Warn|Error)\(|(?:Debug|Info|Warn|Error)Context\([^,]+, |Log(?:Attrs)?\([^,]+, [^,]+, )"((?:[^"\\]|\\.)*)"`)
	logged := map[string][]string{} // message → sources of the files that log it
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != ".." {
			switch rel, _ := filepath.Rel("..", path); {
			case strings.HasPrefix(d.Name(), "."), d.Name() == "node_modules",
				rel == "compat", rel == "examples", rel == "bench", rel == "mock", rel == filepath.Join("internal", "demo"):
				return filepath.SkipDir // not the gateway's own lines
			}
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			logged[m[1]] = append(logged[m[1]], string(src))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(logged) < 10 {
		t.Fatalf("found %d log messages in the code", len(logged))
	}

	row := regexp.MustCompile("(?m)^\\| (`[^|]*) \\| [^|]* \\| ([^|]*) \\| [^|]* \\|$")
	quoted := regexp.MustCompile("`([^`]+)`")
	aside := regexp.MustCompile(`\([^)]*\)`)
	documented := map[string]bool{} // message prefixes
	rows := 0
	for _, r := range row.FindAllStringSubmatch(section, -1) {
		rows++
		var fields []string
		for _, f := range quoted.FindAllStringSubmatch(aside.ReplaceAllString(r[2], ""), -1) {
			fields = append(fields, f[1])
		}
		for _, m := range quoted.FindAllStringSubmatch(r[1], -1) {
			prefix := strings.TrimSuffix(m[1], "…")
			documented[prefix] = true
			var files []string
			for msg, srcs := range logged {
				if msg == prefix || prefix != m[1] && strings.HasPrefix(msg, prefix) {
					files = append(files, srcs...)
				}
			}
			if len(files) == 0 {
				t.Errorf("docs/operations.md lists the log message %q, which no Go file logs", m[1])
				continue
			}
			for _, f := range fields {
				if !slices.ContainsFunc(files, func(src string) bool { return strings.Contains(src, `"`+f+`"`) }) {
					t.Errorf("docs/operations.md says %q has the field %s, which no file logging it sets", m[1], f)
				}
			}
		}
	}
	if rows < 10 {
		t.Fatalf("found %d rows in the Logs table of docs/operations.md", rows)
	}
	for msg := range logged {
		found := false
		for prefix := range documented {
			found = found || msg == prefix || strings.HasSuffix(prefix, " ") && strings.HasPrefix(msg, prefix)
		}
		if !found {
			t.Errorf("the log message %q is not listed in docs/operations.md", msg)
		}
	}
}
