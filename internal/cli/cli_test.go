package cli_test

import (
	"context"
	"errors"
	"flag"
	"io"
	"testing"
	"testing/synctest"

	"github.com/lifelinehq/lifeline/internal/cli"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
)

func TestFlagError(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	err := cli.FlagError(fs.Parse([]string{"--bogus"}))
	var ue *cli.UsageError
	if !errors.As(err, &ue) || !ue.Shown || ue.Msg != "flag provided but not defined: -bogus" {
		t.Errorf("FlagError = %#v, want a UsageError already shown", err)
	}
	if err := cli.FlagError(fs.Parse([]string{"-h"})); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("FlagError(-h) = %v, want flag.ErrHelp", err)
	}
	if err := cli.Usage("no"); !errors.As(err, &ue) || ue.Shown {
		t.Errorf("Usage = %#v, want a UsageError to print", err)
	}
}

// The second signal's line is out by the time the command returns, and
// never written when no second signal came.
func TestAnnounce(t *testing.T) {
	var out syncbuffer.Buffer
	force, cancel := context.WithCancel(context.Background())
	done := cli.Announce(force, &out, "second signal")
	cancel()
	done()
	if out.String() != "second signal\n" {
		t.Fatalf("after the signal: %q", out.String())
	}

	// In a bubble, Wait lets a line the cancel would still write come out
	// before the check.
	synctest.Test(t, func(t *testing.T) {
		var quiet syncbuffer.Buffer
		force, cancel := context.WithCancel(context.Background())
		cli.Announce(force, &quiet, "second signal")()
		cancel()
		synctest.Wait()
		if quiet.String() != "" {
			t.Fatalf("written after the command returned: %q", quiet.String())
		}
	})
}
