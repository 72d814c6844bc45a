package demo

import (
	"context"
	"errors"
	"io"
)

// Command runs `lifeline demo`.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("demo: not available in this build")
}
