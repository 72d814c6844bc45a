package setup_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The Redis store starts goroutines (its recovery loop, its wake-up
// dispatcher); every test closes its stores, so none may outlive it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
