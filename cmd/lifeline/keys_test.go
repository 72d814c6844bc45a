package main

import (
	"fmt"
	"strings"
	"testing"
)

// chains renders a configuration's routes as "name: provider/model, …".
func chains(t *testing.T, env map[string]string) (routes []string, baseURLs map[string]string) {
	t.Helper()
	cfg, ok, err := keysConfig(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil, nil
	}
	baseURLs = map[string]string{}
	for _, p := range cfg.Providers {
		baseURLs[p.Name] = p.BaseURL
	}
	for _, r := range cfg.Routes {
		var links []string
		for _, l := range r.Chain {
			links = append(links, l.Provider+"/"+l.Model)
		}
		routes = append(routes, r.Name+": "+strings.Join(links, ", "))
	}
	return routes, baseURLs
}

// With provider keys and no file, serve builds a route "default" over every
// provider with a key, and one route per model that starts with it.
func TestKeysConfigChains(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o"},
			"[default: anthropic/claude-sonnet-4-5, openai/gpt-4.1 " +
				"claude-sonnet-4-5: anthropic/claude-sonnet-4-5, openai/gpt-4.1 " +
				"gpt-4.1: openai/gpt-4.1, anthropic/claude-sonnet-4-5]"},
		{map[string]string{"OPENAI_API_KEY": "o"}, "[default: openai/gpt-4.1 gpt-4.1: openai/gpt-4.1]"},
		{map[string]string{"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": ""},
			"[default: anthropic/claude-sonnet-4-5 claude-sonnet-4-5: anthropic/claude-sonnet-4-5]"},
		{map[string]string{"ANTHROPIC_API_KEY": ""}, "[]"},
	}
	for _, c := range cases {
		routes, _ := chains(t, c.env)
		if got := fmt.Sprint(routes); got != c.want {
			t.Errorf("env %v:\n got %s\nwant %s", c.env, got, c.want)
		}
	}
}

// The default chain honours ANTHROPIC_BASE_URL and OPENAI_BASE_URL, as the
// official SDKs do; unset or empty, the providers' own APIs are used.
func TestKeysConfigBaseURLs(t *testing.T) {
	keys := map[string]string{"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o"}
	with := func(extra map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range keys {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	cases := []struct {
		env                   map[string]string
		anthropic, openaiBase string
	}{
		{with(nil), "https://api.anthropic.com", "https://api.openai.com/v1"},
		{with(map[string]string{"ANTHROPIC_BASE_URL": "http://127.0.0.1:9001", "OPENAI_BASE_URL": "http://127.0.0.1:9002/v1"}),
			"http://127.0.0.1:9001", "http://127.0.0.1:9002/v1"},
		{with(map[string]string{"ANTHROPIC_BASE_URL": "", "OPENAI_BASE_URL": ""}),
			"https://api.anthropic.com", "https://api.openai.com/v1"},
	}
	for _, c := range cases {
		_, urls := chains(t, c.env)
		if urls["anthropic"] != c.anthropic || urls["openai"] != c.openaiBase {
			t.Errorf("env %v: base URLs %v, want anthropic %s, openai %s", c.env, urls, c.anthropic, c.openaiBase)
		}
	}
}

// A base URL variable that is not a URL stops serve with an error that
// names the variable.
func TestKeysConfigBadBaseURL(t *testing.T) {
	env := map[string]string{"OPENAI_API_KEY": "o", "OPENAI_BASE_URL": "localhost:8000"}
	_, _, err := keysConfig(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err == nil || !strings.Contains(err.Error(), "OPENAI_BASE_URL") || !strings.Contains(err.Error(), "absolute") {
		t.Fatalf("error %v, want one naming OPENAI_BASE_URL and what is wrong", err)
	}
}
