// Package jwt verifies the JSON Web Tokens that OpenID Connect providers
// issue, as STS's AssumeRoleWithWebIdentity checks them: the signature
// with the provider's published keys (a JWKS: RSA keys for RS256, P-256
// keys for ES256; nothing else, "none" never), then the claims: exp, nbf,
// iat, iss and aud.
//
// It is small and written here rather than taken from a library: ward
// needs two algorithms, and each line of a token check is an attack
// surface to be read and tested as such.
package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// KeySet holds a provider's public keys by key ID.
type KeySet struct {
	keys map[string]crypto.PublicKey
}

// minRSABits is the smallest RSA modulus accepted: what every major
// provider uses, and the floor NIST sets.
const minRSABits = 2048

// jwk is one key of a JWKS: RSA (n, e) or EC P-256 (x, y).
type jwk struct {
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// ParseKeySet reads a JWKS ({"keys": [...]}).
func ParseKeySet(data []byte) (*KeySet, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	keys := map[string]crypto.PublicKey{}
	b64 := base64.RawURLEncoding
	for _, k := range set.Keys {
		if _, dup := keys[k.Kid]; dup {
			return nil, fmt.Errorf("JWKS: key ID %q is used twice", k.Kid)
		}
		switch k.Kty {
		case "RSA":
			n, err1 := b64.DecodeString(k.N)
			e, err2 := b64.DecodeString(k.E)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("JWKS: key %q: bad modulus or exponent", k.Kid)
			}
			pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n)}
			exp := new(big.Int).SetBytes(e)
			if !exp.IsInt64() || exp.Int64() < 3 || exp.Int64() > 1<<31-1 || exp.Bit(0) == 0 {
				return nil, fmt.Errorf("JWKS: key %q: the exponent is not an odd number from 3 to 2^31-1", k.Kid)
			}
			pub.E = int(exp.Int64())
			if pub.N.BitLen() < minRSABits {
				return nil, fmt.Errorf("JWKS: key %q: a %d-bit RSA key is too short (at least %d bits)", k.Kid, pub.N.BitLen(), minRSABits)
			}
			keys[k.Kid] = pub
		case "EC":
			if k.Crv != "P-256" {
				return nil, fmt.Errorf("JWKS: key %q: curve %s is not supported (P-256 is)", k.Kid, k.Crv)
			}
			x, err1 := b64.DecodeString(k.X)
			y, err2 := b64.DecodeString(k.Y)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("JWKS: key %q: bad coordinates", k.Kid)
			}
			if len(x) != 32 || len(y) != 32 {
				return nil, fmt.Errorf("JWKS: key %q: P-256 coordinates are 32 bytes each", k.Kid)
			}
			// The uncompressed point form checks the point is on the curve.
			pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
			if err != nil {
				return nil, fmt.Errorf("JWKS: key %q: %v", k.Kid, err)
			}
			keys[k.Kid] = pub
		default:
			return nil, fmt.Errorf("JWKS: key %q: type %q is not supported", k.Kid, k.Kty)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS: no keys")
	}
	return &KeySet{keys: keys}, nil
}

// Claims are a token's payload.
type Claims map[string]any

// Peek reads a token's claims without verifying it, to find which
// provider issued it. Nothing it returns may be trusted.
func Peek(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("the token is not a JWT")
	}
	return decodeClaims(parts[1])
}

func decodeClaims(part string) (Claims, error) {
	pb, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return nil, errors.New("the token payload is not base64url")
	}
	var claims Claims
	if err := json.Unmarshal(pb, &claims); err != nil || claims == nil {
		return nil, errors.New("the token payload is not a JSON object")
	}
	return claims, nil
}

