package iamapi

import (
	"context"
	"encoding/json"
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

// issuer is the URL a provider's tokens must name as their iss: the Url
// it was created with. A provider stored before the URL was kept has only
// its host and path, and is matched as https:// followed by them.
func (p *OIDCProvider) issuer() string {
	if p.Issuer != "" {
		return p.Issuer
	}
	return "https://" + p.URL
}
