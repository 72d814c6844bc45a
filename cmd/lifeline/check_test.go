package main_test

import (
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		out, errOut, code := lifeline(t, arg)
		if code != 0 || !strings.HasPrefix(out, "lifeline ") || strings.TrimSpace(strings.TrimPrefix(out, "lifeline ")) == "" || errOut != "" {
			t.Fatalf("%s: exit %d stdout %q stderr %q", arg, code, out, errOut)
		}
	}
}

func TestCheckPrintsTheResolvedRoutes(t *testing.T) {
	path := writeConfig(t, config("http://127.0.0.1:9", "http://127.0.0.1:9", "shutdown_grace: 10s\n"))
	out, errOut, code := lifeline(t, "check", "--config", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"routes:", "  chat:", "chain: up-openai/gpt-test -> up-anthropic/claude-test",
		"retry: max_attempts=2 base=1ms cap=2ms jitter=none", "timeouts: attempt=10s first_token=10s idle=10s total=20s",
		"up-openai: kind=openai", "api_key: set", "keys: 1 client key(s)", "shutdown_grace: 10s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	noSecrets(t, "check output", out+errOut)
}

func TestCheckNamesFileKeyAndFix(t *testing.T) {
	good := config("http://127.0.0.1:9", "http://127.0.0.1:9", "")
	for _, tc := range []struct {
		name string
		text string
		want []string
	}{
		{"unknown provider", strings.Replace(good, "provider: up-anthropic", "provider: up-anthropc", 1),
			[]string{"routes[0].chain[1].provider", `unknown provider "up-anthropc"`, "fix:", "up-anthropic"}},
		{"unknown key", strings.Replace(good, "  retry:", "  retyr:", 1),
			[]string{"defaults.retyr", "fix:", `"retry"`}},
		{"missing variable", strings.Replace(good, "${TEST_OPENAI_KEY}", "${TEST_UNSET_VARIABLE}", 1),
			[]string{"TEST_UNSET_VARIABLE", "is not set", "fix:"}},
		{"bad duration", strings.Replace(good, "total: 20s", "total: soon", 1),
			[]string{"defaults.timeouts.total", "fix:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.text)
			out, errOut, code := lifeline(t, "check", "--config", path)
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s%s", code, out, errOut)
			}
			if !strings.Contains(errOut, path+":") {
				t.Errorf("the message does not name the file %s:\n%s", path, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("the message lacks %q:\n%s", w, errOut)
				}
			}
			noSecrets(t, "check output", out+errOut)
		})
	}
	_, errOut, code := lifeline(t, "check", "--config", "/nonexistent/lifeline.yaml")
	if code != 1 || !strings.Contains(errOut, "/nonexistent/lifeline.yaml") || !strings.Contains(errOut, "fix:") {
		t.Fatalf("missing file: exit %d: %s", code, errOut)
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	_, errOut, code := lifeline(t, "serv")
	if code != 2 || !strings.Contains(errOut, "unknown command") || !strings.Contains(errOut, "lifeline serve") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestBadFlagIsAUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--bogus"},
		{"serve", "--listen"},
		{"check", "--config"},
		{"check", "--conifg", "lifeline.yaml"},
	} {
		_, errOut, code := lifeline(t, args...)
		if code != 2 || !strings.Contains(errOut, "Usage of lifeline "+args[0]) {
			t.Errorf("%v: exit %d, want 2 with the usage: %s", args, code, errOut)
		}
	}
	// The flag package's own message is printed once, never again by main.
	for _, args := range [][]string{{"serve", "--bogus"}, {"check", "--bogus"}, {"mock", "--bogus"}, {"demo", "--bogus"}} {
		_, errOut, code := lifeline(t, args...)
		if n := strings.Count(errOut, "flag provided but not defined: -bogus"); code != 2 || n != 1 {
			t.Errorf("%v: exit %d, the flag's error printed %d times, want exit 2 and once: %s", args, code, n, errOut)
		}
	}
	for _, args := range [][]string{{"mock", "extra"}, {"mock", "--faults", "bogus=1"}, {"mock", "--hint", "bogus"},
		{"demo", "extra"}, {"demo", "--duration", "0s"}} {
		_, errOut, code := lifeline(t, args...)
		if code != 2 || !strings.HasPrefix(errOut, "lifeline: ") {
			t.Errorf("%v: exit %d, want 2 with the mistake: %s", args, code, errOut)
		}
	}
	for _, args := range [][]string{{"version", "--bogus"}, {"help", "extra"}} {
		_, errOut, code := lifeline(t, args...)
		if code != 2 || !strings.Contains(errOut, args[0]+" takes no arguments") || !strings.Contains(errOut, "lifeline serve") {
			t.Errorf("%v: exit %d, want 2 with the usage: %s", args, code, errOut)
		}
	}
}

// Mistakes in the command line are named as such, not as problems of a
// file the user did not write.
func TestCommandLineMistakesNameTheFlag(t *testing.T) {
	_, errOut, code := lifeline(t, "check") // in an empty folder
	if code != 1 || !strings.Contains(errOut, "no configuration file in this folder") || !strings.Contains(errOut, "--config") {
		t.Errorf("check without a file: exit %d: %s", code, errOut)
	}
	_, errOut, code = lifeline(t, "serve", "--listen", "abc")
	if code != 2 || !strings.Contains(errOut, "--listen") || strings.Contains(errOut, "demo") {
		t.Errorf("serve --listen abc: exit %d: %s", code, errOut)
	}
}

// An empty --config (a script's "--config $CONFIG" with CONFIG unset) is a
// mistake: serve must not fall back to the provider keys or the demo, whose
// mock providers would answer real traffic.
func TestEmptyConfigFlagIsAUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--config", "", "--listen", "127.0.0.1:0"},
		{"serve", "--config=", "--listen", "127.0.0.1:0"},
		{"check", "--config", ""},
	} {
		_, errOut, code := lifeline(t, args...)
		if code != 2 || !strings.Contains(errOut, "--config") || !strings.Contains(errOut, "fix:") {
			t.Errorf("%q: exit %d, want 2 naming --config: %s", args, code, errOut)
		}
	}
}
