package demo

import (
	"fmt"
	"io"
)

// printHeader tells what runs and where to look during the run.
func printHeader(w io.Writer, o options, base string, out *outage) {
	fmt.Fprintf(w, "lifeline demo: %d concurrent agents for %s (seed %d)\n", o.concurrency, o.duration, o.seed)
	fmt.Fprintf(w, "  gateway    %s\n", base)
	fmt.Fprintf(w, "             during the run: curl %s/metrics, curl %s/api/status, dashboard at %s/\n", base, base, base)
	fmt.Fprintf(w, "  providers  demo-primary (Anthropic dialect, flaky) and demo-backup (OpenAI dialect, steadier):\n")
	fmt.Fprintf(w, "             built-in mock providers that fail on purpose; every route falls back from primary to backup\n")
	fmt.Fprintf(w, "  workload   OpenAI and Anthropic dialects, ~1/3 streaming, ~1/3 asking for JSON schema output,\n")
	fmt.Fprintf(w, "             ~1/5 offering tools, ~3%% that the provider rejects (never retried)\n")
	fmt.Fprintf(w, "  incident   demo-primary answers every call with 529 overloaded from %s to %s\n\n",
		formatDuration(out.from), formatDuration(out.from+out.length))
}

// printReport prints the summary table and the checks behind it.
func printReport(w io.Writer, r *report) {
	s, c, l := &r.summary, r.client, r.ledger
	fmt.Fprintln(w)
	how := "ran"
	if r.interrupted {
		how = "was interrupted after"
	}
	fmt.Fprintf(w, "Summary: the workload %s %s; every number below was read from the gateway's %s/metrics\n\n",
		how, formatDuration(r.elapsed), r.base)
	writeSummary(w, s)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  invalid served as ok: %d  (%d served answers looked up in the ledgers of the providers that sent them",
		l.invalid, l.checked)
	if l.missing > 0 {
		fmt.Fprintf(w, "; %d NOT FOUND", l.missing)
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintf(w, "  the workload measured p50 %s, p99 %s end to end (the table's latencies are histogram estimates)\n",
		formatDuration(c.p50), formatDuration(c.p99))
	switch {
	case r.interrupted:
		fmt.Fprintln(w, "  (interrupted: requests cut short are counted as canceled; the workload's own count is not compared)")
	case len(r.mismatches) == 0:
		fmt.Fprintf(w, "  the workload's own count agrees with /metrics: %d requests, %d served, %d upstream calls (the providers received %d)\n",
			c.requests, c.served(), c.attempts, l.calls)
	default:
		fmt.Fprintln(w, "  MISMATCH between the workload's own count and /metrics:")
		for _, m := range r.mismatches {
			fmt.Fprintln(w, "    "+m)
		}
	}
}
