package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
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

// countingSecrets is secrets, counting how often a secret is looked up.
func countingSecrets(n *int) sigv4.SecretFunc {
	return func(id string) (string, error) {
		*n++
		return secrets(id)
	}
}

// TestReferenceSignerAgreesWithSDK: the tests' own signer, which signs
// what the SDK would not, signs what the SDK signs exactly as the SDK
// does; otherwise the attacks below would prove nothing.
func TestReferenceSignerAgreesWithSDK(t *testing.T) {
	body := "Action=ListUsers&Version=2010-05-08"
	r := signed(t, body, now, "session-token")
	auth := r.Header.Get("Authorization")
	_, signedHeaders, _ := strings.Cut(auth, "SignedHeaders=")
	signedHeaders, sig, _ := strings.Cut(signedHeaders, ", Signature=")
	if got := refSignature(r, []byte(body), signedHeaders, "20261122", "us-east-1", "iam", r.Header.Get("X-Amz-Date"), secret, ""); got != sig {
		t.Fatalf("reference signature %s, SDK's %s", got, sig)
	}
	p := httptest.NewRequest("GET", "http://localhost:8080/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	presignBy(p, keyID, "20261122", "us-east-1", "sts", "20261122T120000Z", "host", secret)
	if _, err := sigv4.Verify(p, nil, secrets, now); err != nil {
		t.Fatalf("a reference-presigned URL: %v", err)
	}
}

// TestAttackScopeElements: every element of a credential scope is
// bounded and checked before a secret is looked up: a megabyte region in
// a presigned URL, an access key ID no key has, a date that is not one,
// a region that is not shaped like one, a service the endpoint does not
// answer. Requests are signed correctly for their scope, so what refuses
// them is the scope.
func TestAttackScopeElements(t *testing.T) {
	body := []byte("Action=ListUsers&Version=2010-05-08")
	const stamp = "20261122T120000Z"
	huge := strings.Repeat("a", 1<<20)
	for _, tc := range []struct {
		name, key, date, region, service string
		presigned                        bool
		want, msg                        string
	}{
		{"honest", keyID, "20261122", "us-east-1", "iam", false, "", ""},
		{"honest China region", keyID, "20261122", "cn-north-1", "sts", false, "", ""},
		{"honest isolated region", keyID, "20261122", "us-isob-east-1", "iam", false, "", ""},
		{"honest presigned", keyID, "20261122", "eu-central-2", "sts", true, "", ""},
		{"key ID of 129 characters", strings.Repeat("A", 129), "20261122", "us-east-1", "iam", false, "InvalidClientTokenId", ""},
		{"key ID of a megabyte", huge, "20261122", "us-east-1", "iam", true, "InvalidClientTokenId", ""},
		{"key ID with a space", "AKIA EXAMPLE", "20261122", "us-east-1", "iam", true, "InvalidClientTokenId", ""},
		{"seven-digit date", keyID, "2026112", "us-east-1", "iam", false, "SignatureDoesNotMatch", "valid date"},
		{"date with a letter", keyID, "2026112x", "us-east-1", "iam", false, "SignatureDoesNotMatch", "valid date"},
		{"date of a megabyte", keyID, huge, "us-east-1", "iam", true, "SignatureDoesNotMatch", "valid date"},
		{"region xx", keyID, "20261122", "xx", "iam", false, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. "},
		{"region with spaces", keyID, "20261122", "foo bar", "iam", false, "SignatureDoesNotMatch", "valid region"},
		{"region without a number", keyID, "20261122", "foo-bar", "iam", false, "SignatureDoesNotMatch", "valid region"},
		{"aws-global", keyID, "20261122", "aws-global", "iam", false, "SignatureDoesNotMatch", "valid region"},
		{"region of 33 characters", keyID, "20261122", "us-" + strings.Repeat("e", 26) + "-1234", "iam", false, "SignatureDoesNotMatch", "valid region"},
		{"region of a megabyte", keyID, "20261122", huge, "iam", true, "SignatureDoesNotMatch", "valid region"},
		{"service s3", keyID, "20261122", "us-east-1", "s3", false, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'iam'. "},
		{"service IAM", keyID, "20261122", "us-east-1", "IAM", false, "SignatureDoesNotMatch", "correct service: 'iam'"},
		{"service of a megabyte", keyID, "20261122", "us-east-1", huge, true, "SignatureDoesNotMatch", "correct service: 'iam'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r *http.Request
			if tc.presigned {
				r = httptest.NewRequest("GET", "http://localhost:8080/?Action=GetCallerIdentity&Version=2011-06-15", nil)
				presignBy(r, tc.key, tc.date, tc.region, tc.service, stamp, "host", secret)
			} else {
				r = httptest.NewRequest("POST", "http://localhost:8080/", strings.NewReader(string(body)))
				signHeaderBy(r, body, tc.key, tc.date, tc.region, tc.service, stamp, "host;x-amz-date", secret)
			}
			b := body
			if tc.presigned {
				b = nil
			}
			lookups := 0
			_, err := sigv4.Verify(r, b, countingSecrets(&lookups), now)
			if code(err) != tc.want || (tc.msg != "" && !strings.Contains(err.Error(), tc.msg)) {
				t.Fatalf("got %v, want %s %q", err, tc.want, tc.msg)
			}
			if tc.want != "" && lookups != 0 {
				t.Errorf("the secret was looked up %d times for a scope that is refused", lookups)
			}
			if err != nil && len(err.Error()) > 1024 {
				t.Errorf("an error of %d bytes", len(err.Error()))
			}
		})
	}
}

// TestAttackEndpointScope: a signature made for one endpoint's service is
// refused by an endpoint that names others, and the error names the
// endpoint's own service.
func TestAttackEndpointScope(t *testing.T) {
	body := []byte(`{"action":"s3:GetObject"}`)
	r := httptest.NewRequest("POST", "http://localhost:8080/v1/authorize", strings.NewReader(string(body)))
	sigv4.Sign(r, body, keyID, secret, "us-east-1", "iam", now)
	var out sigv4.Signed
	if err := sigv4.VerifyScoped(r, body, []string{"ward"}, secrets, now, &out); code(err) != "SignatureDoesNotMatch" || !strings.Contains(err.Error(), "'ward'") {
		t.Errorf("an IAM signature at a ward endpoint: %v", err)
	}
	r = httptest.NewRequest("POST", "http://localhost:8080/v1/authorize", strings.NewReader(string(body)))
	sigv4.Sign(r, body, keyID, secret, "us-east-1", "ward", now)
	if err := sigv4.VerifyScoped(r, body, []string{"ward"}, secrets, now, &out); err != nil || out.Service != "ward" {
		t.Errorf("a ward signature at a ward endpoint: %+v, %v", out, err)
	}
	if err := sigv4.VerifyInto(r, body, secrets, now, &out); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("a ward signature at the Query API: %v", err)
	}
	// No services is the Query API's own two, not everything.
	if err := sigv4.VerifyScoped(r, body, nil, secrets, now, &out); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("a ward signature with no services named: %v", err)
	}
}

