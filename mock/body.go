package mock

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// maxBody is the largest request body accepted (the Messages API limit).
const maxBody = 32 << 20

// errTooLarge reports a request body over maxBody.
var errTooLarge = errors.New("request body too large")

// bodyReadTimeout bounds reading a request body.
const bodyReadTimeout = 30 * time.Second

// readBody reads the request body into sc.body.
func readBody(r *http.Request, sc *scratch) error {
	b := sc.body[:0]
	if n := r.ContentLength; n > int64(cap(b)) && n <= maxBody {
		b = make([]byte, 0, n+1)
	}
	for {
		if len(b) > maxBody {
			return errTooLarge
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		m, err := r.Body.Read(b[len(b):min(cap(b), maxBody+1)])
		b = b[:len(b)+m]
		if err == io.EOF {
			sc.body = b
			if len(b) > maxBody {
				return errTooLarge
			}
			return nil
		}
		if err != nil {
			sc.body = b
			return err
		}
	}
}
