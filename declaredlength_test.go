package lifeline_test

import (
	"net/http"
	"runtime"
	"testing"

	"github.com/lifelinehq/lifeline"
)

// An upstream answer's declared Content-Length costs no memory the
// upstream has not sent: an answer that declares 60 MB and sends a few
// bytes before the connection ends does not make the engine allocate
// 60 MB (a slow or broken upstream doing so for every request in flight
// would hold that much per request).
func TestDeclaredLengthIsNotAllocatedUpFront(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "60000000")
				w.WriteHeader(200)
				w.Write([]byte(`{"id":"x",`))
				// The handler returns: net/http closes the connection short.
			})
			f := newFixture(t, d, []string{a.URL}, lifeline.WithMaxAttempts(1))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := f.do(false)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("a cut answer succeeded")
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
				t.Errorf("allocated %d bytes for an answer of a few bytes that declared 60 MB", n)
			}
		})
	}
}
