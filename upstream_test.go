package lifeline

import (
	"context"
	"testing"
)

// incomparableCtx is a context whose values cannot be compared: == on two
// of them panics.
type incomparableCtx struct {
	context.Context
	tags map[string]string
}

// Upstream request storage serves one request context for its whole life:
// net/http reads a request context's values after the request (a dial it
// goes on with), so storage given back is reused only under the same
// context, and its context keeps its values.
func TestUpstreamStorageServesOneContext(t *testing.T) {
	type key struct{}
	ctxA := context.WithValue(context.Background(), key{}, "a")
	ctxB := context.WithValue(context.Background(), key{}, "b")
	c := &call{}
	next := func(ctx context.Context, giveBack *upstreamCall) *upstreamCall {
		t.Helper()
		if giveBack != nil {
			if !giveBack.ctx.end(nil) {
				t.Fatal("an attempt context ended by its attempt is not quiet")
			}
			c.keep(giveBack)
		}
		c.ctx = ctx
		return c.upstreamStorage()
	}

	a := next(ctxA, nil)
	if a2 := next(ctxA, a); a2 != a {
		t.Fatal("storage given back was not reused under the same context")
	}
	b := next(ctxB, a)
	if b == a {
		t.Fatal("storage of a request under one context served a request under another")
	}
	if a.restart(ctxB) {
		t.Fatal("storage restarted under another context than its own")
	}
	if got := a.ctx.Value(key{}); got != "a" {
		t.Fatalf("the first storage's context now reads %v, want its own request's value", got)
	}
	if got := b.ctx.Value(key{}); got != "b" {
		t.Fatalf("the new storage's context reads %v, want b", got)
	}

	bg := next(context.Background(), b)
	if again := next(context.Background(), bg); again != bg {
		t.Fatal("storage was not reused under context.Background")
	}

	// Contexts that cannot be compared safely never share storage, and
	// telling so does not panic.
	odd := incomparableCtx{Context: context.Background(), tags: map[string]string{}}
	o := next(odd, bg)
	if o2 := next(odd, o); o2 == o {
		t.Fatal("storage was reused under a context that cannot be compared")
	}
}
