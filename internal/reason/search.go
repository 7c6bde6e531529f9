package reason

import (
	"fmt"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// changes finds, for each action class, a request side gain allows and
// side lose does not. Where an approximation leaves a choice, the gaining
// side is made to allow more (its allows widened, its denies narrowed)
// and the losing side less, so that nothing gain may allow is missed.
//
// Which statements a class and a resource region leave in play is a
// bit set per side; the condition problem depends on those sets only, so
// it is solved once per distinct combination.
func (sp *space) changes(gain, lose int) []Change {
	g, l := sp.sides[gain], sp.sides[lose]
	gi, li := sp.index(g), sp.index(l)
	type solved struct {
		s   *stmt
		ctx map[int]int
	}
	memo := map[string]*solved{}
	var out []Change
	for ci := range sp.actionClasses {
		ac := &sp.actionClasses[ci]
		var possible *Change
		found := false
		for ri := range sp.resources {
			r := &sp.resources[ri]
			ga := gi.live(ci, ri, widen, policy.Allow)
			if ga.empty() {
				continue
			}
			gd := gi.live(ci, ri, narrow, policy.Deny)
			la := li.live(ci, ri, narrow, policy.Allow)
			ld := li.live(ci, ri, widen, policy.Deny)
			key := ga.key() + gd.key() + la.key() + ld.key()
			sol, ok := memo[key]
			if !ok {
				sol = &solved{}
				gainDenies, loseAllows, loseDenies := g.members(gd), l.members(la), l.members(ld)
				for _, s := range g.members(ga) {
					if ctx, ok := sp.solve(s, gainDenies, loseAllows, loseDenies); ok {
						sol.s, sol.ctx = s, ctx
						break
					}
				}
				memo[key] = sol
			}
			if sol.s == nil {
				continue
			}
			ch := sp.witness(ac, r, sol.s, sol.ctx, g, l)
			if ch.Proven {
				out = append(out, ch)
				found = true
				break
			}
			if sol.s.approx || anyApprox(g.members(gd), l.members(la), l.members(ld)) {
				if possible == nil {
					possible = &ch
				}
				continue
			}
			sp.mismatches++
		}
		if !found && possible != nil {
			out = append(out, *possible)
		}
	}
	if sp.truncated && !sp.truncatedNoted {
		sp.truncatedNoted = true
		sp.notes = append(sp.notes, Note{Where: "conditions", What: fmt.Sprintf("more combinations of conditions than ward tries (%d steps); some were not tried, so access may be missing from the answer", maxSteps)})
	}
	return out
}

// maxSteps bounds the condition search of one question: a policy written
// to make it explode costs time up to the bound, and the answer then
// says it is not exact.
var maxSteps = 2_000_000

// stmtSet is a set of statement indexes of one side.
type stmtSet []uint64

func newStmtSet(n int) stmtSet { return make(stmtSet, (n+63)/64) }

func (b stmtSet) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b stmtSet) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b stmtSet) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

func (b stmtSet) key() string {
	out := make([]byte, 0, len(b)*8+1)
	for _, w := range b {
		for k := 0; k < 8; k++ {
			out = append(out, byte(w>>(8*k)))
		}
	}
	return string(append(out, '|'))
}

// sideIndex holds, for one side, which statements each action class and
// each resource region (widened and narrowed) let apply, and which
// statements allow and deny.
type sideIndex struct {
	byClass  []stmtSet
	byRegion [2][]stmtSet
	byEffect map[policy.Effect]stmtSet
}

func (sp *space) index(cs *compiledSide) *sideIndex {
	n := len(cs.stmts)
	ix := &sideIndex{byEffect: map[policy.Effect]stmtSet{policy.Allow: newStmtSet(n), policy.Deny: newStmtSet(n)}}
	for ci := range sp.actionClasses {
		b := newStmtSet(n)
		for si, s := range cs.stmts {
			if s.matchesAction(&sp.actionClasses[ci]) {
				b.set(si)
			}
		}
		ix.byClass = append(ix.byClass, b)
	}
	for mode := range ix.byRegion {
		for ri := range sp.resources {
			b := newStmtSet(n)
			for si, s := range cs.stmts {
				if s.matchesResource(&sp.resources[ri], mode) {
					b.set(si)
				}
			}
			ix.byRegion[mode] = append(ix.byRegion[mode], b)
		}
	}
	for si, s := range cs.stmts {
		ix.byEffect[s.effect].set(si)
	}
	return ix
}