// TestAttackTokenAndDate: the security token and the request date are
// each taken from one place, given once; the date's header is signed and
// strictly formatted. Each request is signed correctly otherwise.
func TestAttackTokenAndDate(t *testing.T) {
	body := []byte("Action=ListUsers&Version=2010-05-08")
	const stamp = "20261122T120000Z"
	header := func(url, signedHeaders string, edit func(r *http.Request)) *http.Request {
		r := httptest.NewRequest("POST", url, strings.NewReader(string(body)))
		edit(r)
		signHeaderBy(r, body, keyID, "20261122", "us-east-1", "iam", stamp, signedHeaders, secret)
		return r
	}
	for _, tc := range []struct {
		name      string
		req       *http.Request
		want, msg string
		token     string
	}{
		{"token as an unsigned header", header("http://localhost:8080/", "host;x-amz-date", func(r *http.Request) {
			r.Header.Set("X-Amz-Security-Token", "tok")
		}), "", "", "tok"},
		{"token as a signed header", header("http://localhost:8080/", "host;x-amz-date;x-amz-security-token", func(r *http.Request) {
			r.Header.Set("X-Amz-Security-Token", "tok")
		}), "", "", "tok"},
		{"two signed tokens", header("http://localhost:8080/", "host;x-amz-date;x-amz-security-token", func(r *http.Request) {
			r.Header.Add("X-Amz-Security-Token", "tok")
			r.Header.Add("X-Amz-Security-Token", "other")
		}), "IncompleteSignature", "X-Amz-Security-Token", ""},
		{"token in the signed query of a header-signed request", header("http://localhost:8080/?X-Amz-Security-Token=tok", "host;x-amz-date", func(*http.Request) {}),
			"InvalidRequest", "X-Amz-Security-Token", ""},
		{"date given by Date, signed", header("http://localhost:8080/", "date;host", func(r *http.Request) {}), "", "", ""},
		{"x-amz-date not signed", header("http://localhost:8080/", "host", func(*http.Request) {}), "SignatureDoesNotMatch", "'x-amz-date' must be a 'SignedHeader'", ""},
		{"a query that does not parse", header("http://localhost:8080/?a=%zz", "host;x-amz-date", func(*http.Request) {}), "InvalidRequest", "query string", ""},
		{"a query with a semicolon", header("http://localhost:8080/?a=1;b=2", "host;x-amz-date", func(*http.Request) {}), "InvalidRequest", "query string", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasPrefix(tc.name, "date given by Date") {
				// Sign with the date in Date instead of X-Amz-Date.
				tc.req.Header.Set("Date", stamp)
				tc.req.Header.Del("X-Amz-Date")
				sig := refSignature(tc.req, body, "date;host", "20261122", "us-east-1", "iam", stamp, secret, "")
				tc.req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+keyID+"/20261122/us-east-1/iam/aws4_request, SignedHeaders=date;host, Signature="+sig)
			}
			s, err := sigv4.Verify(tc.req, body, secrets, now)
			if code(err) != tc.want || (tc.msg != "" && !strings.Contains(err.Error(), tc.msg)) {
				t.Fatalf("got %v, want %s %q", err, tc.want, tc.msg)
			}
			if err == nil && s.SecurityToken != tc.token {
				t.Errorf("SecurityToken %q, want %q", s.SecurityToken, tc.token)
			}
		})
	}

	// X-Amz-Date twice, and dates in other forms; the signature is of
	// the first, so only the check under test can tell.
	for _, tc := range []struct{ name, second, first string }{
		{"X-Amz-Date twice", "20261122T120500Z", stamp},
		{"a one-digit hour", "", "20261122T90000Z"},
		{"a date with a zone offset", "", "20261122T120000+0000"},
	} {
		r := header("http://localhost:8080/", "host;x-amz-date", func(*http.Request) {})
		r.Header.Set("X-Amz-Date", tc.first)
		if tc.second != "" {
			r.Header.Add("X-Amz-Date", tc.second)
		}
		if _, err := sigv4.Verify(r, body, secrets, now); code(err) != "IncompleteSignature" {
			t.Errorf("%s: %v, want IncompleteSignature", tc.name, err)
		}
	}
}

