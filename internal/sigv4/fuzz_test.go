package sigv4_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/wardhq/ward/internal/sigv4"
)

// FuzzVerify feeds the verifier hostile Authorization headers, presigned
// query strings, dates, tokens and bodies, seeded with requests that
// verify so that the fuzzer works near them. It must never panic, must
// refuse with an AWS error (a code, and 400 or 403), and may accept only
// a request whose signature the tests' reference signer, sharing no code
// with the package, reproduces from the key's secret and the body.
func FuzzVerify(f *testing.F) {
	const target = "http://localhost:8080/"
	body := "Action=ListUsers&Version=2010-05-08"
	r := httptest.NewRequest("POST", target, strings.NewReader(body))
	sigv4.Sign(r, []byte(body), keyID, secret, "us-east-1", "iam", now)
	auth, stamp := r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date")
	f.Add(auth, stamp, "", "", "", []byte(body))
	f.Add(auth, stamp, "", hashOf(body), "", []byte(body))
	f.Add(strings.Replace(auth, "Credential=", "Credential=x, Credential=", 1), stamp, "", "", "", []byte(body))

	// The SDK's own signature, with a signed payload header; the
	// reference signer's, with a signed token.
	sdk := httptest.NewRequest("POST", target, strings.NewReader(body))
	sdk.Header.Set("X-Amz-Content-Sha256", hashOf(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, sdk, hashOf(body), "iam", "us-east-1", now); err != nil {
		f.Fatal(err)
	}
	f.Add(sdk.Header.Get("Authorization"), sdk.Header.Get("X-Amz-Date"), "", hashOf(body), "", []byte(body))
	tok := httptest.NewRequest("POST", target, strings.NewReader(body))
	tok.Header.Set("X-Amz-Security-Token", "session-token")
	signHeaderBy(tok, []byte(body), keyID, "20261122", "us-east-1", "sts", "20261122T120000Z", "host;x-amz-date;x-amz-security-token", secret)
	f.Add(tok.Header.Get("Authorization"), "20261122T120000Z", "", "", "session-token", []byte(body))

	// Presigned: the SDK's URL (POST, as the fuzzed request is), and one
	// with a token.
	p := httptest.NewRequest("POST", target+"?Action=GetCallerIdentity&Version=2011-06-15", nil)
	signedURL, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, p, hashOf(""), "sts", "us-east-1", now)
	if err != nil {
		f.Fatal(err)
	}
	u, _ := url.Parse(signedURL)
	f.Add("", "", u.RawQuery, "", "", []byte(nil))
	p = httptest.NewRequest("POST", target+"?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Security-Token=t", nil)
	presignBy(p, keyID, "20261122", "eu-west-1", "sts", "20261122T115500Z", "host", secret)
	f.Add("", "", p.URL.RawQuery, "", "", []byte(nil))
	f.Add("", "", u.RawQuery, "UNSIGNED-PAYLOAD", "", []byte("Action=GetSessionToken"))
	f.Add(sigv4.Algorithm+" Credential=/////, SignedHeaders=;;, Signature=zz", "2026", "X-Amz-Algorithm=%", "", "", []byte("\x00"))

	f.Fuzz(func(t *testing.T, auth, date, query, payloadHeader, token string, body []byte) {
		req := httptest.NewRequest("POST", target, bytes.NewReader(body))
		if u, err := url.Parse(target + "?" + query); err == nil {
			req.URL = u
		}
		for name, v := range map[string]string{"Authorization": auth, "X-Amz-Date": date, "X-Amz-Content-Sha256": payloadHeader, "X-Amz-Security-Token": token} {
			if v != "" {
				req.Header.Set(name, v)
			}
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
		// Accepted: for the key's own services, bound to the body, with
		// the signature the reference signer computes.
		if out.AccessKeyID != keyID || (out.Service != "iam" && out.Service != "sts") {
			t.Fatalf("accepted %+v", out)
		}
		if out.Presigned && len(body) > 0 {
			t.Fatal("a presigned request with a body was accepted")
		}
		stamp, signedHeaders, given, skip := date, "", "", ""
		if out.Presigned {
			q := req.URL.Query()
			stamp, signedHeaders, given, skip = q.Get("X-Amz-Date"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"), "X-Amz-Signature"
			if out.SecurityToken != q.Get("X-Amz-Security-Token") {
				t.Fatalf("token %q, the URL's %q", out.SecurityToken, q.Get("X-Amz-Security-Token"))
			}
		} else {
			for _, part := range strings.Split(strings.TrimPrefix(auth, sigv4.Algorithm+" "), ",") {
				k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
				switch k {
				case "SignedHeaders":
					signedHeaders = v
				case "Signature":
					given = v
				}
			}
			if out.SecurityToken != token {
				t.Fatalf("token %q, the header's %q", out.SecurityToken, token)
			}
		}
		want := refSignature(req, body, signedHeaders, stamp[:8], out.Region, out.Service, stamp, secret, skip)
		if !strings.EqualFold(given, want) {
			t.Fatalf("accepted signature %s; the reference computes %s", given, want)
		}
		tampered := append(append([]byte{}, body...), '&')
		again := req.Clone(req.Context())
		again.Body = nil
		if err := sigv4.VerifyInto(again, tampered, secrets, now, &out); err == nil {
			t.Fatalf("the same request with another body was accepted too")
		}
	})
}
