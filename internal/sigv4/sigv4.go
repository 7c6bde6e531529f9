// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in
// the Authorization header or in a presigned query string, exactly as the
// AWS SDKs and CLI sign them ("Create a signed AWS API request").
//
// Verification recomputes the canonical request, the string to sign and
// the signing key from the caller's secret, and compares signatures in
// constant time. Errors carry AWS's codes and messages and never a secret.
//
// What is signed is what runs. The payload hash in the canonical request
// is always computed from the body received, never taken from the
// X-Amz-Content-Sha256 header, which must equal it when sent;
// UNSIGNED-PAYLOAD is refused, and a presigned URL carries no body at
// all. The credential scope must name a service ward answers (Services)
// and a well-formed region. Every field is read once: a repeated
// Credential, SignedHeaders or Signature, or a repeated authentication
// parameter of a presigned URL, is refused rather than resolved. A signing
// key is remembered only once a signature made with it has matched.
package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Algorithm is the only one AWS SigV4 defines.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxSkew is how far a request's time may be from the server's: AWS
// refuses a signature more than 15 minutes off.
const MaxSkew = 15 * time.Minute

// Services are the services a credential scope may name for Verify and
// VerifyInto: the Query API answers IAM and STS. VerifyScoped names its
// own.
var Services = []string{"iam", "sts"}

// Bounds on what a request may send, checked before anything else is
// done with it.
const (
	maxAuthorization = 8 << 10
	maxSignedHeaders = 64
	maxKeyID         = 128
	maxRegion        = 32
)

