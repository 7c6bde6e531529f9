package sigv4

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestAttackForgedScopesCacheNothing: requests with a valid access key
// ID but no secret, each with a scope of its own, derive keys but
// remember none: the cache holds only keys whose signatures matched, and
// never more than its limit.
func TestAttackForgedScopesCacheNothing(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	secret := func(string) (string, error) { return "the-real-secret-0000000000000000000000000", nil }
	body := []byte("Action=ListUsers&Version=2010-05-08")
	before := signingKeyCount()
	for i := range 3000 {
		r := httptest.NewRequest("POST", "http://localhost/", strings.NewReader(string(body)))
		// Signed with a wrong secret, each in its own region, as long as a
		// region may be.
		Sign(r, body, "AKIAREALKEY000000000", "a-guessed-secret", fmt.Sprintf("us-%s-%d", strings.Repeat("e", 20), i), "iam", now)
		if err := VerifyInto(r, body, secret, now, &Signed{}); err == nil {
			t.Fatal("a forged signature verified")
		}
	}
	if after := signingKeyCount(); after != before {
		t.Errorf("forged requests grew the signing-key cache from %d to %d", before, after)
	}
	for i := range signingKeyLimit + 10 {
		r := httptest.NewRequest("POST", "http://localhost/", strings.NewReader(string(body)))
		Sign(r, body, "AKIAREALKEY000000000", "the-real-secret-0000000000000000000000000", fmt.Sprintf("us-%s-%d", strings.Repeat("e", 20), i), "iam", now)
		if err := VerifyInto(r, body, secret, now, &Signed{}); err != nil {
			t.Fatal(err)
		}
		if n := signingKeyCount(); n > signingKeyLimit {
			t.Fatalf("%d signing keys remembered, limit %d", n, signingKeyLimit)
		}
	}
}

// TestSigningKeyCacheBounded: honest requests with the longest key IDs
// and regions a scope may have, each scope its own, never take the cache
// past its entry limit or its byte limit, and the cache holds no secret
// in clear, neither as a name nor as an entry.
func TestSigningKeyCacheBounded(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	const theSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	secret := func(string) (string, error) { return theSecret, nil }
	body := []byte("Action=ListUsers&Version=2010-05-08")
	word := func(i, n int) string { // n lower-case letters naming i
		b := []byte(strings.Repeat("a", n))
		for j := n - 1; i > 0 && j >= 0; j-- {
			b[j] = byte('a' + i%26)
			i /= 26
		}
		return string(b)
	}
	for i := range signingKeyLimit + 100 {
		key := "AKIA" + strings.ToUpper(word(i, maxKeyID-4))
		region := "us-" + word(i, maxRegion-5) + "-1"
		if len(key) != maxKeyID || len(region) != maxRegion {
			t.Fatalf("key %d, region %d characters", len(key), len(region))
		}
		r := httptest.NewRequest("POST", "http://localhost/", strings.NewReader(string(body)))
		Sign(r, body, key, theSecret, region, "iam", now)
		if err := VerifyInto(r, body, secret, now, &Signed{}); err != nil {
			t.Fatal(err)
		}
		if n, b := signingKeyCount(), signingKeyBytes(); n > signingKeyLimit || b > signingKeyBytesLimit {
			t.Fatalf("after %d requests: %d signing keys in %d bytes, limits %d and %d", i+1, n, b, signingKeyLimit, signingKeyBytesLimit)
		}
	}
	signingKeys.Lock()
	defer signingKeys.Unlock()
	for id, e := range signingKeys.m {
		if strings.Contains(id.keyID+id.date+id.region+id.service, theSecret) || strings.Contains(string(e.secret[:])+string(e.key[:]), theSecret) {
			t.Fatal("the cache holds a secret in clear")
		}
	}
}
