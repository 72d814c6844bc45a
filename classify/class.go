// Package classify turns every upstream outcome into one class of the
// failure taxonomy. The class decides what the engine does next.
package classify

import "fmt"

// Class is one row of the failure taxonomy.
type Class uint8

// The classes, as named in configuration, metrics and error bodies.
const (
	OK           Class = iota + 1 // "ok": 2xx and valid output
	Invalid                       // "invalid": 2xx whose output failed validation
	Wait                          // "wait": a rate-limit 429
	Exhausted                     // "exhausted": quota, spend or billing limit
	Overloaded                    // "overloaded": 529, overloaded_error, overloaded 503
	Transient                     // "transient": 5xx, 408, network errors, timeouts, cut streams
	Rejected                      // "rejected": the request itself is wrong (400, 422, 413)
	TooLarge                      // "too_large": the context window was exceeded
	Auth                          // "auth": 401, 403
	NotFound                      // "not_found": 404
	BrokenStream                  // "broken_stream": failed after bytes reached the client
)

var names = [...]string{
	OK: "ok", Invalid: "invalid", Wait: "wait", Exhausted: "exhausted", Overloaded: "overloaded",
	Transient: "transient", Rejected: "rejected", TooLarge: "too_large", Auth: "auth",
	NotFound: "not_found", BrokenStream: "broken_stream",
}

// nameList is the classes' names as Parse's error lists them.
const nameList = "ok, invalid, wait, exhausted, overloaded, transient, rejected, too_large, auth, not_found or broken_stream"

// All returns every class in taxonomy order, in a new slice the caller may
// change.
func All() []Class {
	return []Class{OK, Invalid, Wait, Exhausted, Overloaded, Transient, Rejected, TooLarge, Auth, NotFound, BrokenStream}
}

// String returns the class's name ("ok", "too_large", …).
func (c Class) String() string {
	if int(c) < len(names) && names[c] != "" {
		return names[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// MarshalText encodes the class as its name.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Parse returns the class with the given name, exactly as String returns it.
func Parse(s string) (Class, error) {
	for c, n := range names {
		if n == s && n != "" {
			return Class(c), nil
		}
	}
	return 0, fmt.Errorf("classify: unknown class %q (want %s)", s, nameList)
}

// Failure reports whether the class counts as a failure for the circuit
// breaker: transient, overloaded and invalid.
func (c Class) Failure() bool {
	return c == Transient || c == Overloaded || c == Invalid
}

// Terminal reports whether the class forbids a retry on the same target
// whatever the response headers say (x-should-retry: true included): only
// rejected does.
func (c Class) Terminal() bool { return c == Rejected }
