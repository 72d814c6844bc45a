// Package configs_test checks the example configurations: each loads as
// `lifeline serve` and `lifeline check` load it, and each route of each
// serves requests of both dialects through a gateway whose providers are
// mocks.
package configs_test

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/setup"
	"github.com/lifelinehq/lifeline/mock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// exampleConfigs lists every YAML file under examples/.
func exampleConfigs(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found %d example configurations, want at least 3: %v", len(files), files)
	}
	return files
}

// placeholderEnv sets every secret (*_KEY) to a placeholder and leaves
// every other variable unset, so their ${VAR:-default} defaults apply: a
// variable without a default that is not a key would be a configuration
// a newcomer cannot load.
func placeholderEnv(name string) (string, bool) {
	if strings.HasSuffix(name, "_KEY") {
		return "placeholder-" + strings.ToLower(name), true
	}
	return "", false
}

// TestExampleConfigsLoad: every examples/**/*.yaml passes the checks of
// config.Load, which `lifeline serve` and `lifeline check` run.
func TestExampleConfigsLoad(t *testing.T) {
	for _, path := range exampleConfigs(t) {
		t.Run(path, func(t *testing.T) {
			c, err := config.Load(path, placeholderEnv)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.ResolvedRoutes()) == 0 {
				t.Fatal("no routes")
			}
		})
	}
}

// TestExampleConfigsServe points every provider of every example at a mock
// (through the *_BASE_URL variables the examples read) and sends each
// route a request in each dialect: the chain's first target serves it.
func TestExampleConfigsServe(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			m, err := mock.Listen("127.0.0.1:0", mock.Config{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			env := map[string]string{
				"ANTHROPIC_BASE_URL": m.URL, "OPENAI_BASE_URL": m.URL + "/v1", "LOCAL_BASE_URL": m.URL + "/v1",
			}
			lookup := func(name string) (string, bool) {
				if v, ok := env[name]; ok {
					return v, true
				}
				return placeholderEnv(name)
			}
			cfg, err := config.Load(path, lookup)
			if err != nil {
				t.Fatal(err)
			}
			gcfg, err := setup.Gateway(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			tr := http.DefaultTransport.(*http.Transport).Clone()
			defer tr.CloseIdleConnections()
			gcfg.HTTPClient = &http.Client{Transport: tr}
			gw, err := gateway.New(gcfg)
			if err != nil {
				t.Fatal(err)
			}
			defer gw.Close()
			gw.MarkReady()
			clientKey, _ := placeholderEnv("LIFELINE_CLIENT_KEY")
			for _, r := range cfg.ResolvedRoutes() {
				structured := r.Validate.JSON || r.Validate.Schema != nil
				for _, d := range []struct{ path, body string }{
					{"/v1/chat/completions", `{"model":"` + r.Name + `","messages":[{"role":"user","content":"hi"}]`},
					{"/v1/messages", `{"model":"` + r.Name + `","max_tokens":64,"messages":[{"role":"user","content":"hi"}]`},
				} {
					body := d.body
					// A client of a structured route asks for the route's schema.
					if structured && d.path == "/v1/chat/completions" {
						body += `,"response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":` + string(r.Validate.Schema) + `}}`
					} else if structured {
						body += `,"output_config":{"format":{"type":"json_schema","schema":` + string(r.Validate.Schema) + `}}`
					}
					req := httptest.NewRequest(http.MethodPost, d.path, strings.NewReader(body+"}"))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+clientKey)
					rec := httptest.NewRecorder()
					gw.ServeHTTP(rec, req)
					want := r.Targets[0].Provider + "/" + r.Targets[0].Model
					if rec.Code != http.StatusOK || rec.Header().Get("X-Lifeline-Target") != want {
						t.Errorf("route %s %s: %d, served by %q (want %q): %s", r.Name, d.path, rec.Code,
							rec.Header().Get("X-Lifeline-Target"), want, rec.Body.String())
					}
				}
			}
		})
	}
}

// The example configurations are the ones the docs point at.
func TestDocsLinkEveryExampleConfig(t *testing.T) {
	doc, err := os.ReadFile("../../docs/README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.yaml")
	for _, f := range files {
		if !strings.Contains(string(doc), "examples/configs/"+f) {
			t.Errorf("docs/README.md does not link examples/configs/%s", f)
		}
	}
}

// serveCommand finds the `lifeline serve --config PATH` command in a
// configuration's header comment.
var serveCommand = regexp.MustCompile(`(?m)^#\s+lifeline serve --config (\S+)\s*$`)

// TestHeaderCommandsFromRepoRoot: each configuration's header says how to
// serve it, from the repository root of a fresh clone; that command names
// the file itself and loads from there, files it refers to (a JSON Schema)
// included.
func TestHeaderCommandsFromRepoRoot(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	commands := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := serveCommand.FindSubmatch(b)
		if m == nil {
			t.Errorf("%s: no `lifeline serve --config …` command in its header", f)
			continue
		}
		if want := "examples/configs/" + f; string(m[1]) != want {
			t.Errorf("%s: its header serves %s, want %s", f, m[1], want)
		}
		commands[f] = string(m[1])
	}
	t.Chdir("../..")
	for f, path := range commands {
		if _, err := config.Load(path, placeholderEnv); err != nil {
			t.Errorf("%s: `lifeline serve --config %s` from the repository root: %v", f, path, err)
		}
	}
}
