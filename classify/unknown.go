package classify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/lifelinehq/lifeline/wire"
)

// unknownCap bounds how many distinct unknown outcomes a classifier
// remembers. When the set is full it starts over, so an upstream that
// invents endless codes costs a log line per outcome, never unbounded memory.
const unknownCap = 1024

// maxKeyField bounds the type and code kept in the set and in the log.
const maxKeyField = 64

// unknownKey identifies one kind of unknown outcome. For a transport error,
// typ is "transport" and code the Go type of the innermost error.
type unknownKey struct {
	status    int
	inStream  bool
	typ, code string
}

// unknownLog logs each kind of unknown outcome once, at warn level.
type unknownLog struct {
	dialect wire.Dialect
	log     *slog.Logger
	max     int

	mu   sync.Mutex
	seen map[unknownKey]struct{}
}

func newUnknownLog(d wire.Dialect, log *slog.Logger, max int) *unknownLog {
	return &unknownLog{dialect: d, log: log, max: max, seen: make(map[unknownKey]struct{})}
}

// outcome logs a response or stream error that no row matched, the first
// time its kind is seen. The message is not logged: only the fields a table
// row can match on, and the request id to find it at the provider.
func (u *unknownLog) outcome(s Signal, e *wire.UpstreamError, c Class) {
	k := unknownKey{status: s.Status, inStream: s.InStream, typ: clip(e.Type), code: clip(e.Code)}
	if !u.first(k) {
		return
	}
	u.log.LogAttrs(context.Background(), slog.LevelWarn, "classify: upstream error matched no rule",
		slog.String("dialect", u.dialect.String()),
		slog.Int("status", k.status),
		slog.Bool("in_stream", k.inStream),
		slog.String("type", k.typ),
		slog.String("code", k.code),
		slog.String("request_id", clip(requestID(s, e))),
		slog.String("class", c.String()),
	)
}

// requestID is the provider's id of the request: the error body's
// request_id (Anthropic puts it there), else the response header each
// provider sends it in (Anthropic request-id, OpenAI x-request-id).
func requestID(s Signal, e *wire.UpstreamError) string {
	if e.RequestID != "" {
		return e.RequestID
	}
	if id := s.Header.Get("Request-Id"); id != "" {
		return id
	}
	return s.Header.Get("X-Request-Id")
}

// transport logs a transport error of an unrecognised kind, the first time
// its Go type is seen. The error text is not logged: it may hold the URL.
func (u *unknownLog) transport(s Signal, c Class) {
	k := unknownKey{status: s.Status, inStream: s.InStream, typ: "transport",
		code: clip(fmt.Sprintf("%T", innermost(s.Err)))}
	if !u.first(k) {
		return
	}
	u.log.LogAttrs(context.Background(), slog.LevelWarn, "classify: transport error of unknown kind",
		slog.String("dialect", u.dialect.String()),
		slog.Int("status", k.status),
		slog.String("error_type", k.code),
		slog.String("class", c.String()),
	)
}

// first records k and reports whether it was new.
func (u *unknownLog) first(k unknownKey) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.seen[k]; ok {
		return false
	}
	if len(u.seen) >= u.max {
		clear(u.seen)
	}
	// Copies, so that a remembered key never pins a large body in memory.
	k.typ, k.code = strings.Clone(k.typ), strings.Clone(k.code)
	u.seen[k] = struct{}{}
	return true
}

// clip bounds an upstream-supplied field.
func clip(s string) string {
	if len(s) > maxKeyField {
		return s[:maxKeyField]
	}
	return s
}
