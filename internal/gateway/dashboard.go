package gateway

import (
	_ "embed"
	"net/http"
)

//go:embed dashboard.html
var dashboardPage []byte

// dashboard serves GET /: a page that polls /api/status.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'")
	h.Set("Cache-Control", "no-store")
	w.Write(dashboardPage)
}
