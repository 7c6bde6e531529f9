package iamapi

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
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

// xmlw builds an XML response body.
type xmlw struct {
	b strings.Builder
}

func (x *xmlw) open(name string)  { x.b.WriteString("<" + name + ">") }
func (x *xmlw) close(name string) { x.b.WriteString("</" + name + ">") }

// elem writes <name>text</name>, escaping the text.
func (x *xmlw) elem(name, text string) {
	x.b.WriteString("<" + name + ">")
	xmlEscape(&x.b, text)
	x.b.WriteString("</" + name + ">")
}

func xmlEscape(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			b.WriteRune(r)
		}
	}
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

// envelope wraps a result in AWS's response envelope.
func envelope(op, ns, result, requestID string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<%sResponse xmlns="%s">`, op, ns)
	// Operations whose output is an empty structure (UpdateRole) still
	// carry their Result element, which the SDKs look for; operations
	// without output ignore it.
	fmt.Fprintf(&b, "<%sResult>%s</%sResult>", op, result, op)
	fmt.Fprintf(&b, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", requestID, op)
	return b.String()
}

// errorEnvelope is AWS's error response for the Query protocol.
func errorEnvelope(e *APIError, ns, requestID string) string {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>`, ns, typ, e.Code)
	xmlEscape(&b, e.Message)
	fmt.Fprintf(&b, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>", requestID)
	return b.String()
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
