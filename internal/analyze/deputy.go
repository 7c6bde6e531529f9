package analyze

import (
	"strings"

	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
)

// Findings on who a resource or trust policy lets in through a service or
// an identity provider, which "Principal": "*" checks do not see: a
// service principal acting for anyone (the confused deputy), and a web
// identity trust that any identity of the provider satisfies.

// sourceKeys tie a service principal's call to the resource or account it
// acts for (IAM User Guide, "The confused deputy problem").
var sourceKeys = map[string]bool{"aws:sourcearn": true, "aws:sourceaccount": true, "aws:sourceorgid": true, "aws:sourceorgpaths": true}

// constrains reports whether a statement has a positive condition on one
// of keys whose values are not all "*".
func constrains(s *policy.Statement, keys func(lower string) bool) bool {
	for _, c := range s.Conditions {
		op, ok := policy.ParseOperator(c.Operator)
		if !ok || strings.Contains(op.Base, "Not") || op.Base == "Null" || op.Set == "ForAllValues" {
			continue
		}
		if !keys(strings.ToLower(c.Key)) {
			continue
		}
		for _, v := range c.Values.Items {
			if strings.Trim(v, "*") != "" {
				return true
			}
		}
	}
	return false
}

// principalValues returns a statement's Principal values of one type
// (Service, Federated) with their offsets; nil for NotPrincipal.
func principalValues(s *policy.Statement, typ string) *policy.Values {
	pr, not := s.Principals()
	if pr == nil || not {
		return nil
	}
	for i := range pr.Entries {
		if pr.Entries[i].Type == typ {
			return &pr.Entries[i].Values
		}
	}
	return nil
}

// checkConfusedDeputy: a resource policy that allows a service principal
// without saying for which resource or account the service acts lets the
// service be used by any of its customers against this resource.
func (a *analyzer) checkConfusedDeputy() {
	if a.doc.Kind != policy.KindResource {
		return
	}
	for _, s := range a.p.Statements {
		if s.Effect != policy.Allow {
			continue
		}
		services := principalValues(s, policy.PrincipalService)
		if services == nil || constrains(s, func(k string) bool { return sourceKeys[k] }) {
			continue
		}
		for i, svc := range services.Items {
			a.addFix(CodeConfusedDeputy, services.Offsets[i], itemPath(s.Path+".Principal.Service", services, i), []int{s.Index},
				"add a condition on aws:SourceArn (the resource the service acts for) or aws:SourceAccount (the account it acts for)",
				"%s is allowed %s with no condition on aws:SourceArn or aws:SourceAccount: the service can be made to act on this resource for any of its customers", svc, list(actionsOf(s), 3))
		}
	}
}

// checkWebIdentityTrust: a role trust policy for a web identity provider
// that does not say which of the provider's identities may assume the role
// lets every one of them in: any GitHub repository's workflow, any pod of
// the EKS cluster, any user of the Cognito identity pool's provider.
func (a *analyzer) checkWebIdentityTrust() {
	if a.doc.Kind != policy.KindTrust {
		return
	}
	for _, s := range a.p.Statements {
		if s.Effect != policy.Allow || !mayAssumeWithWebIdentity(s) {
			continue
		}
		fed := principalValues(s, policy.PrincipalFederated)
		if fed == nil {
			continue
		}
		for i, p := range fed.Items {
			provider, claim := webIdentityProvider(p)
			if provider == "" {
				continue
			}
			key := strings.ToLower(provider + ":" + claim)
			if constrains(s, func(k string) bool { return k == key }) {
				if provider == "token.actions.githubusercontent.com" {
					a.checkGitHubSubject(s, key)
				}
				continue
			}
			a.addFix(CodeWebIdentityTrustUnscoped, fed.Offsets[i], itemPath(s.Path+".Principal.Federated", fed, i), []int{s.Index},
				"add a condition on "+provider+":"+claim+" naming the identities that may assume the role",
				"the role trusts %s with no condition on %s:%s: every identity the provider issues a token for can assume it", provider, provider, claim)
			if provider == "token.actions.githubusercontent.com" {
				a.issue("MISSING_GITHUB_REPO_CONDITION_KEY")
			}
		}
	}
}

// webIdentityProvider names the provider of a Federated principal and the
// claim that says who the identity is: sub for an OpenID Connect provider
// (arn:aws:iam::A:oidc-provider/HOST), aud for a Cognito identity pool,
// whose tokens every pool's identities share. SAML and other providers:
// "".
func webIdentityProvider(principal string) (provider, claim string) {
	if _, host, ok := strings.Cut(principal, ":oidc-provider/"); ok && host != "" {
		return host, "sub"
	}
	if strings.EqualFold(principal, "cognito-identity.amazonaws.com") {
		return "cognito-identity.amazonaws.com", "aud"
	}
	return "", ""
}

// mayAssumeWithWebIdentity reports whether a statement's actions include
// sts:AssumeRoleWithWebIdentity.
func mayAssumeWithWebIdentity(s *policy.Statement) bool {
	vals, not := s.Actions()
	if vals == nil {
		return false
	}
	hit := false
	for _, act := range vals.Items {
		if glob.Match(strings.ToLower(act), "sts:assumerolewithwebidentity") {
			hit = true
		}
	}
	return hit != not
}

// checkGitHubSubject reports a GitHub Actions trust whose sub condition
// matches with a wildcard: repo:acme/* lets in every repository of the
// organization, repo:acme/app:* every branch, pull request and
// environment of the repository.
func (a *analyzer) checkGitHubSubject(s *policy.Statement, key string) {
	for _, c := range s.Conditions {
		if strings.ToLower(c.Key) != key {
			continue
		}
		for i, v := range c.Values.Items {
			if strings.ContainsAny(v, "*?") {
				a.addFix(CodeGitHubTrustWildcard, c.Values.Offsets[i], itemPath(c.Path, &c.Values, i), []int{s.Index},
					"name the repository and the branch or environment: repo:OWNER/REPO:ref:refs/heads/main, or repo:OWNER/REPO:environment:prod",
					"%s %q lets in every workflow it matches: each repository, branch, pull request or environment a * stands for", c.Key, v)
				return
			}
		}
	}
}
