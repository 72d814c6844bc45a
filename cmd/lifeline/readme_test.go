//go:build unix

package main_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readmePath is the repository's README, from this package's directory.
const readmePath = "../../README.md"

// TestReadmeQuickStart does what README.md tells a newcomer to do, with the
// built binary in place of `go run ./cmd/lifeline`: run its first command
// in an empty directory with no provider keys in the environment, send
// every curl request the README shows (and their streaming variants, as
// it suggests), and stop the gateway with SIGTERM, which must exit 0.
func TestReadmeQuickStart(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	args, readmeAddr := readmeFirstCommand(t, string(readme))
	curls := readmeCurls(t, string(readme))
	if len(curls) < 2 {
		t.Fatalf("README.md shows %d curl requests; want one per dialect", len(curls))
	}
	bin := buildLifeline(t)
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	g := startReadmeServe(t, bin, args)
	if g == nil {
		if readmeAddr == "" {
			t.Fatal("lifeline serve did not start")
		}
		// Another process holds the README's address on this machine; the
		// same command on a free port still checks everything else.
		t.Logf("README's address %s is busy here; running `%s --listen 127.0.0.1:0` instead", readmeAddr, strings.Join(args, " "))
		if g = startReadmeServe(t, bin, append(args, "--listen", "127.0.0.1:0")); g == nil {
			t.Fatal("lifeline serve did not start")
		}
	} else if readmeAddr != "" && g.addr != readmeAddr {
		t.Errorf("lifeline serve listens on %s; README.md says %s", g.addr, readmeAddr)
	}
	if !strings.Contains(g.log(), `config="embedded demo"`) {
		t.Errorf("with no config and no keys, serve should run the embedded demo and say so; log:\n%s", g.log())
	}

	for _, c := range curls {
		for _, stream := range []bool{false, true} {
			c := c
			if stream {
				c.body = strings.Replace(c.body, "{", `{"stream":true,`, 1)
			}
			checkReadmeCurl(t, hc, g.addr, c, stream)
		}
	}
	for _, path := range []string{"/v1/models", "/api/status", "/metrics"} {
		resp, err := hc.Get("http://" + g.addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", path, resp.Status)
		}
		if path == "/v1/models" && (!bytes.Contains(b, []byte(`"demo"`)) || !bytes.Contains(b, []byte(`"demo-json"`))) {
			t.Errorf("GET /v1/models does not list the routes demo and demo-json: %s", b)
		}
	}

	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.done:
		if g.err != nil {
			t.Errorf("after SIGTERM: %v (want exit status 0); log:\n%s", g.err, g.log())
		}
	case <-time.After(30 * time.Second):
		g.cmd.Process.Kill()
		t.Fatalf("lifeline serve did not exit within 30s of SIGTERM; log:\n%s", g.log())
	}
}

