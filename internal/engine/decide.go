package engine

import (
	"strings"

	"github.com/wardhq/ward/internal/policy"
)

// Result is the outcome of a decision.
type Result uint8

const (
	Allowed Result = iota + 1
	ExplicitDeny
	ImplicitDeny
)

var resultNames = [...]string{"", "Allowed", "ExplicitDeny", "ImplicitDeny"}

func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return ""
}

// ParseResult reads a name written by String.
func ParseResult(s string) (Result, bool) {
	for i, n := range resultNames {
		if i > 0 && n == s {
			return Result(i), true
		}
	}
	return 0, false
}

// Match is a statement that matched the request.
type Match struct {
	Type PolicyType
	// Policy is the policy's name (Compiled.Name) and Index its position
	// in its list (identity policies, session policies, an organization
	// level).
	Policy string
	Index  int
	// Level is the organization level, from 0 at the root, for SCPs and
	// RCPs; -1 otherwise.
	Level     int
	Statement int
	Sid       string
	Effect    policy.Effect
	// Source is the statement, for its position and JSON path.
	Source *policy.Statement
	// PolicySource is the policy, for turning the statement's offset into
	// a line and column.
	PolicySource *policy.Policy
}

// Decision is the answer to one request.
type Decision struct {
	Result Result
	// DecidedBy is the policy type that settled it: the one holding the
	// explicit deny, the one that failed to allow, or the one whose allow
	// granted access.
	DecidedBy PolicyType
	// Missing lists the context keys conditions asked about that the
	// request did not carry, as the policies spelled them.
	Missing []string

	req *Prepared
	set *Set
	// hits are the entry IDs of the statements that matched, in index
	// order; Matched turns them into Match values when asked.
	hits []int32
	// st and slots live here, not on the stack, so that handing st to
	// matchers as a resolver does not make it escape on every decision.
	st    state
	slots [slotCount]slotState
	// seen marks the statements visited in this decision (seen[id] ==
	// gen), as the index can yield a statement more than once.
	seen []uint32
	gen  uint32
}

func (d *Decision) reset(r *Prepared) {
	d.Result, d.DecidedBy, d.req = 0, TypeNone, r
	d.hits = d.hits[:0]
	d.Missing = d.Missing[:0]
	d.st = state{req: r, dec: d}
	d.slots = [slotCount]slotState{}
}

type slotState struct {
	allow, deny bool
	grant       grant
}

// state is one decision in progress. It resolves policy variables.
type state struct {
	req *Prepared
	dec *Decision
}

func (st *state) variable(key string) (string, bool) {
	v, ok := st.req.lookup(key)
	if !ok || len(v) != 1 {
		return "", false
	}
	return v[0], true
}

func (st *state) missing(c *condition) { st.missingKey(c.src.Key) }

// keyPrincipalARN is named as missing when a policy names a role by a
// path the request's session ARN cannot show.
const keyPrincipalARN = "aws:PrincipalArn"

func (st *state) missingKey(key string) {
	for _, k := range st.dec.Missing {
		if strings.EqualFold(k, key) {
			return
		}
	}
	st.dec.Missing = append(st.dec.Missing, key)
}

// Decide answers a prepared request. It allocates the Decision; use
// DecideInto with a reused Decision on hot paths.
func (s *Set) Decide(r *Prepared) *Decision {
	d := &Decision{}
	s.DecideInto(r, d)
	return d
}

// DecideInto answers a prepared request into d, reusing d's slices. Once
// they have grown to fit, deciding allocates nothing.
func (s *Set) DecideInto(r *Prepared, d *Decision) {
	d.reset(r)
	d.set = s
	if cap(d.seen) < len(s.entries) {
		d.seen = make([]uint32, len(s.entries))
		d.gen = 0
	}
	d.seen = d.seen[:len(s.entries)]
	d.gen++
	if d.gen == 0 { // wrapped: forget every mark
		clear(d.seen)
		d.gen = 1
	}
	v := visitor{s: s, r: r, d: d, iam: r.Caller.Kind.isIAM()}
	if b := s.index.exact[r.action]; b != nil {
		v.bucket(b, false)
	}
	// Every bucket whose action prefix the request's action starts with.
	for ids := range s.index.tree.along(r.action) {
		for _, id := range ids {
			v.bucket(s.index.trees[id], true)
		}
	}
	s.settle(r, d, &d.slots)
	d.keepRelevant()
}

// visitor evaluates the statements the index yields for one decision.
type visitor struct {
	s   *Set
	r   *Prepared
	d   *Decision
	iam bool
}

// bucket visits the statements of one action bucket whose resource
// prefixes the request's resource starts with; all of them when the
// request's resource is itself a pattern.
func (v *visitor) bucket(b *bucket, checkAction bool) {
	if v.r.wild != nil {
		v.all(&b.res, checkAction)
		return
	}
	for ids := range b.res.along(v.r.resourceKey) {
		v.ids(ids, checkAction)
	}
}

