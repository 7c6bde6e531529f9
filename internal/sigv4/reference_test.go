package sigv4_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// refSignature computes a SigV4 signature the long way, with none of the
// package's code: the canonical request of r as the AWS documentation
// spells it, for any list of signed headers. The tests use it to sign
// requests no SDK would send (so that a refusal is known to come from
// the check under test, not from a wrong signature) and, in the fuzz
// target, as the oracle for what was accepted. skip is a query parameter
// left out (X-Amz-Signature, for a presigned URL).
func refSignature(r *http.Request, body []byte, signedHeaders, date, region, service, stamp, secret, skip string) string {
	var c strings.Builder
	c.WriteString(r.Method + "\n")
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = refEscape(s)
	}
	c.WriteString(strings.Join(segs, "/") + "\n")
	q, _ := url.ParseQuery(r.URL.RawQuery)
	var pairs []string
	for k, vs := range q {
		if k == skip {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, refEscape(k)+"\x00"+refEscape(v))
		}
	}
	sort.Strings(pairs)
	for i, p := range pairs {
		pairs[i] = strings.Replace(p, "\x00", "=", 1)
	}
	c.WriteString(strings.Join(pairs, "&") + "\n")
	for _, h := range strings.Split(signedHeaders, ";") {
		var values []string
		switch {
		case h == "host":
			values = []string{r.Host}
		case h == "content-length" && r.Header.Get("Content-Length") == "":
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		default:
			values = r.Header.Values(h)
		}
		for i, v := range values {
			values[i] = strings.Join(strings.Fields(v), " ")
		}
		c.WriteString(h + ":" + strings.Join(values, ",") + "\n")
	}
	c.WriteString("\n" + signedHeaders + "\n")
	sum := sha256.Sum256(body)
	c.WriteString(hex.EncodeToString(sum[:]))

	canonical := sha256.Sum256([]byte(c.String()))
	scope := date + "/" + region + "/" + service + "/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(canonical[:])
	key := []byte("AWS4" + secret)
	for _, step := range []string{date, region, service, "aws4_request", toSign} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(step))
		key = m.Sum(nil)
	}
	return hex.EncodeToString(key)
}

func refEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// signHeaderBy signs r in its Authorization header with the given scope
// and signed headers, setting X-Amz-Date to stamp first.
func signHeaderBy(r *http.Request, body []byte, key, scopeDate, region, service, stamp, signedHeaders, secret string) {
	r.Header.Set("X-Amz-Date", stamp)
	sig := refSignature(r, body, signedHeaders, scopeDate, region, service, stamp, secret, "")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/"+scopeDate+"/"+region+"/"+service+"/aws4_request, SignedHeaders="+signedHeaders+", Signature="+sig)
}

// presignBy presigns r's URL (whose query already holds the request's
// parameters and any X-Amz-* one the caller wants) with the given scope
// and signed headers.
func presignBy(r *http.Request, key, scopeDate, region, service, stamp, signedHeaders, secret string) {
	q := r.URL.Query()
	q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
	q.Set("X-Amz-Credential", key+"/"+scopeDate+"/"+region+"/"+service+"/aws4_request")
	q.Set("X-Amz-Date", stamp)
	q.Set("X-Amz-SignedHeaders", signedHeaders)
	if q.Get("X-Amz-Expires") == "" {
		q.Set("X-Amz-Expires", "900")
	}
	r.URL.RawQuery = q.Encode()
	sig := refSignature(r, nil, signedHeaders, scopeDate, region, service, stamp, secret, "X-Amz-Signature")
	r.URL.RawQuery += "&X-Amz-Signature=" + sig
	r.RequestURI = r.URL.RequestURI()
}
