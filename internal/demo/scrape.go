package demo

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// summary is the demo's result table, read from the gateway's /metrics.
type summary struct {
	requests      int64            // lifeline_requests_total
	firstTry      int64            // lifeline_served_total{how="first_try"}
	retry         int64            // lifeline_served_total{how="retry"}
	fallback      int64            // lifeline_served_total{how="fallback"}
	ok            int64            // lifeline_requests_total{outcome="ok"}
	rejected      int64            // lifeline_requests_total{outcome="rejected"}
	other         map[string]int64 // lifeline_requests_total by the other outcomes
	invalidCaught int64            // lifeline_validation_failures_total
	attempts      int64            // lifeline_request_attempts_sum
	attempted     int64            // lifeline_request_attempts_count
	p50, p99      time.Duration    // histogram_quantile over lifeline_request_duration_seconds
	trips         int64            // lifeline_breaker_transitions_total{to="open"}
	tripsBy       map[string]int64 // by target
	breakers      map[string]int   // lifeline_breaker_state by target
}

// otherFailures returns the requests that were neither served nor rejected.
func (s *summary) otherFailures() int64 {
	var n int64
	for _, v := range s.other {
		n += v
	}
	return n
}

// callsPerRequest returns the mean number of upstream attempts per request.
func (s *summary) callsPerRequest() float64 {
	if s.attempted == 0 {
		return 0
	}
	return float64(s.attempts) / float64(s.attempted)
}

// scrape reads the gateway's /metrics over HTTP.
func scrape(ctx context.Context, c *http.Client, base string) (map[string]*dto.MetricFamily, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading %s/metrics: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading %s/metrics: status %s", base, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("parsing %s/metrics: %w", base, err)
	}
	return fams, nil
}

// summarize builds the summary from scraped metric families.
func summarize(fams map[string]*dto.MetricFamily) summary {
	s := summary{other: map[string]int64{}, tripsBy: map[string]int64{}, breakers: map[string]int{}}
	for _, m := range metricsOf(fams, "lifeline_requests_total") {
		n := int64(m.GetCounter().GetValue())
		s.requests += n
		switch o := label(m, "outcome"); o {
		case "ok":
			s.ok += n
		case outRejected:
			s.rejected += n
		default:
			if n > 0 {
				s.other[o] += n
			}
		}
	}
	for _, m := range metricsOf(fams, "lifeline_served_total") {
		n := int64(m.GetCounter().GetValue())
		switch label(m, "how") {
		case servedFirstTry:
			s.firstTry += n
		case servedRetry:
			s.retry += n
		case servedFallback:
			s.fallback += n
		}
	}
	for _, m := range metricsOf(fams, "lifeline_validation_failures_total") {
		s.invalidCaught += int64(m.GetCounter().GetValue())
	}
	for _, m := range metricsOf(fams, "lifeline_request_attempts") {
		s.attempts += int64(m.GetHistogram().GetSampleSum())
		s.attempted += int64(m.GetHistogram().GetSampleCount())
	}
	for _, m := range metricsOf(fams, "lifeline_breaker_transitions_total") {
		if label(m, "to") == "open" {
			n := int64(m.GetCounter().GetValue())
			s.trips += n
			s.tripsBy[label(m, "target")] += n
		}
	}
	for _, m := range metricsOf(fams, "lifeline_breaker_state") {
		s.breakers[label(m, "target")] = int(m.GetGauge().GetValue())
	}
	h := mergeHistograms(metricsOf(fams, "lifeline_request_duration_seconds"))
	s.p50 = seconds(h.quantile(0.50))
	s.p99 = seconds(h.quantile(0.99))
	return s
}

func metricsOf(fams map[string]*dto.MetricFamily, name string) []*dto.Metric {
	if f := fams[name]; f != nil {
		return f.GetMetric()
	}
	return nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func seconds(v float64) time.Duration {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return time.Duration(v * float64(time.Second))
}

// histogram is a cumulative Prometheus histogram.
type histogram struct {
	bounds []float64 // upper bounds, ascending, +Inf excluded
	cum    []float64 // cumulative counts per bound
	count  float64   // every observation (the +Inf bucket)
}

// mergeHistograms adds up histograms with the same buckets (one per route).
func mergeHistograms(ms []*dto.Metric) histogram {
	var h histogram
	for _, m := range ms {
		hm := m.GetHistogram()
		h.count += float64(hm.GetSampleCount())
		for _, b := range hm.GetBucket() {
			ub := b.GetUpperBound()
			if math.IsInf(ub, +1) {
				continue
			}
			i, found := slices.BinarySearch(h.bounds, ub)
			if !found {
				h.bounds = slices.Insert(h.bounds, i, ub)
				h.cum = slices.Insert(h.cum, i, 0)
			}
			h.cum[i] += float64(b.GetCumulativeCount())
		}
	}
	return h
}

// quantile estimates the q-quantile the way PromQL's histogram_quantile
// does: find the bucket holding rank q·count and interpolate linearly
// inside it (from 0 for the first bucket). A rank in the +Inf bucket
// returns the highest finite bound. NaN when there are no observations.
func (h histogram) quantile(q float64) float64 {
	if h.count == 0 {
		return math.NaN()
	}
	rank := q * h.count
	lower, below := 0.0, 0.0
	for i, ub := range h.bounds {
		if h.cum[i] >= rank {
			inBucket := h.cum[i] - below
			if inBucket == 0 {
				return ub
			}
			if i == 0 && ub <= 0 {
				return ub
			}
			return lower + (ub-lower)*(rank-below)/inBucket
		}
		lower, below = ub, h.cum[i]
	}
	if len(h.bounds) == 0 {
		return math.NaN()
	}
	return h.bounds[len(h.bounds)-1]
}
