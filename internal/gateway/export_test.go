package gateway

import "time"

// SetBodyReadTimeout sets the bound on reading a request body, for tests
// that cannot wait for the default.
func (s *Server) SetBodyReadTimeout(d time.Duration) { s.bodyRead = d }
