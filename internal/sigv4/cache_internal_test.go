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
		// Signed with a wrong secret, each in its own region.
		Sign(r, body, "AKIAREALKEY000000000", "a-guessed-secret", fmt.Sprintf("xx-east-%d", i), "iam", now)
		if err := VerifyInto(r, body, secret, now, &Signed{}); err == nil {
			t.Fatal("a forged signature verified")
		}
	}
	if after := signingKeyCount(); after != before {
		t.Errorf("forged requests grew the signing-key cache from %d to %d", before, after)
	}
	for i := range signingKeyLimit + 10 {
		r := httptest.NewRequest("POST", "http://localhost/", strings.NewReader(string(body)))
		Sign(r, body, "AKIAREALKEY000000000", "the-real-secret-0000000000000000000000000", fmt.Sprintf("xx-east-%d", i), "iam", now)
		if err := VerifyInto(r, body, secret, now, &Signed{}); err != nil {
			t.Fatal(err)
		}
		if n := signingKeyCount(); n > signingKeyLimit {
			t.Fatalf("%d signing keys remembered, limit %d", n, signingKeyLimit)
		}
	}
}
