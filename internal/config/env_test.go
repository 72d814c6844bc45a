package config

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExpand(t *testing.T) {
	env := testEnv("KEY", "sk-1", "EMPTY", "", "HASH", "a#b")
	for _, tc := range []struct {
		name, in, want string
	}{
		{"present", `api_key: "${KEY}"`, `api_key: "sk-1"`},
		{"plain scalar", `api_key: ${KEY}`, `api_key: sk-1`},
		{"several on one line", `x: ${KEY}-${KEY}`, `x: sk-1-sk-1`},
		{"default when unset", `x: ${NOPE:-fallback}`, `x: fallback`},
		{"default when empty", `x: ${EMPTY:-fallback}`, `x: fallback`},
		{"empty allowed by an empty default", `x: "${EMPTY:-}"`, `x: ""`},
		{"empty default", `x: "${NOPE:-}"`, `x: ""`},
		{"present wins over default", `x: ${KEY:-other}`, `x: sk-1`},
		{"escaped", `x: "$${KEY}"`, `x: "${KEY}"`},
		{"lone dollar", `x: "$5 and $KEY"`, `x: "$5 and $KEY"`},
		{"whole-line comment", "# set ${NOPE} first\nx: 1", "# set ${NOPE} first\nx: 1"},
		{"trailing comment", "x: ${KEY} # or ${NOPE}", "x: sk-1 # or ${NOPE}"},
		{"hash inside double quotes", `x: "a #${KEY}" # ${NOPE}`, `x: "a #sk-1" # ${NOPE}`},
		{"hash inside single quotes", `x: 'it''s #${KEY}' # ${NOPE}`, `x: 'it''s #sk-1' # ${NOPE}`},
		{"apostrophe in plain scalar", `x: rock 'n roll # ${NOPE}`, `x: rock 'n roll # ${NOPE}`},
		{"hash without space", `x: a#${KEY}`, `x: a#sk-1`},
		{"quote spanning lines", "x: \"a\n  # ${KEY}\"\n# ${NOPE}", "x: \"a\n  # sk-1\"\n# ${NOPE}"},
		{"block scalar", "x: |\n  # ${KEY}\n  b\n# ${NOPE}\ny: 1", "x: |\n  # sk-1\n  b\n# ${NOPE}\ny: 1"},
		{"block scalar with comment", "- >- # ${NOPE}\n  # ${KEY}\nz: 1", "- >- # ${NOPE}\n  # sk-1\nz: 1"},
		{"value holding a hash", `x: "${HASH}"`, `x: "a#b"`},
		{"flow mapping", `state: {backend: redis, redis_url: "${KEY}"}`, `state: {backend: redis, redis_url: "sk-1"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := expand("f.yaml", []byte(tc.in), env)
			if len(x.errs) > 0 {
				t.Fatalf("errors: %v", x.errs)
			}
			if string(x.text) != tc.want {
				t.Errorf("expand(%q)\n got %q\nwant %q", tc.in, x.text, tc.want)
			}
		})
	}
}

func TestExpandErrors(t *testing.T) {
	env := testEnv("NL", "a\nb", "EMPTY", "")
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"missing", "a: 1\nb: ${OPENAI_API_KEY}\n", []string{
			"f.yaml:2: environment variable OPENAI_API_KEY is not set (${OPENAI_API_KEY}); fix: set OPENAI_API_KEY, or give a default: ${OPENAI_API_KEY:-value}"}},
		{"every missing one", "a: ${A}\nb: ${B}\n", []string{
			"f.yaml:1: environment variable A is not set (${A}); fix: set A, or give a default: ${A:-value}",
			"f.yaml:2: environment variable B is not set (${B}); fix: set B, or give a default: ${B:-value}"}},
		{"set but empty", "a: 1\nb: \"${EMPTY}\"\n", []string{
			"f.yaml:2: environment variable EMPTY is set but empty (${EMPTY}); fix: set EMPTY to a value, or write ${EMPTY:-} where an empty value is meant"}},
		{"invalid name", "a: ${1X}\n", []string{
			"f.yaml:1: invalid variable reference ${1X}; fix: use ${NAME} or ${NAME:-default} with NAME of letters, digits and _, or $${ for a literal ${"}},
		{"unterminated", "a: b\nc: ${KEY\n", []string{
			`f.yaml:2: unterminated "${KEY"; fix: close it with }, or write $${ for a literal ${`}},
		{"line break in value", "a: ${NL}\n", []string{
			"f.yaml:1: the value of NL contains a line break; fix: remove the line break; ${VAR} values must fit on one line"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := expand("f.yaml", []byte(tc.in), env)
			if len(x.errs) != len(tc.want) {
				t.Fatalf("errors %v, want %q", x.errs, tc.want)
			}
			for i, e := range x.errs {
				if e.Error() != tc.want[i] {
					t.Errorf("error %d:\n got %s\nwant %s", i, e, tc.want[i])
				}
			}
		})
	}
}

func TestParseSubstitutesEnvironment(t *testing.T) {
	src := `# ${DOCUMENTED_ONLY} is not needed: comments are left alone
listen: "${HOST:-127.0.0.1}:${PORT:-9090}"
providers:
  - {name: openai, kind: openai, api_key: "${OPENAI_API_KEY}"}
routes:
  - {name: fast, chain: [{provider: openai, model: "${MODEL:-gpt-4.1}"}]}
`
	c, err := Parse("lifeline.yaml", []byte(src), "", testEnv("OPENAI_API_KEY", "sk-live", "PORT", "7000"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:7000" || c.Providers[0].APIKey.Reveal() != "sk-live" || c.Routes[0].Chain[0].Model != "gpt-4.1" {
		t.Errorf("got listen %q, key set %v, model %q", c.Listen, c.Providers[0].APIKey.IsSet(), c.Routes[0].Chain[0].Model)
	}
	_, err = Parse("lifeline.yaml", []byte(src), "", nil)
	want := "lifeline.yaml:4: providers[0].api_key: environment variable OPENAI_API_KEY is not set (${OPENAI_API_KEY}); fix: set OPENAI_API_KEY, or give a default: ${OPENAI_API_KEY:-value}"
	if err == nil || err.Error() != want {
		t.Errorf("missing variable: %v\nwant %s", err, want)
	}
}

// A variable that cannot be substituted is reported with the key it stands
// in, block style or flow style, as every other problem is: the file, the
// line, the key and the fix.
func TestParseNamesTheKeyOfAMissingVariable(t *testing.T) {
	src := `listen: "${HOST}:8080"
providers:
  - name: openai
    kind: openai
    api_key: ${OPENAI_API_KEY}
routes:
  - {name: fast, chain: [{provider: openai, model: "${MODEL}"}]}
keys:
  - {key: "${EMPTY}", routes: ["*"]}
`
	_, err := Parse("lifeline.yaml", []byte(src), "", testEnv("EMPTY", ""))
	want := []string{
		"lifeline.yaml:1: listen: environment variable HOST is not set (${HOST}); fix: set HOST, or give a default: ${HOST:-value}",
		"lifeline.yaml:5: providers[0].api_key: environment variable OPENAI_API_KEY is not set (${OPENAI_API_KEY}); fix: set OPENAI_API_KEY, or give a default: ${OPENAI_API_KEY:-value}",
		"lifeline.yaml:7: routes[0].chain[0].model: environment variable MODEL is not set (${MODEL}); fix: set MODEL, or give a default: ${MODEL:-value}",
		"lifeline.yaml:9: keys[0].key: environment variable EMPTY is set but empty (${EMPTY}); fix: set EMPTY to a value, or write ${EMPTY:-} where an empty value is meant",
	}
	got := Errors(err)
	if len(got) != len(want) {
		t.Fatalf("errors:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	for i, e := range got {
		if e.Error() != want[i] {
			t.Errorf("error %d:\n got %s\nwant %s", i, e, want[i])
		}
	}
}

// A variable's value reads back exactly whatever quotes it stands in:
// YAML escapes in double quotes and doubled apostrophes in single ones are
// the file's, never the value's.
func TestParseKeepsValuesVerbatimInQuotes(t *testing.T) {
	const key = `sk-a\tb"c'd\`
	for _, quoted := range []string{`"${KEY}"`, `'${KEY}'`, `"x${KEY}"`, `'it''s ${KEY}'`} {
		t.Run(quoted, func(t *testing.T) {
			src := "providers:\n  - {name: openai, kind: openai, api_key: " + quoted + "}\n" +
				"routes:\n  - {name: fast, chain: [{provider: openai, model: m}]}\n"
			c, err := Parse("lifeline.yaml", []byte(src), "", testEnv("KEY", key))
			if err != nil {
				t.Fatal(err)
			}
			prefix := map[string]string{`"x${KEY}"`: "x", `'it''s ${KEY}'`: "it's "}[quoted]
			if got := c.Providers[0].APIKey.Reveal(); got != prefix+key {
				t.Fatalf("api_key = %q, want %q", got, prefix+key)
			}
		})
	}
}

func TestSyntaxErrorDoesNotEchoSubstitutedSecret(t *testing.T) {
	// The YAML parser quotes a duplicate key in its message.
	src := base + "    ${SECRET}: 1\n    ${SECRET}: 2\n"
	_, err := Parse("lifeline.yaml", []byte(src), "", testEnv("SECRET", "sk-leaky-value"))
	want := `lifeline.yaml:8: invalid YAML: mapping key "[REDACTED]" already defined at [7:5]; fix: check the indentation and quoting on this line`
	if err == nil || err.Error() != want {
		t.Errorf("error: %v\nwant %s", err, want)
	}
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{
		"a: ${X}", "# ${Y}\nb: '${X}' # ${Z}", "c: |\n  ${X}\nd: $${X}", "e: ${X:-d}", "f: ${", "g: \"#${X}\\\"\"",
	} {
		f.Add(s)
	}
	env := testEnv("X", "value")
	f.Fuzz(func(t *testing.T, in string) {
		x := expand("f.yaml", []byte(in), env)
		if !strings.Contains(in, "${") && len(x.errs) == 0 && string(x.text) != in {
			t.Errorf("text without ${ changed: %q -> %q", in, x.text)
		}
		if strings.Count(string(x.text), "\n") != strings.Count(in, "\n") {
			t.Errorf("line count changed: %q -> %q", in, x.text)
		}
		for _, e := range x.errs {
			if e.Line < 1 || strings.Contains(e.Error(), "\n") {
				t.Errorf("bad error %q", e)
			}
		}
	})
}

// An api_key or base_url whose variable is set but empty (a container
// started with OPENAI_API_KEY= , a secret that was not mounted) stops the
// load: it would otherwise send no key, or send the key to the kind's
// default host.
func TestParseRefusesSetButEmptyVariable(t *testing.T) {
	src := `providers:
  - {name: groq, kind: openai, base_url: "${GROQ_BASE_URL}", api_key: "${GROQ_API_KEY}"}
routes:
  - {name: fast, chain: [{provider: groq, model: llama}]}
`
	_, err := Parse("lifeline.yaml", []byte(src), "", testEnv("GROQ_BASE_URL", "", "GROQ_API_KEY", ""))
	got := Errors(err)
	if len(got) != 2 {
		t.Fatalf("errors %v, want two", err)
	}
	for i, name := range []string{"GROQ_BASE_URL", "GROQ_API_KEY"} {
		key := []string{"base_url", "api_key"}[i]
		want := "lifeline.yaml:2: providers[0]." + key + ": environment variable " + name + " is set but empty (${" + name + "}); fix: set " + name +
			" to a value, or write ${" + name + ":-} where an empty value is meant"
		if got[i].Error() != want {
			t.Errorf("error %d:\n got %s\nwant %s", i, got[i], want)
		}
	}
	c, err := Parse("lifeline.yaml", []byte(strings.ReplaceAll(src, "_KEY}", "_KEY:-}")), "",
		testEnv("GROQ_BASE_URL", "https://api.groq.com/openai/v1", "GROQ_API_KEY", ""))
	if err != nil {
		t.Fatal(err)
	}
	if c.Providers[0].APIKey.IsSet() {
		t.Error("api_key is set, want empty")
	}
}

func TestAliasErrorDoesNotEchoSubstitutedSecret(t *testing.T) {
	// An unquoted value that starts with '*' reads as an alias.
	src := "keys:\n  - {key: ${CLIENT_KEY}}\n" + minimal
	_, err := Parse("lifeline.yaml", []byte(src), "", testEnv("CLIENT_KEY", "*s3cret-client-key"))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error: %v\nwant one that does not quote the key", err)
	}
}

// An unquoted ${VAR} whose value YAML would read as something other than
// text (a tag, an anchor, a comment) stops the load instead of leaving
// the setting empty, and the message does not quote the value.
func TestUnquotedValueThatYAMLWouldNotReadAsTextIsRefused(t *testing.T) {
	styles := map[string]string{
		"flow": "providers:\n  - {name: p, kind: openai, base_url: http://127.0.0.1:1/v1, api_key: ${K}}\n" +
			"routes:\n  - {name: r, chain: [{provider: p, model: m}]}\n",
		"block": "providers:\n  - name: p\n    kind: openai\n    base_url: http://127.0.0.1:1/v1\n    api_key: ${K}\n" +
			"routes:\n  - {name: r, chain: [{provider: p, model: m}]}\n",
	}
	for _, v := range []string{"!s3cret-key", "&s3cret-key", "#s3cret-key", "abc #s3cret", "abc: s3cret", "s3cret,x"} {
		for style, src := range styles {
			if style == "block" && v == "s3cret,x" {
				continue // text outside a flow collection
			}
			t.Run(style+"/"+v, func(t *testing.T) {
				c, err := Parse("lifeline.yaml", []byte(src), "", testEnv("K", v))
				if err == nil {
					t.Fatalf("loaded with api_key set: %v, want an error that says to quote the reference", c.Providers[0].APIKey.IsSet())
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %v quotes the value", err)
				}
				if !strings.Contains(err.Error(), `"${VAR}"`) && !strings.Contains(err.Error(), `"${K}"`) {
					t.Errorf("error %v does not say to quote the reference", err)
				}
				// Quoted, the same value is the key.
				quoted := strings.Replace(src, "api_key: ${K}", `api_key: "${K}"`, 1)
				if c, err := Parse("lifeline.yaml", []byte(quoted), "", testEnv("K", v)); err != nil || c.Providers[0].APIKey.Reveal() != v {
					t.Errorf("quoted: %v", err)
				}
			})
		}
	}
	// Such characters inside a scalar are text: no error.
	src := "providers:\n  - {name: p, kind: openai, base_url: http://127.0.0.1:1/v1, api_key: sk-${K}}\n" +
		"routes:\n  - {name: r, chain: [{provider: p, model: m}]}\n"
	if c, err := Parse("lifeline.yaml", []byte(src), "", testEnv("K", "a!b&c#d")); err != nil || c.Providers[0].APIKey.Reveal() != "sk-a!b&c#d" {
		t.Errorf("a value inside a scalar: %v", err)
	}
}

// Outside a flow collection, ',', '[', ']', '{' and '}' inside an unquoted
// value are text (a Redis cluster URL lists its nodes with commas), and a
// block scalar takes any text: neither is refused.
func TestUnquotedValueInBlockContextKeepsFlowPunctuation(t *testing.T) {
	src := "providers:\n  - name: p\n    kind: openai\n    base_url: http://127.0.0.1:1/v1\n    api_key: ${K}\n" +
		"    headers:\n      X-Note: >-\n        ${NOTE}\n" +
		"routes:\n  - {name: r, chain: [{provider: p, model: m}]}\n" +
		"state:\n  backend: redis\n  redis_url: ${REDIS_URL}\n"
	const urls = "redis+cluster://10.0.0.1:6379,10.0.0.2:6379"
	c, err := Parse("lifeline.yaml", []byte(src), "", testEnv("K", "sk-a,b[c]{d}", "NOTE", "a: b #c", "REDIS_URL", urls))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Providers[0].APIKey.Reveal(); got != "sk-a,b[c]{d}" {
		t.Errorf("api_key %q", got)
	}
	if got := c.Providers[0].Headers["X-Note"]; got != "a: b #c" {
		t.Errorf("header %q", got)
	}
	if c.State.RedisURL != urls {
		t.Errorf("redis_url %q", c.State.RedisURL)
	}
	// At the start of the value, '[' or '{' would open a flow collection.
	for _, v := range []string{"[s3cret", "{s3cret"} {
		if _, err := Parse("lifeline.yaml", []byte(src), "", testEnv("K", v, "NOTE", "n", "REDIS_URL", urls)); err == nil {
			t.Errorf("api_key %q unquoted loaded", v)
		}
	}
}

// Whatever the value of a ${VAR}, quoted or not, in block or flow style,
// alone or inside a longer scalar: the file either loads with exactly that
// value or is refused. It never loads with another value.
func FuzzValueReadsBackOrIsRefused(f *testing.F) {
	for _, s := range []string{"sk-abc", "!abc", "&a", "*a", "#a", "a #b", "a: b", "a,b", "[a]", "{a}", "a'b", `a"b`, `a\b`, " a", "a ", "|", ">", "-", "- a", "? a", "%a", "@a", "`a", "a:", "a\tb", "~", "null"} {
		f.Add(s)
	}
	routes := "routes:\n  - {name: r, chain: [{provider: p, model: m}]}\n"
	contexts := []struct{ yaml, prefix string }{
		{"providers:\n  - name: p\n    kind: openai\n    api_key: ${X}\n", ""},
		{"providers:\n  - name: p\n    kind: openai\n    api_key: sk-${X}\n", "sk-"},
		{"providers:\n  - name: p\n    kind: openai\n    api_key: \"${X}\"\n", ""},
		{"providers:\n  - name: p\n    kind: openai\n    api_key: '${X}'\n", ""},
		{"providers:\n  - {name: p, kind: openai, api_key: ${X}}\n", ""},
		{"providers:\n  - {name: p, kind: openai, api_key: sk-${X}}\n", "sk-"},
		{"providers:\n  - {name: p, kind: openai, api_key: \"${X}\"}\n", ""},
		{"providers: [{name: p, kind: openai, api_key: ${X}}]\n", ""},
	}
	f.Fuzz(func(t *testing.T, v string) {
		if v == "" || strings.ContainsAny(v, "\r\n") || !utf8.ValidString(v) {
			return // refused or meant to be empty: tested elsewhere
		}
		for _, c := range contexts {
			cfg, err := Parse("lifeline.yaml", []byte(c.yaml+routes), "", testEnv("X", v))
			if err != nil {
				continue
			}
			if got := cfg.Providers[0].APIKey.Reveal(); got != c.prefix+v {
				t.Errorf("%q with X=%q loaded api_key %q, want %q or a refusal", c.yaml, v, got, c.prefix+v)
			}
		}
	})
}

// The key path of a missing variable counts the items of a list: the
// second provider's key is providers[1].api_key, not the first's.
func TestParseNamesTheItemOfAMissingVariable(t *testing.T) {
	src := `providers:
  - {name: a, kind: openai, api_key: set}
  - name: b
    kind: anthropic
    api_key: ${B_KEY}
routes:
  - {name: r, chain: [{provider: a, model: m}, {provider: b, model: "${B_MODEL}"}]}
`
	_, err := Parse("lifeline.yaml", []byte(src), "", testEnv())
	got := Errors(err)
	if len(got) != 2 {
		t.Fatalf("errors: %v; want two", err)
	}
	for i, want := range []string{"lifeline.yaml:5: providers[1].api_key: ", "lifeline.yaml:7: routes[0].chain[1].model: "} {
		if !strings.HasPrefix(got[i].Error(), want) {
			t.Errorf("error %d: %s; want it to start %q", i, got[i], want)
		}
	}
}
