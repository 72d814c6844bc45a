package wire

import "github.com/lifelinehq/lifeline/internal/jsonscan"

// appendString appends s to dst as a JSON string. Quotes, backslashes and
// control characters are escaped, as are U+2028 and U+2029 (which some
// JavaScript parsers treat as line ends); invalid UTF-8 becomes U+FFFD, as
// encoding/json does. It does not allocate beyond growing dst.
func appendString(dst []byte, s string) []byte {
	return jsonscan.AppendString(dst, s, jsonscan.LineTerminators)
}