// Verify checks a token's signature with the key its header names and
// returns its claims. The header's algorithm must be the key's: RS256
// for RSA, ES256 for P-256.
func (ks *KeySet) Verify(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("the token is not a JWT")
	}
	b64 := base64.RawURLEncoding
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, errors.New("the token header is not base64url")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &header); err != nil {
		return nil, errors.New("the token header is not JSON")
	}
	key, ok := ks.keys[header.Kid]
	if !ok {
		return nil, fmt.Errorf("no key %q for this provider", header.Kid)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("the token signature is not base64url")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch k := key.(type) {
	case *rsa.PublicKey:
		if header.Alg != "RS256" || rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig) != nil {
			return nil, errors.New("the token signature does not verify")
		}
	case *ecdsa.PublicKey:
		if header.Alg != "ES256" || len(sig) != 64 ||
			!ecdsa.Verify(k, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return nil, errors.New("the token signature does not verify")
		}
	default: // never accept a token that could not be checked
		return nil, fmt.Errorf("key %q is of a type that is not verified", header.Kid)
	}
	return decodeClaims(parts[1])
}

// ClockSkew is how far ahead of the verifier's clock a token's nbf and
// iat may be: the clocks of identity providers and of ward drift a
// little. AWS does not document its own allowance; five minutes is the
// usual one of OpenID Connect libraries. exp gets none: a token is
// refused from the second its exp names (RFC 7519, 4.1.4).
const ClockSkew = 5 * time.Minute

// Reason says which claim a token failed on.
type Reason uint8

const (
	NoExpiry      Reason = iota + 1 // no exp, or not a number
	Expired                         // exp is now or past
	NotYetValid                     // nbf or iat ahead of now by more than ClockSkew, or not a number
	WrongIssuer                     // iss is not the provider's
	WrongAudience                   // no aud is one of the provider's client IDs
)

// ClaimError is a verified token whose claims do not hold.
type ClaimError struct {
	Reason Reason
	Msg    string
}

func (e *ClaimError) Error() string { return e.Msg }

// Expect is what a token's claims must say.
type Expect struct {
	Issuer    string   // iss, exactly
	Audiences []string // aud must name one of them
	Now       time.Time
}

// Check checks a verified token's claims:
//   - exp is required and must be a number later than now;
//   - nbf and iat, when present, must be numbers at most ClockSkew
//     ahead of now: a token from the future is not valid yet;
//   - iss must be the expected issuer exactly;
//   - aud (a string or a list) must name an expected audience.
//
// Times are compared as the JSON numbers they are, never converted to an
// integer first: a value too large for one (1e300) must not wrap around
// into the past.
func (c Claims) Check(e Expect) error {
	seconds := float64(e.Now.UnixNano()) / 1e9
	exp, ok := c["exp"].(float64)
	if !ok {
		return &ClaimError{NoExpiry, "The token has no expiration time (exp)"}
	}
	if seconds >= exp {
		return &ClaimError{Expired, fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %.0f", e.Now.Unix(), exp)}
	}
	latest := seconds + ClockSkew.Seconds()
	for _, claim := range []string{"nbf", "iat"} {
		v, present := c[claim]
		if !present {
			continue
		}
		if at, isNumber := v.(float64); !isNumber || at > latest {
			return &ClaimError{NotYetValid, fmt.Sprintf("The token is not valid yet: its %s claim is not a time at or before the current time", claim)}
		}
	}
	if iss, _ := c["iss"].(string); iss != e.Issuer {
		return &ClaimError{WrongIssuer, "The token's issuer is not the provider's URL"}
	}
	for _, a := range c.Strings("aud") {
		for _, want := range e.Audiences {
			if a == want {
				return nil
			}
		}
	}
	return &ClaimError{WrongAudience, "Incorrect token audience"}
}

// Strings returns a claim as a list of strings: a string alone, or the
// items of a list. Items that are not strings are written as Go prints
// them; a claim of another type gives nothing.
func (c Claims) Strings(name string) []string {
	switch x := c[name].(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, it := range x {
			out = append(out, fmt.Sprint(it))
		}
		return out
	}
	return nil
}
