package engine

import (
	"strings"

	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
)

// Compiled is a policy turned into a form built for deciding: patterns
// split into tokens, condition values parsed, principals normalised.
// Compile a policy once and use it in any number of Sets; a Compiled is
// read-only and safe for concurrent use.
type Compiled struct {
	// Name labels the policy in answers, e.g. a managed policy ARN or
	// "identityPolicies[1]".
	Name   string
	Policy *policy.Policy
	stmts  []statement
}

type statement struct {
	src    *policy.Statement
	effect policy.Effect

	actions   []actionPattern
	notAction bool

	resources   []arnPattern
	notResource bool
	noResource  bool // trust policies have no Resource element
	// resourceVars: some resource pattern holds a policy variable.
	resourceVars bool

	principals   principalSet
	notPrincipal bool
	hasPrincipal bool

	conds []condition
}

// actionPattern is a lower-cased service:name pattern. IAM matches actions
// case-insensitively, and the service prefix as a whole: s3:* does not
// reach s3express.
type actionPattern struct {
	all     bool    // "*"
	service pattern // lower-cased
	name    pattern
	// key is the exact "service:name" when neither part has a wildcard,
	// for the index.
	key string
}

func compileAction(a string) actionPattern {
	if a == "*" {
		return actionPattern{all: true}
	}
	l := strings.ToLower(a)
	svc, name, _ := strings.Cut(l, ":")
	ap := actionPattern{service: compilePattern(svc, true, false), name: compilePattern(name, true, false)}
	if ap.service.isLit && ap.name.isLit {
		ap.key = l
	}
	return ap
}

func (a *actionPattern) match(service, name string) bool {
	if a.all {
		return true
	}
	m, _ := a.service.match(service, nil, false)
	if !m {
		return false
	}
	m, _ = a.name.match(name, nil, false)
	return m
}

// Compile turns a parsed policy into its decision form. It does not fail:
// anything that cannot match (a malformed condition value, say) compiles
// to something that never matches, as AWS treats it.
func Compile(p *policy.Policy, name string) *Compiled {
	vars := p.SupportsVariables()
	c := &Compiled{Name: name, Policy: p, stmts: make([]statement, len(p.Statements))}
	for i, s := range p.Statements {
		st := &c.stmts[i]
		st.src = s
		st.effect = s.Effect
		acts, not := s.Actions()
		st.notAction = not
		st.actions = make([]actionPattern, 0, len(acts.Items))
		for _, a := range acts.Items {
			st.actions = append(st.actions, compileAction(a))
		}
		if res, not := s.Resources(); res != nil {
			st.notResource = not
			st.resources = make([]arnPattern, 0, len(res.Items))
			for _, r := range res.Items {
				rp := compileARNPattern(r, vars)
				st.resourceVars = st.resourceVars || rp.hasVar()
				st.resources = append(st.resources, rp)
			}
		} else {
			st.noResource = true
		}
		if pr, not := s.Principals(); pr != nil {
			st.hasPrincipal = true
			st.notPrincipal = not
			st.principals = compilePrincipals(pr)
		}
		for _, cond := range s.Conditions {
			st.conds = append(st.conds, compileCondition(cond, vars))
		}
	}
	return c
}

// matchAction reports whether the statement's Action/NotAction covers the
// request's action.
func (s *statement) matchAction(service, name string) bool {
	hit := false
	for i := range s.actions {
		if s.actions[i].match(service, name) {
			hit = true
			break
		}
	}
	return hit != s.notAction
}

func (s *statement) matchResource(r *Prepared, st *state) bool {
	if s.noResource {
		return true
	}
	if s.notResource && s.resourceVars && !s.resourcesResolve(st) {
		// A variable AWS cannot resolve makes the statement invalid
		// ("Variables and tags": "any attempt to match it fails and
		// causes the statement to be invalid"). Under Resource that is a
		// pattern matching nothing; under NotResource the statement must
		// not apply either, though no pattern matched.
		return false
	}
	if r.wild != nil {
		return s.matchWildResource(r.wild, st)
	}
	hit := false
	for i := range s.resources {
		if m, _ := s.resources[i].match(r.Resource, &r.resource, st); m {
			hit = true
			break
		}
	}
	return hit != s.notResource
}

// resourcesResolve reports whether every policy variable in the
// statement's resource patterns has a value in this request.
func (s *statement) resourcesResolve(st *state) bool {
	for i := range s.resources {
		if !s.resources[i].resolves(st) {
			return false
		}
	}
	return true
}

func (s *statement) matchConditions(st *state) bool {
	for i := range s.conds {
		if !s.conds[i].eval(st) {
			return false
		}
	}
	return true
}

// grant says how a resource policy's Principal element reached the caller,
// which decides what else must allow the request ("Policy evaluation
// logic", the table of principals in same-account resource policies).
type grant uint8

const (
	grantNone grant = iota
	// grantAccount: the account (its ID or root ARN). This delegates to the
	// account's own IAM policies; it grants nothing alone.
	grantAccount
	// grantRole: the role ARN behind a role session. Boundaries and session
	// policies still limit it.
	grantRole
	// grantDirect: the caller itself (user, role session, federated user,
	// service, or "*"). Nothing but an explicit deny limits it.
	grantDirect
)

type principalSet struct {
	everyone bool
	accounts []string // 12-digit IDs, from IDs and root ARNs
	arns     []string // user, role, session and federated-user ARNs
	// pathRoles are the role ARNs in arns that have a path: a role
	// session matches them only when the request says its role's path.
	pathRoles []string
	services  []string // lower-cased
	federated []string
}

