package lifeline

import (
	"testing"

	"github.com/google/uuid"
)

// The generated idempotency keys are random UUIDv4s, unique across the
// refills of the random block they are cut from.
func TestGeneratedKeys(t *testing.T) {
	var k keySource
	seen := make(map[string]bool)
	for i := range 3 * len(k.rnd) / 16 {
		s := k.next()
		u, err := uuid.Parse(s)
		if err != nil {
			t.Fatalf("key %d %q: %v", i, s, err)
		}
		if u.Version() != 4 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("key %d %q: version %d, variant %v; want a random UUIDv4", i, s, u.Version(), u.Variant())
		}
		if seen[s] {
			t.Fatalf("key %d %q was generated twice", i, s)
		}
		seen[s] = true
	}
}
