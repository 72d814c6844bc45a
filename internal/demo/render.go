package demo

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Summary row labels, also read back by the tests.
const (
	rowRequests = "requests"
	rowFirstTry = "served first try"
	rowRetry    = "served after retry"
	rowFallback = "served by fallback"
	rowRejected = "rejected"
	rowOther    = "other failures"
	rowInvalid  = "invalid outputs caught"
	rowCalls    = "upstream calls per request"
	rowP50      = "p50 latency"
	rowP99      = "p99 latency"
	rowTrips    = "breaker trips"
)

// writeSummary prints the summary table: every number comes from the
// gateway's /metrics, named in the last column.
func writeSummary(w io.Writer, s *summary) {
	share := func(n int64) string {
		if s.requests == 0 {
			return ""
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(s.requests))
	}
	rows := [][4]string{
		{rowRequests, itoa(s.requests), "", "lifeline_requests_total"},
		{rowFirstTry, itoa(s.firstTry), share(s.firstTry), `lifeline_served_total{how="first_try"}`},
		{rowRetry, itoa(s.retry), share(s.retry), `lifeline_served_total{how="retry"}`},
		{rowFallback, itoa(s.fallback), share(s.fallback), `lifeline_served_total{how="fallback"}`},
		{rowRejected, itoa(s.rejected), share(s.rejected), `lifeline_requests_total{outcome="rejected"}`},
		{rowOther, itoa(s.otherFailures()), share(s.otherFailures()), otherSource(s.other)},
		{rowInvalid, itoa(s.invalidCaught), "", "lifeline_validation_failures_total"},
		{rowCalls, fmt.Sprintf("%.2f", s.callsPerRequest()), "", "lifeline_request_attempts_sum / _count"},
		{rowP50, formatDuration(s.p50), "", "histogram_quantile(0.5, lifeline_request_duration_seconds)"},
		{rowP99, formatDuration(s.p99), "", "histogram_quantile(0.99, lifeline_request_duration_seconds)"},
		{rowTrips, itoa(s.trips), "", `lifeline_breaker_transitions_total{to="open"}` + byTarget(s.tripsBy)},
	}
	var wl, wv, ws int
	for _, r := range rows {
		wl, wv, ws = max(wl, len(r[0])), max(wv, len(r[1])), max(ws, len(r[2]))
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %*s  %*s  %s\n", wl, r[0], wv, r[1], ws, r[2], r[3])
	}
}

// otherSource names the outcomes counted as other failures.
func otherSource(other map[string]int64) string {
	if len(other) == 0 {
		return `lifeline_requests_total, other outcomes`
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(other)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, other[k]))
	}
	return `lifeline_requests_total{outcome=…}: ` + strings.Join(parts, ", ")
}

func byTarget(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

func itoa(n int64) string { return fmt.Sprint(n) }

// formatDuration prints a latency with millisecond precision.
func formatDuration(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// progressLine is the live one-line view of the run.
func progressLine(elapsed, total time.Duration, c counts, breakers map[string]int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%3ds/%ds] %d requests: %d first try, %d retry, %d fallback, %d rejected, %d failed",
		int(elapsed.Seconds()), int(total.Seconds()), c.requests,
		c.outcomes[servedFirstTry], c.outcomes[servedRetry], c.outcomes[servedFallback],
		c.outcomes[outRejected], c.requests-c.served()-c.outcomes[outRejected])
	for _, t := range slices.Sorted(maps.Keys(breakers)) {
		if st := breakers[t]; st != 0 {
			// The whole target: one provider serves several routes' models.
			fmt.Fprintf(&b, " · %s breaker %s", strings.TrimPrefix(t, "demo-"), stateName(st))
		}
	}
	return b.String()
}

func stateName(st int) string {
	switch st {
	case 0:
		return "closed"
	case 1:
		return "half-open"
	case 2:
		return "open"
	}
	return fmt.Sprint(st)
}
