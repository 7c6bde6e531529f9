package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Request is one authorization question: may Principal perform Action on
// Resource, in this context?
type Request struct {
	// Principal is a user, role, role-session, federated-user or root ARN;
	// a service principal such as "lambda.amazonaws.com"; a federated
	// identity provider (an OIDC/SAML provider ARN or a host such as
	// "cognito-identity.amazonaws.com"); or "anonymous".
	Principal string
	Action    string
	// Resource is an ARN, or "*" for actions that take no resource.
	Resource string
	// ResourceAccount owns the resource. Empty: the account in the
	// resource ARN, else the principal's account.
	ResourceAccount string
	// Context holds request context keys and their values. Key names are
	// case-insensitive. A single-valued key has one value.
	Context map[string][]string
	// Now is the time of the request, for aws:CurrentTime and
	// aws:EpochTime when Context does not give them. Zero means time.Now().
	Now time.Time
}

// PrincipalKind is what sort of caller a request comes from.
type PrincipalKind uint8

const (
	PrincipalUser          PrincipalKind = iota + 1 // IAM user
	PrincipalRole                                   // an IAM role named by its role ARN
	PrincipalRoleSession                            // arn:aws:sts::A:assumed-role/R/S
	PrincipalFederatedUser                          // arn:aws:sts::A:federated-user/N (GetFederationToken)
	PrincipalRoot                                   // the account root user
	PrincipalService                                // an AWS service principal
	PrincipalWebIdentity                            // an identity from a Federated provider
	PrincipalAnonymous                              // an unsigned request
)

var principalKindNames = [...]string{"", "user", "role", "role session", "federated user", "root", "service", "web identity", "anonymous"}

func (k PrincipalKind) String() string {
	if int(k) < len(principalKindNames) {
		return principalKindNames[k]
	}
	return ""
}

// isIAM reports whether the principal belongs to an account and so has
// identity-based policies, boundaries and SCPs that apply to it.
func (k PrincipalKind) isIAM() bool {
	return k >= PrincipalUser && k <= PrincipalRoot
}

// Caller is a parsed principal.
type Caller struct {
	Kind      PrincipalKind
	ARN       string // as given; the service or provider name for those kinds
	Partition string
	Account   string
	// RoleARN is the role behind a role session (or the role itself), as
	// resource policies name it.
	RoleARN string
	// Name is the user, role or federated user name.
	Name    string
	Session string // role session name
}

// ParseCaller reads a principal as Request.Principal describes it.
func ParseCaller(s string) (Caller, error) {
	c := Caller{ARN: s}
	switch {
	case s == "":
		return c, fmt.Errorf("no principal given")
	case strings.EqualFold(s, "anonymous") || s == "*":
		c.Kind, c.ARN = PrincipalAnonymous, "anonymous"
		return c, nil
	case !strings.HasPrefix(s, "arn:"):
		if strings.ContainsAny(s, " \t/:") || !strings.Contains(s, ".") {
			return c, fmt.Errorf("principal %q is not an ARN, a service principal or \"anonymous\"", s)
		}
		if isIdentityProviderHost(s) {
			c.Kind = PrincipalWebIdentity
		} else {
			c.Kind = PrincipalService
		}
		return c, nil
	}
	a := splitARN(s)
	if !a.isARN() {
		return c, fmt.Errorf("principal %q is not a valid ARN (arn:partition:service:region:account:resource)", s)
	}
	c.Partition, c.Account = a.parts[1], a.parts[4]
	res := a.parts[5]
	typ, rest, _ := strings.Cut(res, "/")
	bad := func(want string) (Caller, error) {
		return c, fmt.Errorf("principal %q: expected %s", s, want)
	}
	switch a.parts[2] {
	case "iam":
		switch {
		case res == "root":
			c.Kind = PrincipalRoot
		case typ == "user" && rest != "":
			c.Kind = PrincipalUser
			c.Name = lastPart(rest)
		case typ == "role" && rest != "":
			c.Kind = PrincipalRole
			c.Name = lastPart(rest)
			c.RoleARN = s
		case typ == "oidc-provider" || typ == "saml-provider":
			c.Kind = PrincipalWebIdentity
			return c, nil
		default:
			return bad("an IAM user, role or root ARN")
		}
	case "sts":
		switch typ {
		case "assumed-role":
			role, session, ok := strings.Cut(rest, "/")
			if !ok || role == "" || session == "" {
				return bad("arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION")
			}
			c.Kind = PrincipalRoleSession
			c.Name, c.Session = role, session
			c.RoleARN = "arn:" + c.Partition + ":iam::" + c.Account + ":role/" + role
		case "federated-user":
			if rest == "" {
				return bad("arn:aws:sts::ACCOUNT:federated-user/NAME")
			}
			c.Kind = PrincipalFederatedUser
			c.Name = rest
		default:
			return bad("an assumed-role or federated-user ARN")
		}
	default:
		return bad("an iam or sts ARN")
	}
	if !isAccountID(c.Account) {
		return c, fmt.Errorf("principal %q: the account %q is not a 12-digit account ID", s, c.Account)
	}
	return c, nil
}

