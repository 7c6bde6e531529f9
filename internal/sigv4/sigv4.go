// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in
// the Authorization header or in a presigned query string, exactly as the
// AWS SDKs and CLI sign them ("Create a signed AWS API request").
//
// Verification recomputes the canonical request, the string to sign and
// the signing key from the caller's secret, and compares signatures in
// constant time. Errors carry AWS's codes and messages and never a secret.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only one AWS SigV4 defines.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxSkew is how far a request's time may be from the server's: AWS
// refuses a signature more than 15 minutes off.
const MaxSkew = 15 * time.Minute

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
	q := r.URL.Query()
	auth := r.Header.Get("Authorization")
	switch {
	case auth != "" && q.Get("X-Amz-Algorithm") != "":
		return nil, fail(400, "InvalidRequest", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
	case auth != "":
		return verifyHeader(r, body, auth, secret, now)
	case q.Get("X-Amz-Algorithm") != "":
		return verifyQuery(r, body, q, secret, now)
	}
	return nil, fail(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

// credential is the parsed Credential element: AKID/date/region/service/aws4_request.
type credential struct {
	keyID, date, region, service string
}

func parseCredential(s string) (credential, *Error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 {
		return credential{}, fail(400, "IncompleteSignature", "Credential should be scoped to a valid Region, not %q.", s)
	}
	c := credential{keyID: parts[0], date: parts[1], region: parts[2], service: parts[3]}
	if parts[4] != "aws4_request" {
		return c, fail(400, "IncompleteSignature", "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", parts[4])
	}
	if c.keyID == "" || c.region == "" || c.service == "" {
		return c, fail(400, "IncompleteSignature", "Credential should be scoped to a valid Region, not %q.", s)
	}
	return c, nil
}

func verifyHeader(r *http.Request, body []byte, auth string, secret SecretFunc, now time.Time) (*Signed, error) {
	if !strings.HasPrefix(auth, Algorithm+" ") {
		return nil, fail(400, "IncompleteSignature", "Unsupported AWS 'algorithm': %q", strings.SplitN(auth, " ", 2)[0])
	}
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, Algorithm+" "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = v
		}
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[k] == "" {
			return nil, fail(400, "IncompleteSignature", "Authorization header requires '%s' parameter. Authorization=%s", k, auth)
		}
	}
	cred, e := parseCredential(fields["Credential"])
	if e != nil {
		return nil, e
	}
	stamp := r.Header.Get("X-Amz-Date")
	if stamp == "" {
		stamp = r.Header.Get("Date")
	}
	t, err := time.Parse("20060102T150405Z", stamp)
	if err != nil {
		return nil, fail(400, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if d := now.Sub(t); d > MaxSkew || d < -MaxSkew {
		return nil, fail(403, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			stamp, now.Add(-MaxSkew).UTC().Format("20060102T150405Z"), now.UTC().Format("20060102T150405Z"))
	}
	if cred.date != stamp[:8] {
		return nil, fail(403, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", cred.date, stamp[:8], stamp)
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !contains(signed, "host") {
		return nil, fail(403, "SignatureDoesNotMatch", "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	canon := canonicalRequest(r, r.URL.Query(), signed, payload, "")
	return finish(cred, stamp, t, canon, fields["Signature"], secret, &Signed{SecurityToken: r.Header.Get("X-Amz-Security-Token")})
}

func verifyQuery(r *http.Request, body []byte, q url.Values, secret SecretFunc, now time.Time) (*Signed, error) {
	if q.Get("X-Amz-Algorithm") != Algorithm {
		return nil, fail(400, "IncompleteSignature", "Unsupported AWS 'algorithm': %q", q.Get("X-Amz-Algorithm"))
	}
	for _, k := range []string{"X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(k) == "" {
			return nil, fail(400, "AuthorizationQueryParametersError", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	cred, e := parseCredential(q.Get("X-Amz-Credential"))
	if e != nil {
		return nil, e
	}
	stamp := q.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", stamp)
	if err != nil {
		return nil, fail(400, "AuthorizationQueryParametersError", "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	expires := 900
	if v := q.Get("X-Amz-Expires"); v != "" {
		if _, err := fmt.Sscanf(v, "%d", &expires); err != nil || expires < 0 || expires > 604800 {
			return nil, fail(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be a number between 0 and 604800 seconds")
		}
	}
	if now.Before(t.Add(-MaxSkew)) {
		return nil, fail(403, "SignatureDoesNotMatch", "Signature not yet current: %s is still later than %s", stamp, now.UTC().Format("20060102T150405Z"))
	}
	if now.After(t.Add(time.Duration(expires) * time.Second)) {
		return nil, fail(403, "ExpiredToken", "Request has expired")
	}
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	canon := canonicalRequest(r, q, signed, payload, "X-Amz-Signature")
	return finish(cred, stamp, t, canon, q.Get("X-Amz-Signature"), secret, &Signed{SecurityToken: q.Get("X-Amz-Security-Token"), Presigned: true})
}

func finish(cred credential, stamp string, t time.Time, canon, signature string, secret SecretFunc, out *Signed) (*Signed, error) {
	key, err := secret(cred.keyID)
	if err != nil {
		return nil, err
	}
	scope := cred.date + "/" + cred.region + "/" + cred.service + "/aws4_request"
	sum := sha256.Sum256([]byte(canon))
	toSign := Algorithm + "\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	want := hex.EncodeToString(hmacSHA256(signingKey(key, cred.date, cred.region, cred.service), []byte(toSign)))
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(signature))) != 1 {
		return nil, fail(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	out.AccessKeyID, out.Region, out.Service, out.Time = cred.keyID, cred.region, cred.service, t
	return out, nil
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

// signingKey derives the key: kDate, kRegion, kService, kSigning.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte("aws4_request"))
}

// canonicalRequest builds the canonical form of r. skip names a query
// parameter left out (the signature itself, in presigned URLs).
func canonicalRequest(r *http.Request, q url.Values, signed []string, payload, skip string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	// Non-S3 services sign the path URI-encoded once more.
	b.WriteString(encodePath(path))
	b.WriteByte('\n')
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
				b.WriteByte('&')
			}
			first = false
			b.WriteString(escape(k))
			b.WriteByte('=')
			b.WriteString(escape(v))
		}
	}
	b.WriteByte('\n')
	for _, h := range signed {
		b.WriteString(h)
		b.WriteByte(':')
		var v string
		switch {
		case h == "host":
			v = r.Host
		case h == "content-length" && len(r.Header.Values(h)) == 0 && r.ContentLength >= 0:
			// Go keeps the length in the request, not always the header.
			v = strconv.FormatInt(r.ContentLength, 10)
		default:
			v = strings.Join(r.Header.Values(h), ",")
		}
		b.WriteString(strings.Join(strings.Fields(v), " "))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

// escape is RFC 3986 percent-encoding of everything but the unreserved
// characters, as SigV4 requires.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func encodePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	return strings.Join(segs, "/")
}

func contains(list []string, s string) bool {
	for _, x := range list {
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
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	signed := []string{"host", "x-amz-date"}
	canon := canonicalRequest(r, r.URL.Query(), signed, payload, "")
	scope := stamp[:8] + "/" + region + "/" + service + "/aws4_request"
	csum := sha256.Sum256([]byte(canon))
	toSign := Algorithm + "\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(csum[:])
	sig := hex.EncodeToString(hmacSHA256(signingKey(secret, stamp[:8], region, service), []byte(toSign)))
	r.Header.Set("Authorization", fmt.Sprintf("%s Credential=%s/%s, SignedHeaders=%s, Signature=%s", Algorithm, keyID, scope, strings.Join(signed, ";"), sig))
}
