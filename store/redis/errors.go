package redis

import (
	"errors"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// errBadReply marks a script reply the store cannot read: a bug, not an
// outage.
var errBadReply = errors.New("redis store: unexpected script reply")

// unavailable reports whether err means that Redis cannot serve the store
// now, so that the store turns degraded and answers from local state. That
// is every error but these, which are returned to the caller so that the
// bug they point at is seen:
//
//   - a reply whose code says the request itself is wrong (see bugReply):
//     a failing script, a key of the wrong type, keys in several slots;
//   - a script reply the store cannot read (errBadReply);
//   - the error of a closed client.
//
// So network errors and timeouts count, and so does every other error
// reply: a server that is loading, read-only after a failover, out of
// memory, busy with a script, unable to persist (MISCONF), refusing this
// replica's credentials (NOAUTH, WRONGPASS, NOPERM), a cluster that is down
// or moving slots, and any code a later server may add. A replica that
// cannot use Redis keeps serving on local state and says so; a replica
// that treated such replies as errors would have neither shared nor local
// state.
func unavailable(err error) bool {
	switch {
	case err == nil, errors.Is(err, goredis.ErrClosed), errors.Is(err, errBadReply):
		return false
	}
	var re goredis.Error
	if errors.As(err, &re) {
		return !bugReply(re.Error())
	}
	return true
}

// bugReply reports whether an error reply's message names a request the
// server could not run as sent, rather than a server that cannot serve:
// the generic ERR (a script that fails, a syntax error), except the few
// ERR replies about the server's own state, and the codes of a key of the
// wrong type, keys in several cluster slots, an unknown script or an
// aborted transaction. A message without an upper-case code (go-redis's
// own "redis: nil") counts as a bug too.
func bugReply(msg string) bool {
	code, rest, _ := strings.Cut(msg, " ")
	if code == "" || strings.TrimLeft(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return true
	}
	switch code {
	case "ERR":
		// The server refuses this connection or command for reasons of its
		// own configuration or load, not of the request: too many clients,
		// a command renamed away, or a connection without the password it
		// now requires (a long command then gets a protocol error rather
		// than NOAUTH).
		for _, p := range []string{"max number of clients reached", "unknown command", "Protocol error: unauthenticated"} {
			if strings.HasPrefix(rest, p) {
				return false
			}
		}
		return true
	case "WRONGTYPE", "CROSSSLOT", "NOSCRIPT", "EXECABORT":
		return true
	}
	return false
}

// credentialsRefused reports whether err is the server refusing the
// store's credentials: at start that is a configuration error to fix, not
// an outage to ride out.
func credentialsRefused(err error) bool {
	var re goredis.Error
	if !errors.As(err, &re) {
		return false
	}
	code, _, _ := strings.Cut(re.Error(), " ")
	return code == "WRONGPASS" || code == "NOAUTH" || code == "NOPERM"
}

// outcomeUnknown reports whether a command that failed with err may still
// have run in Redis, or may run later: the server did not answer (a
// timeout, a cancelled context, a broken connection), so the command may
// be waiting in a buffer of a stalled server. An error reply, by contrast,
// says the command ran and failed, or did not run.
func outcomeUnknown(err error) bool {
	if err == nil || errors.Is(err, errBadReply) || errors.Is(err, goredis.ErrClosed) {
		return false
	}
	var re goredis.Error
	return !errors.As(err, &re)
}
