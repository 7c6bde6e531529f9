package engine

import "fmt"

// PolicyType names the kind of policy that decided a request. The strings
// are stable: they appear in JSON output and scenario files.
type PolicyType uint8

const (
	TypeNone PolicyType = iota
	TypeIdentity
	TypeResource
	TypeBoundary
	TypeSession
	TypeSCP
	TypeRCP
	TypeVPCEndpoint
	// TypeRoleTrust and TypeKeyPolicy are the resource policy when it is a
	// role's trust policy (sts:AssumeRole*) or a KMS key policy: both must
	// themselves allow the request.
	TypeRoleTrust
	TypeKeyPolicy
	// TypeAWSProtected is no policy but AWS itself: resources AWS manages
	// (AWS managed policies, IAM Identity Center's reserved roles, the
	// aliases of AWS managed KMS keys) cannot be changed by any policy.
	TypeAWSProtected
)

var typeNames = [...]string{"", "identityPolicy", "resourcePolicy", "permissionsBoundary", "sessionPolicy",
	"serviceControlPolicy", "resourceControlPolicy", "vpcEndpointPolicy", "roleTrustPolicy", "keyPolicy", "awsProtectedResource"}

func (t PolicyType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return ""
}

// ParsePolicyType reads a name written by String.
func ParsePolicyType(s string) (PolicyType, bool) {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return PolicyType(i), true
		}
	}
	return TypeNone, false
}

// Policies are the policies that bear on one principal's requests.
type Policies struct {
	// Identity holds the principal's identity-based policies: a user's own
	// and its groups', or a role's.
	Identity []*Compiled
	// Boundary is the permissions boundary, if the entity has one.
	Boundary *Compiled
	// Session holds the session policies passed when the session was
	// made (inline and managed). Nil means there were none.
	Session []*Compiled
	// Resource is the resource's policy: also the role trust policy for
	// sts:AssumeRole* and the key policy for KMS keys.
	Resource *Compiled
	// VPCEndpoint is the policy of the VPC endpoint the request came
	// through, if any.
	VPCEndpoint *Compiled
	// SCPs and RCPs are the organization policies, one slice per level
	// from the root down to the account. A nil outer slice means the
	// account is in no organization (or the management account); an empty
	// SCP level allows nothing. RCPFullAWSAccess is implied at every RCP
	// level, as AWS attaches it and it cannot be detached.
	SCPs [][]*Compiled
	RCPs [][]*Compiled
}

// Organization policies may have at most this many levels: AWS allows a
// root, five levels of OUs and the account.
const maxOrgLevels = 12

// slot numbers index per-policy-type state during a decision.
const (
	slotIdentity = iota
	slotBoundary
	slotSession
	slotResource
	slotVPCE
	slotSCP0
	slotRCP0  = slotSCP0 + maxOrgLevels
	slotCount = slotRCP0 + maxOrgLevels
)

// entry is one statement in the index.
type entry struct {
	slot   uint8
	pol    *Compiled
	policy int // index of pol in its slot's list
	stmt   *statement
	index  int // statement index in the policy
	id     int // position in Set.entries
}

// Set is a compiled, indexed collection of Policies, ready to decide
// requests. Statements are indexed by action and resource (index.go), so
// deciding touches only statements that can match the request, however
// many policies the set holds. A Set is read-only and safe for concurrent
// use.
type Set struct {
	p       Policies
	entries []entry
	index   actionIndex
}

// NewSet indexes the policies.
func NewSet(p Policies) (*Set, error) {
	if len(p.SCPs) > maxOrgLevels || len(p.RCPs) > maxOrgLevels {
		return nil, fmt.Errorf("at most %d organization levels are supported", maxOrgLevels)
	}
	s := &Set{p: p, index: actionIndex{exact: map[string]*bucket{}}}
	add := func(slot int, pols []*Compiled) {
		for pi, pol := range pols {
			if pol == nil {
				continue
			}
			vars := pol.Policy.SupportsVariables()
			for si := range pol.stmts {
				id := int32(len(s.entries))
				s.entries = append(s.entries, entry{slot: uint8(slot), pol: pol, policy: pi, stmt: &pol.stmts[si], index: si, id: int(id)})
				s.index.add(id, &pol.stmts[si], vars)
			}
		}
	}
	add(slotIdentity, p.Identity)
	add(slotBoundary, []*Compiled{p.Boundary})
	add(slotSession, p.Session)
	add(slotResource, []*Compiled{p.Resource})
	add(slotVPCE, []*Compiled{p.VPCEndpoint})
	for i, level := range p.SCPs {
		add(slotSCP0+i, level)
	}
	for i, level := range p.RCPs {
		add(slotRCP0+i, level)
	}
	return s, nil
}
