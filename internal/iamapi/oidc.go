package iamapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/jwt"
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
	u, err := c.p.Required("Url")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(u, "https://") {
		return invalidInput("The URL must begin with https://")
	}
	host := providerHost(u)
	p := &OIDCProvider{URL: host, Issuer: u, Arn: fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", c.who.account, host),
		ClientIDs: c.p.List("ClientIDList"), Thumbprints: c.p.List("ThumbprintList"), Created: c.s.now(), Tags: tagsParam(c.p, "Tags")}
	if err := c.authorize("iam:CreateOpenIDConnectProvider", p.Arn, tagContext(tagsParam(c.p, "Tags"))); err != nil {
		return err
	}
	err = c.s.update(c.ctx, func(tx store.Tx) error {
		return createNew(tx, &store.Entity{Account: c.who.account, Kind: kindOIDC, Name: host, Body: marshal(p)}, apiErr(409, "EntityAlreadyExists", "Provider with url %s already exists.", u))
	})
	if err != nil {
		return err
	}
	c.x.Elem("OpenIDConnectProviderArn", p.Arn)
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
	arn, err := c.p.Required("OpenIDConnectProviderArn")
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
		c.x.Elem("Url", p.URL)
		c.x.Open("ClientIDList")
		for _, id := range p.ClientIDs {
			c.x.Elem("member", id)
		}
		c.x.Close("ClientIDList")
		c.x.Open("ThumbprintList")
		for _, t := range p.Thumbprints {
			c.x.Elem("member", t)
		}
		c.x.Close("ThumbprintList")
		c.x.Elem("CreateDate", fmtTime(p.Created))
		return nil
	})
}

func deleteOIDCProvider(c *call) error {
	arn, err := c.p.Required("OpenIDConnectProviderArn")
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
	c.x.Open("OpenIDConnectProviderList")
	for _, p := range ps {
		c.x.Open("member")
		c.x.Elem("Arn", p.Arn)
		c.x.Close("member")
	}
	c.x.Close("OpenIDConnectProviderList")
	return nil
}

// SetOIDCKeys stores the JWKS that signs a provider's tokens.
func (s *Service) SetOIDCKeys(account, providerURL string, jwks []byte) error {
	if _, err := jwt.ParseKeySet(jwks); err != nil {
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

// assumeRoleWithWebIdentity exchanges an OIDC token for a role session.
// It is unsigned: the token is the credential. The token must verify with
// a registered provider's keys, be for one of its client IDs and not be
// expired; the role's trust policy must allow the provider (Federated)
// with the token's claims as context (HOST:aud, HOST:sub, ...).
func assumeRoleWithWebIdentity(c *call) error {
	v, err := c.p.RequiredAll("RoleArn", "RoleSessionName")
	if err != nil {
		return err
	}
	roleArn, sessionName := v[0], v[1]
	token, err := c.p.Required("WebIdentityToken")
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
	var claims jwt.Claims
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		r, err := loadRole(tx, account, roleName)
		if err != nil {
			return apiErr(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		}
		role = r
		// Find the provider by the token's issuer, then verify the token
		// with that provider's keys.
		peek, err := jwt.Peek(token)
		if err != nil {
			return invalid
		}
		iss, _ := peek["iss"].(string)
		if iss == "" {
			return invalid
		}
		e, err := tx.Get(account, kindOIDC, providerHost(iss))
		if err != nil {
			return apiErr(400, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for %s", iss)
		}
		var p OIDCProvider
		unmarshal(e.Body, &p)
		provider = &p
		keys, err := jwt.ParseKeySet(p.JWKS)
		if err != nil {
			return invalid
		}
		if claims, err = keys.Verify(token); err != nil {
			return apiErr(400, "InvalidIdentityToken", "%v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := claims.Check(jwt.Expect{Issuer: provider.issuer(), Audiences: provider.ClientIDs, Now: c.s.now()}); err != nil {
		var ce *jwt.ClaimError
		if errors.As(err, &ce) && ce.Reason == jwt.Expired {
			return apiErr(400, "ExpiredTokenException", "%s", ce.Msg)
		}
		return apiErr(400, "InvalidIdentityToken", "%v", err)
	}
	auds := claims.Strings("aud")
	// The trust policy decides, with the provider as the principal.
	ctx := map[string][]string{}
	for _, k := range []string{"aud", "sub", "amr", "azp", "email"} {
		if _, ok := claims[k]; ok {
			ctx[provider.URL+":"+k] = claims.Strings(k)
		}
	}
	c.who = &caller{account: account, arn: provider.Arn, kind: "webidentity"}
	trust := compileStored(role.AssumeRolePolicy, "trust policy of "+role.Name)
	if err := c.authorizeWith("sts:AssumeRoleWithWebIdentity", role.Arn, ctx, trust); err != nil {
		return err
	}
	duration, err := c.p.IntOr("DurationSeconds", 3600)
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
	c.x.Elem("SubjectFromWebIdentityToken", sub)
	c.x.Open("AssumedRoleUser")
	c.x.Elem("AssumedRoleId", role.ID+":"+sessionName)
	c.x.Elem("Arn", "arn:aws:sts::"+account+":assumed-role/"+role.Name+"/"+sessionName)
	c.x.Close("AssumedRoleUser")
	if len(sessionPolicies) > 0 {
		c.x.Elem("PackedPolicySize", "10")
	}
	c.x.Elem("Provider", provider.URL)
	if len(auds) > 0 {
		c.x.Elem("Audience", auds[0])
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
