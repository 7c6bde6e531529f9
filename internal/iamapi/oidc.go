package iamapi

import (
	"context"
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

	"github.com/wardhq/ward/internal/store"
)

const kindOIDC = "oidcprovider"

// OIDCProvider is an OpenID Connect identity provider registered in
// IAM. ward verifies its tokens offline, so the provider also holds the
// public keys (a JWKS) that sign them, set with `ward oidc keys`: ward
// fetches nothing from the network.
type OIDCProvider struct {
	URL         string          `json:"url"`              // without https://
	Issuer      string          `json:"issuer,omitempty"` // the Url as created: a token's iss must equal it
	Arn         string          `json:"arn"`
	ClientIDs   []string        `json:"clientIds"`
	Thumbprints []string        `json:"thumbprints,omitempty"`
	Created     time.Time       `json:"created"`
	JWKS        json.RawMessage `json:"jwks,omitempty"`
	Tags        []Tag           `json:"tags,omitempty"`
}

func init() {
	for op, h := range map[string]handler{
		"CreateOpenIDConnectProvider": createOIDCProvider, "GetOpenIDConnectProvider": getOIDCProvider,
		"DeleteOpenIDConnectProvider": deleteOIDCProvider, "ListOpenIDConnectProviders": listOIDCProviders,
		"TagOpenIDConnectProvider":      tagEntity(kindOIDC, byARN("OpenIDConnectProviderArn", ":oidc-provider/"), true),
		"UntagOpenIDConnectProvider":    tagEntity(kindOIDC, byARN("OpenIDConnectProviderArn", ":oidc-provider/"), false),
		"ListOpenIDConnectProviderTags": listEntityTags(kindOIDC, byARN("OpenIDConnectProviderArn", ":oidc-provider/")),
	} {
		iamOps[op] = h
	}
	stsOps["AssumeRoleWithWebIdentity"] = assumeRoleWithWebIdentity
}

func providerHost(u string) string {
	return strings.TrimSuffix(strings.TrimPrefix(u, "https://"), "/")
}

func createOIDCProvider(c *call) error {
	u, err := c.p.required("Url")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(u, "https://") {
		return invalidInput("The URL must begin with https://")
	}
	host := providerHost(u)
	p := &OIDCProvider{URL: host, Issuer: u, Arn: fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", c.who.account, host),
		ClientIDs: c.p.list("ClientIDList"), Thumbprints: c.p.list("ThumbprintList"), Created: c.s.now(), Tags: c.p.tags("Tags")}
	if err := c.authorize("iam:CreateOpenIDConnectProvider", p.Arn, tagContext(c.p.tags("Tags"))); err != nil {
		return err
	}
	err = c.s.update(c.ctx, func(tx store.Tx) error {
		return createNew(tx, &store.Entity{Account: c.who.account, Kind: kindOIDC, Name: host, Body: marshal(p)}, apiErr(409, "EntityAlreadyExists", "Provider with url %s already exists.", u))
	})
	if err != nil {
		return err
	}
	c.x.elem("OpenIDConnectProviderArn", p.Arn)
	return nil
}

func loadOIDC(tx store.Tx, account, arn string) (*OIDCProvider, error) {
	host := arn[strings.Index(arn, "oidc-provider/")+len("oidc-provider/"):]
	if !strings.Contains(arn, "oidc-provider/") {
		return nil, invalidInput("Invalid ARN %s.", arn)
	}
	e, err := tx.Get(account, kindOIDC, host)
	if err != nil {
		return nil, noSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
	}
	var p OIDCProvider
	unmarshal(e.Body, &p)
	return &p, nil
}

func getOIDCProvider(c *call) error {
	arn, err := c.p.required("OpenIDConnectProviderArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:GetOpenIDConnectProvider", arn, nil); err != nil {
		return err
	}
	return c.s.view(c.ctx, func(tx store.Tx) error {
		p, err := loadOIDC(tx, c.who.account, arn)
		if err != nil {
			return err
		}
		c.x.elem("Url", p.URL)
		c.x.open("ClientIDList")
		for _, id := range p.ClientIDs {
			c.x.elem("member", id)
		}
		c.x.close("ClientIDList")
		c.x.open("ThumbprintList")
		for _, t := range p.Thumbprints {
			c.x.elem("member", t)
		}
		c.x.close("ThumbprintList")
		c.x.elem("CreateDate", fmtTime(p.Created))
		return nil
	})
}

func deleteOIDCProvider(c *call) error {
	arn, err := c.p.required("OpenIDConnectProviderArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:DeleteOpenIDConnectProvider", arn, nil); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		p, err := loadOIDC(tx, c.who.account, arn)
		if err != nil {
			return err
		}
		return tx.Delete(c.who.account, kindOIDC, p.URL)
	})
}

