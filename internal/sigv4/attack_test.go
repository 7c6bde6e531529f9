package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/wardhq/ward/internal/sigv4"
)

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// signedWith signs a POST with the SDK's signer, for a service and
// region, with a payload hash the caller chooses, sent in the
// X-Amz-Content-Sha256 header (signed) when header is set.
func signedWith(t *testing.T, body, payloadHash, service, region string, header bool) *http.Request {
	t.Helper()
	r := httptest.NewRequest("POST", "http://localhost:8080/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if header {
		r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash, service, region, now); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAttackPayloadSwap: whoever sees one signed request must not be able
// to run another body under its signature. The payload hash is computed
// from the body received; a header claiming another hash, or claiming
// none (UNSIGNED-PAYLOAD), is refused; a presigned URL carries no body.
func TestAttackPayloadSwap(t *testing.T) {
	honest := "Action=GetCallerIdentity&Version=2011-06-15"
	evil := "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=129600"
	for _, tc := range []struct {
		name string
		req  *http.Request
		body string
		want string
	}{
		{"header hash of the honest body, evil body sent", signedWith(t, honest, hashOf(honest), "sts", "us-east-1", true), evil, "XAmzContentSHA256Mismatch"},
		{"header hash, unsigned header, evil body", func() *http.Request {
			r := signedWith(t, honest, hashOf(honest), "sts", "us-east-1", false)
			r.Header.Set("X-Amz-Content-Sha256", hashOf(honest))
			return r
		}(), evil, "XAmzContentSHA256Mismatch"},
		{"UNSIGNED-PAYLOAD", signedWith(t, honest, "UNSIGNED-PAYLOAD", "sts", "us-east-1", true), evil, "XAmzContentSHA256Mismatch"},
		{"UNSIGNED-PAYLOAD with its own body", signedWith(t, honest, "UNSIGNED-PAYLOAD", "sts", "us-east-1", true), honest, "XAmzContentSHA256Mismatch"},
		{"streaming", signedWith(t, honest, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "sts", "us-east-1", true), honest, "XAmzContentSHA256Mismatch"},
		{"signed hash of the evil body sent with the honest signature", func() *http.Request {
			r := signedWith(t, honest, hashOf(honest), "sts", "us-east-1", true)
			r.Header.Set("X-Amz-Content-Sha256", hashOf(evil))
			return r
		}(), evil, "SignatureDoesNotMatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sigv4.Verify(tc.req, []byte(tc.body), secrets, now); code(err) != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
	// The honest request, with its header, still verifies.
	if _, err := sigv4.Verify(signedWith(t, honest, hashOf(honest), "sts", "us-east-1", true), []byte(honest), secrets, now); err != nil {
		t.Errorf("honest request with X-Amz-Content-Sha256: %v", err)
	}

	// A presigned GetCallerIdentity URL, the kind handed out as proof of
	// identity, replayed with a body.
	for _, method := range []string{"GET", "POST"} {
		r := httptest.NewRequest(method, "http://localhost:8080/?Action=GetCallerIdentity&Version=2011-06-15", nil)
		url, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, r, hashOf(""), "sts", "us-east-1", now)
		if err != nil {
			t.Fatal(err)
		}
		pr := httptest.NewRequest(method, url, strings.NewReader(evil))
		pr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// The header says the payload is empty, as the URL was signed.
		pr.Header.Set("X-Amz-Content-Sha256", hashOf(""))
		if _, err := sigv4.Verify(pr, []byte(evil), secrets, now); code(err) != "InvalidRequest" {
			t.Errorf("presigned %s with a body: %v, want InvalidRequest", method, err)
		}
		if _, err := sigv4.Verify(httptest.NewRequest(method, url, nil), nil, secrets, now); err != nil {
			t.Errorf("presigned %s without a body: %v", method, err)
		}
	}
}

// TestAttackScope: a request scoped to another service or to a region
// that is not one is refused, however it is signed.
func TestAttackScope(t *testing.T) {
	body := "Action=ListUsers&Version=2010-05-08"
	for _, tc := range []struct {
		service, region, want string
	}{
		{"iam", "us-east-1", ""},
		{"sts", "eu-central-2", ""},
		{"iam", "us-gov-west-1", ""},
		{"s3", "us-east-1", "SignatureDoesNotMatch"},
		{"foo", "us-east-1", "SignatureDoesNotMatch"},
		{"iam", "xx", "SignatureDoesNotMatch"},
		{"iam", "US-EAST-1", "SignatureDoesNotMatch"},
		{"iam", "us east 1", "SignatureDoesNotMatch"},
		{"iam", "us--east-1", "SignatureDoesNotMatch"},
		{"iam", strings.Repeat("a-", 1<<10), "SignatureDoesNotMatch"},
	} {
		r := signedWith(t, body, hashOf(body), tc.service, tc.region, false)
		_, err := sigv4.Verify(r, []byte(body), secrets, now)
		if code(err) != tc.want {
			t.Errorf("scope %s/%s: %v, want %q", tc.region, truncateTest(tc.service), err, tc.want)
		}
	}
	r := signedWith(t, body, hashOf(body), "s3", "us-east-1", false)
	if _, err := sigv4.Verify(r, []byte(body), secrets, now); err == nil || !strings.Contains(err.Error(), "Credential should be scoped to correct service: 'iam'") {
		t.Errorf("the message for another service: %v", err)
	}
}

func truncateTest(s string) string {
	if len(s) > 20 {
		return s[:20]
	}
	return s
}

// TestAttackMalformedAuthorization: fields given twice, lists out of
// order, an unsigned date, oversized headers and future dates are each
// refused with their own error.
func TestAttackMalformedAuthorization(t *testing.T) {
	body := "Action=ListUsers&Version=2010-05-08"
	edit := func(f func(r *http.Request)) *http.Request {
		r := signedWith(t, body, hashOf(body), "iam", "us-east-1", false)
		f(r)
		return r
	}
	for _, tc := range []struct {
		name string
		req  *http.Request
		at   time.Time
		want string
		msg  string
	}{
		{"Credential twice", edit(func(r *http.Request) {
			a := r.Header.Get("Authorization")
			cred := a[strings.Index(a, "Credential="):strings.Index(a, ",")]
			r.Header.Set("Authorization", strings.Replace(a, cred, "Credential=AKIAOTHER/20261122/us-east-1/iam/aws4_request, "+cred, 1))
		}), now, "IncompleteSignature", "more than one 'Credential'"},
		{"Signature twice", edit(func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")+", Signature=00")
		}), now, "IncompleteSignature", "more than one 'Signature'"},
		{"two Authorization headers", edit(func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }), now, "IncompleteSignature", ""},
		{"two tokens", edit(func(r *http.Request) {
			r.Header.Add("X-Amz-Security-Token", "a")
			r.Header.Add("X-Amz-Security-Token", "b")
		}), now, "IncompleteSignature", ""},
		{"x-amz-date not signed", edit(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-amz-date", "", 1))
		}), now, "SignatureDoesNotMatch", "'x-amz-date' must be a 'SignedHeader'"},
		{"signed headers out of order", edit(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;host", "host;content-type", 1))
		}), now, "SignatureDoesNotMatch", "sorted"},
		{"oversized Authorization", edit(func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")+", X="+strings.Repeat("a", 9<<10))
		}), now, "IncompleteSignature", "longer than"},
		{"from the future", edit(func(*http.Request) {}), now.Add(-16 * time.Minute), "SignatureDoesNotMatch", "Signature not yet current: 20261122T120000Z is still later than 20261122T115900Z (20261122T114400Z + 15 min.)"},
		{"from the past", edit(func(*http.Request) {}), now.Add(16 * time.Minute), "SignatureDoesNotMatch", "Signature expired: 20261122T120000Z is now earlier than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sigv4.Verify(tc.req, []byte(body), secrets, tc.at)
			if code(err) != tc.want || (tc.msg != "" && !strings.Contains(err.Error(), tc.msg)) {
				t.Errorf("got %v, want %s %q", err, tc.want, tc.msg)
			}
		})
	}

	// A presigned URL with an authentication parameter given twice.
	r := httptest.NewRequest("GET", "http://localhost:8080/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	url, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, r, hashOf(""), "sts", "us-east-1", now)
	if err != nil {
		t.Fatal(err)
	}
	twice := url + "&X-Amz-Credential=AKIAOTHER%2F20261122%2Fus-east-1%2Fsts%2Faws4_request"
	if _, err := sigv4.Verify(httptest.NewRequest("GET", twice, nil), nil, secrets, now); code(err) != "AuthorizationQueryParametersError" {
		t.Errorf("presigned with X-Amz-Credential twice: %v", err)
	}
}
