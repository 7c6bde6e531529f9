// Package iamclient calls an IAM endpoint, ward serve's or AWS's, over the
// Query API the AWS CLI and SDKs use: requests signed with Signature
// Version 4, answers read from IAM's XML. ward doc reads a running
// account through it.
package iamclient

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Credentials sign requests: an access key, and the session token of
// temporary credentials.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// sign signs an HTTP request whose body is body with Signature Version 4
// for service in region, in its Authorization header, as the AWS SDKs
// sign a Query API POST ("Create a signed AWS API request", AWS General
// Reference): the signed headers are host, the content's length and
// type, x-amz-date and the session token, if any, as the SDKs sign them.
// The request has no query string (a Query API POST sends its parameters
// in the body).
func sign(r *http.Request, body []byte, creds Credentials, region, service string, now time.Time) {
	stamp := now.UTC().Format("20060102T150405Z")
	date := stamp[:8]
	r.Header.Set("X-Amz-Date", stamp)
	if creds.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", creds.SessionToken)
	}
	payload := sha256.Sum256(body)
	headers := map[string]string{"host": r.URL.Host}
	if r.ContentLength > 0 {
		headers["content-length"] = strconv.FormatInt(r.ContentLength, 10)
	}
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if lower == "content-type" || strings.HasPrefix(lower, "x-amz-") {
			headers[lower] = strings.TrimSpace(strings.Join(values, ","))
		}
	}
	names := make([]string, 0, len(headers))
	for n := range headers {
		names = append(names, n)
	}
	sort.Strings(names)
	var canonical strings.Builder
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	canonical.WriteString(r.Method + "\n" + path + "\n" + r.URL.RawQuery + "\n")
	for _, n := range names {
		canonical.WriteString(n + ":" + headers[n] + "\n")
	}
	signed := strings.Join(names, ";")
	canonical.WriteString("\n" + signed + "\n" + hex.EncodeToString(payload[:]))
	scope := date + "/" + region + "/" + service + "/aws4_request"
	hashed := sha256.Sum256([]byte(canonical.String()))
	toSign := "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(hashed[:])
	key := hmacSHA256([]byte("AWS4"+creds.SecretAccessKey), date)
	for _, part := range []string{region, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+creds.AccessKeyID+"/"+scope+", SignedHeaders="+signed+", Signature="+signature)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