func listOIDCProviders(c *call) error {
	if err := c.authorize("iam:ListOpenIDConnectProviders", "*", nil); err != nil {
		return err
	}
	ps, err := listAll(c, kindOIDC, func(*OIDCProvider) string { return "" })
	if err != nil {
		return err
	}
	c.x.open("OpenIDConnectProviderList")
	for _, p := range ps {
		c.x.open("member")
		c.x.elem("Arn", p.Arn)
		c.x.close("member")
	}
	c.x.close("OpenIDConnectProviderList")
	return nil
}

// SetOIDCKeys stores the JWKS that signs a provider's tokens.
func (s *Service) SetOIDCKeys(account, providerURL string, jwks []byte) error {
	if _, err := parseJWKS(jwks); err != nil {
		return err
	}
	return s.update(context.Background(), func(tx store.Tx) error {
		host := providerHost(providerURL)
		e, err := tx.Get(account, kindOIDC, host)
		if err != nil {
			return fmt.Errorf("no OIDC provider %s in account %s", host, account)
		}
		var p OIDCProvider
		unmarshal(e.Body, &p)
		p.JWKS = jwks
		e.Body = marshal(p)
		return tx.Put(e)
	})
}

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

func parseJWKS(data []byte) (map[string]crypto.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	keys := map[string]crypto.PublicKey{}
	b64 := base64.RawURLEncoding
	for _, k := range set.Keys {
		switch k.Kty {
		case "RSA":
			n, err1 := b64.DecodeString(k.N)
			e, err2 := b64.DecodeString(k.E)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("JWKS: key %q: bad modulus or exponent", k.Kid)
			}
			keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
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
	return keys, nil
}

// verifyJWT checks a token's signature with the provider's keys and
// returns its claims.
func verifyJWT(token string, keys map[string]crypto.PublicKey) (map[string]any, error) {
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
	key, ok := keys[header.Kid]
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
	default: // never accept a token ward could not check
		return nil, fmt.Errorf("key %q is of a type ward does not verify", header.Kid)
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("the token payload is not base64url")
	}
	var claims map[string]any
	if err := json.Unmarshal(pb, &claims); err != nil {
		return nil, errors.New("the token payload is not JSON")
	}
	return claims, nil
}

