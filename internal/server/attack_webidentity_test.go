package server_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// webIdentityFixture is an OIDC provider registered at url with the
// client ID "sts.amazonaws.com", whose tokens key signs, and a role
// "deploy" that trusts it.
type webIdentityFixture struct {
	t    *testing.T
	key  *rsa.PrivateKey
	anon *sts.Client
}

func newWebIdentityFixture(t *testing.T, url string) *webIdentityFixture {
	t.Helper()
	srv, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	prov, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(url), ClientIDList: []string{"sts.amazonaws.com"}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k1","n":%q,"e":"AQAB"}]}`, base64.RawURLEncoding.EncodeToString(key.N.Bytes()))
	if err := srv.Service.SetOIDCKeys("123456789012", url, []byte(jwks)); err != nil {
		t.Fatal(err)
	}
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity"}]}`,
		aws.ToString(prov.OpenIDConnectProviderArn))
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	anon := sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}},
		func(o *sts.Options) { o.BaseEndpoint = aws.String(ts.URL) })
	return &webIdentityFixture{t: t, key: key, anon: anon}
}

// assume signs claims, given as raw JSON members so that any number can
// be written, and asks for a session of deploy with the token.
func (f *webIdentityFixture) assume(claims map[string]json.RawMessage) error {
	f.t.Helper()
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"k1"}`))
	body, err := json.Marshal(claims)
	if err != nil {
		f.t.Fatal(err)
	}
	msg := head + "." + base64.RawURLEncoding.EncodeToString(body)
	sum := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(rand.Reader, f.key, crypto.SHA256, sum[:])
	if err != nil {
		f.t.Fatal(err)
	}
	_, err = f.anon.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/deploy"), RoleSessionName: aws.String("ci"),
		WebIdentityToken: aws.String(msg + "." + base64.RawURLEncoding.EncodeToString(sig))})
	return err
}

func rawJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// TestAttackWebIdentityTokenClaims: a token that verifies with the
// provider's key is still refused when its claims say it is not for now
// or not from this provider: not valid yet (nbf or iat ahead of the
// clock by more than the allowed skew, or so far ahead that the number
// does not fit an integer), without an expiration, expired, or issued by
// another URL than the provider's. Before the fix, nbf and iat were not
// read, a bare host passed for the issuer, and nbf 1e300 wrapped around
// into the past.
func TestAttackWebIdentityTokenClaims(t *testing.T) {
	const issuer = "https://token.example.com"
	f := newWebIdentityFixture(t, issuer)
	now := time.Now()
	at := func(d time.Duration) json.RawMessage { return rawJSON(now.Add(d).Unix()) }
	for _, tc := range []struct {
		name string
		set  map[string]json.RawMessage // claims over the valid ones
		drop string                     // a claim left out
		code string                     // "" when the token is accepted
	}{
		{name: "valid", code: ""},
		{name: "nbf an hour ahead", set: map[string]json.RawMessage{"nbf": at(time.Hour)}, code: "InvalidIdentityToken"},
		{name: "iat an hour ahead", set: map[string]json.RawMessage{"iat": at(time.Hour)}, code: "InvalidIdentityToken"},
		{name: "nbf six minutes ahead", set: map[string]json.RawMessage{"nbf": at(6 * time.Minute)}, code: "InvalidIdentityToken"},
		{name: "nbf within the skew", set: map[string]json.RawMessage{"nbf": at(2 * time.Minute)}, code: ""},
		{name: "iat within the skew", set: map[string]json.RawMessage{"iat": at(2 * time.Minute)}, code: ""},
		{name: "nbf past", set: map[string]json.RawMessage{"nbf": at(-time.Minute)}, code: ""},
		{name: "nbf too large for an integer", set: map[string]json.RawMessage{"nbf": json.RawMessage("1e300")}, code: "InvalidIdentityToken"},
		{name: "iat too large for an integer", set: map[string]json.RawMessage{"iat": json.RawMessage("9.3e18")}, code: "InvalidIdentityToken"},
		{name: "nbf not a number", set: map[string]json.RawMessage{"nbf": rawJSON("0")}, code: "InvalidIdentityToken"},
		{name: "no exp", drop: "exp", code: "InvalidIdentityToken"},
		{name: "exp not a number", set: map[string]json.RawMessage{"exp": rawJSON("9999999999")}, code: "InvalidIdentityToken"},
		{name: "expired", set: map[string]json.RawMessage{"exp": at(-time.Minute)}, code: "ExpiredTokenException"},
		{name: "issuer without https://", set: map[string]json.RawMessage{"iss": rawJSON("token.example.com")}, code: "InvalidIdentityToken"},
		{name: "issuer with a trailing slash", set: map[string]json.RawMessage{"iss": rawJSON(issuer + "/")}, code: "InvalidIdentityToken"},
		{name: "issuer over http", set: map[string]json.RawMessage{"iss": rawJSON("http://token.example.com")}, code: "InvalidIdentityToken"},
		{name: "audience not registered", set: map[string]json.RawMessage{"aud": rawJSON("someone-else")}, code: "InvalidIdentityToken"},
		{name: "audiences holding a registered one", set: map[string]json.RawMessage{"aud": rawJSON([]string{"x", "sts.amazonaws.com"})}, code: ""},
		{name: "no audience", drop: "aud", code: "InvalidIdentityToken"},
	} {
		claims := map[string]json.RawMessage{"iss": rawJSON(issuer), "sub": rawJSON("repo:acme/app"), "aud": rawJSON("sts.amazonaws.com"),
			"iat": at(0), "exp": at(time.Hour)}
		for k, v := range tc.set {
			claims[k] = v
		}
		delete(claims, tc.drop)
		err := f.assume(claims)
		if got := apiCode(err); got != tc.code || (tc.code == "" && err != nil) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
	}
}

// TestAttackWebIdentityIssuerAsRegistered: a provider registered with a
// trailing slash (as some issuers write themselves) takes tokens whose
// iss is exactly that URL, and not the URL without it.
func TestAttackWebIdentityIssuerAsRegistered(t *testing.T) {
	const issuer = "https://tenant.example.com/"
	f := newWebIdentityFixture(t, issuer)
	now := time.Now()
	for iss, code := range map[string]string{issuer: "", "https://tenant.example.com": "InvalidIdentityToken"} {
		err := f.assume(map[string]json.RawMessage{"iss": rawJSON(iss), "sub": rawJSON("s"), "aud": rawJSON("sts.amazonaws.com"),
			"exp": rawJSON(now.Add(time.Hour).Unix())})
		if apiCode(err) != code || (code == "" && err != nil) {
			t.Errorf("iss %q: %v, want %q", iss, err, code)
		}
	}
}