// live are the statements of an effect that apply to a class and a
// region.
func (ix *sideIndex) live(class, region, mode int, effect policy.Effect) stmtSet {
	c, r, e := ix.byClass[class], ix.byRegion[mode][region], ix.byEffect[effect]
	out := make(stmtSet, len(c))
	for i := range c {
		out[i] = c[i] & r[i] & e[i]
	}
	return out
}

// members are the statements a set holds.
func (cs *compiledSide) members(b stmtSet) []*stmt {
	var out []*stmt
	for si, s := range cs.stmts {
		if b.has(si) {
			out = append(out, s)
		}
	}
	return out
}

func anyApprox(lists ...[]*stmt) bool {
	for _, l := range lists {
		for _, s := range l {
			if s.approx {
				return true
			}
		}
	}
	return false
}

func (s *stmt) matchesAction(ac *actionClass) bool {
	any := false
	for _, a := range s.actions {
		if ac.matches[a] {
			any = true
			break
		}
	}
	return any != s.notAction
}

func (s *stmt) matchesResource(r *region, mode int) bool {
	if s.anyResource {
		return true
	}
	any := false
	for _, a := range s.resources[mode] {
		if a >= 0 && r.matches[a] {
			any = true
			break
		}
	}
	return any != s.notResource
}

// solve chooses a point for each key the statements test such that s's
// conditions hold, no gain deny's do, and the losing side allows nothing:
// a deny of it holds, or none of its allows does.
//
// Conditions are conjunctions of atoms on single keys, so the question is
// a small constraint problem: s's atoms (and, in a branch, one losing
// deny's) restrict each key's points; each other statement that must not
// hold is a clause, "one of its atoms is false". Clauses are met one at a
// time by narrowing one key to the points where an atom is false, and
// undone when that empties a key: exact, and fast for the handful of
// keys a policy tests.
func (sp *space) solve(s *stmt, gainDenies, loseAllows, loseDenies []*stmt) (map[int]int, bool) {
	base := map[int][]bool{}
	if !sp.restrict(base, s, widen) {
		return nil, false
	}
	// Either one of the losing side's denies holds...
	for _, d := range loseDenies {
		dom := copyDomains(base)
		if !sp.restrict(dom, d, widen) {
			continue
		}
		if choice, ok := sp.meet(dom, clausesOf(gainDenies, narrow)); ok {
			return choice, true
		}
	}
	// ...or none of its allows does.
	clauses := append(clausesOf(gainDenies, narrow), clausesOf(loseAllows, narrow)...)
	return sp.meet(copyDomains(base), clauses)
}

// clause is a statement that must not hold: one of its conditions false.
type clause struct {
	s    *stmt
	mode int
}

func clausesOf(stmts []*stmt, mode int) []clause {
	out := make([]clause, len(stmts))
	for i, s := range stmts {
		out[i] = clause{s, mode}
	}
	return out
}

// restrict narrows the domains to the points where every condition of s
// holds; false when a key is left with none, or a condition cannot hold.
func (sp *space) restrict(dom map[int][]bool, s *stmt, mode int) bool {
	for _, c := range s.conds {
		if c.approx {
			if mode == narrow {
				return false
			}
			continue
		}
		d := sp.domain(dom, c.key)
		any := false
		for pi, pt := range sp.keys[c.key].points {
			if d[pi] && !pt.truth[c.atom] {
				d[pi] = false
			}
			any = any || d[pi]
		}
		if !any {
			return false
		}
	}
	return true
}

// domain is a key's allowed points, all of them until narrowed.
func (sp *space) domain(dom map[int][]bool, key int) []bool {
	d, ok := dom[key]
	if !ok {
		d = make([]bool, len(sp.keys[key].points))
		for i := range d {
			d[i] = true
		}
		dom[key] = d
	}
	return d
}

func copyDomains(dom map[int][]bool) map[int][]bool {
	out := make(map[int][]bool, len(dom))
	for k, d := range dom {
		out[k] = append([]bool(nil), d...)
	}
	return out
}

// falseEverywhere reports whether a condition is false on every point its
// key may still take: the clause it belongs to is met.
func (sp *space) falseEverywhere(dom map[int][]bool, c condRef) bool {
	d, ok := dom[c.key]
	for pi, pt := range sp.keys[c.key].points {
		if (!ok || d[pi]) && pt.truth[c.atom] {
			return false
		}
	}
	return true
}

