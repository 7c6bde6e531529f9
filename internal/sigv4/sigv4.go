// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in
// the Authorization header or in a presigned query string, exactly as the
// AWS SDKs and CLI sign them ("Create a signed AWS API request").
//
// Verification recomputes the canonical request, the string to sign and
// the signing key from the caller's secret, and compares signatures in
// constant time. Everything the signature is taken to cover is checked:
//
//   - The payload is always the SHA-256 of the body itself. An
//     X-Amz-Content-Sha256 header must agree with it; UNSIGNED-PAYLOAD and
//     the STREAMING-* forms are refused. A presigned URL carries no body.
//   - The credential scope must name a service the endpoint answers (iam
//     and sts for Verify and VerifyInto, those given to VerifyScoped), an
//     AWS-shaped region and the request's date, and each of its elements
//     is bounded in length before anything else is done with it.
//   - The request time must be within 15 minutes of the server's (or, for
//     a presigned URL, within its expiry).
//   - The Authorization header, each of its fields, each X-Amz-* query
//     parameter of a presigned URL and the security token are given once;
//     the signed headers are sorted, lower case and unique, at most 64 of
//     them, and include host and the header that gives the date.
//
// A signing key is remembered only after a signature made with it has
// verified, so forged requests cost some CPU but no memory; it is named by
// access key ID and scope, with a digest of the secret rather than the
// secret. Errors carry AWS's codes and messages and never a secret.
package sigv4

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"slices"
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

// Bounds on what a request may make the verifier read or keep. The AWS
// SDKs and CLI stay far below each.
const (
	maxAuthorization = 8 << 10 // bytes of the Authorization header
	maxSignedHeaders = 64      // names in SignedHeaders
	maxHeaderName    = 128     // bytes of one signed header's name
	maxKeyID         = 128     // AWS access key IDs are at most 128 characters
	maxRegion        = 32
	maxService       = 32
	maxPooledBuffer  = 64 << 10 // a scratch grown past this is not pooled again
)

const stampLayout = "20060102T150405Z"

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

// clip shortens a value from the request before an error quotes it, so
// that an error is never as large as what an attacker sent.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Signed is what a valid signature establishes.
type Signed struct {
	AccessKeyID   string
	Region        string
	Service       string
	Time          time.Time
	SecurityToken string // X-Amz-Security-Token, for temporary credentials; "" if none was sent
	Presigned     bool
}

// SecretFunc returns the secret of an access key, or an *Error
// (InvalidClientTokenId for an unknown or inactive key).
type SecretFunc func(accessKeyID string) (secret string, err error)

// defaultServices are the services Verify and VerifyInto accept: the
// Query API answers IAM and STS.
var defaultServices = []string{"iam", "sts"}

