package iamapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

// call is one request in progress.
type call struct {
	s         *Service
	ctx       context.Context
	op        string
	action    string // the IAM action the operation is authorized as
	p         awsquery.Params
	who       *caller
	requestID string
	sourceIP  string
	secure    bool
	x         awsquery.Writer
	// holdRecord asks authorizeWith to keep its decision's record in held
	// rather than log it, so it is written with the next one.
	holdRecord bool
	held       *scratch
}

// authorize decides whether the caller may perform action on resource,
// with the caller's stored policies and the request's context. A denial
// is an AccessDenied error with AWS's message.
func (c *call) authorize(action, resource string, extra map[string][]string) error {
	return c.authorizeWith(action, resource, extra, nil)
}

// authorizeWith also applies a resource policy (a role trust policy).
// With the caller's policy set cached, it allocates nothing unless it
// denies: the context is built, prepared and decided in pooled storage,
// and the decision logged from it.
func (c *call) authorizeWith(action, resource string, extra map[string][]string, resourcePolicy *engine.Compiled) error {
	s := c.s
	set, err := s.policySet(c.ctx, c.who, resourcePolicy)
	if err != nil {
		return err
	}
	now := s.now()
	sc := getScratch()
	defer func() {
		if sc != nil {
			sc.release()
		}
	}()
	// The operation's own keys first, then the caller's, then the
	// transport's: a key given earlier wins.
	sc.addMap(extra)
	sc.addCaller(c.who, now)
	sc.addTransport(c.sourceIP, c.secure)
	// The resource's account comes from its ARN (a role in another account
	// makes AssumeRole cross-account); a request on "*" stays in the
	// caller's account.
	resourceAccount := ""
	if resource == "*" {
		resourceAccount = c.who.account
	}
	req := engine.Request{Principal: c.who.arn, Action: action, Resource: resource, ResourceAccount: resourceAccount, Keys: sc.keys, Now: now,
		LiteralResource: true}
	if err := req.PrepareInto(&sc.prep); err != nil {
		return apiErr(500, "ServiceFailure", "the request could not be authorized: %v", err)
	}
	set.DecideInto(&sc.prep, &sc.dec)
	var denied error
	if sc.dec.Result != engine.Allowed {
		denied = apiErr(403, "AccessDenied", "%s", deniedMessage(sc.dec.Message(), action, resource))
	}
	if s.Decisions != nil {
		rec := sc.record(c, c.who, action, resource, nil, now)
		if c.holdRecord && c.held == nil {
			c.held, sc = sc, nil // logged with the record that follows
		} else {
			sc.logs[0] = rec
			if err := s.Decisions(sc.logs[:1]); err != nil {
				return errLogFailed
			}
		}
	}
	return denied
}

