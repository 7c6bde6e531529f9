package iamapi

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"testing"
)

// TestVerifyJWTRefusesUncheckedTokens: a token whose key ward cannot
// check, or whose header names another algorithm than its key's, or
// "none", is refused rather than trusted.
func TestVerifyJWTRefusesUncheckedTokens(t *testing.T) {
	edKey, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	payload := b64([]byte(`{"iss":"https://x","sub":"s","aud":"a","exp":9999999999}`))
	for _, tc := range []struct {
		name   string
		header string
		keys   map[string]crypto.PublicKey
	}{
		{"key of another type", `{"alg":"EdDSA","kid":"k"}`, map[string]crypto.PublicKey{"k": edKey}},
		{"alg none", `{"alg":"none","kid":"k"}`, map[string]crypto.PublicKey{"k": edKey}},
		{"unknown kid", `{"alg":"RS256","kid":"other"}`, map[string]crypto.PublicKey{"k": edKey}},
	} {
		token := b64([]byte(tc.header)) + "." + payload + "." + b64([]byte("sig"))
		if _, err := verifyJWT(token, tc.keys); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
