package reason

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// Governed is a resource's own policy in a principal's question (a
// bucket's, a key's, a queue's, a role's trust policy): requests to the
// resources its ARNs name are decided with it as the engine decides them,
// in place of the stand-in that leaves every resource to the identity
// policies.
//
// For the principal, each of its Allow statements grants directly (it
// names the principal), through the role behind a session (it names the
// role), or through the account (it names the account, which leaves the
// request to the identity policies). In the resource's own account a
// direct grant allows on its own, one through the role within the
// boundary and session policies, and otherwise the identity policies
// decide, except that a trust or key policy must allow the request too.
// In another account both must allow. Each is a way a request is allowed
// (an alternative), searched as the identity question's policy types are.
type Governed struct {
	// Name labels the policy in answers.
	Name string
	// ARNs are the resources the policy is attached to: patterns, such as
	// a bucket's ARN and its objects'.
	ARNs []string
	// Account owns the resources; empty: the account the ARNs name, else
	// the principal's.
	Account string
	Policy  *policy.Policy
}

// governedRes is a Governed policy compiled into a side.
type governedRes struct {
	name  string
	owner string
	// atoms are the resource atoms of its ARNs; set decides a witness on
	// one of its resources.
	atoms []int
	set   *engine.Set
	// alts are the ways a request to its resources is allowed: for an
	// action whose policy need not allow (0), and for one whose must (1).
	alts [2][]alternative
}

// gateInert marks the statements that only cut the dimensions (the
// markers of governed resources and of what a trust or key policy must
// allow): they are in no requirement.
const gateInert = -2

// gateGoverned is the gate of a governed policy's allows for the
// principal: by the policy's index and how it grants.
func gateGoverned(g, level int) int { return 100 + 3*g + level }

// How a governed policy's statement grants to the principal.
const (
	grantsDirectly = iota
	grantsThroughRole
	grantsThroughAccount
)

// requirement is one policy type an allowed request needs an allow of: a
// statement of any of the gates. alternative is one way a side allows a
// request: an allow of each requirement.
type (
	requirement []int
	alternative []requirement
)

// markers are inert statements whose patterns set apart what the engine
// decides differently when a resource's policy is in the question: each
// trust action, KMS's actions, and a KMS key.
var markers = func() *policy.Policy {
	var stmts []string
	for _, a := range policy.TrustActions() {
		stmts = append(stmts, `{"Effect": "Allow", "Action": "`+a+`", "Resource": "*"}`)
	}
	stmts = append(stmts, `{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}`,
		`{"Effect": "Allow", "Action": "kms:*", "Resource": "`+keyPattern+`"}`)
	p, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [`+strings.Join(stmts, ",")+`]}`), outsideOwnPolicy)
	if err != nil {
		panic(err)
	}
	return p
}()

// keyPattern matches the ARNs the engine takes a KMS key policy for.
const keyPattern = "arn:*:kms:*:*:key/*"

// addGoverned compiles a side's governed policies into it: their
// statements, each in the gate of how it grants to the principal (those
// that do not name it dropped), a marker of their ARNs, and the engine
// set that decides a witness on their resources.
func (sp *space) addGoverned(cs *compiledSide, side Side, pols engine.Policies, add func(*policy.Policy, string, int) (*engine.Compiled, error)) error {
	if len(side.Governed) == 0 {
		return nil
	}
	if !sp.markersAdded {
		sp.markersAdded = true
		if _, err := add(markers, outsideOwnPolicy, gateInert); err != nil {
			return err
		}
	}
	caller, err := engine.ParseCaller(sp.opts.Principal)
	if err != nil {
		return err
	}
	for gi, g := range side.Governed {
		name := g.Name
		if name == "" {
			name = fmt.Sprintf("%s (resource policy %d)", side.Name, gi+1)
		}
		owner := g.Account
		for _, a := range g.ARNs {
			if parts := strings.SplitN(a, ":", 6); owner == "" && len(parts) == 6 && policy.IsAccountID(parts[4]) {
				owner = parts[4]
			}
		}
		if owner == "" {
			owner = caller.Account
		}
		gr := &governedRes{name: name, owner: owner}
		// The marker: an inert statement over its ARNs, so they are atoms of
		// their own and regions fall inside them or outside.
		doc := fmt.Sprintf(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": %s}]}`, jsonList(g.ARNs))
		marker, err := policy.Parse([]byte(doc), outsideOwnPolicy)
		if err != nil {
			return fmt.Errorf("%s: its ARNs: %w", name, err)
		}
		first := len(cs.stmts)
		if _, err := add(marker, outsideOwnPolicy, gateInert); err != nil {
			return err
		}
		for _, st := range cs.stmts[first:] {
			gr.atoms = append(gr.atoms, st.resources[widen]...)
		}
		sp.noteMadeUp(g.Policy, name)
		first = len(cs.stmts)
		compiled, err := add(g.Policy, name, gateGoverned(gi, grantsThroughAccount))
		if err != nil {
			return err
		}
		// Each statement's grant to the principal, asked of the engine.
		kept := cs.stmts[:first]
		for _, st := range cs.stmts[first:] {
			level, names, err := sp.grantOf(st, side.Boundary != nil)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", name, st.ref, err)
			}
			if !names {
				continue
			}
			st.gate, st.within = gateGoverned(gi, level), len(cs.governed)+1
			kept = append(kept, st)
		}
		cs.stmts = kept
		p := pols
		p.Resource = compiled
		if gr.set, err = engine.NewSet(p); err != nil {
			return err
		}
		gr.alts = governedAlternatives(cs, gi, owner != caller.Account)
		cs.governed = append(cs.governed, gr)
		if owner != caller.Account {
			sp.moreAccounts = append(sp.moreAccounts, owner)
		}
	}
	return nil
}

