package config

import (
	"runtime"
	"strings"
	"testing"
)

// A ${VAR} whose value is a credential, written by mistake where a key is
// not expected, is named by its variable in the error, never quoted: a
// variable named like a credential (…_API_KEY, …TOKEN) or one the file
// uses as a credential elsewhere.
func TestMisplacedSecretIsNamedNotQuoted(t *testing.T) {
	const key = `sk-LEAK+key/0123="&<>4567`
	env := func(name string) (string, bool) {
		switch name {
		case "OPENAI_API_KEY", "PK":
			return key, true
		case "PORT":
			return "80x", true
		}
		return "", false
	}
	for name, tc := range map[string]struct{ yaml, ref string }{
		"base_url":  {`{name: oa, kind: openai, base_url: "${OPENAI_API_KEY}"}`, "${OPENAI_API_KEY}"},
		"kind":      {`{name: oa, kind: "${OPENAI_API_KEY}"}`, "${OPENAI_API_KEY}"},
		"header":    {`{name: oa, kind: openai, headers: {"${OPENAI_API_KEY}": v}}`, "${OPENAI_API_KEY}"},
		"used too":  {`{name: oa, kind: "${PK}", api_key: "${PK}"}`, "${PK}"},
		"in a list": {`{name: oa, kind: openai, api_key: "${PK}", base_url: "${PK}"}`, "${PK}"},
	} {
		t.Run(name, func(t *testing.T) {
			src := "providers:\n  - " + tc.yaml + "\nroutes: [{name: r, chain: [{provider: oa, model: m}]}]\n"
			_, err := Parse("c.yaml", []byte(src), ".", env)
			if err == nil {
				t.Fatal("the config was accepted")
			}
			msg := err.Error()
			for _, part := range []string{key, "LEAK", `sk-LEAK+key\/0123`} {
				if strings.Contains(msg, part) {
					t.Fatalf("the error quotes the key: %s", msg)
				}
			}
			if !strings.Contains(msg, tc.ref) {
				t.Errorf("the error does not name %s: %s", tc.ref, msg)
			}
		})
	}
	// Where else a key may land by mistake.
	for name, src := range map[string]string{
		"listen":   "listen: \"${OPENAI_API_KEY}\"\n",
		"duration": "defaults: {timeouts: {attempt: \"${OPENAI_API_KEY}\"}}\n",
		"redis":    "state: {backend: redis, redis_url: \"${OPENAI_API_KEY}\"}\n",
		"route":    "keys: [{key: x, routes: [\"${OPENAI_API_KEY}\"]}]\n",
		"provider": "routes: [{name: r2, chain: [{provider: \"${OPENAI_API_KEY}\", model: m}]}]\n",
		"schema":   "routes: [{name: r3, chain: [{provider: oa, model: m}], validate: {json_schema: \"${OPENAI_API_KEY}\"}}]\n",
		"regex":    "routes: [{name: r4, chain: [{provider: oa, model: m}], validate: {checks: [{regex: \"${OPENAI_API_KEY}(\"}]}}]\n",
	} {
		t.Run(name, func(t *testing.T) {
			full := src + "providers: [{name: oa, kind: openai}]\n"
			if !strings.Contains(src, "routes:") {
				full += "routes: [{name: r, chain: [{provider: oa, model: m}]}]\n"
			}
			_, err := Parse("c.yaml", []byte(full), ".", env)
			if err == nil {
				t.Fatal("the config was accepted")
			}
			if msg := err.Error(); strings.Contains(msg, "LEAK") || !strings.Contains(msg, "${OPENAI_API_KEY}") {
				t.Errorf("want the variable named, not its value: %s", msg)
			}
		})
	}
	// A value that is no credential is still quoted, so the mistake shows.
	_, err := Parse("c.yaml", []byte("listen: \"127.0.0.1:${PORT}\"\nproviders: [{name: oa, kind: openai}]\nroutes: [{name: r, chain: [{provider: oa, model: m}]}]\n"), ".", env)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:80x") {
		t.Errorf("the bad listen address is not quoted: %v", err)
	}
}

// Hiding a credential costs what its length does, not its square: a long
// token (a JWT, a signed URL's signature) is no slower to load, and when a
// message quotes its start cut short, that start is still hidden.
func TestLongSecretIsHiddenAtLinearCost(t *testing.T) {
	key := "sk-" + strings.Repeat("LEAK0123456789ab", 1024) // 16 KiB
	cut := key[:len(key)/2] + "/" + key[len(key)/2:]        // the redis URL's host is cut at its /
	env := func(name string) (string, bool) {
		switch name {
		case "AUTH_TOKEN":
			return key, true
		case "REDIS_TOKEN":
			return cut, true
		}
		return "", false
	}
	valid := "providers: [{name: oa, kind: openai, api_key: \"${AUTH_TOKEN}\"}]\nroutes: [{name: r, chain: [{provider: oa, model: m}]}]\n"
	invalid := "state: {backend: redis, redis_url: \"${REDIS_TOKEN}\"}\n" + valid
	for name, src := range map[string]string{"valid": valid, "invalid": invalid} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Parse("c.yaml", []byte(src), ".", env)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("%s: Parse allocated %d MiB for a 16 KiB credential", name, alloc>>20)
		}
		if name == "valid" {
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err == nil {
			t.Fatal("an invalid redis_url was accepted")
		}
		if msg := err.Error(); strings.Contains(msg, "LEAK") || !strings.Contains(msg, "${REDIS_TOKEN}") {
			t.Errorf("want the variable named, not its value: %.300s", msg)
		}
	}
}

// A variable the file uses as Redis's password is a credential wherever
// else it lands, whatever its name.
func TestRedisPasswordIsNamedNotQuoted(t *testing.T) {
	env := func(name string) (string, bool) {
		if name == "REDIS_PW" {
			return "LEAK-redis-0123", true
		}
		return "", false
	}
	src := "listen: \"${REDIS_PW}\"\nstate: {backend: redis, redis_url: \"redis://:${REDIS_PW}@127.0.0.1:6379\"}\n" +
		"providers: [{name: oa, kind: openai}]\nroutes: [{name: r, chain: [{provider: oa, model: m}]}]\n"
	_, err := Parse("c.yaml", []byte(src), ".", env)
	if err == nil {
		t.Fatal("the config was accepted")
	}
	if msg := err.Error(); strings.Contains(msg, "LEAK") || !strings.Contains(msg, "${REDIS_PW}") {
		t.Errorf("want the variable named, not its value: %s", msg)
	}
}
