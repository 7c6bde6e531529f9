package engine

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardhq/ward/internal/policy"
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
	// Keys holds more context keys, as a list: a caller deciding on a hot
	// path can build it in reused storage, where a map would allocate. A
	// key may be given once, in either.
	Keys []ContextKey
	// Now is the time of the request, for aws:CurrentTime and
	// aws:EpochTime when Context does not give them. Zero means time.Now().
	Now time.Time
	// LiteralResource says that Resource is the resource of a real
	// request, as AWS evaluates one: a '*' or '?' in it is a plain
	// character. Otherwise a resource written with wildcards asks about
	// the resources it names (a question for the simulator).
	LiteralResource bool
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
	// resource policies name it. A session's ARN does not carry its role's
	// path, so for a session it is the role ARN without one unless the
	// request's aws:PrincipalArn gives the role's full ARN.
	RoleARN string
	// sessionRole is a session's role ARN as its ARN implies it (no path);
	// rolePathKnown says RoleARN came from aws:PrincipalArn instead.
	sessionRole   string
	rolePathKnown bool
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
			c.sessionRole = sessionRoles.get(s[:len(s)-len(session)-1], func() string {
				return "arn:" + c.Partition + ":iam::" + c.Account + ":role/" + role
			})
			c.RoleARN = c.sessionRole
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
	if !policy.IsAccountID(c.Account) {
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
// once, decide many times; a Prepared is read-only and safe to share
// until it is prepared again with PrepareInto.
type Prepared struct {
	Caller   Caller
	Action   string // as given
	service  string // lower-cased
	name     string // lower-cased
	action   string // lower-cased service:name
	Resource string
	resource arnSplit
	// resourceKey is the resource as the index files it (index.go), in
	// keyBuf.
	resourceKey string
	keyBuf      []byte
	// wild is set when the resource is written with wildcards (other than
	// a lone "*", which is what AWS evaluates actions without resources
	// against): the question is then about the resources it names.
	wild *wildRequest
	// ResourceAccount after defaulting.
	ResourceAccount string
	// ctx holds the context, keys lower-cased: the keys the request gave,
	// then the keys ward derived. A list rather than a map: a request has
	// a few dozen keys at most, a scan of them costs about what hashing
	// does, and a reused list costs no allocation.
	ctx []contextEntry
	// own backs the values of derived keys, so deriving allocates nothing.
	own [8]string
}

type contextEntry struct {
	key   string
	vals  []string
	given bool
}

// ContextKey is a request context key and its values, for building
// Request.Keys.
type ContextKey struct {
	Name   string
	Values []string
}

// Prepare checks a request and completes its context.
func (r *Request) Prepare() (*Prepared, error) {
	p := &Prepared{}
	if err := r.PrepareInto(p); err != nil {
		return nil, err
	}
	return p, nil
}

// PrepareInto is Prepare into a Prepared the caller owns, reusing its
// storage: once it has grown to fit, preparing allocates nothing (a
// resource written with wildcards aside). Decisions made from p must not
// be used after p is prepared again.
func (r *Request) PrepareInto(p *Prepared) error {
	if p.Caller.Kind == 0 || p.Caller.ARN != r.Principal {
		caller, err := ParseCaller(r.Principal)
		if err != nil {
			return err
		}
		p.Caller = caller
	}
	_, name, ok := strings.Cut(r.Action, ":")
	if !ok || strings.HasPrefix(r.Action, ":") || name == "" || strings.ContainsAny(r.Action, " \t") {
		return fmt.Errorf("action %q must look like service:ActionName", r.Action)
	}
	if r.Resource == "" {
		return fmt.Errorf("no resource given: use an ARN, or \"*\" for actions without one")
	}
	p.Action, p.Resource = r.Action, r.Resource
	p.action = lowerName(&lowerActions, r.Action)
	p.service, p.name, _ = strings.Cut(p.action, ":")
	p.resource = splitARN(r.Resource)
	p.resourceKey = requestResourceKey(&p.resource, &p.keyBuf)
	p.wild = nil
	if !r.LiteralResource && r.Resource != "*" && strings.ContainsAny(r.Resource, "*?") {
		p.wild = newWildRequest(r.Resource)
	}
	clear(p.ctx) // drop references to the previous request's values
	p.ctx = p.ctx[:0]
	for k, v := range r.Context {
		if err := p.give(k, v); err != nil {
			return err
		}
	}
	for i := range r.Keys {
		if err := p.give(r.Keys[i].Name, r.Keys[i].Values); err != nil {
			return err
		}
	}
	if p.Caller.Kind == PrincipalRoleSession {
		if err := p.sessionRoleARN(); err != nil {
			return err
		}
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
			p.ResourceAccount = p.Caller.Account
		}
	}
	p.derive(r.Now)
	return nil
}

