package mock_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/lifelinehq/lifeline/mock"
)

// A mistake in the command line is an error a caller of Command can tell
// from any other (errors.Is ErrUsage), with the exported API alone; a
// config file that cannot be read is not one.
func TestCommandUsageMistakesMatchErrUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--nope"},
		{"--faults", "gremlins=0.5"},
		{"--latency", "soon"},
		{"--hint", "never"},
		{"--outage", "every=40s"},
		{"--outage", "for=1s,fault=gremlins"},
		{"--should-retry", "maybe"},
		{"extra"},
	} {
		err := mock.Command(context.Background(), context.Background(), args, io.Discard, io.Discard)
		if !errors.Is(err, mock.ErrUsage) {
			t.Errorf("%v: %v, want an error matching ErrUsage", args, err)
		}
		if err != nil && err.Error() == mock.ErrUsage.Error() {
			t.Errorf("%v: %q does not say what is wrong", args, err)
		}
	}
	err := mock.Command(context.Background(), context.Background(), []string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, io.Discard, io.Discard)
	if err == nil || errors.Is(err, mock.ErrUsage) {
		t.Errorf("a missing config file: %v, want an error that is not ErrUsage", err)
	}
	if err := mock.Command(context.Background(), context.Background(), []string{"--help"}, io.Discard, io.Discard); err != nil {
		t.Errorf("--help: %v", err)
	}
}

// A negative count or duration is refused, as a negative --cut-after is,
// instead of standing for the default.
func TestCommandRefusesNegativeValues(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a command that starts at all stops at once
	for _, flag := range []string{"--stall-after=-1", "--error-after=-2", "--cut-after=-1", "--hang-max=-1s", "--hint-after=-1s", "--grace=-1s"} {
		err := mock.Command(ctx, context.Background(), []string{"--listen", "127.0.0.1:0", flag}, io.Discard, io.Discard)
		if !errors.Is(err, mock.ErrUsage) {
			t.Errorf("%s: %v, want an error matching ErrUsage", flag, err)
		}
	}
}
