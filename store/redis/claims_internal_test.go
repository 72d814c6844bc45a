package redis

import (
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

// A renewal sent before a request's Complete, and answered after its
// script stored the response (the marker no longer names the token), does
// not forget the claim: it stays mirrorable until that Complete is done,
// so that a duplicate answered from local state meanwhile still waits for
// it, and a Complete that must keep its response on local state can.
func TestRenewalDuringCompleteKeepsClaim(t *testing.T) {
	var c claims
	c.hold("t", "k", store.Fingerprint{}, time.Now().Add(time.Minute))
	c.finish("t") // Complete has begun
	c.drop("t")   // the renewal's reply: Redis no longer holds it for t
	mirrored := false
	c.mirrorToken("t", func(heldClaim) string { mirrored = true; return "local:x" })
	if !mirrored {
		t.Fatal("a claim whose Complete is under way was forgotten by a renewal: it cannot be kept on local state")
	}
	if h, ok := c.take("t"); !ok || h.local != "local:x" {
		t.Fatalf("take: %+v, %v; want the mirrored claim", h, ok)
	}
}
