//go:build !race

package wire_test

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
