package classify_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/wire"
)

// FuzzClassify checks the invariants every outcome keeps, whatever the body:
// one of the taxonomy's classes, OK only for a 2xx outside a stream, and the
// safe default whenever no row matched.
func FuzzClassify(f *testing.F) {
	f.Add(529, []byte(antOverloaded), false)
	f.Add(429, []byte(oaiQuota), false)
	f.Add(200, []byte(antAPIError), true)
	f.Add(413, []byte(cloudflare413), false)
	f.Add(400, []byte(vllmTooLong), false)
	f.Add(418, []byte(`{"error":{"type":"x","code":7}}`), false)
	classifiers := []classify.Classifier{classify.New(wire.OpenAI, nil), classify.New(wire.Anthropic, nil)}
	f.Fuzz(func(t *testing.T, status int, body []byte, inStream bool) {
		for _, c := range classifiers {
			r := c.Classify(classify.Signal{Status: status, Body: body, InStream: inStream, Header: http.Header{}})
			if !slices.Contains(classify.All(), r.Class) {
				t.Fatalf("class %v is not in the taxonomy", r.Class)
			}
			ok := !inStream && status >= 200 && status < 300
			if (r.Class == classify.OK) != ok {
				t.Fatalf("status %d inStream=%v: class %v", status, inStream, r.Class)
			}
			if r.Class == classify.Invalid || r.Class == classify.BrokenStream {
				t.Fatalf("class %v is the engine's to decide", r.Class)
			}
			if !r.Known {
				want := classify.Rejected
				switch {
				case inStream, status < 400 || status >= 500:
					want = classify.Transient
				case status == 429:
					want = classify.Wait
				}
				if r.Class != want {
					t.Fatalf("unknown status %d inStream=%v: class %v, want %v", status, inStream, r.Class, want)
				}
			}
		}
	})
}
