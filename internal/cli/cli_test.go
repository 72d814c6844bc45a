package cli_test

import (
	"errors"
	"flag"
	"io"
	"testing"

	"github.com/lifelinehq/lifeline/internal/cli"
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