// sessionRoleARN sets the role behind a role session. The session ARN
// (arn:aws:sts::A:assumed-role/NAME/SESSION) drops the role's path, while
// policies name the role by its full ARN (role/svc/deploy); the request's
// aws:PrincipalArn, which AWS sets to the role's ARN, supplies it. A value
// that names another role is a contradiction in the request, refused.
func (p *Prepared) sessionRoleARN() error {
	c := &p.Caller
	c.RoleARN, c.rolePathKnown = c.sessionRole, false
	v, ok := p.lookup("aws:principalarn")
	if !ok {
		return nil
	}
	if len(v) != 1 || !isRoleARNOf(v[0], c) {
		return fmt.Errorf("context key aws:PrincipalArn %q is not the ARN of the role %q in account %s behind the session %q", strings.Join(v, ","), c.Name, c.Account, c.ARN)
	}
	c.RoleARN, c.rolePathKnown = v[0], true
	return nil
}

// isRoleARNOf reports whether arn is the ARN of a role named like the
// session's role, with any path, in the session's partition and account.
func isRoleARNOf(arn string, c *Caller) bool {
	a := splitARN(arn)
	if !a.isARN() || a.parts[1] != c.Partition || a.parts[2] != "iam" || a.parts[3] != "" || a.parts[4] != c.Account {
		return false
	}
	rest, ok := strings.CutPrefix(a.parts[5], "role/")
	return ok && lastPart(rest) == c.Name
}

// give adds a key the request carried, lower-cased as policies' keys are
// when they are compiled.
func (p *Prepared) give(key string, vals []string) error {
	lower := lowerName(&contextKeys, key)
	if _, dup := p.lookup(lower); dup {
		return fmt.Errorf("context key %q is given twice (key names are case-insensitive)", key)
	}
	p.ctx = append(p.ctx, contextEntry{key: lower, vals: vals, given: true})
	return nil
}

func (p *Prepared) single(key string) string {
	if v, _ := p.lookup(key); len(v) == 1 {
		return v[0]
	}
	return ""
}

// Values of derived keys that do not depend on the request.
var (
	valUser          = []string{"User"}
	valAssumedRole   = []string{"AssumedRole"}
	valFederatedUser = []string{"FederatedUser"}
	valAccount       = []string{"Account"}
	valAnonymous     = []string{"Anonymous"}
	valAnonymousID   = []string{"anonymous"}
	valTrue          = []string{"true"}
	valFalse         = []string{"false"}
)

