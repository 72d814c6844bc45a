package lifeline_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/wire"
)

// A route printed in a log line or an error (any fmt verb, slog) never
// shows the API keys of its providers.
func TestRoutePrintsWithoutProviderKeys(t *testing.T) {
	const key = "sk-live-0123456789abcdef"
	e := lifeline.New()
	for _, kind := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		r, err := e.NewRoute("smart", []lifeline.Target{{
			Provider: &lifeline.Provider{Name: "p", Kind: kind, BaseURL: "https://api.example.com", APIKey: key}, Model: "m",
		}})
		if err != nil {
			t.Fatal(err)
		}
		var log strings.Builder
		slog.New(slog.NewTextHandler(&log, nil)).Info("route", "route", r)
		for _, out := range []string{
			fmt.Sprintf("%v", r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r), log.String(),
		} {
			if strings.Contains(out, key) {
				t.Fatalf("%s: the provider key is printed: %s", kind, out)
			}
		}
	}
}
