package gateway_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/internal/gateway"
)

// Every metric the gateway's contract names is in /metrics from the start,
// before any traffic, with exactly its label names and every counter at 0
// for the configured routes and targets: a dashboard or alert finds each
// one, and increase() sees the first event of each series (a series that
// appears at 1 hides it).
func TestContractMetricsExistFromTheStart(t *testing.T) {
	up := newUpstream(t, openaiD.Good(false))
	g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{
		prefixedRoute("pair", "pr", on(openaiD, up.URL, up.URL)),
	}})
	body := g.get("/metrics").body
	sample := regexp.MustCompile(`^(\w+)\{([^}]*)\} (\S+)$`)
	labelNames := regexp.MustCompile(`(\w+)="`)
	found := map[string][]string{} // metric → label names of its first sample
	values := map[string]string{}  // sample without value → value
	for line := range strings.SplitSeq(body, "\n") {
		m := sample.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var names []string
		for _, l := range labelNames.FindAllStringSubmatch(m[2], -1) {
			names = append(names, l[1])
		}
		slices.Sort(names)
		if _, ok := found[m[1]]; !ok {
			found[m[1]] = names
		}
		values[m[1]+"{"+m[2]+"}"] = m[3]
	}
	for name, labels := range map[string][]string{
		"lifeline_requests_total":                 {"outcome", "route"},
		"lifeline_attempts_total":                 {"class", "target"},
		"lifeline_fallbacks_total":                {"reason", "route"},
		"lifeline_breaker_state":                  {"target"},
		"lifeline_request_duration_seconds_count": {"route"},
		"lifeline_first_token_seconds_count":      {"route"},
		"lifeline_validation_failures_total":      {"target", "validator"},
		"lifeline_retry_budget_exhausted_total":   {"target"},
	} {
		got, ok := found[name]
		if !ok {
			t.Errorf("%s is not in /metrics before any traffic", name)
			continue
		}
		if !slices.Equal(got, labels) {
			t.Errorf("%s has labels %v, want %v", name, got, labels)
		}
	}
	zero := []string{
		`lifeline_fallbacks_total{reason="overloaded",route="pair"}`,
		`lifeline_fallbacks_total{reason="open",route="pair"}`,
		`lifeline_fallbacks_total{reason="no_budget",route="pair"}`,
		`lifeline_validation_failures_total{target="pr0/m0",validator="schema"}`,
		`lifeline_validation_failures_total{target="pr1/m1",validator="json"}`,
		`lifeline_retry_budget_exhausted_total{target="pr0/m0"}`,
		`lifeline_retry_budget_exhausted_total{target="pr1/m1"}`,
		`lifeline_breaker_state{target="pr1/m1"}`,
	}
	// Every class an attempt can get, and an attempt its client abandoned.
	for _, target := range []string{"pr0/m0", "pr1/m1"} {
		for _, c := range append(classify.All(), 0) {
			class := "canceled"
			if c != 0 {
				class = c.String()
			}
			zero = append(zero, `lifeline_attempts_total{class="`+class+`",target="`+target+`"}`)
		}
	}
	for _, s := range zero {
		if v, ok := values[s]; !ok || v != "0" {
			t.Errorf("%s = %q (present %v), want 0 from the start", s, v, ok)
		}
	}
}
