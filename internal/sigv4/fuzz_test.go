package sigv4_test

import (
	"bytes"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/sigv4"
)

// FuzzVerify feeds the verifier hostile Authorization headers, presigned
// query strings, dates and bodies, seeded with requests that verify. It
// must never panic, must refuse with an AWS error (a code, and 400 or
// 403), and may accept only a request whose signature its own signer
// reproduces with the key's secret.
func FuzzVerify(f *testing.F) {
	body := "Action=ListUsers&Version=2010-05-08"
	r := httptest.NewRequest("POST", "http://localhost:8080/", strings.NewReader(body))
	sigv4.Sign(r, []byte(body), keyID, secret, "us-east-1", "iam", now)
	f.Add(r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date"), "", "", []byte(body))
	f.Add(strings.Replace(r.Header.Get("Authorization"), "Credential=", "Credential=x, Credential=", 1), r.Header.Get("X-Amz-Date"), "", "", []byte(body))
	q := url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}, "X-Amz-Algorithm": {sigv4.Algorithm},
		"X-Amz-Credential": {keyID + "/20261122/us-east-1/sts/aws4_request"}, "X-Amz-Date": {"20261122T120000Z"},
		"X-Amz-Expires": {"900"}, "X-Amz-SignedHeaders": {"host"}, "X-Amz-Signature": {strings.Repeat("0", 64)}}
	f.Add("", "", q.Encode(), "", []byte(nil))
	f.Add("", "", q.Encode(), "UNSIGNED-PAYLOAD", []byte("Action=GetSessionToken"))
	f.Add(sigv4.Algorithm+" Credential=/////, SignedHeaders=;;, Signature=zz", "2026", "X-Amz-Algorithm=%", "", []byte("\x00"))
	f.Fuzz(func(t *testing.T, auth, date, query, payloadHeader string, body []byte) {
		req := httptest.NewRequest("POST", "http://localhost:8080/", bytes.NewReader(body))
		if u, err := url.Parse("http://localhost:8080/?" + query); err == nil {
			req.URL = u
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if date != "" {
			req.Header.Set("X-Amz-Date", date)
		}
		if payloadHeader != "" {
			req.Header.Set("X-Amz-Content-Sha256", payloadHeader)
		}
		var out sigv4.Signed
		err := sigv4.VerifyInto(req, body, secrets, now, &out)
		if err != nil {
			e, ok := err.(*sigv4.Error)
			if !ok || e.Code == "" || (e.Status != 400 && e.Status != 403) {
				t.Fatalf("not an AWS error: %#v", err)
			}
			if strings.Contains(e.Message, secret) {
				t.Fatal("an error shows the secret")
			}
			return
		}
		// Accepted: for the key's own services, bound to the body.
		if out.AccessKeyID != keyID || (out.Service != "iam" && out.Service != "sts") {
			t.Fatalf("accepted %+v", out)
		}
		if out.Presigned && len(body) > 0 {
			t.Fatal("a presigned request with a body was accepted")
		}
		tampered := append(append([]byte{}, body...), '&')
		again := req.Clone(req.Context())
		again.Body = nil
		if err := sigv4.VerifyInto(again, tampered, secrets, now, &out); err == nil {
			t.Fatalf("the same request with another body was accepted too")
		}
	})
}