// TestAttackPresignedShape: a presigned URL, signed correctly, is still
// refused if it does not sign its host, if its scope's date is not its
// X-Amz-Date's, if its expiry is not a plain number, if it is not yet
// current, or if it sends its token as a header.
func TestAttackPresignedShape(t *testing.T) {
	const base = "http://localhost:8080/?Action=GetCallerIdentity&Version=2011-06-15"
	presigned := func(extra, scopeDate, stamp, signedHeaders string, edit func(r *http.Request)) *http.Request {
		r := httptest.NewRequest("GET", base+extra, nil)
		edit(r)
		presignBy(r, keyID, scopeDate, "us-east-1", "sts", stamp, signedHeaders, secret)
		return r
	}
	none := func(*http.Request) {}
	for _, tc := range []struct {
		name      string
		req       *http.Request
		want, msg string
	}{
		{"honest, with a token", presigned("&X-Amz-Security-Token=tok", "20261122", "20261122T120000Z", "host", none), "", ""},
		{"host not signed", presigned("", "20261122", "20261122T120000Z", "x-amz-date", func(r *http.Request) { r.Header.Set("X-Amz-Date", "x") }),
			"SignatureDoesNotMatch", "'Host' must be a 'SignedHeader'"},
		{"scope of another day", presigned("", "20261121", "20261122T120000Z", "host", none), "SignatureDoesNotMatch", "Date in Credential scope does not match"},
		{"expiry with trailing junk", presigned("&X-Amz-Expires=900abc", "20261122", "20261122T120000Z", "host", none), "AuthorizationQueryParametersError", "X-Amz-Expires"},
		{"expiry with a sign", presigned("&X-Amz-Expires=%2B900", "20261122", "20261122T120000Z", "host", none), "AuthorizationQueryParametersError", "X-Amz-Expires"},
		{"expiry over a week", presigned("&X-Amz-Expires=604801", "20261122", "20261122T120000Z", "host", none), "AuthorizationQueryParametersError", "X-Amz-Expires"},
		{"from the future", presigned("", "20261122", "20261122T123000Z", "host", none), "SignatureDoesNotMatch",
			"Signature not yet current: 20261122T123000Z is still later than 20261122T121500Z (20261122T120000Z + 15 min.)"},
		{"token as a header", presigned("", "20261122", "20261122T120000Z", "host", func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "tok") }),
			"InvalidRequest", "X-Amz-Security-Token"},
		{"unsorted signed headers", presigned("", "20261122", "20261122T120000Z", "x-amz-meta;host", func(r *http.Request) { r.Header.Set("X-Amz-Meta", "m") }),
			"SignatureDoesNotMatch", "sorted"},
		{"upper-case signed header", presigned("", "20261122", "20261122T120000Z", "Host", none), "SignatureDoesNotMatch", "lower-case"},
		{"65 signed headers", presigned("", "20261122", "20261122T120000Z", manyHeaders(65), none), "SignatureDoesNotMatch", "more than 64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sigv4.Verify(tc.req, nil, secrets, now)
			if code(err) != tc.want || (tc.msg != "" && !strings.Contains(err.Error(), tc.msg)) {
				t.Fatalf("got %v, want %s %q", err, tc.want, tc.msg)
			}
			if err == nil && (!s.Presigned || s.SecurityToken != "tok") {
				t.Errorf("signed = %+v", s)
			}
		})
	}
}