// grantOf says how a governed statement grants to the question's
// principal, and whether it names it at all. A Deny names it when its
// Principal matches in any way; one with NotPrincipal applies to every
// principal with a boundary, as the engine decides.
func (sp *space) grantOf(st *stmt, boundary bool) (int, bool, error) {
	c := outsider{principal: sp.opts.Principal, given: sp.given}
	anyProbe, alone, err := principalProbes(st)
	if err != nil {
		return 0, false, err
	}
	if !sp.probeGrants(anyProbe, c, true) {
		return 0, st.effect == policy.Deny && st.notPrincipal && boundary, nil
	}
	if st.effect == policy.Deny {
		return grantsDirectly, true, nil
	}
	if !sp.probeGrants(alone, c, false) {
		return grantsThroughAccount, true, nil
	}
	// Directly or through the role: a boundary that allows nothing tells
	// them apart, as it limits only the second.
	p, err := probePolicy(st)
	if err != nil {
		return 0, false, err
	}
	direct, err := engine.NewSet(engine.Policies{Resource: engine.Compile(p, "principal probe"), Boundary: engine.Compile(emptyPolicy, "no boundary")})
	if err != nil {
		return 0, false, err
	}
	if sp.probeGrants(direct, c, false) {
		return grantsDirectly, true, nil
	}
	return grantsThroughRole, true, nil
}