func (v *visitor) all(n *radix, checkAction bool) {
	v.ids(n.ids, checkAction)
	for _, k := range n.kids {
		v.all(k, checkAction)
	}
}

func (v *visitor) ids(ids []int32, checkAction bool) {
	for _, id := range ids {
		if v.d.seen[id] == v.d.gen {
			continue
		}
		v.d.seen[id] = v.d.gen
		v.statement(&v.s.entries[id], checkAction)
	}
}

// statement evaluates one statement and records what it says.
func (v *visitor) statement(e *entry, checkAction bool) {
	r, d, s := v.r, v.d, v.s
	if !v.iam && int(e.slot) != slotResource && int(e.slot) != slotVPCE && int(e.slot) < slotRCP0 {
		return // identity-side policies need a principal in an account
	}
	stmt := e.stmt
	if checkAction && !stmt.matchAction(r.service, r.name) {
		return
	}
	if !stmt.matchResource(r, &d.st) {
		return
	}
	g := grantDirect
	if stmt.hasPrincipal && stmt.principals.uncomparedRole(&r.Caller) {
		// The answer may hang on the role's path: say which key would
		// settle it.
		d.st.missingKey(keyPrincipalARN)
	}
	switch {
	case stmt.hasPrincipal && stmt.notPrincipal:
		g = stmt.principals.notPrincipalGrant(&r.Caller)
		// A Deny with NotPrincipal applies to any principal with a
		// permissions boundary, whatever it lists ("Permissions
		// boundaries for IAM entities").
		if g == grantNone && stmt.effect == policy.Deny && s.p.Boundary != nil && v.iam && r.Caller.Kind != PrincipalRoot {
			g = grantDirect
		}
	case stmt.hasPrincipal:
		g = stmt.principals.match(&r.Caller)
	case e.slot == slotResource:
		// A resource policy statement without a Principal names nobody
		// (IAM would refuse to store it).
		g = grantNone
	}
	if g == grantNone {
		return
	}
	if !stmt.matchConditions(&d.st) {
		return
	}
	ss := &d.slots[e.slot]
	if stmt.effect == policy.Deny {
		ss.deny = true
	} else {
		ss.allow = true
		if g > ss.grant {
			ss.grant = g
		}
	}
	d.hits = append(d.hits, int32(e.id))
}

func (s *Set) match(e *entry, r *Prepared) Match {
	m := Match{
		Type: s.slotType(int(e.slot), r), Policy: e.pol.Name, Index: e.policy, Level: -1,
		Statement: e.index, Sid: e.stmt.src.Sid, Effect: e.stmt.effect,
		Source: e.stmt.src, PolicySource: e.pol.Policy,
	}
	switch {
	case int(e.slot) >= slotRCP0:
		m.Level = int(e.slot) - slotRCP0
	case int(e.slot) >= slotSCP0:
		m.Level = int(e.slot) - slotSCP0
	}
	return m
}

func (s *Set) slotType(slot int, r *Prepared) PolicyType {
	switch {
	case slot == slotIdentity:
		return TypeIdentity
	case slot == slotBoundary:
		return TypeBoundary
	case slot == slotSession:
		return TypeSession
	case slot == slotResource:
		return resourceType(r)
	case slot == slotVPCE:
		return TypeVPCEndpoint
	case slot >= slotRCP0:
		return TypeRCP
	}
	return TypeSCP
}

// resourceType says what the resource policy is for this request: a role
// trust policy and a KMS key policy must allow the request themselves,
// where an ordinary resource policy need not.
func resourceType(r *Prepared) PolicyType {
	if r.service == "sts" && policy.IsTrustAction(r.action) {
		return TypeRoleTrust
	}
	if r.service == "kms" && r.resource.isARN() && r.resource.parts[2] == "kms" && strings.HasPrefix(r.resource.parts[5], "key/") {
		return TypeKeyPolicy
	}
	return TypeResource
}