// Verify checks a request's signature, accepting the services iam and
// sts. body is the request body, already read. now is the server's clock.
func Verify(r *http.Request, body []byte, secret SecretFunc, now time.Time) (*Signed, error) {
	out := new(Signed)
	if err := VerifyScoped(r, body, defaultServices, secret, now, out); err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyInto is Verify writing into out.
func VerifyInto(r *http.Request, body []byte, secret SecretFunc, now time.Time, out *Signed) error {
	return VerifyScoped(r, body, defaultServices, secret, now, out)
}

// VerifyScoped is VerifyInto for an endpoint whose signatures are scoped
// to one of services, so that a signature made for one endpoint is not
// accepted by another; the first is the one an error names. No services
// means iam and sts, as VerifyInto.
//
// A request signed in its Authorization header with no query string (the
// SDKs' and the CLI's POST requests) is verified without allocating once
// warm: the canonical request, the string to sign, the payload hash and
// the HMACs are computed in pooled buffers. On failure out is left
// unspecified, and the error is an *Error or what secret returned.
func VerifyScoped(r *http.Request, body []byte, services []string, secret SecretFunc, now time.Time, out *Signed) error {
	if len(services) == 0 {
		services = defaultServices
	}
	auth, e := single(r.Header, "Authorization")
	if e != nil {
		return e
	}
	var q url.Values
	if r.URL.RawQuery != "" {
		var err error
		// A pair the parser drops would be left out of the canonical
		// request, unsigned; refuse the query instead.
		if q, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			return fail(400, "InvalidRequest", "The query string could not be parsed: %s", clip(err.Error()))
		}
	}
	presigned := q.Get("X-Amz-Algorithm") != ""
	switch {
	case auth != "" && presigned:
		return fail(400, "InvalidRequest", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
	case auth != "":
		return verifyHeader(r, body, q, auth, services, secret, now, out)
	case presigned:
		return verifyQuery(r, body, q, services, secret, now, out)
	}
	return fail(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

// credential is the parsed Credential element: AKID/date/region/service/aws4_request.
type credential struct {
	keyID, date, region, service string
}

// parseCredential splits a Credential and checks each element's length
// before its content, then the content: the date's digits, the region's
// shape, the service against those accepted.
func parseCredential(s string, services []string) (credential, *Error) {
	var c credential
	var rest, term string
	var ok [4]bool
	c.keyID, rest, ok[0] = strings.Cut(s, "/")
	c.date, rest, ok[1] = strings.Cut(rest, "/")
	c.region, rest, ok[2] = strings.Cut(rest, "/")
	c.service, term, ok[3] = strings.Cut(rest, "/")
	if !ok[0] || !ok[1] || !ok[2] || !ok[3] || strings.Contains(term, "/") {
		return credential{}, fail(400, "IncompleteSignature", "Credential should be scoped to a valid Region, not %q.", clip(s))
	}
	// Lengths first, all of them, so that no check below reads more than
	// a few dozen bytes of any element.
	switch {
	case c.keyID == "" || len(c.keyID) > maxKeyID:
		return credential{}, badKeyID()
	case len(c.date) != 8:
		return credential{}, badDate(c.date)
	case len(c.region) > maxRegion:
		return credential{}, badRegion()
	case len(c.service) > maxService:
		return credential{}, badService(services)
	}
	switch {
	case !alphanumeric(c.keyID):
		return credential{}, badKeyID()
	case !digits(c.date):
		return credential{}, badDate(c.date)
	case !validRegion(c.region):
		return credential{}, badRegion()
	case !slices.Contains(services, c.service):
		return credential{}, badService(services)
	case term != "aws4_request":
		return credential{}, fail(400, "IncompleteSignature", "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", clip(term))
	}
	return c, nil
}

// badKeyID is what AWS answers for a key ID that is no key's: no key
// has one longer than 128 characters or of other characters.
func badKeyID() *Error {
	return fail(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

func badDate(date string) *Error {
	return fail(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid date: YYYYMMDD, not %q. ", clip(date))
}

func badRegion() *Error {
	return fail(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. ")
}

// badService names the first service accepted, as AWS names the one of
// the endpoint asked.
func badService(services []string) *Error {
	return fail(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: '%s'. ", services[0])
}

// validRegion reports whether s is shaped like an AWS region: a
// two-letter prefix, one or more words of lower-case letters, a number
// (us-east-1, eu-central-2, us-gov-west-1, cn-north-1, us-isob-east-1).
func validRegion(s string) bool {
	prefix, rest, ok := strings.Cut(s, "-")
	if !ok || len(prefix) != 2 || !letters(prefix) {
		return false
	}
	for words := 0; ; words++ {
		part, more, found := strings.Cut(rest, "-")
		if !found {
			return words > 0 && part != "" && digits(part)
		}
		if part == "" || !letters(part) {
			return false
		}
		rest = more
	}
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseStamp parses an ISO 8601 basic time, exactly 16 characters:
// time.Parse alone would take a one-digit hour.
func parseStamp(s string) (time.Time, bool) {
	if len(s) != len(stampLayout) || s[8] != 'T' || s[15] != 'Z' || !digits(s[:8]) || !digits(s[9:15]) {
		return time.Time{}, false
	}
	t, err := time.Parse(stampLayout, s)
	return t, err == nil
}

// checkSignedHeaders checks a SignedHeaders list (field names it in
// errors): 1 to maxSignedHeaders names, each lower case, strictly
// ascending (so sorted and unique), and host among them.
func checkSignedHeaders(field, list string) *Error {
	host := false
	prev := ""
	for n, rest := 1, list; ; n++ {
		if n > maxSignedHeaders {
			return fail(403, "SignatureDoesNotMatch", "%s names more than %d headers.", field, maxSignedHeaders)
		}
		h, more, found := strings.Cut(rest, ";")
		if h == "" || len(h) > maxHeaderName || !headerName(h) {
			return fail(403, "SignatureDoesNotMatch", "%s must be lower-case header names separated by ';', not %q.", field, clip(list))
		}
		if n > 1 && h <= prev {
			return fail(403, "SignatureDoesNotMatch", "%s must be sorted and name each header once: %q comes after %q.", field, clip(h), clip(prev))
		}
		host = host || h == "host"
		prev = h
		if !found {
			break
		}
		rest = more
	}
	if !host {
		return fail(403, "SignatureDoesNotMatch", "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// headerName reports whether s is an HTTP field name (RFC 9110 token) in
// lower case.
func headerName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// parseAuthorization splits the Authorization header into its three
// fields, each required exactly once: a second Credential would otherwise
// silently replace the first. Other fields are ignored, as AWS does.
func parseAuthorization(auth string) (credentialField, signedField, signature string, e *Error) {
	if len(auth) > maxAuthorization {
		return "", "", "", fail(400, "IncompleteSignature", "The Authorization header is longer than %d bytes.", maxAuthorization)
	}
	if !strings.HasPrefix(auth, Algorithm+" ") {
		alg, _, _ := strings.Cut(auth, " ")
		return "", "", "", fail(400, "IncompleteSignature", "Unsupported AWS 'algorithm': %q", clip(alg))
	}
	var fields [3]string
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
			i = 0
		case "SignedHeaders":
			i = 1
		case "Signature":
			i = 2
		default:
			continue
		}
		if seen[i] {
			return "", "", "", fail(400, "IncompleteSignature", "Authorization header has more than one '%s' parameter.", k)
		}
		seen[i], fields[i] = true, v
	}
	for i, name := range [...]string{"Credential", "SignedHeaders", "Signature"} {
		if fields[i] == "" {
			return "", "", "", fail(400, "IncompleteSignature", "Authorization header requires '%s' parameter. Authorization=%s", name, clip(auth))
		}
	}
	return fields[0], fields[1], fields[2], nil
}

func verifyHeader(r *http.Request, body []byte, q url.Values, auth string, services []string, secret SecretFunc, now time.Time, out *Signed) error {
	credentialField, signedField, signature, e := parseAuthorization(auth)
	if e != nil {
		return e
	}
	cred, e := parseCredential(credentialField, services)
	if e != nil {
		return e
	}
	// The date comes from X-Amz-Date, else Date. It is in the string to
	// sign whatever the list says, but AWS requires its header among the
	// signed ones too, and the SDKs and the CLI always sign it.
	dateHeader := "x-amz-date"
	stamp, e := single(r.Header, "X-Amz-Date")
	if e == nil && stamp == "" {
		dateHeader = "date"
		stamp, e = single(r.Header, "Date")
	}
	if e != nil {
		return e
	}
	if stamp == "" {
		return fail(400, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	t, ok := parseStamp(stamp)
	if !ok {
		return fail(400, "IncompleteSignature", "The %s header must be in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z', not %q.", dateHeader, clip(stamp))
	}
	if e := checkTime(stamp, t, now); e != nil {
		return e
	}
	if cred.date != stamp[:8] {
		return fail(403, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", cred.date, stamp[:8], stamp)
	}
	if e := checkSignedHeaders("SignedHeaders", signedField); e != nil {
		return e
	}
	if !listHas(signedField, dateHeader) {
		return fail(403, "SignatureDoesNotMatch", "'%s' must be a 'SignedHeader' in the AWS Authorization.", dateHeader)
	}
	// The token is not required to be signed (AWS does not require it
	// for IAM or STS), but it must be unambiguous.
	token, e := single(r.Header, "X-Amz-Security-Token")
	if e != nil {
		return e
	}
	if _, inQuery := q["X-Amz-Security-Token"]; inQuery {
		return fail(400, "InvalidRequest", "X-Amz-Security-Token is in the query string of a request signed in its Authorization header; send it as a header.")
	}
	out.SecurityToken, out.Presigned = token, false
	return check(r, body, q, "", signedField, cred, stamp, t, signature, secret, out)
}

// single is the value of a header that may be given once ("" if it is
// not given): of two, which one counts would be up to whoever reads them.
func single(h http.Header, name string) (string, *Error) {
	switch v := h[name]; len(v) {
	case 0:
		return "", nil
	case 1:
		return v[0], nil
	default:
		return "", fail(400, "IncompleteSignature", "The %s header is given %d times; it may be given once.", name, len(v))
	}
}

// checkTime refuses a header-signed request whose time is more than
// MaxSkew from now, in AWS's words for each side.
func checkTime(stamp string, t, now time.Time) *Error {
	switch {
	case now.Sub(t) > MaxSkew:
		return fail(403, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			stamp, now.Add(-MaxSkew).UTC().Format(stampLayout), now.UTC().Format(stampLayout))
	case t.Sub(now) > MaxSkew:
		return notYetCurrent(stamp, now)
	}
	return nil
}

func notYetCurrent(stamp string, now time.Time) *Error {
	return fail(403, "SignatureDoesNotMatch", "Signature not yet current: %s is still later than %s (%s + 15 min.)",
		stamp, now.Add(MaxSkew).UTC().Format(stampLayout), now.UTC().Format(stampLayout))
}

func verifyQuery(r *http.Request, body []byte, q url.Values, services []string, secret SecretFunc, now time.Time, out *Signed) error {
	// Any X-Amz-* parameter, the authentication ones and those hoisted
	// from headers alike, is read once: two would leave which one counts
	// to whoever reads them.
	for k, v := range q {
		if len(v) > 1 && strings.HasPrefix(k, "X-Amz-") {
			return fail(400, "AuthorizationQueryParametersError", "%s is given %d times in the query string; each X-Amz-* parameter may be given once.", clip(k), len(v))
		}
	}
	if q.Get("X-Amz-Algorithm") != Algorithm {
		return fail(400, "IncompleteSignature", "Unsupported AWS 'algorithm': %q", clip(q.Get("X-Amz-Algorithm")))
	}
	for _, k := range []string{"X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(k) == "" {
			return fail(400, "AuthorizationQueryParametersError", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	// The URL is the whole request: a body would be parameters no
	// signature covers, whatever the handler makes of them.
	if len(body) > 0 {
		return fail(400, "InvalidRequest", "A presigned request carries its parameters in its signed query string; it may have no body (this one has %d bytes).", len(body))
	}
	if _, sent := r.Header["X-Amz-Content-Sha256"]; sent {
		return fail(400, "InvalidRequest", "A presigned request may not send X-Amz-Content-Sha256: its payload is empty.")
	}
	cred, e := parseCredential(q.Get("X-Amz-Credential"), services)
	if e != nil {
		return e
	}
	stamp := q.Get("X-Amz-Date")
	t, ok := parseStamp(stamp)
	if !ok {
		return fail(400, "AuthorizationQueryParametersError", "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	if cred.date != stamp[:8] {
		return fail(403, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", cred.date, stamp[:8], stamp)
	}
	expires := 900
	if v, given := q["X-Amz-Expires"]; given {
		n, err := strconv.Atoi(v[0])
		if len(v[0]) > 6 || !digits(v[0]) || err != nil || n > 604800 {
			return fail(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be a number between 0 and 604800 seconds")
		}
		expires = n
	}
	if now.Before(t.Add(-MaxSkew)) {
		return notYetCurrent(stamp, now)
	}
	if now.After(t.Add(time.Duration(expires) * time.Second)) {
		return fail(403, "ExpiredToken", "Request has expired")
	}
	signedField := q.Get("X-Amz-SignedHeaders")
	if e := checkSignedHeaders("X-Amz-SignedHeaders", signedField); e != nil {
		return e
	}
	if _, inHeader := r.Header["X-Amz-Security-Token"]; inHeader {
		return fail(400, "InvalidRequest", "X-Amz-Security-Token is a header of a presigned request; a presigned URL carries it in the query string.")
	}
	out.SecurityToken, out.Presigned = q.Get("X-Amz-Security-Token"), true
	return check(r, body, q, "X-Amz-Signature", signedField, cred, stamp, t, q.Get("X-Amz-Signature"), secret, out)
}

// scratch holds the buffers one verification needs; pooled so that
// verifying allocates nothing once warm.
type scratch struct {
	h       hash.Hash
	buf     []byte // the canonical request, then the string to sign
	keyBuf  []byte // "AWS4" + secret
	msg     []byte // a short HMAC message
	k       [64]byte
	pad     [64]byte
	inner   [32]byte
	key     [32]byte // the signing key as it is derived
	mac     [32]byte
	payload [64]byte // the body's SHA-256 in lower-case hex
	header  [maxHeaderName]byte
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{h: sha256.New(), buf: make([]byte, 0, 1024), keyBuf: make([]byte, 0, 128), msg: make([]byte, 0, 64)}
}}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// release returns s to the pool unless one request's large signed headers
// grew it: the pool would keep that memory for every later request.
func (s *scratch) release() {
	if cap(s.buf) <= maxPooledBuffer && cap(s.keyBuf) <= maxPooledBuffer {
		scratchPool.Put(s)
	}
}

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

// hashPayload sets s.payload to the hex SHA-256 of body.
func (s *scratch) hashPayload(body []byte) {
	sum := sha256.Sum256(body)
	hex.Encode(s.payload[:], sum[:])
}

// stringToSign puts the string to sign into s.buf; s.payload must hold
// the body's hash.
func (s *scratch) stringToSign(r *http.Request, q url.Values, skip, signedHeaders string, cred credential, stamp string) {
	s.buf = appendCanonicalRequest(s.buf[:0], r, q, skip, signedHeaders, s.payload[:], &s.header)
	canonical := sha256.Sum256(s.buf)
	s.buf = append(s.buf[:0], Algorithm...)
	s.buf = append(s.buf, '\n')
	s.buf = append(s.buf, stamp...)
	s.buf = append(s.buf, '\n')
	s.buf = appendScope(s.buf, cred.date, cred.region, cred.service)
	s.buf = append(s.buf, '\n')
	s.buf = hex.AppendEncode(s.buf, canonical[:])
}

// deriveKey derives the signing key into s.key from s.keyBuf ("AWS4" +
// secret): kDate, kRegion, kService, kSigning, four HMACs that depend only
// on the secret and the scope.
func (s *scratch) deriveKey(cred credential) {
	s.hmacString(&s.key, s.keyBuf, cred.date)
	s.hmacString(&s.key, s.key[:], cred.region)
	s.hmacString(&s.key, s.key[:], cred.service)
	s.hmacString(&s.key, s.key[:], "aws4_request")
}

// A signing key signs all of a day's requests by one access key to one
// region and service, so it is remembered, but only once a signature it
// computed has matched: a forged request, whatever scope it names, adds
// nothing. Entries are named by access key ID and scope (each bounded by
// parseCredential) and hold a SHA-256 of the secret rather than the
// secret: the digest shows which secret derived the key, so a key whose
// ID is reused with another secret derives afresh, and the cache keeps
// no secret in clear.
type signingKeyID struct{ keyID, date, region, service string }

type signingKeyEntry struct {
	secret [sha256.Size]byte // SHA-256 of "AWS4" + secret
	key    [sha256.Size]byte
}

const (
	signingKeyLimit      = 4096
	signingKeyBytesLimit = 512 << 10 // of the entries' names
)

var signingKeys struct {
	sync.Mutex
	m     map[signingKeyID]signingKeyEntry
	bytes int
}

// cachedSigningKey sets key to the remembered signing key for id if the
// same secret derived it.
func cachedSigningKey(id signingKeyID, secret *[sha256.Size]byte, key *[sha256.Size]byte) bool {
	signingKeys.Lock()
	e, ok := signingKeys.m[id]
	signingKeys.Unlock()
	if !ok || subtle.ConstantTimeCompare(e.secret[:], secret[:]) != 1 {
		return false
	}
	*key = e.key
	return true
}

// rememberSigningKey keeps a signing key that has just verified a
// signature. Its name is copied, as the request's strings are slices of
// a header that would otherwise stay alive with it.
func rememberSigningKey(id signingKeyID, secret, key *[sha256.Size]byte) {
	size := len(id.keyID) + len(id.date) + len(id.region) + len(id.service)
	if size > maxKeyID+8+maxRegion+maxService {
		return
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(id.keyID)
	b.WriteString(id.date)
	b.WriteString(id.region)
	b.WriteString(id.service)
	all := b.String()
	i, j, k := len(id.keyID), len(id.keyID)+len(id.date), len(id.keyID)+len(id.date)+len(id.region)
	id = signingKeyID{all[:i], all[i:j], all[j:k], all[k:]}
	signingKeys.Lock()
	defer signingKeys.Unlock()
	if _, ok := signingKeys.m[id]; !ok {
		if signingKeys.m == nil || len(signingKeys.m) >= signingKeyLimit || signingKeys.bytes+size > signingKeyBytesLimit {
			// Full: start over rather than track ages. Yesterday's keys
			// go with it.
			signingKeys.m = make(map[signingKeyID]signingKeyEntry)
			signingKeys.bytes = 0
		}
		signingKeys.bytes += size
	}
	signingKeys.m[id] = signingKeyEntry{secret: *secret, key: *key}
}

// signingKeyCount is how many signing keys are remembered, and
// signingKeyBytes the size of their names, for tests.
func signingKeyCount() int {
	signingKeys.Lock()
	defer signingKeys.Unlock()
	return len(signingKeys.m)
}

func signingKeyBytes() int {
	signingKeys.Lock()
	defer signingKeys.Unlock()
	return signingKeys.bytes
}

func appendScope(b []byte, date, region, service string) []byte {
	b = append(b, date...)
	b = append(b, '/')
	b = append(b, region...)
	b = append(b, '/')
	b = append(b, service...)
	return append(b, "/aws4_request"...)
}

// checkPayloadHeader compares an X-Amz-Content-Sha256 header, if sent,
// with the hash of the body. The signature covers the body's own hash
// whatever the header says; the header is checked so that a client is
// told when it describes another body, and so that a request asking for
// an unsigned or streamed payload is refused rather than half-honoured.
func checkPayloadHeader(r *http.Request, payload []byte) *Error {
	v, e := single(r.Header, "X-Amz-Content-Sha256")
	if e != nil || v == "" {
		return e
	}
	if v == "UNSIGNED-PAYLOAD" || strings.HasPrefix(v, "STREAMING-") {
		// IAM and STS sign their payloads; nothing here may run
		// unsigned or arrive in chunks signed one by one.
		return fail(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed. The payload must be signed: send the hex SHA-256 of the body, not %q.", clip(v))
	}
	if len(v) != len(payload) {
		return contentMismatch()
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'A' && c <= 'F' {
			c += 'a' - 'A'
		}
		if c != payload[i] {
			return contentMismatch()
		}
	}
	return nil
}

func contentMismatch() *Error {
	return fail(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
}

// check recomputes the signature with the key's secret and compares it
// with the one given, in constant time.
func check(r *http.Request, body []byte, q url.Values, skip, signedHeaders string, cred credential, stamp string, t time.Time, signature string, secret SecretFunc, out *Signed) error {
	var given [32]byte
	if !decodeHex(given[:], signature) {
		return mismatch()
	}
	key, err := secret(cred.keyID)
	if err != nil {
		return err
	}
	s := getScratch()
	defer s.release()
	s.hashPayload(body)
	if e := checkPayloadHeader(r, s.payload[:]); e != nil {
		return e
	}
	s.stringToSign(r, q, skip, signedHeaders, cred, stamp)
	s.keyBuf = append(append(s.keyBuf[:0], "AWS4"...), key...)
	digest := sha256.Sum256(s.keyBuf)
	id := signingKeyID(cred)
	cached := cachedSigningKey(id, &digest, &s.key)
	if !cached {
		s.deriveKey(cred)
	}
	s.hmac(&s.mac, s.key[:], s.buf)
	if subtle.ConstantTimeCompare(s.mac[:], given[:]) != 1 {
		return mismatch()
	}
	if !cached {
		rememberSigningKey(id, &digest, &s.key)
	}
	out.AccessKeyID, out.Region, out.Service, out.Time = cred.keyID, cred.region, cred.service, t
	return nil
}

func mismatch() *Error {
	return fail(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
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
// payload is the body's hash in hex. header is room for a header name in
// canonical form.
func appendCanonicalRequest(b []byte, r *http.Request, q url.Values, skip, signedHeaders string, payload []byte, header *[maxHeaderName]byte) []byte {
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
	return append(b, payload...)
}

// headerValues looks a lower-case header name up in h, canonicalising it
// in buf rather than in a new string.
func headerValues(h http.Header, name string, buf *[maxHeaderName]byte) []string {
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

// appendCanonicalQuery appends the query's pairs sorted by encoded name,
// then encoded value, as the SDKs sort them: sorting before encoding
// orders a name such as "{" differently.
func appendCanonicalQuery(b []byte, q url.Values, skip string) []byte {
	if len(q) == 0 {
		return b
	}
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(q))
	for k, vs := range q {
		if k == skip {
			continue
		}
		ek := string(appendEscaped(nil, k))
		for _, v := range vs {
			pairs = append(pairs, pair{ek, string(appendEscaped(nil, v))})
		}
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		if c := cmp.Compare(x.k, y.k); c != 0 {
			return c
		}
		return cmp.Compare(x.v, y.v)
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.k...)
		b = append(b, '=')
		b = append(b, p.v...)
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
// and tests; clients use the AWS SDKs. It signs host and x-amz-date, and
// the body's own hash as the payload.
func Sign(r *http.Request, body []byte, keyID, secret, region, service string, t time.Time) {
	stamp := t.UTC().Format(stampLayout)
	r.Header.Set("X-Amz-Date", stamp)
	const signedHeaders = "host;x-amz-date"
	var q url.Values
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	s := getScratch()
	defer s.release()
	cred := credential{keyID: keyID, date: stamp[:8], region: region, service: service}
	s.hashPayload(body)
	s.stringToSign(r, q, "", signedHeaders, cred, stamp)
	s.keyBuf = append(append(s.keyBuf[:0], "AWS4"...), secret...)
	s.deriveKey(cred)
	s.hmac(&s.mac, s.key[:], s.buf)
	r.Header.Set("Authorization", fmt.Sprintf("%s Credential=%s/%s, SignedHeaders=%s, Signature=%x",
		Algorithm, keyID, appendScope(nil, cred.date, region, service), signedHeaders, s.mac[:]))
}
