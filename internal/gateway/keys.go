package gateway

import (
	"crypto/sha256"
	"net/http"
	"strings"
)

// keyring finds client keys by their SHA-256: one map lookup whatever the
// number of keys, and the time it takes depends on the digest of what the
// client presented, never on how much of a configured key it got right.
type keyring struct {
	keys map[[32]byte]*clientKey // by the SHA-256 of the key
}

type clientKey struct {
	all    bool
	routes map[string]bool
	id     string // a stable, non-secret identity for scoping idempotency keys
}

func newKeyring(keys []Key) keyring {
	kr := keyring{keys: make(map[[32]byte]*clientKey, len(keys))}
	for _, k := range keys {
		sum := sha256.Sum256([]byte(k.Key.Reveal()))
		ck := clientKey{routes: map[string]bool{}, id: string(sum[:8])}
		for _, r := range k.Routes {
			if r == "*" {
				ck.all = true
			}
			ck.routes[r] = true
		}
		if _, dup := kr.keys[sum]; !dup {
			kr.keys[sum] = &ck
		}
	}
	return kr
}

// open reports whether no keys are configured.
func (kr keyring) open() bool { return len(kr.keys) == 0 }

// missingKey is the message of the 401 to a request without a client key
// the gateway knows: it says how to send one.
const missingKey = "missing or invalid client key: send it as Authorization: Bearer <key> or x-api-key"

// lookup finds the key a request presents (x-api-key, or Authorization:
// Bearer). A client that sends both (an SDK given an API key and an auth
// token) is let in by either one that holds a client key, x-api-key's
// first. Keys are matched by their SHA-256, so timing does not reveal how
// close a guess came to a key.
func (kr keyring) lookup(r *http.Request) (*clientKey, bool) {
	var bearer string
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "Bearer ") {
		bearer = strings.TrimLeft(a[7:], " ") // "Bearer" 1*SP token (RFC 6750 §2.1)
	}
	found := kr.match(r.Header.Get("X-Api-Key"))
	if b := kr.match(bearer); found == nil {
		found = b
	}
	return found, found != nil
}

// match returns the configured key equal to presented, nil when none is
// or presented is empty.
func (kr keyring) match(presented string) *clientKey {
	if presented == "" {
		return nil
	}
	return kr.keys[sha256.Sum256([]byte(presented))]
}

// allows reports whether the key may use route.
func (k *clientKey) allows(route string) bool {
	return k == nil || k.all || k.routes[route]
}
