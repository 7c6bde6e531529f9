// Package jsonw appends JSON strings to a byte slice exactly as
// encoding/json writes them, without allocating. The decision log writes
// a record for every request and /v1/authorize an answer for every
// question: both build their JSON by hand on reused buffers with it, and
// their tests hold the output to encoding/json's byte for byte.
package jsonw

import "unicode/utf8"

// String appends s as a quoted JSON string.
func String(b []byte, s string) []byte {
	b = append(b, '"')
	b = Text(b, s)
	return append(b, '"')
}

// Field appends ,"name":"value" (name is not escaped: callers pass
// constants); nothing when omitEmpty is set and value is empty.
func Field(b []byte, name, value string, omitEmpty bool) []byte {
	if omitEmpty && value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return String(b, value)
}

// Text appends s escaped as encoding/json escapes string contents: the
// short escapes, other control characters and <, >, & as \u00XX, invalid
// UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func Text(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
