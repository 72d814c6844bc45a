// Package cli holds what lifeline's subcommands share about their command
// lines: the usage error, on which the process exits 2, and the line that
// answers a second signal.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// UsageError is a mistake in the command line: the process exits 2.
type UsageError struct {
	// Msg says what is wrong.
	Msg string
	// Shown is true when Msg has been printed already: the flag package
	// prints its parse errors itself, with the usage.
	Shown bool
	// Err, when set, is the exported sentinel of the command's own package
	// for usage mistakes (mock.ErrUsage), for callers outside the module,
	// which cannot name this type: errors.Is finds it.
	Err error
}

// Error returns Msg.
func (e *UsageError) Error() string { return e.Msg }

// Unwrap returns Err.
func (e *UsageError) Unwrap() error { return e.Err }

// Usage returns a UsageError for msg, not yet printed.
func Usage(msg string) error { return &UsageError{Msg: msg} }

// FlagError turns an error of flag.FlagSet.Parse, which the flag set has
// printed already, into a UsageError; flag.ErrHelp (-h, --help) is
// returned as it is.
func FlagError(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &UsageError{Msg: err.Error(), Shown: true}
}

// Announce writes msg to w as soon as force ends (a second signal). The
// function it returns, deferred by the command, waits for that line when
// force has ended, so that it is out before the process exits, and
// otherwise makes sure it is never written.
func Announce(force context.Context, w io.Writer, msg string) (done func()) {
	written := make(chan struct{})
	stop := context.AfterFunc(force, func() {
		defer close(written)
		fmt.Fprintln(w, msg)
	})
	return func() {
		if !stop() {
			<-written
		}
	}
}
