package gateway_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes its servers and idle connections; nothing the gateway
// starts may outlive a request.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