// manyHeaders is a sorted signed-headers list of n names, host and
// x-amz-date among them.
func manyHeaders(n int) string {
	names := []string{"host", "x-amz-date"}
	for i := 2; i < n; i++ {
		names = append(names, "x-amz-h"+strings.Repeat("0", 3-len(strconv.Itoa(i)))+strconv.Itoa(i))
	}
	sort.Strings(names)
	return strings.Join(names, ";")
}

// TestAttackOversizedSignedHeaders: the Authorization header of an honest
// client is far below 8 KiB; a longer one, or more than 64 signed
// headers, is refused before the secret is looked up.
func TestAttackOversizedSignedHeaders(t *testing.T) {
	body := []byte("Action=ListUsers&Version=2010-05-08")
	for _, tc := range []struct {
		name, signedHeaders, want, msg string
	}{
		{"64 signed headers", manyHeaders(64), "", ""},
		{"65 signed headers", manyHeaders(65), "SignatureDoesNotMatch", "more than 64"},
		{"a header listed twice", "host;x-amz-date;x-amz-date", "SignatureDoesNotMatch", "sorted"},
		{"an empty name", "host;;x-amz-date", "SignatureDoesNotMatch", "lower-case"},
		{"a name of 129 bytes", "host;x-" + strings.Repeat("a", 127) + ";x-amz-date", "SignatureDoesNotMatch", "lower-case"},
		{"an Authorization header over 8 KiB", "host;x-" + strings.Repeat("a", 8<<10) + ";x-amz-date", "IncompleteSignature", "longer than 8192"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://localhost:8080/", strings.NewReader(string(body)))
			signHeaderBy(r, body, keyID, "20261122", "us-east-1", "iam", "20261122T120000Z", tc.signedHeaders, secret)
			lookups := 0
			_, err := sigv4.Verify(r, body, countingSecrets(&lookups), now)
			if code(err) != tc.want || (tc.msg != "" && !strings.Contains(err.Error(), tc.msg)) {
				t.Fatalf("got %v, want %s %q", err, tc.want, tc.msg)
			}
			if tc.want != "" && lookups != 0 {
				t.Errorf("the secret was looked up for a request refused by its shape")
			}
		})
	}
}