func lastPart(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isIdentityProviderHost recognises the web identity providers IAM names
// in a Federated principal by host rather than by ARN.
func isIdentityProviderHost(s string) bool {
	switch strings.ToLower(s) {
	case "cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com", "www.amazon.com":
		return true
	}
	return false
}

// Prepared is a Request made ready for deciding: the principal parsed, the
// action split and folded, the resource split, and the context completed
// with the keys AWS derives from the principal and the resource. Prepare
// once, decide many times; a Prepared is read-only and safe to share.
type Prepared struct {
	Caller   Caller
	Action   string // as given
	service  string // lower-cased
	name     string // lower-cased
	action   string // lower-cased service:name
	Resource string
	resource arnSplit
	// resourceKey is the resource as the index files it (index.go).
	resourceKey string
	// wild is set when the resource is written with wildcards (other than
	// a lone "*", which is what AWS evaluates actions without resources
	// against): the question is then about the resources it names.
	wild *wildRequest
	// ResourceAccount after defaulting.
	ResourceAccount string
	// ctx is keyed by lower-cased key names.
	ctx map[string][]string
	// given records which keys the request itself carried, as opposed to
	// keys ward derived, for reporting missing keys truthfully.
	given map[string]bool
}

// Prepare checks a request and completes its context.
func (r *Request) Prepare() (*Prepared, error) {
	caller, err := ParseCaller(r.Principal)
	if err != nil {
		return nil, err
	}
	svc, name, ok := strings.Cut(r.Action, ":")
	if !ok || svc == "" || name == "" || strings.ContainsAny(r.Action, " \t") {
		return nil, fmt.Errorf("action %q must look like service:ActionName", r.Action)
	}
	if r.Resource == "" {
		return nil, fmt.Errorf("no resource given: use an ARN, or \"*\" for actions without one")
	}
	p := &Prepared{
		Caller:   caller,
		Action:   r.Action,
		service:  strings.ToLower(svc),
		name:     strings.ToLower(name),
		Resource: r.Resource,
		resource: splitARN(r.Resource),
		ctx:      make(map[string][]string, len(r.Context)+12),
		given:    make(map[string]bool, len(r.Context)),
	}
	p.action = p.service + ":" + p.name
	p.resourceKey = requestResourceKey(&p.resource)
	if r.Resource != "*" && strings.ContainsAny(r.Resource, "*?") {
		p.wild = newWildRequest(r.Resource)
	}
	for k, v := range r.Context {
		lk := strings.ToLower(k)
		if _, dup := p.ctx[lk]; dup {
			return nil, fmt.Errorf("context key %q is given twice (key names are case-insensitive)", k)
		}
		p.ctx[lk] = v
		p.given[lk] = true
	}
	p.ResourceAccount = r.ResourceAccount
	if p.ResourceAccount == "" {
		// Resources AWS owns (arn:aws:iam::aws:policy/...) are shared with
		// every account: they are not another account's resources.
		if p.resource.isARN() && p.resource.parts[4] != "" && p.resource.parts[4] != "aws" {
			p.ResourceAccount = p.resource.parts[4]
		} else if v := p.single("aws:resourceaccount"); v != "" {
			p.ResourceAccount = v
		} else {
			p.ResourceAccount = caller.Account
		}
	}
	p.derive(r.Now)
	return p, nil
}

func (p *Prepared) single(key string) string {
	if v := p.ctx[key]; len(v) == 1 {
		return v[0]
	}
	return ""
}

// derive adds the global keys AWS puts in every request context, unless
// the request gave them ("AWS global condition context keys").
func (p *Prepared) derive(now time.Time) {
	set := func(key string, v ...string) {
		if _, ok := p.ctx[key]; !ok {
			p.ctx[key] = v
		}
	}
	c := &p.Caller
	switch c.Kind {
	case PrincipalUser:
		set("aws:principalarn", c.ARN)
		set("aws:principaltype", "User")
		set("aws:username", c.Name)
	case PrincipalRole, PrincipalRoleSession:
		set("aws:principalarn", c.RoleARN)
		set("aws:principaltype", "AssumedRole")
	case PrincipalFederatedUser:
		set("aws:principalarn", c.ARN)
		set("aws:principaltype", "FederatedUser")
		set("aws:userid", c.Account+":"+c.Name)
	case PrincipalRoot:
		set("aws:principalarn", c.ARN)
		set("aws:principaltype", "Account")
		set("aws:userid", c.Account)
	case PrincipalAnonymous:
		set("aws:principaltype", "Anonymous")
		set("aws:userid", "anonymous")
		set("aws:principalaccount", "anonymous")
	case PrincipalService:
		set("aws:principalservicename", c.ARN)
		set("aws:principalisawsservice", "true")
	}
	if c.Kind.isIAM() {
		set("aws:principalaccount", c.Account)
		set("aws:principalisawsservice", "false")
	}
	if p.ResourceAccount != "" {
		set("aws:resourceaccount", p.ResourceAccount)
	}
	if now.IsZero() {
		now = time.Now()
	}
	set("aws:currenttime", now.UTC().Format(time.RFC3339))
	set("aws:epochtime", strconv.FormatInt(now.Unix(), 10))
	// If a request gives only one of the two time keys, the other follows
	// from it so policies on either see the same moment.
	if p.given["aws:currenttime"] && !p.given["aws:epochtime"] {
		if t, ok := parseDate(p.single("aws:currenttime")); ok {
			p.ctx["aws:epochtime"] = []string{strconv.FormatInt(t.Unix(), 10)}
		}
	} else if p.given["aws:epochtime"] && !p.given["aws:currenttime"] {
		if t, ok := parseDate(p.single("aws:epochtime")); ok {
			p.ctx["aws:currenttime"] = []string{t.UTC().Format(time.RFC3339)}
		}
	}
}

// lookup returns a context key's values; key must be lower-case.
func (p *Prepared) lookup(key string) ([]string, bool) {
	v, ok := p.ctx[key]
	return v, ok
}

// Given reports whether the request itself carried a context key.
func (p *Prepared) Given(key string) bool { return p.given[strings.ToLower(key)] }
