// Package ward is AWS IAM's authorization engine for Go programs: the IAM
// policy language and AWS's decision logic, exact, fast and embeddable as a
// policy decision point.
//
// Parse each policy once with ParsePolicy, gather the policies that bear on
// a principal into a PolicySet, prepare a Request, and decide it as often
// as needed. A decision says Allowed, ExplicitDeny or ImplicitDeny, which
// policy type decided it, which statements matched, the message AWS would
// give, and which context keys the policies wanted but the request lacked.
//
// Policies, policy sets and prepared requests are read-only once built and
// safe for concurrent use. PolicySet.DecideInto with a reused Decision
// allocates nothing.
//
// Every type here is the package's own: the engine behind it is internal
// and may change without changing this API.
package ward

import (
	"time"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// Policy is a parsed and compiled policy document.
type Policy struct{ c *engine.Compiled }

// Name is the label the policy was parsed with.
func (p *Policy) Name() string { return p.c.Name }

// Kind is what a policy document is used as; it decides which elements
// the document must and must not have.
type Kind = policy.Kind

// Kinds of policy documents.
const (
	KindIdentity    = policy.KindIdentity
	KindResource    = policy.KindResource
	KindTrust       = policy.KindTrust
	KindBoundary    = policy.KindBoundary
	KindSession     = policy.KindSession
	KindSCP         = policy.KindSCP
	KindRCP         = policy.KindRCP
	KindVPCEndpoint = policy.KindVPCEndpoint
)

// ParsePolicy parses a policy document, checks it against the rules of its
// kind as IAM does, and compiles it. name labels the policy in decisions
// and errors (a file name or a managed policy ARN). Errors name the line,
// column and JSON path of every problem. An identity policy is held to the
// largest size IAM allows one (a role's inline policies, 10,240
// characters), since it may be inline or managed.
func ParsePolicy(doc []byte, kind Kind, name string) (*Policy, error) {
	p, err := policy.ParseKind(doc, name, kind, policy.AnyAttachment)
	if err != nil {
		return nil, err
	}
	return &Policy{c: engine.Compile(p, name)}, nil
}

// Policies are the policies around one principal.
type Policies struct {
	// Identity holds the principal's identity-based policies: a user's own
	// and its groups', or a role's.
	Identity []*Policy
	// Boundary is the permissions boundary, if the entity has one.
	Boundary *Policy
	// Session holds the session policies passed when the session was made
	// (inline and managed). Nil means there were none.
	Session []*Policy
	// Resource is the resource's policy: also the role trust policy for
	// sts:AssumeRole* and the key policy for KMS keys.
	Resource *Policy
	// VPCEndpoint is the policy of the VPC endpoint the request came
	// through, if any.
	VPCEndpoint *Policy
	// SCPs and RCPs are the organization policies, one slice per level
	// from the root down to the account. A nil outer slice means the
	// account is in no organization; an empty SCP level allows nothing.
	// RCPFullAWSAccess is implied at every RCP level, as AWS attaches it.
	SCPs [][]*Policy
	RCPs [][]*Policy
}

// PolicySet is Policies compiled and indexed for deciding.
type PolicySet struct{ s *engine.Set }

func compiled(p *Policy) *engine.Compiled {
	if p == nil {
		return nil
	}
	return p.c
}

func compiledList(ps []*Policy) []*engine.Compiled {
	if ps == nil {
		return nil
	}
	out := make([]*engine.Compiled, len(ps))
	for i, p := range ps {
		out[i] = compiled(p)
	}
	return out
}

func compiledLevels(levels [][]*Policy) [][]*engine.Compiled {
	if levels == nil {
		return nil
	}
	out := make([][]*engine.Compiled, len(levels))
	for i, l := range levels {
		out[i] = compiledList(l)
		if out[i] == nil {
			out[i] = []*engine.Compiled{} // an empty level stays a level
		}
	}
	return out
}

// NewPolicySet indexes the policies around one principal for deciding.
func NewPolicySet(p Policies) (*PolicySet, error) {
	s, err := engine.NewSet(engine.Policies{
		Identity: compiledList(p.Identity), Boundary: compiled(p.Boundary), Session: compiledList(p.Session),
		Resource: compiled(p.Resource), VPCEndpoint: compiled(p.VPCEndpoint),
		SCPs: compiledLevels(p.SCPs), RCPs: compiledLevels(p.RCPs),
	})
	if err != nil {
		return nil, err
	}
	return &PolicySet{s: s}, nil
}

// Request is one authorization question: may Principal perform Action on
// Resource, in this context?
type Request struct {
	// Principal is a user, role, role-session, federated-user or root
	// ARN; a service principal such as "lambda.amazonaws.com"; a
	// federated identity provider (an OIDC/SAML provider ARN or a host
	// such as "cognito-identity.amazonaws.com"); or "anonymous".
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
	// aws:EpochTime when Context does not give them. Zero means now.
	Now time.Time
	// LiteralResource says that Resource is the resource of a real
	// request, as AWS evaluates one: a '*' or '?' in it is a plain
	// character. Otherwise a resource written with wildcards asks about
	// the resources it names.
	LiteralResource bool
}

// The engine's request has the same fields: converting costs nothing.
var _ = engine.Request(Request{})

// ContextKey is a context key with its values, for Request.Keys.
type ContextKey = engine.ContextKey

// PreparedRequest is a Request checked and completed for deciding.
// Request.PrepareInto fills one the caller reuses, and PolicySet.DecideInto
// a reused Decision: together they decide without allocating.
type PreparedRequest struct{ p engine.Prepared }

// Prepare checks a request and completes its context with the keys AWS
// derives from the principal and the resource.
func (r *Request) Prepare() (*PreparedRequest, error) {
	p := &PreparedRequest{}
	if err := r.PrepareInto(p); err != nil {
		return nil, err
	}
	return p, nil
}

// PrepareInto is Prepare into a PreparedRequest the caller owns, reusing
// its storage. Decisions made from p must not be used after p is prepared
// again.
func (r *Request) PrepareInto(p *PreparedRequest) error {
	return (*engine.Request)(r).PrepareInto(&p.p)
}

// Result is Allowed, ExplicitDeny or ImplicitDeny.
type Result = engine.Result

// Results.
const (
	Allowed      = engine.Allowed
	ExplicitDeny = engine.ExplicitDeny
	ImplicitDeny = engine.ImplicitDeny
)

// PolicyType names the kind of policy that decided a request, as AWS's
// documentation names them: identityPolicy, resourcePolicy,
// permissionsBoundary, sessionPolicy, serviceControlPolicy,
// resourceControlPolicy, vpcEndpointPolicy, roleTrustPolicy, keyPolicy,
// or awsProtectedResource.
type PolicyType = engine.PolicyType

// Decision is the answer to a request.
type Decision struct {
	d       engine.Decision
	matched []engine.Match // reused by AppendMatched
}

// Decide answers a prepared request. It allocates the Decision; use
// DecideInto with a reused Decision on hot paths.
func (s *PolicySet) Decide(r *PreparedRequest) *Decision {
	d := &Decision{}
	s.DecideInto(r, d)
	return d
}

// DecideInto answers a prepared request into d, reusing d's storage. Once
// it has grown to fit, deciding allocates nothing.
func (s *PolicySet) DecideInto(r *PreparedRequest, d *Decision) {
	s.s.DecideInto(&r.p, &d.d)
}

// Result is the decision.
func (d *Decision) Result() Result { return d.d.Result }

// DecidedBy is the policy type that settled it: the one holding the
// explicit deny, the one that failed to allow, or the one whose allow
// granted access.
func (d *Decision) DecidedBy() PolicyType { return d.d.DecidedBy }

// Missing lists the context keys conditions asked about that the request
// did not carry, as the policies spelled them. The slice is the
// decision's: it changes when d is reused.
func (d *Decision) Missing() []string { return d.d.Missing }

// Message is the error message AWS would give for a denied request, and
// "" for an allowed one.
func (d *Decision) Message() string { return d.d.Message() }

// Match is a statement that decided a request.
type Match struct {
	Type PolicyType
	// Policy is the policy's name and Index its position in its list
	// (identity policies, session policies, an organization level).
	Policy string
	Index  int
	// Level is the organization level, from 0 at the root, for SCPs and
	// RCPs; -1 otherwise.
	Level int
	// Statement is the statement's position in its policy, Sid its Sid
	// and Path its JSON path (Statement[2]).
	Statement int
	Sid       string
	Path      string
	Effect    string // "Allow" or "Deny"
}

// Matched returns the statements that decided the request: the explicit
// denies, or the allows that granted it.
func (d *Decision) Matched() []Match { return d.AppendMatched(nil) }

// AppendMatched appends the deciding statements to dst; with a dst of
// enough capacity it allocates nothing.
func (d *Decision) AppendMatched(dst []Match) []Match {
	d.matched = d.d.AppendMatched(d.matched[:0])
	for i := range d.matched {
		m := &d.matched[i]
		dst = append(dst, Match{Type: m.Type, Policy: m.Policy, Index: m.Index, Level: m.Level,
			Statement: m.Statement, Sid: m.Sid, Path: m.Source.Path, Effect: m.Effect.String()})
	}
	return dst
}
