package wire

// ReadUnvalidated is Peek's reading of the members without its validation:
// what Peek must match on every body encoding/json calls valid.
func ReadUnvalidated(body []byte) (Fields, error) { return peek(body, true, false) }
