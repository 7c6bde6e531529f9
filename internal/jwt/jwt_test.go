package jwt_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/jwt"
)

var b64 = base64.RawURLEncoding

func rsaJWKS(kid string, pub *rsa.PublicKey) string {
	return fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":%q,"n":%q,"e":%q}]}`, kid,
		b64.EncodeToString(pub.N.Bytes()), b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()))
}

func signRS256(t *testing.T, key *rsa.PrivateKey, header, claims string) string {
	t.Helper()
	msg := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(claims))
	sum := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return msg + "." + b64.EncodeToString(sig)
}

// TestRS256: a token the key signed verifies; one changed after signing,
// signed by another key, or naming another algorithm does not.
func TestRS256(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := jwt.ParseKeySet([]byte(rsaJWKS("r1", &key.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	good := signRS256(t, key, `{"alg":"RS256","kid":"r1"}`, `{"sub":"ci"}`)
	if c, err := ks.Verify(good); err != nil || c["sub"] != "ci" {
		t.Fatalf("a token the key signed: %v %v", c, err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	tampered := good[:len(good)-4] + "AAAA"
	parts := strings.Split(good, ".")
	swapped := parts[0] + "." + b64.EncodeToString([]byte(`{"sub":"admin"}`)) + "." + parts[2]
	for name, token := range map[string]string{
		"signed by another key": signRS256(t, other, `{"alg":"RS256","kid":"r1"}`, `{"sub":"ci"}`),
		"signature changed":     tampered,
		"HS256 header":          signRS256(t, key, `{"alg":"HS256","kid":"r1"}`, `{"sub":"ci"}`),
		"payload swapped":       swapped,
		"two parts":             "a.b",
	} {
		if _, err := ks.Verify(token); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

// TestES256: a P-256 key in a JWKS verifies the ES256 tokens it signed,
// and no others; a point off the curve is refused.
func TestES256(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	point, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	jwks := fmt.Sprintf(`{"keys":[{"kty":"EC","kid":"e1","crv":"P-256","x":%q,"y":%q}]}`, b64.EncodeToString(point[1:33]), b64.EncodeToString(point[33:]))
	ks, err := jwt.ParseKeySet([]byte(jwks))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(claims string, k *ecdsa.PrivateKey) string {
		msg := b64.EncodeToString([]byte(`{"alg":"ES256","kid":"e1"}`)) + "." + b64.EncodeToString([]byte(claims))
		sum := sha256.Sum256([]byte(msg))
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return msg + "." + b64.EncodeToString(sig)
	}
	claims, err := ks.Verify(sign(`{"sub":"ci"}`, key))
	if err != nil || claims["sub"] != "ci" {
		t.Fatalf("a token the key signed: %v %v", claims, err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := ks.Verify(sign(`{"sub":"ci"}`, other)); err == nil {
		t.Error("a token another key signed verified")
	}
	offCurve := fmt.Sprintf(`{"keys":[{"kty":"EC","kid":"e1","crv":"P-256","x":%q,"y":%q}]}`, b64.EncodeToString(point[1:33]), b64.EncodeToString(make([]byte, 32)))
	if _, err := jwt.ParseKeySet([]byte(offCurve)); err == nil {
		t.Error("a point off the curve was accepted")
	}
}

// TestParseKeySetRefuses: key sets that would let a weak or ambiguous key
// in are refused when they are set, not when a token arrives.
func TestParseKeySetRefuses(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	n := b64.EncodeToString(key.N.Bytes())
	edKey, _, _ := ed25519.GenerateKey(rand.Reader)
	for name, jwks := range map[string]string{
		"a 1024-bit RSA key": rsaJWKS("k", &small.PublicKey),
		"exponent 1":         fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k","n":%q,"e":"AQ"}]}`, n),
		"even exponent":      fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k","n":%q,"e":"AAEAAA"}]}`, n),
		"huge exponent":      fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k","n":%q,"e":"AQAAAAAAAAAB"}]}`, n),
		"one key ID twice":   fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k","n":%q,"e":"AQAB"},{"kty":"RSA","kid":"k","n":%q,"e":"AQAB"}]}`, n, n),
		"an OKP key":         fmt.Sprintf(`{"keys":[{"kty":"OKP","kid":"k","crv":"Ed25519","x":%q}]}`, b64.EncodeToString(edKey)),
		"P-384":              `{"keys":[{"kty":"EC","kid":"k","crv":"P-384","x":"AA","y":"AA"}]}`,
		"no keys":            `{"keys":[]}`,
		"not JSON":           `keys`,
	} {
		if _, err := jwt.ParseKeySet([]byte(jwks)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestVerifyRefusesUncheckedTokens: a token whose header names "none", an
// unknown key ID, or a key the set does not have, is refused rather than
// trusted.
func TestVerifyRefusesUncheckedTokens(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	ks, err := jwt.ParseKeySet([]byte(rsaJWKS("k", &key.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	payload := b64.EncodeToString([]byte(`{"iss":"https://x","sub":"s","aud":"a","exp":9999999999}`))
	for _, header := range []string{`{"alg":"none","kid":"k"}`, `{"alg":"RS256","kid":"other"}`, `{"alg":"EdDSA","kid":"k"}`} {
		token := b64.EncodeToString([]byte(header)) + "." + payload + "." + b64.EncodeToString([]byte("sig"))
		if _, err := ks.Verify(token); err == nil {
			t.Errorf("%s: accepted", header)
		}
		if _, err := ks.Verify(b64.EncodeToString([]byte(header)) + "." + payload + "."); err == nil {
			t.Errorf("%s with no signature: accepted", header)
		}
	}
}

func TestCheckClaims(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	expect := jwt.Expect{Issuer: "https://token.actions.githubusercontent.com", Audiences: []string{"sts.amazonaws.com"}, Now: now}
	base := func() jwt.Claims {
		return jwt.Claims{"iss": expect.Issuer, "aud": "sts.amazonaws.com", "exp": float64(now.Unix() + 60)}
	}
	with := func(k string, v any) jwt.Claims {
		c := base()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name   string
		claims jwt.Claims
		want   jwt.Reason // 0: valid
	}{
		{"valid", base(), 0},
		{"aud in a list", with("aud", []any{"other", "sts.amazonaws.com"}), 0},
		{"nbf and iat within the skew", with("nbf", float64(now.Unix()+299)), 0},
		{"no exp", with("exp", nil), jwt.NoExpiry},
		{"exp as a string", with("exp", "9999999999"), jwt.NoExpiry},
		{"exp now", with("exp", float64(now.Unix())), jwt.Expired},
		{"exp past", with("exp", float64(now.Unix()-1)), jwt.Expired},
		{"exp too large to be an integer is still the future", with("exp", 1e300), 0},
		{"nbf ahead", with("nbf", float64(now.Unix()+301)), jwt.NotYetValid},
		{"iat ahead", with("iat", float64(now.Unix()+3600)), jwt.NotYetValid},
		{"iat not a number", with("iat", "now"), jwt.NotYetValid},
		{"iss without https://", with("iss", "token.actions.githubusercontent.com"), jwt.WrongIssuer},
		{"no iss", with("iss", nil), jwt.WrongIssuer},
		{"aud of another client", with("aud", "someone-else"), jwt.WrongAudience},
		{"no aud", with("aud", nil), jwt.WrongAudience},
	}
	for _, tt := range tests {
		err := tt.claims.Check(expect)
		var ce *jwt.ClaimError
		switch {
		case tt.want == 0 && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != 0 && (!errors.As(err, &ce) || ce.Reason != tt.want):
			t.Errorf("%s: %v, want reason %d", tt.name, err, tt.want)
		}
	}
}

func TestPeek(t *testing.T) {
	c, err := jwt.Peek("e30." + b64.EncodeToString([]byte(`{"iss":"https://x"}`)) + ".sig")
	if err != nil || c["iss"] != "https://x" {
		t.Errorf("Peek: %v %v", c, err)
	}
	for _, bad := range []string{"", "a.b", "a.!!.c", "a." + b64.EncodeToString([]byte(`[1]`)) + ".c", "a." + b64.EncodeToString([]byte(`null`)) + ".c"} {
		if _, err := jwt.Peek(bad); err == nil {
			t.Errorf("Peek(%q) accepted", bad)
		}
	}
}

// FuzzVerify: whatever a token holds, Verify and Peek return an answer
// or an error, and Verify never accepts a token the key did not sign.
func FuzzVerify(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	ks, err := jwt.ParseKeySet([]byte(rsaJWKS("k", &key.PublicKey)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.e30.c2ln")
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, token string) {
		jwt.Peek(token)
		if _, err := ks.Verify(token); err == nil {
			t.Fatalf("a token not signed by the key verified: %q", token)
		}
	})
}
