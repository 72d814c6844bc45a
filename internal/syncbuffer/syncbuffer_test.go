package syncbuffer_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lifelinehq/lifeline/internal/syncbuffer"
)

// Concurrent writes all land, each whole (run with -race).
func TestConcurrentWrites(t *testing.T) {
	var b syncbuffer.Buffer
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				fmt.Fprintf(&b, "g%d-%d\n", g, i)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	seen := map[string]bool{}
	for _, l := range lines {
		seen[l] = true
	}
	if len(seen) != 800 {
		t.Fatalf("%d distinct lines, want 800: writes were lost or torn", len(seen))
	}
}