// meet narrows the domains until every clause has a false condition, and
// chooses a point for each key narrowed.
func (sp *space) meet(dom map[int][]bool, clauses []clause) (map[int]int, bool) {
	if sp.steps++; sp.steps > maxSteps {
		sp.truncated = true
		return nil, false
	}
	for i, cl := range clauses {
		met := false
		for _, c := range cl.s.conds {
			if c.approx {
				if cl.mode == narrow {
					met = true // a narrowed statement's approximated condition is false
				}
				continue
			}
			if sp.falseEverywhere(dom, c) {
				met = true
				break
			}
		}
		if met {
			continue
		}
		// Meet this clause through one of its conditions, then the rest.
		for _, c := range cl.s.conds {
			if c.approx {
				continue
			}
			next := copyDomains(dom)
			d := sp.domain(next, c.key)
			any := false
			for pi, pt := range sp.keys[c.key].points {
				if d[pi] && pt.truth[c.atom] {
					d[pi] = false
				}
				any = any || d[pi]
			}
			if !any {
				continue
			}
			if choice, ok := sp.meet(next, clauses[i+1:]); ok {
				return choice, true
			}
		}
		return nil, false
	}
	choice := map[int]int{}
	for k, d := range dom {
		for pi, ok := range d {
			if ok {
				choice[k] = pi
				break
			}
		}
	}
	return choice, true
}

// witness builds the request of a solution and replays it on both sides.
func (sp *space) witness(ac *actionClass, r *region, s *stmt, choice map[int]int, g, l *compiledSide) Change {
	w := Witness{Principal: sp.opts.Principal, Action: ac.actions[0], Resource: sp.readableResource(ac, r, s)}
	for k, pi := range choice {
		pt := sp.keys[k].points[pi]
		if pt.absent {
			continue
		}
		if w.Context == nil {
			w.Context = map[string][]string{}
		}
		w.Context[sp.keys[k].name] = pt.values
	}
	ch := Change{Actions: ac.actions, Unknown: ac.unknown, Others: ac.others, Unlisted: ac.unlisted, Witness: w}
	ch.Gains = sp.replay(g, w)
	ch.Loses = sp.replay(l, w)
	ch.Proven = ch.Gains.Result == engine.Allowed && ch.Loses.Result != engine.Allowed
	return ch
}

// replay decides a witness with the engine on one side's policies.
func (sp *space) replay(cs *compiledSide, w Witness) Decided {
	req := engine.Request{Principal: w.Principal, Action: w.Action, Resource: w.Resource, Context: w.Context, Now: sp.opts.Now, LiteralResource: true}
	prep, err := req.Prepare()
	if err != nil {
		return Decided{Result: engine.ImplicitDeny}
	}
	d := cs.set.Decide(prep)
	out := Decided{Result: d.Result}
	for _, m := range d.Matched() {
		if m.Policy == sp.deferring.Name {
			continue // the resource policy that leaves it to IAM
		}
		ref := StatementRef{Policy: m.Policy, Statement: m.Statement}
		if m.Index >= 0 && m.Index < len(cs.policies) && m.Statement < len(cs.policies[m.Index].Statements) {
			ref.Sid = cs.policies[m.Index].Statements[m.Statement].Sid
		}
		out.Statements = append(out.Statements, ref)
	}
	return out
}

// maxReadableTries bounds the patterns tried for a readable resource, each
// a pass over all the patterns.
const maxReadableTries = 16

// readableResource is the resource a witness names: one a person
// recognises where the region holds one (the granting statement's own
// pattern with its wildcards filled in, an ARN of the action's type, any
// of the policies' patterns filled in), else the shortest the walk found.
func (sp *space) readableResource(ac *actionClass, r *region, s *stmt) string {
	if !s.notResource && !s.anyResource {
		for _, a := range s.resources[widen] {
			if a < 0 {
				continue
			}
			if sp.resourceText[a] == "*" {
				continue // an ARN of the action's type reads better
			}
			cand := fillPattern(sp.resourceText[a], sp.account())
			if matchesAll(sp.resourcePats, cand, r.matches) {
				return cand
			}
		}
	}
	if !ac.unknown {
		if res := sp.resourceFor(ac.actions[0], r); res != "" {
			return res
		}
	}
	// The region's own patterns first: those it matches.
	tried := 0
	for i, t := range sp.resourceText {
		if !r.matches[i] {
			continue
		}
		if tried++; tried > maxReadableTries {
			break
		}
		if cand := fillPattern(t, sp.account()); matchesAll(sp.resourcePats, cand, r.matches) {
			return cand
		}
	}
	return r.example
}
