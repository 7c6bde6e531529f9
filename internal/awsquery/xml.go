package awsquery

import (
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"
)

// Namespaces of the two APIs' XML.
const (
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// Writer builds an XML result.
type Writer struct {
	B []byte
	// pooled is the buffer B came from, given back by Release.
	pooled *[]byte
}

// buffers hold responses being written; a result and the envelope around
// it each take one.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// GetBuffer takes a buffer from the pool; PutBuffer gives it back.
func GetBuffer() *[]byte { return buffers.Get().(*[]byte) }

// PutBuffer keeps a buffer for the next response unless it grew past what
// ordinary responses need.
func PutBuffer(b *[]byte) {
	if cap(*b) <= 64<<10 {
		*b = (*b)[:0]
		buffers.Put(b)
	}
}

// Take starts the result in a pooled buffer.
func (x *Writer) Take() {
	x.pooled = GetBuffer()
	x.B = (*x.pooled)[:0]
}

// Release gives the pooled buffer back; the Writer holds nothing after.
func (x *Writer) Release() {
	if x.pooled != nil {
		*x.pooled = x.B
		PutBuffer(x.pooled)
	}
	x.pooled, x.B = nil, nil
}

// Open writes <name>.
func (x *Writer) Open(name string) {
	x.B = append(append(append(x.B, '<'), name...), '>')
}

// Close writes </name>.
func (x *Writer) Close(name string) {
	x.B = append(append(append(x.B, '<', '/'), name...), '>')
}

// Elem writes <name>text</name>, escaping the text.
func (x *Writer) Elem(name, text string) {
	x.Open(name)
	x.B = AppendEscaped(x.B, text)
	x.Close(name)
}

// AppendEscaped appends s with the five XML special characters escaped, a
// carriage return as a character reference (a parser would otherwise read
// it as a line feed), and everything XML 1.0 cannot carry replaced by
// U+FFFD: control characters other than tab and line feed, U+FFFE and
// U+FFFF, and bytes that are not UTF-8. Whatever was stored, the response
// parses.
func AppendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		size := 1
		switch c := s[i]; c {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '"':
			esc = "&quot;"
		case '\'':
			esc = "&apos;"
		case '\t', '\n':
			continue
		case '\r':
			esc = "&#xD;"
		default:
			if c < 0x20 {
				esc = "\uFFFD"
				break
			}
			if c < utf8.RuneSelf {
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if (r != utf8.RuneError || n != 1) && r != 0xFFFE && r != 0xFFFF {
				i += n - 1
				continue
			}
			esc, size = "\uFFFD", n
		}
		b = append(append(b, s[start:i]...), esc...)
		start = i + size
		i += size - 1
	}
	return append(b, s[start:]...)
}

// AppendEnvelope appends a result wrapped in AWS's response envelope.
func AppendEnvelope(b []byte, op, ns string, result []byte, requestID string) []byte {
	b = append(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<"...)
	b = append(b, op...)
	b = append(b, `Response xmlns="`...)
	b = append(b, ns...)
	// Operations whose output is an empty structure (UpdateRole) still
	// carry their Result element, which the SDKs look for; operations
	// without output ignore it.
	b = append(b, `"><`...)
	b = append(b, op...)
	b = append(b, "Result>"...)
	b = append(b, result...)
	b = append(b, "</"...)
	b = append(b, op...)
	b = append(b, "Result><ResponseMetadata><RequestId>"...)
	b = AppendEscaped(b, requestID)
	b = append(b, "</RequestId></ResponseMetadata></"...)
	b = append(b, op...)
	return append(b, "Response>"...)
}

// EncodeDocument writes a policy document as IAM returns it: URL-encoded
// (RFC 3986).
func EncodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}