func compilePrincipals(p *policy.Principal) principalSet {
	var ps principalSet
	if p.Wildcard {
		ps.everyone = true
		return ps
	}
	for _, e := range p.Entries {
		for _, v := range e.Values.Items {
			switch e.Type {
			case policy.PrincipalAWS:
				switch {
				case v == "*":
					ps.everyone = true
				case policy.IsAccountID(v):
					ps.accounts = append(ps.accounts, v)
				default:
					if a := splitARN(v); a.isARN() && a.parts[2] == "iam" && a.parts[5] == "root" {
						ps.accounts = append(ps.accounts, a.parts[4])
					} else {
						ps.arns = append(ps.arns, v)
						if a.isARN() && a.parts[2] == "iam" && strings.HasPrefix(a.parts[5], "role/") && strings.Count(a.parts[5], "/") > 1 {
							ps.pathRoles = append(ps.pathRoles, v)
						}
					}
				}
			case policy.PrincipalService:
				ps.services = append(ps.services, strings.ToLower(v))
			case policy.PrincipalFederated:
				ps.federated = append(ps.federated, v)
			}
			// CanonicalUser principals identify S3 accounts by a hash ward
			// cannot derive from an ARN; they match no request.
		}
	}
	return ps
}

// match returns the strongest way the set names the caller.
func (ps *principalSet) match(c *Caller) grant {
	if ps.everyone {
		return grantDirect
	}
	best := grantNone
	switch c.Kind {
	case PrincipalService:
		for _, s := range ps.services {
			if strings.EqualFold(s, c.ARN) {
				return grantDirect
			}
		}
		return grantNone
	case PrincipalWebIdentity:
		for _, f := range ps.federated {
			if f == c.ARN {
				return grantDirect
			}
		}
		return grantNone
	case PrincipalAnonymous:
		return grantNone
	}
	for _, a := range ps.arns {
		switch {
		case a == c.ARN && c.Kind != PrincipalRole:
			return grantDirect
		case a == c.RoleARN && c.RoleARN != "":
			best = grantRole
		}
	}
	if best == grantNone {
		for _, acct := range ps.accounts {
			if acct == c.Account {
				// The root user is the account: naming the account names it.
				if c.Kind == PrincipalRoot {
					return grantDirect
				}
				return grantAccount
			}
		}
	}
	return best
}

// uncomparedRole reports whether the set names a role with a path whose
// name is the session's role, while the request did not say the role's
// path: whether the session is that role's cannot be told.
func (ps *principalSet) uncomparedRole(c *Caller) bool {
	if c.Kind != PrincipalRoleSession || c.rolePathKnown {
		return false
	}
	for _, a := range ps.pathRoles {
		if isRoleARNOf(a, c) {
			return true
		}
	}
	return false
}

// notPrincipalGrant applies a NotPrincipal element. AWS evaluates a
// caller as each identity it acts as — a role session as the session, its
// role and its account; a user as the user and its account — and the
// statement applies to every identity NotPrincipal does not name. So a
// NotPrincipal that lists a session but not its account still reaches the
// account ("NotPrincipal": "you must also specify the account ARN of the
// not-denied principal"). It returns the strongest grant among the
// identities left, or grantNone when all are named.
func (ps *principalSet) notPrincipalGrant(c *Caller) grant {
	if ps.everyone {
		return grantNone
	}
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	switch c.Kind {
	case PrincipalService:
		if has(ps.services, strings.ToLower(c.ARN)) {
			return grantNone
		}
		return grantDirect
	case PrincipalWebIdentity:
		if has(ps.federated, c.ARN) {
			return grantNone
		}
		return grantDirect
	case PrincipalAnonymous:
		return grantDirect
	}
	switch c.Kind {
	case PrincipalUser, PrincipalFederatedUser:
		if !has(ps.arns, c.ARN) {
			return grantDirect
		}
	case PrincipalRoleSession:
		if !has(ps.arns, c.ARN) {
			return grantDirect
		}
		if !has(ps.arns, c.RoleARN) {
			return grantRole
		}
	case PrincipalRole:
		if !has(ps.arns, c.RoleARN) {
			return grantRole
		}
	case PrincipalRoot:
		if !has(ps.accounts, c.Account) {
			return grantDirect
		}
		return grantNone
	}
	if !has(ps.accounts, c.Account) {
		return grantAccount
	}
	return grantNone
}

// matchWildResource decides whether the statement applies to a request
// whose resource is a pattern, asking "is some resource it names allowed?"
// An Allow applies when it can reach some of the named resources; a Deny
// only when it reaches all of them, as a Deny on bucket/secret/* does not
// stop access to the rest of bucket/*.
func (s *statement) matchWildResource(w *wildRequest, st *state) bool {
	allow := s.effect == policy.Allow
	for i := range s.resources {
		p := &s.resources[i]
		var hit bool
		switch {
		case allow && !s.notResource, !allow && s.notResource:
			hit = p.relate(w, st, glob.Intersects)
		default:
			hit = p.relate(w, st, glob.Covers)
		}
		if hit {
			// Resource: one reaching pattern is enough. NotResource: one
			// pattern that covers (Allow) or meets (Deny) the request
			// takes the statement off it.
			return !s.notResource
		}
	}
	return s.notResource
}
