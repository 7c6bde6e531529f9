package analyze

import (
	"strings"

	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
)

// checkPrincipals applies Access Analyzer's checks on a statement's
// principals: service principals of the wrong shape, users and roles
// named by unique ID, federated principals where they cannot be, and, in
// a role's trust policy, assume actions that do not fit the principal, the
// actions IAM Roles Anywhere needs, and a role named beside its own
// sessions.
func (a *analyzer) checkPrincipals(s *policy.Statement) {
	pr, _ := s.Principals()
	if pr == nil {
		return
	}
	el := "Principal"
	if s.NotPrincipal != nil {
		el = "NotPrincipal"
	}
	stmt := []int{s.Index}
	for _, e := range pr.Entries {
		path := s.Path + "." + el + "." + e.Type
		for i, v := range e.Values.Items {
			off, p := e.Values.Offsets[i], itemPath(path, &e.Values, i)
			switch e.Type {
			case policy.PrincipalService:
				if v != "*" && !policy.IsServicePrincipal(v) {
					a.add(CodeInvalidServicePrincipal, off, p, stmt, "%q is not a service principal (a lower-case name under amazonaws.com, such as lambda.amazonaws.com)", v)
				}
			case policy.PrincipalAWS:
				if check, what := uniqueIDKind(v); check != "" {
					a.addFix(CodePrincipalUniqueID, off, p, stmt, "name the "+what+" by its ARN, or remove the entry",
						"%q is a %s's unique ID, which IAM shows in place of the ARN of a %s that was deleted: it names no one now, and a new %s of the same name is not it", v, what, what, what)
					a.issue(check)
				}
			case policy.PrincipalFederated:
				switch {
				case a.doc.Kind != policy.KindTrust:
					a.add(CodeInvalidPolicy, off, p, stmt, "a federated principal (%s) can only assume a role: it belongs in a role's trust policy, not a %s policy", v, a.doc.Kind)
					a.issue("FEDERATED_PRINCIPAL_NOT_SUPPORTED")
				case !federatedPrincipalShape(v):
					a.add(CodeInvalidPolicy, off, p, stmt, "%q is neither an identity provider's ARN (arn:aws:iam::ACCOUNT:saml-provider/NAME or oidc-provider/HOST) nor a provider's domain (cognito-identity.amazonaws.com)", v)
					a.issue("INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY")
				}
			}
		}
	}
	if a.doc.Kind == policy.KindTrust && s.Effect == policy.Allow && s.Principal != nil {
		a.checkTrustActions(s)
		a.checkRedundantSessions(s)
	}
}

// uniqueIDKind says whether a principal is a user's (AIDA) or a role's
// (AROA) unique ID, with the Access Analyzer check for each.
func uniqueIDKind(v string) (check, what string) {
	if len(v) < 16 || !policy.IsUniqueID(v) {
		return "", ""
	}
	switch v[:4] {
	case "AIDA":
		return "INVALID_USER_REFERENCE", "user"
	case "AROA":
		return "INVALID_ROLE_REFERENCE", "role"
	}
	return "", ""
}

// federatedPrincipalShape accepts an identity provider's ARN or a
// provider's domain name.
func federatedPrincipalShape(v string) bool {
	if strings.HasPrefix(v, "arn:") {
		parts := strings.SplitN(v, ":", 6)
		return len(parts) == 6 && parts[2] == "iam" && (strings.HasPrefix(parts[5], "saml-provider/") || strings.HasPrefix(parts[5], "oidc-provider/"))
	}
	if v == "" || strings.ContainsAny(v, "/ *?") {
		return false
	}
	return strings.Contains(v, ".")
}

// principalAssumeAction is the assume action a kind of principal calls.
func principalAssumeAction(typ, v string) string {
	switch {
	case typ == policy.PrincipalFederated && strings.Contains(v, ":saml-provider/"):
		return "sts:assumerolewithsaml"
	case typ == policy.PrincipalFederated:
		return "sts:assumerolewithwebidentity"
	}
	return "sts:assumerole"
}

func (a *analyzer) checkTrustActions(s *policy.Statement) {
	if s.Action == nil {
		return
	}
	fits := map[string]bool{}
	rolesAnywhere := false
	for _, e := range s.Principal.Entries {
		for _, v := range e.Values.Items {
			fits[principalAssumeAction(e.Type, v)] = true
			if e.Type == policy.PrincipalService && v == "rolesanywhere.amazonaws.com" {
				rolesAnywhere = true
			}
		}
	}
	for i, act := range s.Action.Items {
		l := strings.ToLower(act)
		if !strings.HasPrefix(l, "sts:assumerole") || strings.ContainsAny(l, "*?") || fits[l] {
			continue
		}
		var want []string
		for _, w := range []string{"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"} {
			if fits[strings.ToLower(w)] {
				want = append(want, w)
			}
		}
		a.addFix(CodeTrustActionMismatch, s.Action.Offsets[i], itemPath(s.Path+".Action", s.Action, i), []int{s.Index}, "grant "+strings.Join(want, " or "),
			"none of the statement's principals calls %s (%s is what they call), so the statement lets no one assume the role", act, strings.Join(want, ", "))
		a.issue("MISMATCHED_ACTION_FOR_PRINCIPAL")
	}
	if rolesAnywhere {
		var missing []string
		for _, need := range []string{"sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"} {
			if !grantsAction(s.Action.Items, need) {
				missing = append(missing, need)
			}
		}
		if len(missing) > 0 {
			a.addFix(CodeTrustActionMismatch, s.Action.Offsets[0], s.Path+".Action", []int{s.Index}, "grant "+strings.Join(missing, ", "),
				"IAM Roles Anywhere assumes a role with sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession together; the statement lacks %s, so its sessions fail", strings.Join(missing, ", "))
			a.issue("MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY")
		}
	}
}

// grantsAction reports whether any of the patterns matches the action.
func grantsAction(patterns []string, action string) bool {
	for _, p := range patterns {
		if strings.EqualFold(p, action) || strings.ContainsAny(p, "*?") && glob.Match(strings.ToLower(p), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// checkRedundantSessions reports a role's session named beside the role
// itself, which already stands for all of its sessions.
func (a *analyzer) checkRedundantSessions(s *policy.Statement) {
	roles := map[string]bool{} // "account/name", lower-cased
	for _, e := range s.Principal.Entries {
		if e.Type != policy.PrincipalAWS {
			continue
		}
		for _, v := range e.Values.Items {
			if acct, name, ok := strings.Cut(strings.TrimPrefix(v, "arn:aws:iam::"), ":role/"); ok && strings.HasPrefix(v, "arn:aws:iam::") {
				roles[strings.ToLower(acct+"/"+name[strings.LastIndex(name, "/")+1:])] = true
			}
		}
	}
	for _, e := range s.Principal.Entries {
		if e.Type != policy.PrincipalAWS {
			continue
		}
		for i, v := range e.Values.Items {
			rest, ok := strings.CutPrefix(v, "arn:aws:sts::")
			if !ok {
				continue
			}
			acct, session, ok := strings.Cut(rest, ":assumed-role/")
			role, _, _ := strings.Cut(session, "/")
			if ok && roles[strings.ToLower(acct+"/"+role)] {
				a.add(CodeRedundantPrincipal, e.Values.Offsets[i], itemPath(s.Path+".Principal.AWS", &e.Values, i), []int{s.Index},
					"%q is a session of a role the statement already names, which covers all of its sessions", v)
			}
		}
	}
}