// settle applies AWS's evaluation logic to what matched.
func (s *Set) settle(r *Prepared, d *Decision, slots *[slotCount]slotState) {
	c := &r.Caller
	iam := c.Kind.isIAM()
	resType := resourceType(r)
	done := func(res Result, by PolicyType) { d.Result, d.DecidedBy = res, by }

	// sts:GetCallerIdentity needs no permission and cannot be denied, not
	// even explicitly (STS API reference, GetCallerIdentity).
	if r.service == "sts" && r.name == "getcalleridentity" && c.Kind != PrincipalAnonymous {
		done(Allowed, TypeNone)
		return
	}

	// 1. An explicit deny in any policy that applies ends it. Organization
	// policies are named first, then the endpoint, the resource and the
	// identity side: AWS names one type only.
	for i := range s.p.SCPs {
		if slots[slotSCP0+i].deny {
			done(ExplicitDeny, TypeSCP)
			return
		}
	}
	for i := range s.p.RCPs {
		if slots[slotRCP0+i].deny {
			done(ExplicitDeny, TypeRCP)
			return
		}
	}
	for _, x := range [...]struct {
		slot int
		t    PolicyType
	}{{slotVPCE, TypeVPCEndpoint}, {slotResource, resType}, {slotIdentity, TypeIdentity}, {slotBoundary, TypeBoundary}, {slotSession, TypeSession}} {
		if slots[x.slot].deny {
			done(ExplicitDeny, x.t)
			return
		}
	}

	if protectedResource(r) {
		done(ImplicitDeny, TypeAWSProtected)
		return
	}

	// 2. RCPs: every level must allow. RCPFullAWSAccess sits at every level
	// and customer RCPs can only deny, so a level always allows.

	// 3. SCPs limit principals of member accounts, the root user included.
	if iam {
		for i := range s.p.SCPs {
			if !slots[slotSCP0+i].allow {
				done(ImplicitDeny, TypeSCP)
				return
			}
		}
	}

	// A VPC endpoint policy, when the request came through one, must allow.
	if s.p.VPCEndpoint != nil && !slots[slotVPCE].allow {
		done(ImplicitDeny, TypeVPCEndpoint)
		return
	}

	res := slots[slotResource]
	if !iam {
		// Services, web identities and anonymous callers have no identity
		// policies: only a resource policy naming them can allow.
		if res.allow && res.grant == grantDirect {
			done(Allowed, resType)
		} else {
			done(ImplicitDeny, resType)
		}
		return
	}

	identityOK := c.Kind == PrincipalRoot || slots[slotIdentity].allow
	boundaryOK := s.p.Boundary == nil || c.Kind == PrincipalRoot || slots[slotBoundary].allow
	sessionOK := true
	switch c.Kind {
	case PrincipalRole, PrincipalRoleSession:
		sessionOK = s.p.Session == nil || slots[slotSession].allow
	case PrincipalFederatedUser:
		// A federated user's permissions are its session policy's
		// intersection with the user's; with no session policy it has none.
		sessionOK = s.p.Session != nil && slots[slotSession].allow
	}
	identitySide := func() bool {
		switch {
		case !identityOK:
			done(ImplicitDeny, TypeIdentity)
		case !boundaryOK:
			done(ImplicitDeny, TypeBoundary)
		case !sessionOK:
			done(ImplicitDeny, TypeSession)
		default:
			return true
		}
		return false
	}

	if c.Account != r.ResourceAccount {
		// 4'. Cross-account: the principal's account and the resource's
		// account each decide, and both must allow.
		if !identitySide() {
			return
		}
		if !res.allow {
			done(ImplicitDeny, resType)
			return
		}
		done(Allowed, TypeIdentity)
		return
	}

	// 4. Same account: a resource policy that names the caller itself
	// allows on its own; one naming the role behind a session is still
	// limited by the boundary and the session policy.
	if res.allow {
		switch res.grant {
		case grantDirect:
			done(Allowed, resType)
			return
		case grantRole:
			switch {
			case !boundaryOK:
				done(ImplicitDeny, TypeBoundary)
			case !sessionOK:
				done(ImplicitDeny, TypeSession)
			default:
				done(Allowed, resType)
			}
			return
		}
	}
	// Trust and key policies must allow, at least by delegating to the
	// account (grantAccount), before identity policies count.
	if (resType == TypeRoleTrust || resType == TypeKeyPolicy) && !res.allow {
		done(ImplicitDeny, resType)
		return
	}
	// 5-7. Identity policies, then the boundary and session policies.
	if identitySide() {
		done(Allowed, TypeIdentity)
	}
}

// keepRelevant trims the hits to what explains the result: the denying
// statements of an explicit deny, the allowing ones otherwise, in index
// order (policy type, level, policy, statement).
func (d *Decision) keepRelevant() {
	want := policy.Allow
	if d.Result == ExplicitDeny {
		want = policy.Deny
	}
	n := 0
	for _, id := range d.hits {
		if d.set.entries[id].stmt.effect == want {
			d.hits[n] = id
			n++
		}
	}
	d.hits = d.hits[:n]
	// Insertion sort: the list is short and this allocates nothing.
	for i := 1; i < len(d.hits); i++ {
		for j := i; j > 0 && d.hits[j] < d.hits[j-1]; j-- {
			d.hits[j], d.hits[j-1] = d.hits[j-1], d.hits[j]
		}
	}
}

// Matched lists the statements that matched: for an explicit deny, the
// denying statements; otherwise the allowing ones. It allocates; a hot path
// that only needs the result need not call it.
func (d *Decision) Matched() []Match {
	if len(d.hits) == 0 {
		return nil
	}
	return d.AppendMatched(make([]Match, 0, len(d.hits)))
}

// AppendMatched appends what Matched lists to dst, so a hot path that
// reports matches can reuse one slice.
func (d *Decision) AppendMatched(dst []Match) []Match {
	for _, id := range d.hits {
		dst = append(dst, d.set.match(&d.set.entries[id], d.req))
	}
	return dst
}
