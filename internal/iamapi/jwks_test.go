package iamapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
)

// TestES256Token: a P-256 key in a JWKS verifies the ES256 tokens it
// signed, and no others; a point off the curve is refused when the keys
// are set.
func TestES256Token(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	point, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding
	jwks := fmt.Sprintf(`{"keys":[{"kty":"EC","kid":"e1","crv":"P-256","x":%q,"y":%q}]}`, b64.EncodeToString(point[1:33]), b64.EncodeToString(point[33:]))
	keys, err := parseJWKS([]byte(jwks))
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
	claims, err := verifyJWT(sign(`{"sub":"ci"}`, key), keys)
	if err != nil || claims["sub"] != "ci" {
		t.Fatalf("a token the key signed: %v %v", claims, err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := verifyJWT(sign(`{"sub":"ci"}`, other), keys); err == nil {
		t.Error("a token another key signed verified")
	}
	offCurve := fmt.Sprintf(`{"keys":[{"kty":"EC","kid":"e1","crv":"P-256","x":%q,"y":%q}]}`, b64.EncodeToString(point[1:33]), b64.EncodeToString(make([]byte, 32)))
	if _, err := parseJWKS([]byte(offCurve)); err == nil {
		t.Error("a point off the curve was accepted")
	}
}