// deniedMessage is the engine's AccessDenied message as IAM words it for
// its own operations: the resource is named by kind and name ("role
// chat", "user bob", "group devs", "instance profile web"), or by kind
// and ARN for a policy, rather than by ARN.
func deniedMessage(msg, action, resource string) string {
	if !strings.HasPrefix(action, "iam:") {
		return msg
	}
	_, kind, rest, ok := iamARN(resource)
	if !ok {
		return msg
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	var shown string
	switch kind {
	case "user", "role", "group":
		shown = kind + " " + name
	case "instance-profile":
		shown = "instance profile " + name
	case "policy":
		shown = "policy " + resource
	}
	if shown == "" || name == "" {
		return msg
	}
	return strings.Replace(msg, " on resource: "+resource, " on resource: "+shown, 1)
}

// errLogFailed answers a request whose decision could not be written to
// the decision log: the log is complete or the request fails.
var errLogFailed = apiErr(500, "ServiceFailure", "the decision could not be logged; the request was not carried out")

// flushHeld logs a record authorizeWith held back, if it is still there.
func (c *call) flushHeld() {
	if c.held != nil {
		c.held.logs[0] = &c.held.rec
		c.s.Decisions(c.held.logs[:1]) // only after a failure, which the caller already reports
		c.held.release()
		c.held = nil
	}
	c.holdRecord = false
}

// authorizeOn loads a user or role and authorizes action on it, with its
// tags as aws:ResourceTag. Authorization reads the store, so it runs
// before the write transaction, never inside it.
func (c *call) authorizeOn(kind, name, action string) error {
	return c.authorizeOnWith(kind, name, action, nil)
}

// authorizeOnWith is authorizeOn with extra context keys.
func (c *call) authorizeOnWith(kind, name, action string, extra map[string][]string) error {
	_, err := c.principalFor(kind, name, action, extra)
	return err
}

// namedPrincipal reads the user, group or role the request's nameParam
// names and authorizes the call's action on it (principalFor).
func (c *call) namedPrincipal(kind, nameParam string) (*principal, error) {
	name, err := c.p.Required(nameParam)
	if err != nil {
		return nil, err
	}
	return c.principalFor(kind, name, c.action, nil)
}

// principalFor reads a user, group or role and authorizes action on it,
// with its tags as aws:ResourceTag and extra context keys; it returns
// what was read, so the caller need not read it again.
func (c *call) principalFor(kind, name, action string, extra map[string][]string) (*principal, error) {
	return entityFor[principal](c, kind, kind, name, action, extra, "The "+kind+" with name %s cannot be found.")
}

// entityFor reads the entity of kind stored under name into a T and
// authorizes action on it, with its tags as aws:ResourceTag and extra
// context keys. arnType is the resource type in its ARN; missing is the
// NoSuchEntity message, with %s for the name.
//
// Authorization comes first, as in IAM: an entity that does not exist is
// authorized on the ARN its name would have at the root path ("/") and
// only then reported missing, so a caller that may not act on it cannot
// tell whether it exists.
func entityFor[T any](c *call, kind, arnType, name, action string, extra map[string][]string, missing string) (*T, error) {
	var v T
	var t taggable
	found := false
	err := c.s.view(c.ctx, func(tx store.Tx) error {
		e, err := tx.Get(c.who.account, kind, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := decode(e, &v); err != nil {
			return err
		}
		if err := decode(e, &t); err != nil {
			return err
		}
		found = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	arn := t.Arn
	if !found {
		arn = arnOf(c.who.account, arnType, "/", name)
	}
	ctx := resourceTagContext(t.Tags)
	for k, val := range extra {
		ctx[k] = val
	}
	if err := c.authorize(action, arn, ctx); err != nil {
		return nil, err
	}
	if !found {
		return nil, noSuchEntity(missing, name)
	}
	return &v, nil
}

// listResource is the resource a List call on kind is authorized on, as
// IAM names it: arn:aws:iam::ACCOUNT:KIND followed by the PathPrefix
// ("/" when none), taken literally, so that a grant on one role does not
// list every role.
func (c *call) listResource(kind string) string {
	prefix := c.p.Get("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	return "arn:aws:iam::" + c.who.account + ":" + kind + prefix
}

// policySet compiles the policies that bear on a caller: its identity
// policies (a user's own and its groups', or a role's), boundary and
// session policies. Sets are cached per caller and dropped on any write.
func (s *Service) policySet(ctx context.Context, who *caller, resourcePolicy *engine.Compiled) (*engine.Set, error) {
	key := setKey{who.arn, who.keyID}
	s.mu.Lock()
	s.initCaches()
	cached, ok := s.cache.get(key)
	gen := s.gen
	s.mu.Unlock()
	if ok && cached.gen == gen && resourcePolicy == nil {
		return cached.set, nil
	}
	ps, err := s.loadPolicies(ctx, who)
	if err != nil {
		return nil, err
	}
	ps.Resource = resourcePolicy
	set, err := engine.NewSet(ps)
	if err != nil {
		return nil, err
	}
	if resourcePolicy == nil {
		s.mu.Lock()
		s.cache.put(key, cachedSet{gen: gen, set: set})
		s.mu.Unlock()
	}
	return set, nil
}

// principalPolicies loads the policies that bear on who. It fails
// closed: a policy that is named but cannot be loaded, decoded or parsed
// (a stored body damaged, a group or policy gone from under a reference)
// takes part as a policy that denies everything, named for what could not
// be loaded, so it can only take permissions away, never give them.
func (s *Service) principalPolicies(tx store.Tx, who *caller) (engine.Policies, error) {
	var ps engine.Policies
	var attached []string
	var inline []NamedPolicy
	var boundary string
	switch who.kind {
	case callerRoot, callerWebIdentity:
		// The root user is allowed everything; a web identity has no
		// policies of its own, only the trust policy that decides.
		return ps, nil
	case callerFederated:
		// A federated user has what both its issuer's policies and its
		// session policies allow; with no session policy, nothing (STS
		// API reference, GetFederationToken).
		if len(who.session.SessionPolicies) == 0 {
			ps.Session = append(ps.Session, compileStored(allowNothing, "session policy (none given)"))
		}
		for i, doc := range who.session.SessionPolicies {
			ps.Session = append(ps.Session, compileStored(doc, fmt.Sprintf("session policy %d", i+1)))
		}
		if who.user == nil { // issued by the root user
			ps.Identity = append(ps.Identity, compileStored(allowAll, "root user"))
			return ps, nil
		}
		fallthrough
	case callerUser:
		u, err := loadAs[User](tx, who.account, kindUser, who.user.Name, "The user with name %s cannot be found.")
		if err != nil {
			return ps, err
		}
		if u.ID != who.user.ID {
			return ps, noSuchEntity("The user with name %s cannot be found.", who.user.Name)
		}
		attached, inline, boundary = u.Attached, u.Inline, u.Boundary
		for _, g := range u.Groups {
			grp, err := loadGroup(tx, who.account, g)
			if err != nil {
				ps.Identity = append(ps.Identity, unloadable("group "+g, err))
				continue
			}
			attached = append(attached, grp.Attached...)
			inline = append(inline, grp.Inline...)
		}
	case callerSession:
		r, err := loadRole(tx, who.account, who.session.RoleName)
		if err != nil {
			return ps, err
		}
		if who.session.RoleID != "" && r.ID != who.session.RoleID {
			return ps, noSuchEntity("The role with name %s cannot be found.", who.session.RoleName)
		}
		attached, inline, boundary = r.Attached, r.Inline, r.Boundary
		for i, doc := range who.session.SessionPolicies {
			ps.Session = append(ps.Session, compileStored(doc, fmt.Sprintf("session policy %d", i+1)))
		}
	default:
		return ps, fmt.Errorf("no policies for a caller of kind %q", who.kind)
	}
	for _, in := range inline {
		ps.Identity = append(ps.Identity, compileStored(in.Document, "inline policy "+in.Name))
	}
	for _, arn := range attached {
		doc, err := s.managedDocument(tx, who.account, arn)
		if err != nil {
			ps.Identity = append(ps.Identity, unloadable(arn, err))
			continue
		}
		ps.Identity = append(ps.Identity, compileStored(doc, arn))
	}
	if boundary != "" {
		doc, err := s.managedDocument(tx, who.account, boundary)
		if err != nil {
			ps.Boundary = unloadable(boundary, err)
		} else {
			ps.Boundary = compileStored(doc, boundary)
		}
	}
	return ps, nil
}

// managedDocument returns the default version of the managed policy arn
// names exactly, for an entity of account.
func (s *Service) managedDocument(tx store.Tx, account, arn string) (string, error) {
	ref, err := s.resolvePolicy(tx, account, arn)
	if err != nil {
		return "", err
	}
	return ref.document()
}

// allowNothing and allowAll stand for the policies AWS implies: a
// federated session without session policies, and the root user that
// issued one.
const (
	allowNothing = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"*","Resource":"*"}]}`
	allowAll     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	denyAll      = `{"Version":"2012-10-17","Statement":[{"Sid":"Unloadable","Effect":"Deny","Action":"*","Resource":"*"}]}`
)

// loadPolicies reads the policies that bear on a caller's requests.
func (s *Service) loadPolicies(ctx context.Context, who *caller) (ps engine.Policies, err error) {
	err = s.Store.View(ctx, func(tx store.Tx) error {
		ps, err = s.principalPolicies(tx, who)
		return err
	})
	return ps, err
}

// compileStored compiles a policy that passed validation when stored. It
// never widens: a document that no longer parses (a damaged store, a
// rule tightened since) compiles to a policy that denies everything.
func compileStored(doc, name string) *engine.Compiled {
	p, err := policy.Parse([]byte(doc), name)
	if err != nil {
		return unloadable(name, err)
	}
	return engine.Compile(p, name)
}

var denyAllPolicy = func() *policy.Policy {
	p, err := policy.Parse([]byte(denyAll), "")
	if err != nil {
		panic(err) // a constant
	}
	return p
}()

// unloadable stands in for a policy that could not be loaded: it denies
// everything, and its name says which policy and why.
func unloadable(name string, err error) *engine.Compiled {
	return engine.Compile(denyAllPolicy, fmt.Sprintf("%s (could not be loaded: %v)", name, err))
}

type policyDoc struct{ text string }

// loadPolicy reads the customer managed policy of account that arn
// names exactly (resolvePolicy); an AWS managed policy's ARN is
// NoSuchEntity here, as it is for the operations that change a policy.
func (s *Service) loadPolicy(tx store.Tx, account, arn string) (*ManagedPolicy, error) {
	ref, err := s.resolvePolicy(tx, account, arn)
	if err != nil {
		return nil, err
	}
	if ref.customer == nil {
		return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	return ref.customer, nil
}
