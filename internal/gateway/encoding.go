package gateway

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/lifelinehq/lifeline"
)

// gzipped reports whether a request body is gzip-compressed, from its
// Content-Encoding: none or identity is plain, gzip (or x-gzip) once is
// gzip. Any other coding is a 415 that names it (RFC 9110 §8.4): read
// as JSON, such a body would be refused as malformed, or sent on to a
// provider that cannot decode it.
func gzipped(h http.Header) (bool, *lifeline.Error) {
	vs := h["Content-Encoding"]
	if len(vs) == 0 {
		return false, nil
	}
	gz := 0
	for _, v := range vs {
		for c := range strings.SplitSeq(v, ",") {
			switch c = strings.TrimSpace(c); {
			case c == "" || strings.EqualFold(c, "identity"):
			case strings.EqualFold(c, "gzip") || strings.EqualFold(c, "x-gzip"):
				gz++
			default:
				return false, unsupportedEncoding(strings.Join(vs, ", "))
			}
		}
	}
	if gz > 1 {
		return false, unsupportedEncoding(strings.Join(vs, ", "))
	}
	return gz == 1, nil
}

// unsupportedEncoding is the 415 of a body in a content coding lifeline
// does not decode.
func unsupportedEncoding(enc string) *lifeline.Error {
	return clientError(http.StatusUnsupportedMediaType, "invalid_request_error",
		"Content-Encoding "+strconv.Quote(enc)+" is not supported: send the body uncompressed or gzip-compressed")
}

// gunzip decodes a gzip-compressed request body, up to limit bytes
// decoded: beyond it, a 413, as for a plain body over limits.max_body.
func gunzip(b []byte, limit int64) ([]byte, *lifeline.Error) {
	var out []byte
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err == nil {
		out, err = io.ReadAll(io.LimitReader(zr, limit+1))
	}
	if err != nil {
		return nil, clientError(http.StatusBadRequest, "invalid_request_error",
			"request body is not valid gzip (Content-Encoding: gzip): "+err.Error())
	}
	if int64(len(out)) > limit {
		return nil, clientError(http.StatusRequestEntityTooLarge, "request_too_large",
			"request body exceeds limits.max_body ("+strconv.FormatInt(limit, 10)+" bytes) once decoded")
	}
	return out, nil
}
