package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// table writes one Markdown table: its caption paragraph and header when
// made, then a row per call of row, and the blank line after it on end.
type table struct{ w io.Writer }

// newTable writes caption, a blank line, and the header of a table with
// the columns titled cols; align holds one letter per column: l (left),
// r (right) or c (centred).
func newTable(w io.Writer, caption, align string, cols ...string) table {
	seps := make([]string, len(cols))
	for i := range seps {
		switch align[i] {
		case 'r':
			seps[i] = "---:"
		case 'c':
			seps[i] = ":---:"
		default:
			seps[i] = "---"
		}
	}
	t := table{w}
	fmt.Fprintf(w, "%s\n\n", caption)
	t.row(cols...)
	t.row(seps...)
	return t
}

// row writes one row.
func (t table) row(cells ...string) {
	fmt.Fprintf(t.w, "| %s |\n", strings.Join(cells, " | "))
}

// end writes the blank line that closes the table.
func (t table) end() { fmt.Fprintln(t.w) }

// fixed writes v with prec decimals.
func fixed(v float64, prec int) string { return fmt.Sprintf("%.*f", prec, v) }

// machineRow writes x's row of a whole-machine table, unless x ran
// nothing: CPU seconds per 1k requests of the load generator, the upstream,
// the measured process and each of extra (the CPU seconds of the system's
// other processes), then cores busy, the share of other work, and the
// highest load average.
func machineRow(t table, scenario string, x *systemResult, extra ...float64) {
	n := float64(x.Requests+x.Errors) / 1000
	if n == 0 || x.Seconds == 0 {
		return
	}
	other := x.MachineCPU - x.ClientCPU - x.UpCPU - x.CPUSeconds
	cells := []string{scenario, x.System, fixed(x.ClientCPU/n, 3), fixed(x.UpCPU/n, 3), cpuCell(x)}
	for _, e := range extra {
		other -= e
		cells = append(cells, fixed(e/n, 3))
	}
	other = max(0, other)
	t.row(append(cells, fixed(x.MachineCPU/x.Seconds, 2), fixed(100*ratio(other, x.MachineCPU), 0)+"%",
		fixed(x.MaxLoadAvg, 1))...)
}

// writeChecks writes the table of checked bounds under caption, if there
// are checks.
func writeChecks(w io.Writer, caption string, cs []check) {
	if len(cs) == 0 {
		return
	}
	t := newTable(w, caption, "lrc", "target", "measured", "met")
	for _, c := range cs {
		met := "yes"
		if !c.Pass {
			met = "**no**"
		}
		t.row(c.Target, c.Measured, met)
	}
	t.end()
}

// errorNotes lists the failed requests of who in one scenario, by kind.
func errorNotes(scenario, who string, kinds map[string]int) []string {
	var notes []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		notes = append(notes, fmt.Sprintf("- %s, %s: %d × %s", scenario, who, kinds[k], k))
	}
	return notes
}

// writeNotes writes the list of errors seen, if there are any.
func writeNotes(w io.Writer, notes []string) {
	if len(notes) == 0 {
		return
	}
	fmt.Fprintln(w, "Errors seen:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, strings.Join(notes, "\n"))
	fmt.Fprintln(w)
}

// cpuCell is the measured process's CPU seconds per 1k requests.
func cpuCell(x *systemResult) string {
	if !x.Measured {
		return "—"
	}
	return fixed(x.CPUPer1k, 3)
}