// governedAlternatives are the ways a side allows a request to a governed
// resource, from its policy types' gates (cs.gates: identity first), for
// an action whose resource policy need not allow and one whose must.
func governedAlternatives(cs *compiledSide, g int, crossAccount bool) [2][]alternative {
	var limits, scps []requirement // the boundary and session policies; the SCP levels
	for _, gate := range cs.gates[1:] {
		if gate >= gateSCP0 {
			scps = append(scps, requirement{gate})
		} else {
			limits = append(limits, requirement{gate})
		}
	}
	direct := requirement{gateGoverned(g, grantsDirectly)}
	viaRole := requirement{gateGoverned(g, grantsDirectly), gateGoverned(g, grantsThroughRole)}
	anyGrant := requirement{gateGoverned(g, grantsDirectly), gateGoverned(g, grantsThroughRole), gateGoverned(g, grantsThroughAccount)}
	identity := requirement{gateIdentity}
	join := func(parts ...[]requirement) alternative {
		var out alternative
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	if crossAccount {
		// Both accounts must allow.
		alt := join([]requirement{identity, anyGrant}, limits, scps)
		return [2][]alternative{{alt}, {alt}}
	}
	var out [2][]alternative
	for needs := range 2 {
		if len(limits) > 0 {
			out[needs] = append(out[needs], join([]requirement{direct}, scps), join([]requirement{viaRole}, limits, scps))
		} else {
			out[needs] = append(out[needs], join([]requirement{viaRole}, scps))
		}
		if needs == 1 {
			out[needs] = append(out[needs], join([]requirement{identity, anyGrant}, limits, scps))
		} else {
			out[needs] = append(out[needs], join([]requirement{identity}, limits, scps))
		}
	}
	return out
}

// governedAt is the governed policy of a side whose resources hold a
// region, -1 for none: the first whose ARNs match it.
func (cs *compiledSide) governedAt(r *region) int {
	for gi, g := range cs.governed {
		for _, a := range g.atoms {
			if a >= 0 && r.matches[a] {
				return gi
			}
		}
	}
	return -1
}

// alternatives are the ways a side allows a request of a class to a
// region, with an id that tells them apart for the search's memo.
func (sp *space) alternatives(cs *compiledSide, ci, ri int) ([]alternative, int) {
	g := cs.governedAt(&sp.resources[ri])
	if g < 0 {
		return cs.plain, -1
	}
	needs := 0
	if sp.resourceMustAllow(ci, ri) {
		needs = 1
	}
	return cs.governed[g].alts[needs], 2*g + needs
}

// resourceMustAllow reports whether a resource's own policy must allow a
// request of the class to the region itself: a role's trust policy for a
// trust action, a key policy for a KMS action on a key. The markers make
// each class all of one kind.
func (sp *space) resourceMustAllow(ci, ri int) bool {
	ac := &sp.actionClasses[ci]
	a := strings.ToLower(ac.actions[0])
	if policy.IsTrustAction(a) {
		return true
	}
	if !strings.HasPrefix(a, "kms:") {
		return false
	}
	return sp.regionIn(ri, keyPattern)
}

// regionIn reports whether a region lies in a marker's resource pattern;
// the patterns' indexes are found once per space.
func (sp *space) regionIn(ri int, pattern string) bool {
	if sp.resourceAt == nil {
		sp.resourceAt = make(map[string]int, len(sp.resourceText))
		for i, t := range sp.resourceText {
			sp.resourceAt[t] = i
		}
	}
	i, ok := sp.resourceAt[pattern]
	return ok && sp.resources[ri].matches[i]
}

// classKind tells apart, for grouping classes, those a governed policy
// decides differently: trust actions, KMS's, and the others.
func (sp *space) classKind(ci int) string {
	if !sp.markersAdded && !sp.protectedAdded {
		return ""
	}
	a := strings.ToLower(sp.actionClasses[ci].actions[0])
	switch {
	case policy.IsTrustAction(a):
		return "t"
	case strings.HasPrefix(a, "kms:"), strings.HasPrefix(a, "iam:"):
		return a[:4] + sp.protectedAction(ci)
	}
	return "o"
}

// requirementsOf splits a set of allows by an alternative's requirements;
// ok is false when one has none.
func (ix *sideIndex) requirementsOf(cs *compiledSide, allows stmtSet, alt alternative) ([][]*stmt, bool) {
	out := make([][]*stmt, len(alt))
	for k, req := range alt {
		for si, st := range cs.stmts {
			if allows.has(si) && inRequirement(st.gate, req) {
				out[k] = append(out[k], st)
			}
		}
		if len(out[k]) == 0 {
			return nil, false
		}
	}
	return out, true
}

func inRequirement(gate int, req requirement) bool {
	for _, g := range req {
		if g == gate {
			return true
		}
	}
	return false
}

// maxFailing bounds the ways of failing every alternative tried.
const maxFailing = 1024

// failing are the ways a side allows none of its alternatives: sets of
// its allows every one of which must not hold, one requirement of each
// alternative that still has an allow in each. An alternative with a
// requirement no allow meets fails already. ok is false when there are
// more than maxFailing.
func (ix *sideIndex) failing(cs *compiledSide, allows stmtSet, alts []alternative) ([][]*stmt, bool) {
	ways := [][]*stmt{nil}
	for _, alt := range alts {
		reqs, live := ix.requirementsOf(cs, allows, alt)
		if !live {
			continue
		}
		var next [][]*stmt
		for _, w := range ways {
			for _, r := range reqs {
				next = append(next, append(append([]*stmt(nil), w...), r...))
			}
		}
		if len(next) > maxFailing {
			return nil, false
		}
		ways = next
	}
	return ways, true
}

func jsonList(items []string) string {
	out, _ := json.Marshal(items)
	return string(out)
}

// protectedMarkers set apart what the engine denies whatever the policies
// say (engine.protectedResource): changes to AWS managed policies, to the
// roles IAM Identity Center keeps under /aws-reserved/, and creating,
// deleting or updating the aliases of AWS managed keys. They are in the
// space only when a policy names such a resource, where a region may hold
// nothing else; elsewhere a witness fills in a resource of the account's.
var protectedMarkers = func() *policy.Policy {
	var stmts []string
	for _, a := range []string{"iam:*", "iam:Get*", "iam:List*", "iam:Generate*", "iam:Simulate*", "kms:*", "kms:Create*", "kms:Delete*", "kms:Update*"} {
		stmts = append(stmts, `{"Effect": "Allow", "Action": "`+a+`", "Resource": "*"}`)
	}
	for _, r := range protectedPatterns {
		stmts = append(stmts, `{"Effect": "Allow", "Action": "*", "Resource": "`+r+`"}`)
	}
	p, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [`+strings.Join(stmts, ",")+`]}`), outsideOwnPolicy)
	if err != nil {
		panic(err)
	}
	return p
}()

// protectedPatterns are the resources of protectedMarkers: IAM's, then
// KMS's.
var protectedPatterns = []string{"arn:*:iam::*:role/aws-reserved/*", "arn:*:iam::aws:policy/*", "arn:*:kms:*:*:alias/aws/*"}

// namesProtected reports whether a resource pattern names a protected
// resource by its text.
func namesProtected(r string) bool {
	l := strings.ToLower(r)
	return strings.Contains(l, "aws-reserved") || strings.Contains(l, ":aws:policy") || strings.Contains(l, "alias/aws")
}

// protectedAction says which protected resources a class's actions
// would change: "iam" (not a read), "kms" (creating, deleting or
// updating), "" for none. The markers make each class all of one kind.
func (sp *space) protectedAction(ci int) string {
	a := strings.ToLower(sp.actionClasses[ci].actions[0])
	svc, name, _ := strings.Cut(a, ":")
	switch svc {
	case "iam":
		for _, p := range []string{"get", "list", "generate", "simulate"} {
			if strings.HasPrefix(name, p) {
				return ""
			}
		}
		return "iam"
	case "kms":
		if strings.HasPrefix(name, "create") || strings.HasPrefix(name, "delete") || strings.HasPrefix(name, "update") {
			return "kms"
		}
	}
	return ""
}

// protectedAt reports whether the engine denies every request of the
// class to the region as a change to a resource AWS keeps.
func (sp *space) protectedAt(ci, ri int) bool {
	if !sp.protectedAdded {
		return false
	}
	in := func(pattern string) bool { return sp.regionIn(ri, pattern) }
	switch sp.protectedAction(ci) {
	case "iam":
		return in(protectedPatterns[0]) || in(protectedPatterns[1])
	case "kms":
		return in(protectedPatterns[2])
	}
	return false
}
