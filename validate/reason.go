package validate

import (
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/lifelinehq/lifeline/internal/textclip"
)

// maxReason bounds a Failure's Reason, in bytes.
const maxReason = 300

// clip shortens s to maxReason bytes at a rune boundary, marking the cut.
func clip(s string) string { return textclip.Cut(s, maxReason) }

// describe renders a validation error as "at <instance location>: <message>"
// for its first leaf, counting the others. Only the failing keyword's
// message and the location are shown, never the whole instance.
func describe(ve *jsonschema.ValidationError) string {
	p := message.NewPrinter(language.English)
	var via string // the anyOf/oneOf on the path to the leaf, if any
	leaf := ve
	for len(leaf.Causes) > 0 {
		switch leaf.ErrorKind.(type) {
		case *kind.AnyOf, *kind.OneOf:
			if via == "" {
				via = leaf.ErrorKind.LocalizedString(p)
			}
		}
		leaf = leaf.Causes[0]
	}
	var b strings.Builder
	b.WriteString("at ")
	b.WriteString(pointer(leaf.InstanceLocation))
	b.WriteString(": ")
	if via != "" {
		b.WriteString(via)
		b.WriteString(", first branch: ")
	}
	b.WriteString(leaf.ErrorKind.LocalizedString(p))
	if n := leaves(ve) - 1; n > 0 {
		b.WriteString(" (and ")
		b.WriteString(strconv.Itoa(n))
		b.WriteString(" more)")
	}
	return b.String()
}

// leaves counts the errors at the bottom of the tree.
func leaves(ve *jsonschema.ValidationError) int {
	if len(ve.Causes) == 0 {
		return 1
	}
	n := 0
	for _, c := range ve.Causes {
		n += leaves(c)
	}
	return n
}

// pointer renders an instance location as a JSON Pointer (RFC 6901), or
// "(root)" for the whole document.
func pointer(tokens []string) string {
	if len(tokens) == 0 {
		return "(root)"
	}
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		t = strings.ReplaceAll(t, "~", "~0")
		b.WriteString(strings.ReplaceAll(t, "/", "~1"))
	}
	return b.String()
}
