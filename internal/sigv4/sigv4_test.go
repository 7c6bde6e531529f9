package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/wardhq/ward/internal/israce"
	"github.com/wardhq/ward/internal/sigv4"
)

const (
	keyID  = "AKIAIOSFODNN7EXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func secrets(id string) (string, error) {
	if id == keyID {
		return secret, nil
	}
	return "", &sigv4.Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: 403}
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// signed builds a request signed by the AWS SDK for Go v2's signer.
func signed(t *testing.T, body string, at time.Time, token string) *http.Request {
	r := httptest.NewRequest("POST", "http://localhost:8080/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerifiesSDKSignatures(t *testing.T) {
	body := "Action=ListUsers&Version=2010-05-08"
	r := signed(t, body, now, "")
	s, err := sigv4.Verify(r, []byte(body), secrets, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if s.AccessKeyID != keyID || s.Region != "us-east-1" || s.Service != "iam" || s.Presigned {
		t.Errorf("signed = %+v", s)
	}
	r = signed(t, body, now, "session-token")
	if s, err := sigv4.Verify(r, []byte(body), secrets, now); err != nil || s.SecurityToken != "session-token" {
		t.Errorf("with a session token: %+v, %v", s, err)
	}
}

func TestPresigned(t *testing.T) {
	r := httptest.NewRequest("GET", "http://localhost:8080/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	sum := sha256.Sum256(nil)
	url, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "sts", "us-east-1", now)
	if err != nil {
		t.Fatal(err)
	}
	pr := httptest.NewRequest("GET", url, nil)
	if s, err := sigv4.Verify(pr, nil, secrets, now.Add(time.Minute)); err != nil || !s.Presigned || s.Service != "sts" {
		t.Fatalf("presigned: %+v, %v", s, err)
	}
	if _, err := sigv4.Verify(httptest.NewRequest("GET", url, nil), nil, secrets, now.Add(time.Hour)); code(err) != "ExpiredToken" {
		t.Errorf("an expired presigned URL: %v", err)
	}
}

func code(err error) string {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestRejections(t *testing.T) {
	body := "Action=ListUsers&Version=2010-05-08"
	tests := []struct {
		name string
		req  func() (*http.Request, []byte)
		at   time.Time
		want string
	}{
		{"no signature", func() (*http.Request, []byte) {
			return httptest.NewRequest("POST", "http://localhost/", strings.NewReader(body)), []byte(body)
		}, now, "MissingAuthenticationToken"},
		{"tampered body", func() (*http.Request, []byte) {
			return signed(t, body, now, ""), []byte(body + "&UserName=eve")
		}, now, "SignatureDoesNotMatch"},
		{"clock skew", func() (*http.Request, []byte) { return signed(t, body, now, ""), []byte(body) }, now.Add(16 * time.Minute), "SignatureDoesNotMatch"},
		{"unknown key", func() (*http.Request, []byte) {
			r := signed(t, body, now, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), keyID, "AKIANOTAKEY000000000", 1))
			return r, []byte(body)
		}, now, "InvalidClientTokenId"},
		{"bad terminator", func() (*http.Request, []byte) {
			r := signed(t, body, now, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "aws4_request", "aws5_request", 1))
			return r, []byte(body)
		}, now, "IncompleteSignature"},
		{"host not signed", func() (*http.Request, []byte) {
			r := signed(t, body, now, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "", 1))
			return r, []byte(body)
		}, now, "SignatureDoesNotMatch"},
		{"changed host", func() (*http.Request, []byte) {
			r := signed(t, body, now, "")
			r.Host = "evil.example"
			return r, []byte(body)
		}, now, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, b := tt.req()
			_, err := sigv4.Verify(r, b, secrets, tt.at)
			if code(err) != tt.want {
				t.Errorf("got %v, want %s", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Error("an error shows the secret")
			}
		})
	}
}

// TestSignRoundTrip: ward's own signer produces what the verifier accepts.
func TestSignRoundTrip(t *testing.T) {
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	r := httptest.NewRequest("POST", "http://127.0.0.1:9000/", bytes.NewReader(body))
	sigv4.Sign(r, body, keyID, secret, "us-east-1", "sts", now)
	if _, err := sigv4.Verify(r, body, secrets, now); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyDoesNotAllocate: a header-signed POST, as the SDKs and the
// CLI send, is verified without allocating once the pool is warm.
func TestVerifyDoesNotAllocate(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector allocates: counts are checked without it")
	}
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	r := signed(t, string(body), now, "session-token")
	var out sigv4.Signed
	if err := sigv4.VerifyInto(r, body, secrets, now, &out); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := sigv4.VerifyInto(r, body, secrets, now, &out); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("VerifyInto allocates %v times per request", allocs)
	}
}

func BenchmarkVerify(b *testing.B) {
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	r := httptest.NewRequest("POST", "http://localhost:8080/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "sts", "us-east-1", now); err != nil {
		b.Fatal(err)
	}
	var out sigv4.Signed
	b.ReportAllocs()
	for b.Loop() {
		if err := sigv4.VerifyInto(r, body, secrets, now, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSigningKeyFollowsTheSecret: signing keys are remembered per secret
// and scope. A request verified once stops verifying when the key's
// secret changes (a key deleted and its ID reused), and a key of the same
// scope with another secret verifies only its own requests.
func TestSigningKeyFollowsTheSecret(t *testing.T) {
	body := []byte("Action=GetUser&Version=2010-05-08")
	r := signed(t, string(body), now, "")
	var out sigv4.Signed
	if err := sigv4.VerifyInto(r, body, secrets, now, &out); err != nil {
		t.Fatal(err)
	}
	other := func(string) (string, error) { return "another-secret-of-the-same-length-000000", nil }
	for i := 0; i < 2; i++ {
		if err := sigv4.VerifyInto(r, body, other, now, &out); err == nil {
			t.Fatalf("attempt %d: a request signed with one secret verified with another", i)
		}
	}
	if err := sigv4.VerifyInto(r, body, secrets, now, &out); err != nil {
		t.Fatalf("the right secret again: %v", err)
	}
	// The next day's scope derives its own key.
	tomorrow := now.Add(24 * time.Hour)
	r2 := signed(t, string(body), tomorrow, "")
	if err := sigv4.VerifyInto(r2, body, secrets, tomorrow, &out); err != nil {
		t.Fatalf("the next day: %v", err)
	}
}

// TestSDKQueryOrder: a query is canonical sorted by its encoded names,
// as the SDKs sort it, so names whose encoding sorts apart from their
// raw bytes ("{" encodes as %7B, before the letters) verify.
func TestSDKQueryOrder(t *testing.T) {
	r := httptest.NewRequest("GET", "http://localhost:8080/?Action=ListUsers&Version=2010-05-08&%7B=1&a=2&b%20c=3&a=1", nil)
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	if _, err := sigv4.Verify(r, nil, secrets, now); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkVerifyForged: what a request with a valid access key ID and a
// wrong signature costs. Its signing key is derived every time, as it is
// never remembered.
func BenchmarkVerifyForged(b *testing.B) {
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	r := httptest.NewRequest("POST", "http://localhost:8080/", bytes.NewReader(body))
	sigv4.Sign(r, body, keyID, "not-the-secret", "us-east-1", "sts", now)
	var out sigv4.Signed
	b.ReportAllocs()
	for b.Loop() {
		if err := sigv4.VerifyInto(r, body, secrets, now, &out); err == nil {
			b.Fatal("a forged signature verified")
		}
	}
}
