package validate

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lifelinehq/lifeline/wire"
)

// MinLength is the gateway's "min_length" check: the text has at least n
// characters (runes).
func MinLength(n int) Custom {
	return Custom{Name: "min_length", Check: func(out *wire.Output) error {
		if got := utf8.RuneCountInString(out.Text); got < n {
			return fmt.Errorf("text has %d characters, want at least %d", got, n)
		}
		return nil
	}}
}

// Regex is the gateway's "regex" check: the text matches pattern (Go RE2
// syntax, unanchored unless the pattern anchors itself). It fails when the
// pattern does not compile.
func Regex(pattern string) (Custom, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return Custom{}, fmt.Errorf("validate: regex %q: %w", pattern, err)
	}
	reason := "text does not match " + strconv.Quote(pattern)
	return Custom{Name: "regex", Check: func(out *wire.Output) error {
		if !re.MatchString(out.Text) {
			return errors.New(reason)
		}
		return nil
	}}, nil
}

// RequiredFields is the gateway's "required_fields" check: the text (after
// stripping one code fence) is a JSON object with each of the top-level
// fields.
func RequiredFields(fields ...string) Custom {
	fields = append([]string(nil), fields...)
	return Custom{Name: "required_fields", Check: func(out *wire.Output) error {
		doc, err := parseJSON([]byte(StripFence(out.Text)))
		if err != nil {
			return errors.New(jsonReason("text", err, out.Truncated))
		}
		obj, ok := doc.(map[string]any)
		if !ok {
			return errors.New("text is not a JSON object")
		}
		var missing []string
		for _, f := range fields {
			if _, ok := obj[f]; !ok {
				missing = append(missing, strconv.Quote(f))
			}
		}
		switch len(missing) {
		case 0:
			return nil
		case 1:
			return errors.New("missing field " + missing[0])
		}
		return errors.New("missing fields " + strings.Join(missing, ", "))
	}}
}
