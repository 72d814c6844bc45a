package redis

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
)

// The Lua sources. target.lua holds the breaker and budget machines that
// admit.lua, report.lua and unprobe.lua share.
var (
	//go:embed lua/target.lua
	luaTarget string
	//go:embed lua/admit.lua
	luaAdmit string
	//go:embed lua/report.lua
	luaReport string
	//go:embed lua/status.lua
	luaStatus string
	//go:embed lua/claim.lua
	luaClaim string
	//go:embed lua/complete.lua
	luaComplete string
	//go:embed lua/release.lua
	luaRelease string
	//go:embed lua/peek.lua
	luaPeek string
	//go:embed lua/renew.lua
	luaRenew string
	//go:embed lua/unprobe.lua
	luaUnprobe string
)

// scripts are the store's Lua scripts. Each runs with EVALSHA, falling
// back to EVAL (which loads it) when the server does not know it yet.
type scripts struct {
	admit, report, status, unprobe        *goredis.Script
	claim, complete, release, peek, renew *goredis.Script
}

func newScripts() scripts {
	return scripts{
		admit:    goredis.NewScript(luaTarget + luaAdmit),
		report:   goredis.NewScript(luaTarget + luaReport),
		status:   goredis.NewScript(luaTarget + luaStatus),
		claim:    goredis.NewScript(luaClaim),
		complete: goredis.NewScript(luaComplete),
		release:  goredis.NewScript(luaRelease),
		peek:     goredis.NewScript(luaPeek),
		renew:    goredis.NewScript(luaRenew),
		unprobe:  goredis.NewScript(luaTarget + luaUnprobe),
	}
}

// targetArgs encodes the ARGV shared by admit.lua, report.lua and
// unprobe.lua, followed by extra.
func targetArgs(bc breaker.Config, bu budget.Config, ttl time.Duration, now time.Time, extra ...any) []any {
	c := bc.WithDefaults()
	args := make([]any, 0, 14+len(extra))
	args = append(args,
		max(c.Window.Microseconds(), 1),
		max((c.Window/breaker.Buckets).Microseconds(), 1),
		c.MinRequests,
		strconv.FormatFloat(c.FailureRate, 'g', -1, 64),
		c.ConsecutiveFailures,
		c.Cooldown.Microseconds(),
		c.MaxCooldown.Microseconds(),
		c.HalfOpenProbes,
		c.ProbeLease.Microseconds(),
		strconv.FormatFloat(positive(bu.Ratio), 'g', -1, 64),
		strconv.FormatFloat(positive(bu.MinPerSecond), 'g', -1, 64),
		strconv.FormatFloat(bu.Capacity(), 'g', -1, 64),
		max(ttl.Milliseconds(), 1),
		micros(now),
	)
	return append(args, extra...)
}

// positive is f when it is a positive finite number, else 0, as package
// budget reads its Config.
func positive(f float64) float64 {
	if f > 0 && !math.IsInf(f, 1) {
		return f
	}
	return 0
}

// micros encodes t as microseconds since the Unix epoch, the zero time as 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros decodes micros.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}

// flag encodes b as "1" or "0".
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// reply reads a script's array reply.
type reply struct {
	v   []any
	err error
}

func newReply(v any) *reply {
	a, ok := v.([]any)
	if !ok {
		return &reply{err: fmt.Errorf("%w: %T, want an array", errBadReply, v)}
	}
	return &reply{v: a}
}

// int returns element i as an integer.
func (r *reply) int(i int) int64 {
	if r.err != nil {
		return 0
	}
	if i >= len(r.v) {
		r.err = fmt.Errorf("%w: %d elements, want more than %d", errBadReply, len(r.v), i)
		return 0
	}
	switch x := r.v[i].(type) {
	case int64:
		return x
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			r.err = fmt.Errorf("%w: element %d: %w", errBadReply, i, err)
		}
		return n
	}
	r.err = fmt.Errorf("%w: element %d is %T, want an integer", errBadReply, i, r.v[i])
	return 0
}

// str returns element i as a string.
func (r *reply) str(i int) string {
	if r.err != nil {
		return ""
	}
	if i >= len(r.v) {
		r.err = fmt.Errorf("%w: %d elements, want more than %d", errBadReply, len(r.v), i)
		return ""
	}
	switch x := r.v[i].(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	r.err = fmt.Errorf("%w: element %d is %T, want a string", errBadReply, i, r.v[i])
	return ""
}

// scriptCall is one run of a script in a pipeline.
type scriptCall struct {
	keys []string
	args []any
}

// runAll runs sc once per call in one pipeline, with EVALSHA, then once
// more with EVAL (which loads the script) for the calls that a server
// answered NOSCRIPT. It returns each call's command, in order: their errors
// say how each went.
func runAll(ctx context.Context, c goredis.UniversalClient, sc *goredis.Script, calls []scriptCall) []*goredis.Cmd {
	cmds := make([]*goredis.Cmd, len(calls))
	pipe := c.Pipeline()
	for i, k := range calls {
		cmds[i] = sc.EvalSha(ctx, pipe, k.keys, k.args...)
	}
	_, _ = pipe.Exec(ctx)
	var again []int
	for i, cmd := range cmds {
		if goredis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			again = append(again, i)
		}
	}
	if len(again) > 0 {
		pipe := c.Pipeline()
		for _, i := range again {
			cmds[i] = sc.Eval(ctx, pipe, calls[i].keys, calls[i].args...)
		}
		_, _ = pipe.Exec(ctx)
	}
	return cmds
}
