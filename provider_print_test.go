package lifeline_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/wire"
)

// A provider prints (fmt, every verb; slog) without its credentials: the
// values of its headers and the credentials of its base URL included.
func TestProviderPrintsWithoutCredentials(t *testing.T) {
	p := &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: "https://u:" + echoKey + "@example.com/v1?api-version=1&api-key=" + echoQuery,
		APIKey: echoKey, Header: http.Header{"Api-Key": {echoHeader}}}
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("p", "provider", p, "value", *p, "target", lifeline.Target{Provider: p, Model: "m"})
	for _, out := range []string{
		fmt.Sprintf("%v %+v %#v %s %q", p, p, p, p, p),
		fmt.Sprintf("%v %+v %#v %s", *p, *p, *p, *p),
		fmt.Sprintf("%v %+v %#v", lifeline.Target{Provider: p, Model: "m"}, lifeline.Target{Provider: p, Model: "m"}, lifeline.Target{Provider: p, Model: "m"}),
		log.String(),
	} {
		noCredential(t, "a printed provider", out)
		if !strings.Contains(out, "p") {
			t.Errorf("a printed provider does not name it: %s", out)
		}
	}
}
