package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// chartColours are the systems' line colours.
var chartColours = map[string]string{direct: "#7f7f7f", proxy: "#1f77b4", lifeline: "#ff7f0e"}

// writeSVG draws latency against rate for the non-streaming scenarios:
// p50 as solid lines, p99 as dashed lines, one colour per system.
func writeSVG(w io.Writer, r *report) error {
	var scs []*scenarioResult
	for _, s := range r.Scenarios {
		if s.Rate > 0 {
			scs = append(scs, s)
		}
	}
	const (
		width, height = 760, 440
		left, right   = 70, 180
		top, bottom   = 40, 60
	)
	pw, ph := float64(width-left-right), float64(height-top-bottom)
	lo, hi := math.Inf(1), 0.0
	for _, s := range scs {
		for _, x := range s.Systems {
			if x.Latency.P50 > 0 {
				lo = math.Min(lo, x.Latency.P50)
			}
			hi = math.Max(hi, x.Latency.P99)
		}
	}
	dMin, dMax := decades(lo, hi)
	xAt := func(i int) float64 {
		if len(scs) == 1 {
			return left + pw/2
		}
		return left + pw*float64(i)/float64(len(scs)-1)
	}
	// Latency spans sub-millisecond medians to saturated tails: a log axis.
	yAt := func(v float64) float64 {
		v = math.Max(v, math.Pow(10, float64(dMin)))
		return top + ph*(1-(math.Log10(v)-float64(dMin))/float64(dMax-dMin))
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">Latency vs rate, non-streaming (p50 solid, p99 dashed)</text>`+"\n", left)
	for d := dMin; d <= dMax; d++ {
		v := math.Pow(10, float64(d))
		y := yAt(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", left, y, left+pw, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", left-8, y, trimFloat(v))
	}
	fmt.Fprintf(&b, `<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle">latency (ms, log scale)</text>`+"\n", top+ph/2)
	for i, s := range scs {
		x := xAt(i)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", x, top, x, top+ph)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, top+ph+20, html.EscapeString(rateLabel(s.Rate)))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">offered rate (requests per second)</text>`+"\n", left+pw/2, height-14)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%.1f" fill="none" stroke="#999999"/>`+"\n", left, top, pw, ph)

	names := []string{direct, proxy, lifeline}
	for _, name := range names {
		colour := chartColours[name]
		for _, dashed := range []bool{false, true} {
			var pts []string
			for i, s := range scs {
				x := s.find(name)
				if x == nil {
					continue
				}
				v := x.Latency.P50
				if dashed {
					v = x.Latency.P99
				}
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(v)))
			}
			if len(pts) == 0 {
				continue
			}
			dash := ""
			if dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.Join(pts, " "), colour, dash)
			for _, p := range pts {
				xy := strings.Split(p, ",")
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", xy[0], xy[1], colour)
			}
		}
	}
	lx := float64(width-right) + 20
	for i, name := range names {
		y := float64(top) + 20 + float64(i)*44
		colour := chartColours[name]
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n", lx, y, lx+28, y, colour)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s p50</text>`+"\n", lx+36, y, name)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`+"\n", lx, y+18, lx+28, y+18, colour)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s p99</text>`+"\n", lx+36, y+18, name)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" fill="#666666">%s</text>`+"\n", lx, height-14, html.EscapeString(r.Date))
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// decades returns the powers of ten that bound [lo, hi]: the log axis
// runs from 10^min to 10^max, at least one decade.
func decades(lo, hi float64) (minExp, maxExp int) {
	if math.IsInf(lo, 1) || lo <= 0 || hi <= 0 {
		return -1, 0
	}
	minExp = int(math.Floor(math.Log10(lo)))
	maxExp = int(math.Ceil(math.Log10(hi)))
	if maxExp <= minExp {
		maxExp = minExp + 1
	}
	return minExp, maxExp
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func rateLabel(r int) string {
	if r%1000 == 0 {
		return fmt.Sprintf("%dk", r/1000)
	}
	return fmt.Sprint(r)
}
