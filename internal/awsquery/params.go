// Package awsquery is the AWS Query protocol as IAM and STS speak it: a
// request's form-encoded parameters, decoded strictly; XML results
// written into pooled buffers and wrapped in AWS's response envelope;
// errors as AWS returns them; and the opaque page markers of paged
// results. It knows nothing of IAM's entities: the service builds on it.
package awsquery

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Limits of a Query API request. IAM's largest requests (policy
// documents of 10,240 characters, URL-encoded three times over, in
// SimulateCustomPolicy's lists) fit in well under a mebibyte.
const (
	MaxBodyBytes = 1 << 20
	MaxParams    = 4096
)

// Params are a request's parameters, from the query string and the
// form-encoded body, each given once.
type Params map[string][]string

// Decode reads a request's parameters: the form-encoded body, and the
// query string (less the X-Amz-* parameters of a presigned URL, which are
// the signature's). Both are covered by the signature. A parameter given
// twice, in either or across both, is refused rather than read as its
// first or last value: the two halves of a request must not be able to
// say different things.
func Decode(body []byte, rawQuery string) (Params, *Error) {
	form := Params{}
	count := 0
	add := func(part string, fromQuery bool) *Error {
		for part != "" {
			var pair string
			pair, part, _ = strings.Cut(part, "&")
			if pair == "" {
				continue
			}
			if strings.Contains(pair, ";") {
				return malformed("a parameter contains ';', which the Query protocol does not use as a separator")
			}
			k, v, _ := strings.Cut(pair, "=")
			key, err := url.QueryUnescape(k)
			if err != nil {
				return malformed("parameter name %q is not URL-encoded correctly", Truncate(k, 64))
			}
			value, err := url.QueryUnescape(v)
			if err != nil {
				return malformed("the value of parameter %q is not URL-encoded correctly", Truncate(key, 64))
			}
			if fromQuery && strings.HasPrefix(key, "X-Amz-") {
				continue
			}
			if _, dup := form[key]; dup {
				return malformed("parameter %q is given more than once", Truncate(key, 64))
			}
			if count++; count > MaxParams {
				return malformed("more than %d parameters", MaxParams)
			}
			form[key] = []string{value}
		}
		return nil
	}
	if aerr := add(string(body), false); aerr != nil {
		return nil, aerr
	}
	if aerr := add(rawQuery, true); aerr != nil {
		return nil, aerr
	}
	return form, nil
}

func malformed(format string, args ...any) *Error {
	return Errorf(400, "MalformedQueryString", format, args...)
}

// Truncate shortens s for an error message.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Get returns a parameter, or "".
func (p Params) Get(k string) string {
	if v := p[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Required returns a parameter or AWS's ValidationError naming it.
func (p Params) Required(k string) (string, error) {
	v := p.Get(k)
	if v == "" {
		return "", Errorf(400, "ValidationError", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", LowerFirst(k))
	}
	return v, nil
}

// RequiredAll reads several required parameters, in order.
func (p Params) RequiredAll(names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v, err := p.Required(n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// LowerFirst is a parameter's name as AWS's validation messages write it.
func LowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// List reads a member list: Name.member.1, Name.member.2, ... up to the
// first number missing.
func (p Params) List(name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := p[fmt.Sprintf("%s.member.%d", name, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// Pairs reads a list of structures of two fields, such as Tags
// (Tags.member.N.Key and .Value): the first field marks each member.
func (p Params) Pairs(name, first, second string) [][2]string {
	var out [][2]string
	for i := 1; ; i++ {
		k, ok := p[fmt.Sprintf("%s.member.%d.%s", name, i, first)]
		if !ok {
			return out
		}
		out = append(out, [2]string{k[0], p.Get(fmt.Sprintf("%s.member.%d.%s", name, i, second))})
	}
}

// IntOr reads an integer parameter, def when it is absent.
func (p Params) IntOr(k string, def int) (int, error) {
	v := p.Get(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, Errorf(400, "ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a number", v, LowerFirst(k))
	}
	return n, nil
}

// DigestExcept is a digest of the parameters but those named: each name
// and its values, in the order of the names, each length-prefixed.
func (p Params) DigestExcept(skip ...string) [16]byte {
	h := sha256.New()
	var n [8]byte
	write := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
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