// assumeRoleWithWebIdentity exchanges an OIDC token for a role session.
// It is unsigned: the token is the credential. The token must verify with
// a registered provider's keys, be for one of its client IDs and not be
// expired; the role's trust policy must allow the provider (Federated)
// with the token's claims as context (HOST:aud, HOST:sub, ...).
func assumeRoleWithWebIdentity(c *call) error {
	v, err := c.p.requiredAll("RoleArn", "RoleSessionName")
	if err != nil {
		return err
	}
	roleArn, sessionName := v[0], v[1]
	token, err := c.p.required("WebIdentityToken")
	if err != nil {
		return err
	}
	parts := strings.SplitN(roleArn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		return apiErr(400, "ValidationError", "%s is invalid", roleArn)
	}
	account, roleName := parts[4], parts[5][strings.LastIndexByte(parts[5], '/')+1:]
	invalid := apiErr(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
	var role *Role
	var provider *OIDCProvider
	var claims map[string]any
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		r, err := loadRole(tx, account, roleName)
		if err != nil {
			return apiErr(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		}
		role = r
		// Find the provider by the token's issuer.
		unverified := strings.Split(token, ".")
		if len(unverified) != 3 {
			return invalid
		}
		pb, err := base64.RawURLEncoding.DecodeString(unverified[1])
		if err != nil {
			return invalid
		}
		var peek struct {
			Iss string `json:"iss"`
		}
		if json.Unmarshal(pb, &peek) != nil || peek.Iss == "" {
			return invalid
		}
		e, err := tx.Get(account, kindOIDC, providerHost(peek.Iss))
		if err != nil {
			return apiErr(400, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for %s", peek.Iss)
		}
		var p OIDCProvider
		unmarshal(e.Body, &p)
		provider = &p
		keys, err := parseJWKS(p.JWKS)
		if err != nil {
			return invalid
		}
		if claims, err = verifyJWT(token, keys); err != nil {
			return apiErr(400, "InvalidIdentityToken", "%v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := checkTokenClaims(claims, provider, c.s.now()); err != nil {
		return err
	}
	auds := audiences(claims["aud"])
	okAud := false
	for _, a := range auds {
		for _, id := range provider.ClientIDs {
			if a == id {
				okAud = true
			}
		}
	}
	if !okAud {
		return apiErr(400, "InvalidIdentityToken", "Incorrect token audience")
	}
	// The trust policy decides, with the provider as the principal.
	ctx := map[string][]string{}
	for _, k := range []string{"aud", "sub", "amr", "azp", "email"} {
		if v, ok := claims[k]; ok {
			ctx[provider.URL+":"+k] = audiences(v)
		}
	}
	c.who = &caller{account: account, arn: provider.Arn, kind: "webidentity"}
	trust := compileStored(role.AssumeRolePolicy, "trust policy of "+role.Name)
	if err := c.authorizeWith("sts:AssumeRoleWithWebIdentity", role.Arn, ctx, trust); err != nil {
		return err
	}
	duration, err := c.p.intOr("DurationSeconds", 3600)
	if err != nil {
		return err
	}
	if duration < 900 || duration > role.MaxSessionDuration {
		return apiErr(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	// Session policies narrow the session as they do AssumeRole's.
	sessionPolicies, err := c.sessionPolicies(account)
	if err != nil {
		return err
	}
	sub, _ := claims["sub"].(string)
	s := &Session{Expires: c.expiresIn(duration), RoleArn: role.Arn, RoleName: role.Name, RoleID: role.ID, SessionName: sessionName,
		SessionPolicies: sessionPolicies}
	if err := c.issueSession(account, s); err != nil {
		return err
	}
	c.x.elem("SubjectFromWebIdentityToken", sub)
	c.x.open("AssumedRoleUser")
	c.x.elem("AssumedRoleId", role.ID+":"+sessionName)
	c.x.elem("Arn", "arn:aws:sts::"+account+":assumed-role/"+role.Name+"/"+sessionName)
	c.x.close("AssumedRoleUser")
	if len(sessionPolicies) > 0 {
		c.x.elem("PackedPolicySize", "10")
	}
	c.x.elem("Provider", provider.URL)
	if len(auds) > 0 {
		c.x.elem("Audience", auds[0])
	}
	return nil
}

// jwtClockSkew is how far ahead of ward's clock a token's nbf and iat may
// be: clocks of identity providers and of ward drift a little. AWS does
// not document its own allowance; five minutes is the usual one of
// OpenID Connect libraries. exp gets none: a token is refused from the
// second its exp names (RFC 7519, 4.1.4).
const jwtClockSkew = 5 * time.Minute

// checkTokenClaims checks a verified token's time claims and issuer as
// STS does before the trust policy is asked:
//   - exp is required and must be a number later than now
//     (ExpiredTokenException once passed);
//   - nbf and iat, when present, must be numbers at most jwtClockSkew
//     ahead of now: a token from the future is InvalidIdentityToken;
//   - iss must be the provider's URL exactly, as it was registered
//     (https:// included).
//
// Times are compared as the JSON numbers they are, never converted to an
// integer first: a value too large for one (1e300) must not wrap around
// into the past.
func checkTokenClaims(claims map[string]any, provider *OIDCProvider, now time.Time) error {
	seconds := float64(now.UnixNano()) / 1e9
	exp, ok := claims["exp"].(float64)
	if !ok {
		return apiErr(400, "InvalidIdentityToken", "The token has no expiration time (exp)")
	}
	if seconds >= exp {
		return apiErr(400, "ExpiredTokenException", "Token expired: current date/time %d must be before the expiration date/time %.0f", now.Unix(), exp)
	}
	// A token from the future is not yet valid: nbf and iat may be at
	// most jwtClockSkew ahead (RFC 7519, 4.1.5 and 4.1.6).
	latest := seconds + jwtClockSkew.Seconds()
	for _, claim := range []string{"nbf", "iat"} {
		v, present := claims[claim]
		if !present {
			continue
		}
		if at, isNumber := v.(float64); !isNumber || at > latest {
			return apiErr(400, "InvalidIdentityToken", "The token is not valid yet: its %s claim is not a time at or before the current time", claim)
		}
	}
	if iss, _ := claims["iss"].(string); iss != provider.issuer() {
		return apiErr(400, "InvalidIdentityToken", "The token's issuer is not the provider's URL")
	}
	return nil
}

// issuer is the URL a provider's tokens must name as their iss: the Url
// it was created with. A provider stored before the URL was kept has only
// its host and path, and is matched as https:// followed by them.
func (p *OIDCProvider) issuer() string {
	if p.Issuer != "" {
		return p.Issuer
	}
	return "https://" + p.URL
}

func audiences(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, it := range x {
			out = append(out, fmt.Sprint(it))
		}
		return out
	}
	return nil
}
