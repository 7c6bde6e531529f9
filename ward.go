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
package ward

import (
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

type (
	// Policy is a parsed and compiled policy document.
	Policy = engine.Compiled
	// Policies are the policies around one principal: identity policies,
	// permissions boundary, session policies, resource policy, VPC
	// endpoint policy, and SCPs and RCPs by organization level.
	Policies = engine.Policies
	// PolicySet is Policies compiled and indexed for deciding.
	PolicySet = engine.Set
	// Request is one authorization question.
	Request = engine.Request
	// PreparedRequest is a Request checked and completed for deciding.
	// Request.PrepareInto fills one the caller reuses, and
	// PolicySet.DecideInto a reused Decision: together they decide
	// without allocating.
	PreparedRequest = engine.Prepared
	// ContextKey is a context key with its values, for Request.Keys.
	ContextKey = engine.ContextKey
	// Decision is the answer to a request.
	Decision = engine.Decision
	// Match is a statement that matched a request.
	Match = engine.Match
	// Result is Allowed, ExplicitDeny or ImplicitDeny.
	Result = engine.Result
	// PolicyType names the kind of policy that decided a request.
	PolicyType = engine.PolicyType
	// Kind is what a policy document is used as; it decides which
	// elements the document must and must not have.
	Kind = policy.Kind
)

// Results.
const (
	Allowed      = engine.Allowed
	ExplicitDeny = engine.ExplicitDeny
	ImplicitDeny = engine.ImplicitDeny
)

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
	return engine.Compile(p, name), nil
}

// NewPolicySet indexes the policies around one principal for deciding.
func NewPolicySet(p Policies) (*PolicySet, error) { return engine.NewSet(p) }