// Error is a verification failure, with the code and HTTP status AWS uses.
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func fail(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// Signed is what a valid signature establishes.
type Signed struct {
	AccessKeyID   string
	Region        string
	Service       string
	Time          time.Time
	SecurityToken string // X-Amz-Security-Token, for temporary credentials
	Presigned     bool
}

// SecretFunc returns the secret of an access key, or an *Error
// (InvalidClientTokenId for an unknown or inactive key).
type SecretFunc func(accessKeyID string) (secret string, err error)

// Verify checks a request's signature. body is the request body, already
// read. now is the server's clock.
func Verify(r *http.Request, body []byte, secret SecretFunc, now time.Time) (*Signed, error) {
	out := new(Signed)
	if err := VerifyInto(r, body, secret, now, out); err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyInto is Verify writing into out. A request signed in its
// Authorization header with no query string (the SDKs' and the CLI's POST
// requests) is verified without allocating: the canonical request, the
// string to sign and the HMACs are computed in pooled buffers.
func VerifyInto(r *http.Request, body []byte, secret SecretFunc, now time.Time, out *Signed) error {
	return VerifyScoped(r, body, Services, secret, now, out)
}

// VerifyScoped is VerifyInto for an endpoint whose signatures are scoped
// to one of services: a signature made for one endpoint is not accepted
// by another.
func VerifyScoped(r *http.Request, body []byte, services []string, secret SecretFunc, now time.Time, out *Signed) error {
	auth := r.Header.Get("Authorization")
	presigned := r.URL.RawQuery != "" && strings.Contains(r.URL.RawQuery, "X-Amz-Algorithm=")
	switch {
	case auth != "" && presigned && r.URL.Query().Get("X-Amz-Algorithm") != "":
		return fail(400, "InvalidRequest", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
	case auth != "":
		return verifyHeader(r, body, auth, services, secret, now, out)
	case presigned:
		if q := r.URL.Query(); q.Get("X-Amz-Algorithm") != "" {
			return verifyQuery(r, body, q, services, secret, now, out)
		}
	}
	return fail(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

// credential is the parsed Credential element: AKID/date/region/service/aws4_request.
type credential struct {
	keyID, date, region, service string
}

func parseCredential(s string, services []string) (credential, *Error) {
	var c credential
	var rest, term string
	var ok [4]bool
	c.keyID, rest, ok[0] = strings.Cut(s, "/")
	c.date, rest, ok[1] = strings.Cut(rest, "/")
	c.region, rest, ok[2] = strings.Cut(rest, "/")
	c.service, term, ok[3] = strings.Cut(rest, "/")
	if !ok[0] || !ok[1] || !ok[2] || !ok[3] || strings.Contains(term, "/") {
		return credential{}, fail(400, "IncompleteSignature", "Credential should be scoped to a valid Region, not %q.", truncate(s))
	}
	if term != "aws4_request" {
		return c, fail(400, "IncompleteSignature", "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", truncate(term))
	}
	if c.keyID == "" || len(c.keyID) > maxKeyID || !isWord(c.keyID) {
		return c, fail(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if len(c.date) != 8 || !isDigits(c.date) {
		return c, fail(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid date: %q.", truncate(c.date))
	}
	if !isRegion(c.region) {
		return c, fail(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. ")
	}
	known := false
	for _, svc := range services {
		known = known || c.service == svc
	}
	if !known {
		return c, fail(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: '%s'. ", services[0])
	}
	return c, nil
}

// isRegion accepts a region's shape: lower-case words of letters and
// digits joined by hyphens, at least two of them, such as us-east-1,
// eu-central-2 or us-gov-west-1.
func isRegion(s string) bool {
	if len(s) < 4 || len(s) > maxRegion || s[0] == '-' || s[len(s)-1] == '-' || !strings.Contains(s, "-") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && s[i-1] != '-') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isWord accepts an access key ID's characters.
func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// truncate shortens what a request sent for an error message.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func verifyHeader(r *http.Request, body []byte, auth string, services []string, secret SecretFunc, now time.Time, out *Signed) error {
	if len(auth) > maxAuthorization {
		return fail(400, "IncompleteSignature", "The Authorization header is longer than %d bytes.", maxAuthorization)
	}
	if len(r.Header.Values("Authorization")) > 1 {
		return fail(400, "IncompleteSignature", "Only one Authorization header may be sent.")
	}
	if !strings.HasPrefix(auth, Algorithm+" ") {
		alg, _, _ := strings.Cut(auth, " ")
		return fail(400, "IncompleteSignature", "Unsupported AWS 'algorithm': %q", truncate(alg))
	}
	var credentialField, signedField, signature string
	var seen [3]bool
	for rest := auth[len(Algorithm)+1:]; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		i := -1
		switch k {
		case "Credential":
			i, credentialField = 0, v
		case "SignedHeaders":
			i, signedField = 1, v
		case "Signature":
			i, signature = 2, v
		}
		if i >= 0 {
			if seen[i] {
				return fail(400, "IncompleteSignature", "Authorization header has more than one '%s' parameter.", k)
			}
			seen[i] = true
		}
	}
	for _, f := range [...]struct{ name, value string }{{"Credential", credentialField}, {"SignedHeaders", signedField}, {"Signature", signature}} {
		if f.value == "" {
			return fail(400, "IncompleteSignature", "Authorization header requires '%s' parameter. Authorization=%s", f.name, auth)
		}
	}
	cred, e := parseCredential(credentialField, services)
	if e != nil {
		return e
	}
	stamp, dateHeader := r.Header.Get("X-Amz-Date"), "x-amz-date"
	if stamp == "" {
		stamp, dateHeader = r.Header.Get("Date"), "date"
	}
	if len(r.Header.Values("X-Amz-Date")) > 1 || len(r.Header.Values("X-Amz-Security-Token")) > 1 || len(r.Header.Values("X-Amz-Content-Sha256")) > 1 {
		return fail(400, "IncompleteSignature", "X-Amz-Date, X-Amz-Security-Token and X-Amz-Content-Sha256 may each be sent once.")
	}
	t, err := time.Parse("20060102T150405Z", stamp)
	if err != nil {
		return fail(400, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	const iso = "20060102T150405Z"
	switch d := now.Sub(t); {
	case d > MaxSkew:
		return fail(403, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			stamp, now.Add(-MaxSkew).UTC().Format(iso), now.UTC().Format(iso))
	case d < -MaxSkew:
		return fail(403, "SignatureDoesNotMatch", "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			stamp, now.Add(MaxSkew).UTC().Format(iso), now.UTC().Format(iso))
	}
	if cred.date != stamp[:8] {
		return fail(403, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", cred.date, stamp[:8], stamp)
	}
	if e := checkSignedHeaders(signedField); e != nil {
		return e
	}
	if !listHas(signedField, "host") {
		return fail(403, "SignatureDoesNotMatch", "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if !listHas(signedField, dateHeader) {
		// The time the signature is checked against must be signed too,
		// or it could be moved to keep a captured request current.
		return fail(403, "SignatureDoesNotMatch", "'%s' must be a 'SignedHeader' in the AWS Authorization.", dateHeader)
	}
	if e := checkPayloadHeader(r, body); e != nil {
		return e
	}
	var q url.Values
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	out.SecurityToken, out.Presigned = r.Header.Get("X-Amz-Security-Token"), false
	return check(r, body, q, "", signedField, cred, stamp, t, signature, secret, out)
}

func verifyQuery(r *http.Request, body []byte, q url.Values, services []string, secret SecretFunc, now time.Time, out *Signed) error {
	if q.Get("X-Amz-Algorithm") != Algorithm {
		return fail(400, "IncompleteSignature", "Unsupported AWS 'algorithm': %q", truncate(q.Get("X-Amz-Algorithm")))
	}
	for k, v := range q {
		if strings.HasPrefix(k, "X-Amz-") && len(v) > 1 {
			return fail(400, "AuthorizationQueryParametersError", "%s may be given once.", truncate(k))
		}
	}
	if len(body) > 0 {
		// The signature of a presigned URL covers its query string and
		// no body: parameters in a body would run unsigned.
		return fail(400, "InvalidRequest", "A presigned request carries its parameters in its signed query string; it may have no body.")
	}
	if r.Header.Get("X-Amz-Content-Sha256") != "" {
		return fail(400, "InvalidRequest", "A presigned request may not send X-Amz-Content-Sha256.")
	}
	if e := checkSignedHeaders(q.Get("X-Amz-SignedHeaders")); e != nil {
		return e
	}
	for _, k := range []string{"X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(k) == "" {
			return fail(400, "AuthorizationQueryParametersError", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	cred, e := parseCredential(q.Get("X-Amz-Credential"), services)
	if e != nil {
		return e
	}
	stamp := q.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", stamp)
	if err != nil {
		return fail(400, "AuthorizationQueryParametersError", "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	expires := 900
	if v := q.Get("X-Amz-Expires"); v != "" {
		if _, err := fmt.Sscanf(v, "%d", &expires); err != nil || expires < 0 || expires > 604800 {
			return fail(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be a number between 0 and 604800 seconds")
		}
	}
	if now.Before(t.Add(-MaxSkew)) {
		return fail(403, "SignatureDoesNotMatch", "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			stamp, now.Add(MaxSkew).UTC().Format("20060102T150405Z"), now.UTC().Format("20060102T150405Z"))
	}
	if now.After(t.Add(time.Duration(expires) * time.Second)) {
		return fail(403, "ExpiredToken", "Request has expired")
	}
	out.SecurityToken, out.Presigned = q.Get("X-Amz-Security-Token"), true
	return check(r, body, q, "X-Amz-Signature", q.Get("X-Amz-SignedHeaders"), cred, stamp, t, q.Get("X-Amz-Signature"), secret, out)
}

// checkSignedHeaders refuses a SignedHeaders list that is not what
// SigV4 defines: lower-case names, sorted, each once, at most
// maxSignedHeaders of them.
func checkSignedHeaders(list string) *Error {
	prev, n := "", 0
	for rest := list; rest != ""; {
		var h string
		h, rest, _ = strings.Cut(rest, ";")
		n++
		if h == "" || n > maxSignedHeaders || h <= prev && n > 1 {
			return fail(403, "SignatureDoesNotMatch", "SignedHeaders must be distinct lower-case header names, sorted, at most %d.", maxSignedHeaders)
		}
		for i := 0; i < len(h); i++ {
			if c := h[i]; c >= 'A' && c <= 'Z' || c <= ' ' || c == ':' || c >= 0x7f {
				return fail(403, "SignatureDoesNotMatch", "SignedHeaders must be distinct lower-case header names, sorted, at most %d.", maxSignedHeaders)
			}
		}
		prev = h
	}
	return nil
}

// checkPayloadHeader refuses an X-Amz-Content-Sha256 header that is not
// the hash of the body received. IAM and STS sign their payloads: an
// UNSIGNED-PAYLOAD or streaming value is refused too.
func checkPayloadHeader(r *http.Request, body []byte) *Error {
	claimed := r.Header.Get("X-Amz-Content-Sha256")
	if claimed == "" {
		return nil
	}
	var want [32]byte
	sum := sha256.Sum256(body)
	if !decodeHex(want[:], claimed) || subtle.ConstantTimeCompare(want[:], sum[:]) != 1 {
		return fail(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return nil
}

// scratch holds the buffers one verification needs; pooled so that
// verifying allocates nothing once warm.
type scratch struct {
	h      hash.Hash
	buf    []byte // the canonical request, then the string to sign
	keyBuf []byte // "AWS4" + secret
	msg    []byte // a short HMAC message
	k      [64]byte
	pad    [64]byte
	inner  [32]byte
	key    [32]byte // the signing key as it is derived
	mac    [32]byte
	header [64]byte // a signed header's name in canonical form
	// derived says the signing key was derived for this request, not
	// remembered (signingKey).
	derived bool
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{h: sha256.New(), buf: make([]byte, 0, 1024), keyBuf: make([]byte, 0, 128), msg: make([]byte, 0, 64)}
}}

// hmac sets out to HMAC-SHA256(key, msg) (RFC 2104). out may be key.
func (s *scratch) hmac(out *[32]byte, key, msg []byte) {
	s.k = [64]byte{}
	if len(key) > len(s.k) {
		s.h.Reset()
		s.h.Write(key)
		s.h.Sum(s.k[:0])
	} else {
		copy(s.k[:], key)
	}
	for i := range s.pad {
		s.pad[i] = s.k[i] ^ 0x36
	}
	s.h.Reset()
	s.h.Write(s.pad[:])
	s.h.Write(msg)
	s.h.Sum(s.inner[:0])
	for i := range s.pad {
		s.pad[i] = s.k[i] ^ 0x5c
	}
	s.h.Reset()
	s.h.Write(s.pad[:])
	s.h.Write(s.inner[:])
	s.h.Sum(out[:0])
}

// hmacString is hmac with a string message, copied into a buffer so that
// no conversion allocates.
func (s *scratch) hmacString(out *[32]byte, key []byte, msg string) {
	s.msg = append(s.msg[:0], msg...)
	s.hmac(out, key, s.msg)
}

// signature computes the request's signature into s.mac.
func (s *scratch) signature(r *http.Request, body []byte, q url.Values, skip, signedHeaders string, cred credential, stamp, secret string) {
	s.buf = appendCanonicalRequest(s.buf[:0], r, body, q, skip, signedHeaders, &s.header)
	canonical := sha256.Sum256(s.buf)
	s.buf = append(s.buf[:0], Algorithm...)
	s.buf = append(s.buf, '\n')
	s.buf = append(s.buf, stamp...)
	s.buf = append(s.buf, '\n')
	s.buf = appendScope(s.buf, cred.date, cred.region, cred.service)
	s.buf = append(s.buf, '\n')
	s.buf = hex.AppendEncode(s.buf, canonical[:])
	s.derived = s.signingKey(secret, cred)
	s.hmac(&s.mac, s.key[:], s.buf)
}

// signingKey derives the signing key into s.key: kDate, kRegion,
// kService, kSigning, four HMACs that depend only on the secret and the
// scope. A key signs all of a day's requests to a service, so it is
// remembered.
//
// It reports whether the key was derived now rather than remembered:
// rememberKey keeps it only once a signature made with it has matched,
// so that forged requests, with any scope, cost the cache nothing.
func (s *scratch) signingKey(secret string, cred credential) (derived bool) {
	id := signingKeyID{secret, cred.date, cred.region, cred.service}
	signingKeys.Lock()
	key, ok := signingKeys.m[id]
	signingKeys.Unlock()
	if ok {
		s.key = key
		return false
	}
	s.keyBuf = append(append(s.keyBuf[:0], "AWS4"...), secret...)
	s.hmacString(&s.key, s.keyBuf, cred.date)
	s.hmacString(&s.key, s.key[:], cred.region)
	s.hmacString(&s.key, s.key[:], cred.service)
	s.hmacString(&s.key, s.key[:], "aws4_request")
	return true
}

// rememberKey keeps a signing key that has verified a signature.
func rememberKey(secret string, cred credential, key [sha256.Size]byte) {
	id := signingKeyID{secret, cred.date, cred.region, cred.service}
	signingKeys.Lock()
	if signingKeys.m == nil || len(signingKeys.m) >= signingKeyLimit {
		// Full: start over rather than track ages. Yesterday's keys go
		// with it.
		signingKeys.m = make(map[signingKeyID][sha256.Size]byte)
	}
	signingKeys.m[id] = key
	signingKeys.Unlock()
}

// signingKeyCount is how many signing keys are remembered, for tests.
func signingKeyCount() int {
	signingKeys.Lock()
	defer signingKeys.Unlock()
	return len(signingKeys.m)
}

type signingKeyID struct{ secret, date, region, service string }

const signingKeyLimit = 4096

var signingKeys struct {
	sync.Mutex
	m map[signingKeyID][sha256.Size]byte
}

func appendScope(b []byte, date, region, service string) []byte {
	b = append(b, date...)
	b = append(b, '/')
	b = append(b, region...)
	b = append(b, '/')
	b = append(b, service...)
	return append(b, "/aws4_request"...)
}

// check recomputes the signature with the key's secret and compares it
// with the one given, in constant time.
func check(r *http.Request, body []byte, q url.Values, skip, signedHeaders string, cred credential, stamp string, t time.Time, signature string, secret SecretFunc, out *Signed) error {
	key, err := secret(cred.keyID)
	if err != nil {
		return err
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	s.signature(r, body, q, skip, signedHeaders, cred, stamp, key)
	var given [32]byte
	if !decodeHex(given[:], signature) || subtle.ConstantTimeCompare(s.mac[:], given[:]) != 1 {
		return fail(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	if s.derived {
		rememberKey(key, cred, s.key)
	}
	out.AccessKeyID, out.Region, out.Service, out.Time = cred.keyID, cred.region, cred.service, t
	return nil
}

// decodeHex decodes a signature (upper or lower case) into dst, which it
// must fill exactly.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendCanonicalRequest appends the canonical form of r. skip names a
// query parameter left out (the signature itself, in presigned URLs).
// header is room for a header name in canonical form.
func appendCanonicalRequest(b []byte, r *http.Request, body []byte, q url.Values, skip, signedHeaders string, header *[64]byte) []byte {
	b = append(b, r.Method...)
	b = append(b, '\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	// Non-S3 services sign the path URI-encoded once more.
	for rest, first := path, true; ; first = false {
		seg, more, found := strings.Cut(rest, "/")
		if !first {
			b = append(b, '/')
		}
		b = appendEscaped(b, seg)
		if !found {
			break
		}
		rest = more
	}
	b = append(b, '\n')
	b = appendCanonicalQuery(b, q, skip)
	b = append(b, '\n')
	for rest := signedHeaders; rest != ""; {
		var h string
		h, rest, _ = strings.Cut(rest, ";")
		b = append(b, h...)
		b = append(b, ':')
		switch {
		case h == "host":
			b = appendTrimmed(b, r.Host)
		default:
			values := headerValues(r.Header, h, header)
			if h == "content-length" && len(values) == 0 && r.ContentLength >= 0 {
				// Go keeps the length in the request, not always the header.
				b = strconv.AppendInt(b, r.ContentLength, 10)
			}
			for i, v := range values {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendTrimmed(b, v)
			}
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, signedHeaders...)
	b = append(b, '\n')
	// The hash of the body received, always: a header cannot stand in
	// for it (checkPayloadHeader has made sure one sent agrees).
	sum := sha256.Sum256(body)
	return hex.AppendEncode(b, sum[:])
}

// headerValues looks a lower-case header name up in h, canonicalising it
// in buf rather than in a new string.
func headerValues(h http.Header, name string, buf *[64]byte) []string {
	if len(name) > len(buf) {
		return h.Values(name)
	}
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
		upper = c == '-'
	}
	return h[string(buf[:len(name)])]
}

// appendTrimmed appends v with leading and trailing white space removed
// and inner runs of it made one space, as SigV4 canonical headers are.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			space = true
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return b
}

func appendCanonicalQuery(b []byte, q url.Values, skip string) []byte {
	if len(q) == 0 {
		return b
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != skip {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	first := true
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			if !first {
				b = append(b, '&')
			}
			first = false
			b = appendEscaped(b, k)
			b = append(b, '=')
			b = appendEscaped(b, v)
		}
	}
	return b
}

// appendEscaped is RFC 3986 percent-encoding of everything but the
// unreserved characters, as SigV4 requires.
func appendEscaped(b []byte, s string) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b = append(b, c)
		} else {
			b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return b
}

// listHas reports whether a ;-separated list holds s.
func listHas(list, s string) bool {
	for list != "" {
		var x string
		x, list, _ = strings.Cut(list, ";")
		if x == s {
			return true
		}
	}
	return false
}

// Sign signs a request with the given credentials, for ward's own tools
// and tests; clients use the AWS SDKs.
func Sign(r *http.Request, body []byte, keyID, secret, region, service string, t time.Time) {
	stamp := t.UTC().Format("20060102T150405Z")
	r.Header.Set("X-Amz-Date", stamp)
	const signedHeaders = "host;x-amz-date"
	var q url.Values
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	cred := credential{keyID: keyID, date: stamp[:8], region: region, service: service}
	s.signature(r, body, q, "", signedHeaders, cred, stamp, secret)
	r.Header.Set("Authorization", fmt.Sprintf("%s Credential=%s/%s, SignedHeaders=%s, Signature=%x",
		Algorithm, keyID, appendScope(nil, cred.date, region, service), signedHeaders, s.mac[:]))
}
