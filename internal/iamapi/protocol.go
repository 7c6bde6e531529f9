package iamapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Namespaces of the two APIs' XML.
const (
	iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// APIError is an error as AWS returns it: a code, a message and an HTTP
// status.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

func apiErr(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func noSuchEntity(format string, args ...any) *APIError {
	return apiErr(404, "NoSuchEntity", format, args...)
}

func invalidInput(format string, args ...any) *APIError {
	return apiErr(400, "InvalidInput", format, args...)
}

// params are a request's parameters, from the query string and the
// form-encoded body.
type params url.Values

func (p params) get(k string) string { return url.Values(p).Get(k) }

// required returns a parameter or a ValidationError naming it.
func (p params) required(k string) (string, error) {
	v := p.get(k)
	if v == "" {
		return "", apiErr(400, "ValidationError", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(k))
	}
	return v, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// list reads a member list: Name.member.1, Name.member.2, ...
// requiredAll reads several required parameters, in order.
func (p params) requiredAll(names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v, err := p.required(n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (p params) list(name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := url.Values(p)[fmt.Sprintf("%s.member.%d", name, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// tags reads Tags.member.N.Key / .Value.
func (p params) tags(name string) []Tag {
	var out []Tag
	for i := 1; ; i++ {
		k, ok := url.Values(p)[fmt.Sprintf("%s.member.%d.Key", name, i)]
		if !ok {
			return out
		}
		out = append(out, Tag{Key: k[0], Value: p.get(fmt.Sprintf("%s.member.%d.Value", name, i))})
	}
}

func (p params) intOr(k string, def int) (int, error) {
	v := p.get(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, apiErr(400, "ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a number", v, lowerFirst(k))
	}
	return n, nil
}

// boundPage reads MaxItems (default 100, at most 1,000 by the parameter
// table) and Marker for a list of total items that the request's own
// parameters define, such as the simulator's actions × resources, and
// returns the page's range and a function that writes IsTruncated and the
// next page's Marker.
//
// The Marker is opaque, as IAM's are: the start of the next page and a
// digest of the request's parameters other than Marker and MaxItems,
// base64url-encoded. A Marker that does not decode, that another request
// wrote (other actions, resources, policies or principal), or whose start
// is not inside the list is InvalidInput, "Invalid Marker.", the answer
// IAM gives a Marker it did not write for the call.
func (c *call) boundPage(total int) (start, end int, tail func(), err error) {
	max, err := c.p.intOr("MaxItems", 100)
	if err != nil {
		return 0, 0, nil, err
	}
	bound := c.p.digestExcept("Marker", "MaxItems")
	if m := c.p.get("Marker"); m != "" {
		var ok bool
		if start, ok = readBoundMarker(m, bound, total); !ok {
			return 0, 0, nil, invalidInput("Invalid Marker.")
		}
	}
	end = start + min(max, total-start)
	return start, end, func() {
		if end < total {
			c.x.elem("IsTruncated", "true")
			c.x.elem("Marker", boundMarker(end, bound))
			return
		}
		c.x.elem("IsTruncated", "false")
	}, nil
}

// markerVersion starts every bound Marker, so that a later form can be
// told apart.
const markerVersion = 1

// boundMarker writes the Marker of the page starting at start of the
// list the digest bound describes.
func boundMarker(start int, bound [16]byte) string {
	var raw [1 + 8 + 16]byte
	raw[0] = markerVersion
	binary.BigEndian.PutUint64(raw[1:9], uint64(start))
	copy(raw[9:], bound[:])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// readBoundMarker reads a Marker boundMarker wrote for the same list:
// its start, strictly inside a list of total items.
func readBoundMarker(m string, bound [16]byte, total int) (int, bool) {
	var raw [1 + 8 + 16]byte
	if base64.RawURLEncoding.EncodedLen(len(raw)) != len(m) {
		return 0, false
	}
	if n, err := base64.RawURLEncoding.Decode(raw[:], []byte(m)); err != nil || n != len(raw) || raw[0] != markerVersion {
		return 0, false
	}
	if [16]byte(raw[9:]) != bound {
		return 0, false
	}
	start := binary.BigEndian.Uint64(raw[1:9])
	if start == 0 || start >= uint64(total) {
		return 0, false
	}
	return int(start), true
}

// digestExcept is a digest of the parameters but those named: each name
// and its values, in the order of the names, each length-prefixed.
func (p params) digestExcept(skip ...string) [16]byte {
	h := sha256.New()
	var n [8]byte
	write := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	for _, k := range sortedKeys(p) {
		if slices.Contains(skip, k) {
			continue
		}
		write(k)
		binary.BigEndian.PutUint64(n[:], uint64(len(p[k])))
		h.Write(n[:])
		for _, v := range p[k] {
			write(v)
		}
	}
	var d [16]byte
	copy(d[:], h.Sum(nil))
	return d
}

// xmlw builds an XML response body.
type xmlw struct {
	b []byte
	// pooled is the buffer b came from, given back once the response is
	// written.
	pooled *[]byte
}

// take starts the result in a pooled buffer.
func (x *xmlw) take() {
	x.pooled = responseBuffers.Get().(*[]byte)
	x.b = (*x.pooled)[:0]
}

func (x *xmlw) open(name string) {
	x.b = append(append(append(x.b, '<'), name...), '>')
}

func (x *xmlw) close(name string) {
	x.b = append(append(append(x.b, '<', '/'), name...), '>')
}

// elem writes <name>text</name>, escaping the text.
func (x *xmlw) elem(name, text string) {
	x.open(name)
	x.b = appendXMLEscaped(x.b, text)
	x.close(name)
}

// appendXMLEscaped appends s with the five XML special characters
// escaped, a carriage return as a character reference (a parser would
// otherwise read it as a line feed), and everything XML 1.0 cannot carry
// replaced by U+FFFD: control characters other than tab and line feed,
// U+FFFE and U+FFFF, and bytes that are not UTF-8. Whatever was stored,
// the response parses.
func appendXMLEscaped(b []byte, s string) []byte {
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

// tags writes a Tags list.
func (x *xmlw) tags(tags []Tag) {
	if len(tags) == 0 {
		return
	}
	x.open("Tags")
	for _, t := range tags {
		x.open("member")
		x.elem("Key", t.Key)
		x.elem("Value", t.Value)
		x.close("member")
	}
	x.close("Tags")
}

// appendEnvelope appends a result wrapped in AWS's response envelope.
func appendEnvelope(b []byte, op, ns string, result []byte, requestID string) []byte {
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
	b = append(b, requestID...)
	b = append(b, "</RequestId></ResponseMetadata></"...)
	b = append(b, op...)
	return append(b, "Response>"...)
}

// errorEnvelope is AWS's error response for the Query protocol.
func errorEnvelope(e *APIError, ns, requestID string) []byte {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	b := fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>`, ns, typ, e.Code)
	b = appendXMLEscaped(b, e.Message)
	return fmt.Appendf(b, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>", requestID)
}

// encodeDocument writes a policy document as IAM returns it: URL-encoded
// (RFC 3986).
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
