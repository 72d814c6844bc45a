package redis

import (
	"context"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// go-redis opens a connection with HELLO, then, for a URL with a database
// number or a client name, a pipeline of SELECT and CLIENT SETNAME, both
// through the hooks. The call that opened the connection fails with the
// same error and counts once; the handshake itself does not count again,
// or one stalled call on a new connection would count twice toward the
// switch.
func TestHandshakeTimeoutsCountOnce(t *testing.T) {
	var w streak
	h := streakHook{&w}
	timeout := func(context.Context, []goredis.Cmder) error { return os.ErrDeadlineExceeded }
	ctx := context.Background()
	handshake := []goredis.Cmder{
		goredis.NewStatusCmd(ctx, "select", 1),
		goredis.NewStatusCmd(ctx, "client", "setname", "lifeline"),
	}
	if err := h.ProcessPipelineHook(timeout)(ctx, handshake); err == nil {
		t.Fatal("the hook swallowed the pipeline's error")
	}
	if n := w.n.Load(); n != 0 {
		t.Fatalf("a timed-out handshake pipeline counted %d timeouts, want 0 (its call counts)", n)
	}
	own := []goredis.Cmder{goredis.NewStatusCmd(ctx, "evalsha", "x", 1, "k")}
	if err := h.ProcessPipelineHook(timeout)(ctx, own); err == nil {
		t.Fatal("the hook swallowed the pipeline's error")
	}
	if n := w.n.Load(); n != 1 {
		t.Fatalf("a timed-out pipeline of the store's own counted %d timeouts, want 1", n)
	}
}
