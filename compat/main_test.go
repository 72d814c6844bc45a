package compat_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes its gateway, its mock providers and its clients' idle
// connections: nothing may outlive it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
