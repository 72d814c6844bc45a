package config

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary files to Parse: it must not panic, and every
// problem it reports is one line that names the file.
func FuzzParse(f *testing.F) {
	spec, err := os.ReadFile("testdata/lifeline.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(spec), minimal, base + "    actions: {rejected: retry}\n", "a: &x [*x]\n", "<<: *y\n", "routes: [{<<: [{name: a}]}]\n"} {
		f.Add(s)
	}
	env := testEnv("LIFELINE_CLIENT_KEY", "k", "ANTHROPIC_API_KEY", "a", "OPENAI_API_KEY", "o")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse("f.yaml", []byte(in), "testdata", env)
		if err != nil {
			for _, e := range Errors(err) {
				if e.File != "f.yaml" || strings.ContainsAny(e.Error(), "\r\n") {
					t.Errorf("bad error %q", e.Error())
				}
			}
			return
		}
		var b strings.Builder
		if err := c.Describe(&b); err != nil {
			t.Fatal(err)
		}
		_ = c.ResolvedRoutes()
	})
}

func TestAliasExpansionIsBounded(t *testing.T) {
	src := `x-a: &a [1,1,1,1,1,1,1,1,1,1]
x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
x-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
x-f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
x-g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
x-h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
` + base + "    validate: {json_schema: {x: *h}}\n"
	_, err := Parse("f.yaml", []byte(src), "", nil)
	errs := Errors(err)
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "f.yaml:15: routes[0].validate.json_schema.x[") ||
		!strings.HasSuffix(errs[0].Error(), ": the file expands to more than 100000 values; fix: use fewer nested aliases") {
		t.Errorf("error: %v", err)
	}
}