// readmeFirstCommand returns the arguments of README's first command, which
// must be `go run ./cmd/lifeline ARGS…`, and the address its comment names.
func readmeFirstCommand(t *testing.T, readme string) (args []string, addr string) {
	t.Helper()
	blocks := readmeBlocks(readme)
	if len(blocks) == 0 {
		t.Fatal("README.md has no code block")
	}
	line, _, _ := strings.Cut(blocks[0], "\n")
	cmd, comment, _ := strings.Cut(line, "#")
	f := strings.Fields(cmd)
	if len(f) < 4 || f[0] != "go" || f[1] != "run" || f[2] != "./cmd/lifeline" {
		t.Fatalf("README's first command is %q; want `go run ./cmd/lifeline …`", line)
	}
	addr = regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}:\d+\b`).FindString(comment)
	return f[3:], addr
}

// readmeBlocks returns the contents of README's fenced sh code blocks.
func readmeBlocks(readme string) []string {
	var out []string
	for _, m := range regexp.MustCompile("(?ms)^```(?:sh|bash|shell)\n(.*?)^```").FindAllStringSubmatch(readme, -1) {
		out = append(out, m[1])
	}
	return out
}

// readmeCurl is one curl command of the README.
type readmeCurl struct {
	method, url, body string
	header            http.Header
}

// readmeCurls parses every curl command in README's sh code blocks.
func readmeCurls(t *testing.T, readme string) []readmeCurl {
	t.Helper()
	var out []readmeCurl
	for _, b := range readmeBlocks(readme) {
		text := strings.ReplaceAll(b, "\\\n", " ")
		for _, line := range strings.Split(text, "\n") {
			words, err := shellWords(line)
			if err != nil {
				t.Fatalf("README line %q: %v", line, err)
			}
			if len(words) == 0 || words[0] != "curl" {
				continue
			}
			c := readmeCurl{method: http.MethodGet, header: http.Header{}}
			for i := 1; i < len(words); i++ {
				switch w := words[i]; {
				case (w == "-H" || w == "--header") && i+1 < len(words):
					i++
					k, v, _ := strings.Cut(words[i], ":")
					c.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
				case (w == "-d" || w == "--data" || w == "--data-raw") && i+1 < len(words):
					i++
					c.body, c.method = words[i], http.MethodPost
				case w == "-X" && i+1 < len(words):
					i++
					c.method = words[i]
				case strings.HasPrefix(w, "-"):
					// -s, -i, -si: output options of curl itself.
				default:
					c.url = w
				}
			}
			if c.url == "" {
				t.Fatalf("README curl without a URL: %q", line)
			}
			out = append(out, c)
		}
	}
	return out
}

// shellWords splits a command line the way sh does for plain words and
// single- and double-quoted strings.
func shellWords(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(ch)
		case ch == '\'' || ch == '"':
			quote, in = ch, true
		case ch == ' ' || ch == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteByte(ch)
			in = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if in {
		words = append(words, w.String())
	}
	return words, nil
}

// checkReadmeCurl sends a README request to the gateway at addr and checks the
// answer and lifeline's headers. The demo providers fail on purpose, so a
// request that every target failed (a 5xx from lifeline) is sent again, as
// the README invites, a few times.
func checkReadmeCurl(t *testing.T, hc *http.Client, addr string, c readmeCurl, stream bool) {
	t.Helper()
	u := regexp.MustCompile(`^http://[^/]+`).ReplaceAllString(c.url, "http://"+addr)
	for try := 1; ; try++ {
		req, err := http.NewRequest(c.method, u, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = c.header.Clone()
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, u, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode >= 500 && try < 5 {
			t.Logf("%s %s (stream %v): %s on try %d, as the demo's faults allow; sending it again: %s", c.method, u, stream, resp.Status, try, body)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s (stream %v): %s %s", c.method, u, stream, resp.Status, body)
			return
		}
		if got := h.Get("X-Lifeline-Route"); got != "demo" {
			t.Errorf("%s: X-Lifeline-Route = %q, want demo", u, got)
		}
		if got := h.Get("X-Lifeline-Target"); got != "demo-primary/claude-demo" && got != "demo-backup/gpt-demo" {
			t.Errorf("%s: X-Lifeline-Target = %q, want one of the demo chain's targets", u, got)
		}
		if n, err := strconv.Atoi(h.Get("X-Lifeline-Attempts")); err != nil || n < 1 {
			t.Errorf("%s: X-Lifeline-Attempts = %q, want a count ≥ 1", u, h.Get("X-Lifeline-Attempts"))
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", u)
		}
		if ct := h.Get("Content-Type"); stream != strings.HasPrefix(ct, "text/event-stream") {
			t.Errorf("%s (stream %v): Content-Type %q", u, stream, ct)
		}
		t.Logf("%s (stream %v): %s target %s attempts %s", u, stream, resp.Status, h.Get("X-Lifeline-Target"), h.Get("X-Lifeline-Attempts"))
		return
	}
}

// buildLifeline builds this command into a temporary directory.
func buildLifeline(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "lifeline")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// readmeServer is a running `lifeline serve`.
type readmeServer struct {
	cmd    *exec.Cmd
	addr   string
	done   chan struct{} // closed when the process has exited
	err    error         // how it exited, once done is closed
	mu     sync.Mutex
	logBuf bytes.Buffer
}

func (s *readmeServer) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logBuf.String()
}

var textListeningLine = regexp.MustCompile(`msg="lifeline listening" .*\baddr=(\S+)`)

// startReadmeServe runs bin with args in an empty directory, without provider
// keys in its environment, and waits for its "lifeline listening" log
// line. It returns nil when the process exited because its address was in
// use; any other failure to start fails the test.
func startReadmeServe(t *testing.T, bin string, args []string) *readmeServer {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "ANTHROPIC_API_KEY" && k != "OPENAI_API_KEY" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &readmeServer{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.logBuf.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if m := textListeningLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		<-logDone
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			cmd.Process.Kill()
			<-s.done
		}
	})
	select {
	case s.addr = <-addr:
		return s
	case <-s.done:
		if strings.Contains(s.log(), "address already in use") {
			return nil
		}
		t.Fatalf("lifeline %s exited before listening: %v\n%s", strings.Join(args, " "), s.err, s.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("lifeline %s did not log its listening address within 30s:\n%s", strings.Join(args, " "), s.log())
	}
	return nil
}
