package compat_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nodeTimeout bounds one `node` run.
const nodeTimeout = 3 * time.Minute

// TestNode runs the Node compatibility tests (node/test/*.test.mjs, the
// npm packages openai and @anthropic-ai/sdk as base-URL clients), each file
// against a fresh in-process gateway.
func TestNode(t *testing.T) {
	node := requireNode(t, "node", "compat/node")
	files, err := filepath.Glob("node/test/*.test.mjs")
	if err != nil {
		t.Fatal(err)
	}
	// Both SDKs' files must be there: a lost one would pass unnoticed.
	for _, want := range []string{"anthropic.test.mjs", "openai.test.mjs"} {
		if !slices.Contains(files, filepath.Join("node", "test", want)) {
			t.Fatalf("node/test/%s is missing (found %v)", want, files)
		}
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			out := runNode(t, node, "node", []string{"LIFELINE_URL=" + e.URL},
				"--test", "--test-reporter=tap", filepath.Join("test", name))
			checkTAP(t, out)
		})
	}
}

// TestNodeAgentExample runs examples/node-agent against a gateway whose
// route falls back from an Anthropic-dialect primary to an OpenAI one: the
// loop completes, and every call carries the same X-Lifeline-Deadline, the
// loop's.
func TestNodeAgentExample(t *testing.T) {
	node := requireNode(t, "../examples/node-agent", "examples/node-agent")
	e := newEnv(t)
	start := time.Now()
	out := runNode(t, node, "../examples/node-agent",
		[]string{"LIFELINE_URL=" + e.URL, "LIFELINE_ROUTE=anthropic-then-openai", "AGENT_STEPS=4", "AGENT_DEADLINE_MS=60000"},
		"agent.mjs")
	if !strings.Contains(out, "final answer after 4 step(s)") || strings.Count(out, "served by anthropic-a/claude-a") != 4 {
		t.Fatalf("output:\n%s", out)
	}
	e.wantUpstreams(map[string]uint64{"anthropic-a": 4})
	e.deadlinesMu.Lock()
	defer e.deadlinesMu.Unlock()
	if len(e.deadlines) != 4 {
		t.Fatalf("the gateway got %d requests, want 4", len(e.deadlines))
	}
	ms, err := strconv.ParseInt(e.deadlines[0], 10, 64)
	if d := time.UnixMilli(ms); err != nil || d.Before(start) || d.After(time.Now().Add(60*time.Second)) {
		t.Fatalf("X-Lifeline-Deadline %q is not the loop's deadline in Unix milliseconds", e.deadlines[0])
	}
	for _, d := range e.deadlines {
		if d != e.deadlines[0] {
			t.Fatalf("X-Lifeline-Deadline changed between steps: %q", e.deadlines)
		}
	}
}

// requireNode returns the path of node when it and dir/node_modules are
// present (dir is relative to this package, repo to the repository root).
// Otherwise it skips the test, or fails it when LIFELINE_REQUIRE_NODE=1 (as
// CI sets).
func requireNode(t *testing.T, dir, repo string) string {
	t.Helper()
	missing := ""
	node, err := exec.LookPath("node")
	if err != nil {
		missing = "node is not on PATH (Node 20 or later is needed)"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		missing = repo + "/node_modules is missing: run `npm ci --prefix " + repo + "` from the repository root"
	} else {
		out, err := exec.Command(node, "--version").Output()
		v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
		major, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
		if err != nil || major < 20 {
			missing = "node " + v + " is too old: Node 20 or later is needed"
		}
	}
	if missing != "" {
		if os.Getenv("LIFELINE_REQUIRE_NODE") == "1" {
			t.Fatal(missing + " (LIFELINE_REQUIRE_NODE=1)")
		}
		t.Skip("skipping the Node tests: " + missing)
	}
	return node
}

// runNode runs node with args in dir and the extra environment, and returns
// its output. A non-zero exit fails the test with the output.
func runNode(t *testing.T, node, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = append(nodeEnviron(os.Environ()), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// nodeEnviron returns environ without the variables the Node tests and
// the example read (LIFELINE_*, AGENT_*): each run sets the ones it means.
func nodeEnviron(environ []string) []string {
	return slices.DeleteFunc(slices.Clone(environ), func(kv string) bool {
		return strings.HasPrefix(kv, "LIFELINE_") || strings.HasPrefix(kv, "AGENT_")
	})
}

var tapCount = regexp.MustCompile(`(?m)^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$`)

// checkTAP fails the test unless node's TAP summary reports passed tests
// and no failed, cancelled, skipped or todo ones.
func checkTAP(t *testing.T, out string) {
	t.Helper()
	counts := map[string]int{}
	for _, m := range tapCount.FindAllStringSubmatch(out, -1) {
		counts[m[1]], _ = strconv.Atoi(m[2])
	}
	if counts["pass"] == 0 || counts["pass"] != counts["tests"] || counts["fail"]+counts["cancelled"]+counts["skipped"]+counts["todo"] > 0 {
		t.Fatalf("node test summary %v\n%s", counts, out)
	}
	t.Logf("node: %d tests passed", counts["pass"])
}
