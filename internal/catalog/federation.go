package catalog

import "strings"

// Condition keys of federated sign-in: the claims of a web identity token
// (PROVIDER:aud, PROVIDER:sub, ...) and the attributes of a SAML assertion
// (SAML:aud, ...), tested in the trust policies of roles assumed with
// AssumeRoleWithWebIdentity and AssumeRoleWithSAML. Their prefix is an
// identity provider, not a service: the Service Authorization Reference
// files them under STS, and the IAM User Guide ("Available keys for AWS
// web identity federation", "for SAML-based federation") names the claims
// every OpenID Connect provider's tokens give.

// oidcClaims are the claims IAM reads from any OpenID Connect provider's
// token, by the provider's host and path as the role's trust policy names
// it (token.actions.githubusercontent.com:sub,
// oidc.eks.REGION.amazonaws.com/id/ID:aud).
var oidcClaims = map[string]string{
	"aud": "String", "sub": "String", "azp": "String", "email": "String", "oaud": "String",
	// amr holds every authentication method reference of the token.
	"amr": "ArrayOfString",
}

// multivaluedClaims are keys the reference types as single strings whose
// tokens carry lists: AWS's own examples test them with ForAnyValue.
var multivaluedClaims = map[string]bool{"cognito-identity.amazonaws.com:amr": true}

// federationKey finds a key whose prefix is an identity provider: one the
// reference lists under STS, or a standard claim of an OpenID Connect
// provider named by its host. nil when it is neither.
func (c *Catalog) federationKey(key, lk string) (*ConditionKey, error) {
	sts, err := c.Service("sts")
	if err != nil || sts == nil {
		return nil, err
	}
	var found *ConditionKey
	if k, ok := sts.ConditionKeys[lk]; ok {
		found = k
	} else {
		for template, k := range sts.ConditionKeys {
			if TemplateMatch(template, lk) {
				found = k
				break
			}
		}
	}
	if found == nil {
		provider, claim, _ := strings.Cut(lk, ":")
		typ, ok := oidcClaims[claim]
		if !ok || !IsProviderHost(provider) {
			return nil, nil
		}
		found = &ConditionKey{Key: key, Type: typ, Federated: true,
			Description: "The " + claim + " claim of a web identity token issued by " + provider}
	}
	if multivaluedClaims[lk] {
		k := *found
		k.Type = "ArrayOfString"
		found = &k
	}
	if !found.Federated {
		k := *found
		k.Federated = true
		found = &k
	}
	return found, nil
}

// IsProviderHost reports whether a condition key prefix names an identity
// provider by its URL's host and path (a dot in the host, only the
// characters a URL's host and path take), as trust policies name OIDC
// providers; "saml" is SAML's.
func IsProviderHost(prefix string) bool {
	host, _, _ := strings.Cut(prefix, "/")
	if !strings.Contains(host, ".") || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '/' || c == '_') {
			return false
		}
	}
	return true
}
