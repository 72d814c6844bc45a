package demo

import (
	"strings"
	"testing"
	"time"
)

// Two routes' models on one provider are two breakers, and the live line
// tells them apart.
func TestProgressLineNamesEachBreaker(t *testing.T) {
	line := progressLine(5*time.Second, 30*time.Second, counts{}, map[string]int{
		"demo-primary/claude-demo":      2,
		"demo-primary/claude-demo-json": 1,
		"demo-backup/gpt-demo":          0,
	})
	for _, want := range []string{"primary/claude-demo breaker open", "primary/claude-demo-json breaker half-open"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %q", line, want)
		}
	}
	if strings.Contains(line, "backup") {
		t.Errorf("%q shows a closed breaker", line)
	}
}