// derive adds the global keys AWS puts in every request context, unless
// the request gave them ("AWS global condition context keys").
func (p *Prepared) derive(now time.Time) {
	n := 0
	setConst := func(key string, v []string) {
		if _, ok := p.lookup(key); !ok {
			p.ctx = append(p.ctx, contextEntry{key: key, vals: v})
		}
	}
	set := func(key, v string) {
		if _, ok := p.lookup(key); !ok {
			p.own[n] = v
			p.ctx = append(p.ctx, contextEntry{key: key, vals: p.own[n : n+1 : n+1]})
			n++
		}
	}
	c := &p.Caller
	switch c.Kind {
	case PrincipalUser:
		set("aws:principalarn", c.ARN)
		setConst("aws:principaltype", valUser)
		set("aws:username", c.Name)
	case PrincipalRole, PrincipalRoleSession:
		set("aws:principalarn", c.RoleARN)
		setConst("aws:principaltype", valAssumedRole)
	case PrincipalFederatedUser:
		set("aws:principalarn", c.ARN)
		setConst("aws:principaltype", valFederatedUser)
		if _, ok := p.lookup("aws:userid"); !ok {
			set("aws:userid", c.Account+":"+c.Name)
		}
	case PrincipalRoot:
		set("aws:principalarn", c.ARN)
		setConst("aws:principaltype", valAccount)
		set("aws:userid", c.Account)
	case PrincipalAnonymous:
		// aws:PrincipalAccount is set only in signed requests ("AWS
		// global condition context keys": "Anonymous requests do not
		// include this key"); an unsigned request is from no account.
		setConst("aws:principaltype", valAnonymous)
		setConst("aws:userid", valAnonymousID)
	case PrincipalService:
		// A service's request names it in aws:PrincipalServiceName and, as
		// a list of its principal names, aws:PrincipalServiceNamesList
		// ("AWS global condition context keys"); ward knows one name.
		set("aws:principalservicename", c.ARN)
		set("aws:principalservicenameslist", c.ARN)
		setConst("aws:principalisawsservice", valTrue)
	}
	if c.Kind.isIAM() {
		set("aws:principalaccount", c.Account)
		setConst("aws:principalisawsservice", valFalse)
	}
	if p.ResourceAccount != "" {
		set("aws:resourceaccount", p.ResourceAccount)
	}
	_, givenTime := p.lookup("aws:currenttime")
	_, givenEpoch := p.lookup("aws:epochtime")
	switch {
	case givenTime && givenEpoch:
	case givenTime:
		// If a request gives only one of the two time keys, the other
		// follows from it so policies on either see the same moment.
		if t, ok := parseDate(p.single("aws:currenttime")); ok {
			set("aws:epochtime", strconv.FormatInt(t.Unix(), 10))
		}
	case givenEpoch:
		if t, ok := parseDate(p.single("aws:epochtime")); ok {
			set("aws:currenttime", t.UTC().Format(time.RFC3339))
		}
	default:
		if now.IsZero() {
			now = time.Now()
		}
		clock := clockAt(now)
		setConst("aws:currenttime", clock.current)
		setConst("aws:epochtime", clock.epoch)
	}
}

// clock holds the two time keys of one second, formatted once for every
// request made in that second.
type clock struct {
	unix           int64
	current, epoch []string
}

var lastClock atomic.Pointer[clock]

func clockAt(now time.Time) *clock {
	unix := now.Unix()
	if c := lastClock.Load(); c != nil && c.unix == unix {
		return c
	}
	c := &clock{unix: unix,
		current: []string{now.UTC().Format(time.RFC3339)},
		epoch:   []string{strconv.FormatInt(unix, 10)}}
	lastClock.Store(c)
	return c
}

// lookup returns a context key's values; key must be lower-case.
func (p *Prepared) lookup(key string) ([]string, bool) {
	for i := range p.ctx {
		if p.ctx[i].key == key {
			return p.ctx[i].vals, true
		}
	}
	return nil, false
}

// Value returns a context key's values as a policy sees them: those the
// request gave, or those the engine derived (aws:username from the
// caller, aws:ResourceAccount from the resource). It is how a policy
// variable resolves.
func (p *Prepared) Value(key string) ([]string, bool) {
	return p.lookup(strings.ToLower(key))
}

// Given reports whether the request itself carried a context key.
func (p *Prepared) Given(key string) bool {
	key = strings.ToLower(key)
	for i := range p.ctx {
		if p.ctx[i].given && p.ctx[i].key == key {
			return true
		}
	}
	return false
}

// memo remembers strings derived from others (an action lower-cased, the
// role behind a session), so the requests of a busy service derive each
// one once. Reads take no lock: the map is replaced, never changed. It
// holds a bounded number of entries, as its keys come from requests;
// past that, derive runs every time.
type memo struct {
	m  atomic.Pointer[map[string]string]
	mu sync.Mutex
}

const memoLimit = 4096

func (c *memo) get(key string, derive func() string) string {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[key]; ok {
			return v
		}
	}
	v := derive()
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil && len(*old) >= memoLimit {
		return v
	}
	next := make(map[string]string, 1+len(derefOrNil(old)))
	for k, x := range derefOrNil(old) {
		next[k] = x
	}
	next[strings.Clone(key)] = v
	c.m.Store(&next)
	return v
}

func derefOrNil(m *map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	return *m
}

var (
	// lowerActions maps actions as requests spell them to lower case.
	lowerActions memo
	// contextKeys maps context key names as requests spell them to lower
	// case.
	contextKeys memo
	// sessionRoles maps "arn:P:sts::A:assumed-role/R" to R's role ARN.
	sessionRoles memo
)

// lowerName lower-cases s, remembering the result in m; a name already in
// lower case is its own.
func lowerName(m *memo, s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return m.get(s, func() string { return strings.ToLower(s) })
		}
	}
	return s
}
