package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// gatewayCounters are the gateway's own counts, read from its /metrics,
// that tell what the requests of one route did beyond their latency.
type gatewayCounters struct {
	attemptsSum   float64 // lifeline_request_attempts_sum of the route
	attemptsCount float64 // lifeline_request_attempts_count of the route
	storeErrors   float64 // lifeline_state_store_errors_total
	breakerOpens  float64 // lifeline_breaker_transitions_total{to="open"}, every target
}

// sub returns the counts of b − a.
func (b gatewayCounters) sub(a gatewayCounters) gatewayCounters {
	return gatewayCounters{
		attemptsSum:   b.attemptsSum - a.attemptsSum,
		attemptsCount: b.attemptsCount - a.attemptsCount,
		storeErrors:   b.storeErrors - a.storeErrors,
		breakerOpens:  b.breakerOpens - a.breakerOpens,
	}
}

// scrapeGateway reads the counters of route from the gateway at base.
// A scrape of a gateway on the Redis store makes Redis calls of its own
// (breaker states, the health probe): take it outside the span whose
// Redis commands are counted.
func scrapeGateway(ctx context.Context, c *http.Client, base, route string) (gatewayCounters, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return gatewayCounters{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return gatewayCounters{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return gatewayCounters{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return gatewayCounters{}, fmt.Errorf("GET %s/metrics: HTTP %d", base, resp.StatusCode)
	}
	return parseGatewayMetrics(string(b), route), nil
}

// parseGatewayMetrics reads the counters of route from a Prometheus text
// exposition.
func parseGatewayMetrics(text, route string) gatewayCounters {
	var g gatewayCounters
	routeLabel := `route="` + route + `"`
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		series := line[:i]
		name, labels, _ := strings.Cut(series, "{")
		switch name {
		case "lifeline_request_attempts_sum":
			if hasLabel(labels, routeLabel) {
				g.attemptsSum += v
			}
		case "lifeline_request_attempts_count":
			if hasLabel(labels, routeLabel) {
				g.attemptsCount += v
			}
		case "lifeline_state_store_errors_total":
			g.storeErrors += v
		case "lifeline_breaker_transitions_total":
			if hasLabel(labels, `to="open"`) {
				g.breakerOpens += v
			}
		}
	}
	return g
}

// hasLabel reports whether the label set of a series (the text after its
// opening brace) holds the pair label, written name="value".
func hasLabel(labels, label string) bool {
	labels = strings.TrimSuffix(labels, "}")
	for l := range strings.SplitSeq(labels, ",") {
		if l == label {
			return true
		}
	}
	return false
}
