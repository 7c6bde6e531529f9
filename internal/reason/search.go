package reason

import (
	"fmt"
	"strings"

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
	// The classes whose statements are the same on both sides share the
	// regions where the gaining side may allow what the other does not:
	// found once per such group, so a policy of thousands of actions in a
	// few statements is searched a few times, not once per action.
	type candidate struct {
		ri         int
		sol        *solved
		gd, la, ld stmtSet
	}
	groups := map[string][]candidate{}
	var out []Change
	for ci := range sp.actionClasses {
		ac := &sp.actionClasses[ci]
		var possible *Change
		found := false
		groupKey := gi.byClass[ci].key() + li.byClass[ci].key() + sp.classKind(ci)
		cands, ok := groups[groupKey]
		if !ok {
			for ri := range sp.resources {
				if sp.truncated {
					break // the bound is reached: said in a note, the rest not tried
				}
				ga := gi.live(ci, ri, widen, policy.Allow)
				gAlts, gID := sp.alternatives(g, ci, ri)
				if ga.empty() || !gi.anyAlternative(g, ga, gAlts) {
					continue // in every way the gaining side allows, a policy type it needs allows nothing here
				}
				gd := gi.live(ci, ri, narrow, policy.Deny)
				la := li.live(ci, ri, narrow, policy.Allow)
				ld := li.live(ci, ri, widen, policy.Deny)
				lAlts, lID := sp.alternatives(l, ci, ri)
				key := ga.key() + gd.key() + la.key() + ld.key() + fmt.Sprint(gID, lID)
				sol, ok := memo[key]
				if !ok {
					sol = &solved{}
					gainDenies, loseDenies := g.members(gd), l.members(ld)
					loseWays, ok := li.failing(l, la, lAlts)
					if !ok {
						sp.truncated = true // more ways than ward tries: said, as a bound reached
					}
				search:
					for _, alt := range gAlts {
						reqs, live := gi.requirementsOf(g, ga, alt)
						if !live {
							continue
						}
						for _, s := range reqs[0] {
							if ctx, ok := sp.solve(s, reqs[1:], gainDenies, loseWays, loseDenies); ok {
								sol.s, sol.ctx = s, ctx
								break search
							}
						}
					}
					memo[key] = sol
				}
				if sol.s != nil {
					cands = append(cands, candidate{ri, sol, gd, la, ld})
				}
			}
			groups[groupKey] = cands
		}
		for _, cand := range cands {
			ri, sol, gd, la, ld := cand.ri, cand.sol, cand.gd, cand.la, cand.ld
			r := &sp.resources[ri]
			if !ac.unknown && !sp.regionFits(ci, ri) {
				continue // no action of the class is authorized on a resource of the region
			}
			if sp.protectedAt(ci, ri) {
				continue // AWS keeps the region's resources: no policy opens them up
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
					possible.through = notesOf(append(append(append([]*stmt{sol.s}, g.members(gd)...), l.members(la)...), l.members(ld)...))
				}
				continue
			}
			// The engine decided the witness otherwise: a fault of the model,
			// which tests hold at zero. The change is still reported, as
			// possible, so that the fault cannot hide access.
			sp.mismatches++
			if possible == nil {
				possible = &ch
				possible.through = []Note{{Where: "witness " + ch.Witness.String(), What: "the engine did not decide this request as ward's search did; the change is given as possible"}}
			}
		}
		if !found && possible != nil {
			out = append(out, *possible)
		}
	}
	if sp.truncated && !sp.truncatedNoted {
		sp.truncatedNoted = true
		sp.notes = append(sp.notes, Note{Where: "conditions", What: fmt.Sprintf("more combinations of conditions than ward tries (%d steps, %d points visited); some were not tried, so access may be missing from the answer", maxSteps, maxWork)})
	}
	return out
}

// maxSteps bounds the condition search of one question: a policy written
// to make it explode costs time up to the bound, and the answer then
// says it is not exact.
var maxSteps = 2_000_000

// maxWork bounds the points the condition search visits in one question,
// the cost of a step growing with the points of the keys it narrows.
var maxWork = 400_000_000

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
	byGate   map[int]stmtSet
}

// anyAlternative reports whether, in one of the ways the side allows a
// request, each requirement has an allow in the set.
func (ix *sideIndex) anyAlternative(cs *compiledSide, allows stmtSet, alts []alternative) bool {
	for _, alt := range alts {
		every := true
		for _, req := range alt {
			any := false
			for _, g := range req {
				gs := ix.byGate[g]
				if gs == nil {
					continue
				}
				for i := range allows {
					if allows[i]&gs[i] != 0 {
						any = true
						break
					}
				}
				if any {
					break
				}
			}
			if !any {
				every = false
				break
			}
		}
		if every {
			return true
		}
	}
	return false
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
			gov := cs.governedAt(&sp.resources[ri])
			for si, s := range cs.stmts {
				// A governed policy's statement applies to its resources only.
				if s.matchesResource(&sp.resources[ri], mode) && (s.within == 0 || s.within == gov+1) {
					b.set(si)
				}
			}
			ix.byRegion[mode] = append(ix.byRegion[mode], b)
		}
	}
	ix.byGate = map[int]stmtSet{}
	for si, s := range cs.stmts {
		ix.byEffect[s.effect].set(si)
		b, ok := ix.byGate[s.gate]
		if !ok {
			b = newStmtSet(n)
			ix.byGate[s.gate] = b
		}
		b.set(si)
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

// notesWith are the question's notes and those of the possible changes
// among an answer's.
func (sp *space) notesWith(changes ...[]Change) []Note {
	out := sp.notes
	for _, cs := range changes {
		for _, ch := range cs {
			if !ch.Proven {
				out = append(out, ch.through...)
			}
		}
	}
	return uniqueNotes(out)
}

// notesOf are the notes of the approximated statements among some: what
// a possible change was found through.
func notesOf(stmts []*stmt) []Note {
	var out []Note
	for _, s := range stmts {
		if s.approx {
			out = append(out, s.notes...)
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
	for _, p := range ac.on {
		if s.actionBits.has(p) {
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
//
// With a boundary, session policies or SCPs, the gaining side needs an
// allow of each (gainGates, beyond s's identity gate): one is chosen per
// gate and its conditions narrow the keys too. The losing side allows
// nothing when one of its denies holds, or when one of its gates
// (loseGates, identity first) has no allow that holds.
func (sp *space) solve(s *stmt, gainGates [][]*stmt, gainDenies []*stmt, loseGates [][]*stmt, loseDenies []*stmt) (map[int]int, bool) {
	if sp.work > maxWork {
		sp.truncated = true
		return nil, false
	}
	base := copyDomains(sp.fixed)
	if !sp.restrict(base, s, widen) {
		return nil, false
	}
	return sp.solveGates(base, gainGates, gainDenies, loseGates, loseDenies)
}

// solveGates chooses an allow of each remaining gaining gate, then asks
// that the losing side allow nothing.
func (sp *space) solveGates(base map[int][]bool, gainGates [][]*stmt, gainDenies []*stmt, loseGates [][]*stmt, loseDenies []*stmt) (map[int]int, bool) {
	if len(gainGates) > 0 {
		for _, t := range gainGates[0] {
			if sp.steps++; sp.steps > maxSteps || sp.work > maxWork {
				sp.truncated = true
				return nil, false
			}
			dom := copyDomains(base)
			if !sp.restrict(dom, t, widen) {
				continue
			}
			if choice, ok := sp.solveGates(dom, gainGates[1:], gainDenies, loseGates, loseDenies); ok {
				return choice, true
			}
		}
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
	// ...or one of its gates has no allow that holds.
	for _, allows := range loseGates {
		clauses := append(clausesOf(gainDenies, narrow), clausesOf(allows, narrow)...)
		if choice, ok := sp.meet(copyDomains(base), clauses); ok {
			return choice, true
		}
	}
	return nil, false
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
		sp.work += len(d)
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
	sp.work += len(sp.keys[c.key].points)
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
	if sp.steps++; sp.steps > maxSteps || sp.work > maxWork {
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
			sp.work += len(d)
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
	action := ac.actions[0]
	res := sp.readableResource(ac, action, r, s)
	action = sp.fittingAction(ac, res) // the resource is in the region: any action may ask it
	if !ac.unknown && !sp.takes(action, res) {
		// The region may still hold a resource of an action's type: one
		// filled in from its format, or, for a small class, one the walk
		// with its format finds.
		found := false
		for i, a := range ac.actions {
			if i == maxFittingTries {
				break
			}
			if fit := sp.resourceFor(a, r); fit != "" {
				action, res, found = a, fit, true
				break
			}
		}
		if !found && len(ac.actions) <= maxWalkedClass {
			if a, fit := sp.fitIn(ac, r); fit != "" {
				action, res = a, fit
			}
		}
	}
	w := Witness{Principal: sp.opts.Principal, Action: action, Resource: res}
	for k, v := range sp.given {
		if _, tested := sp.byKey[strings.ToLower(k)]; !tested && k != "aws:SourceAccount" && k != "aws:PrincipalArn" && !sp.boundRead[strings.ToLower(k)] {
			// The engine needs only the keys the policies test or read as
			// variables; whom a service acts for reads well, and a role
			// session's role ARN keeps the path its own ARN drops.
			continue
		}
		if w.Context == nil {
			w.Context = map[string][]string{}
		}
		w.Context[k] = v
	}
	for k, pi := range choice {
		pt := sp.keys[k].points[pi]
		if pt.absent || sp.keys[k].variable != nil || sp.keys[k].joint != nil {
			continue
		}
		if w.Context == nil {
			w.Context = map[string][]string{}
		}
		w.Context[sp.keys[k].name] = pt.values
	}
	sp.realize(&w, choice)
	ch := Change{Actions: ac.actions, Unknown: ac.unknown, Others: ac.others, Unlisted: ac.unlisted, Witness: w}
	ch.On, ch.When = g.whereAllowed(s, w.Resource)
	ch.Gains = sp.replay(g, w)
	ch.Loses = sp.replay(l, w)
	ch.Proven = ch.Gains.Result == engine.Allowed && ch.Loses.Result != engine.Allowed
	return ch
}

// whereAllowed is a statement's Resource patterns that hold a resource,
// and its condition elements, as written.
func (cs *compiledSide) whereAllowed(s *stmt, resource string) ([]string, []*policy.Condition) {
	p := cs.byName[s.ref.Policy]
	if p == nil || s.ref.Statement < 0 || s.ref.Statement >= len(p.Statements) || s.ref.Policy == outsideOwnPolicy {
		return nil, nil
	}
	st := p.Statements[s.ref.Statement]
	var on []string
	res, not := st.Resources()
	switch {
	case res == nil:
	case not:
		on = append(on, "every resource but "+strings.Join(res.Items, ", "))
	default:
		for _, r := range res.Items {
			if arnPattern(r).match(resource) || hasVariable(r) {
				on = append(on, r)
			}
		}
	}
	return on, st.Conditions
}

// replay decides a witness with the engine on one side's policies.
func (sp *space) replay(cs *compiledSide, w Witness) Decided {
	set, account := cs.set, sp.owner
	// A resource a governed policy is attached to is decided with it.
governed:
	for _, g := range cs.governed {
		for _, a := range g.atoms {
			if a >= 0 && sp.resourcePats[a].match(w.Resource) {
				set, account = g.set, g.owner
				break governed
			}
		}
	}
	req := engine.Request{Principal: w.Principal, Action: w.Action, Resource: w.Resource, ResourceAccount: account, Context: w.Context, Now: sp.opts.Now, LiteralResource: true}
	prep, err := req.Prepare()
	if err != nil {
		return Decided{Result: engine.ImplicitDeny}
	}
	d := set.Decide(prep)
	out := Decided{Result: d.Result}
	for _, m := range d.Matched() {
		if m.Policy == sp.deferring.Name || m.Policy == outsideOwnPolicy {
			continue // the policies standing in for what is not asked about
		}
		ref := StatementRef{Policy: m.Policy, Statement: m.Statement}
		if p := cs.byName[m.Policy]; p != nil && m.Statement >= 0 && m.Statement < len(p.Statements) {
			ref.Sid = p.Statements[m.Statement].Sid
		}
		out.Statements = append(out.Statements, ref)
	}
	return out
}

// maxFittingTries bounds the actions of a class tried for one whose
// resource type the region holds.
const maxFittingTries = 64

// fittingAction is the class's action a witness asks on a resource: the
// first that takes a resource of its ARN format (s3:ListBucket, not
// s3:GetObject, on a bucket), else the first.
func (sp *space) fittingAction(ac *actionClass, res string) string {
	if ac.unknown || len(ac.actions) == 1 {
		return ac.actions[0]
	}
	for i, a := range ac.actions {
		if i == maxFittingTries {
			break
		}
		if sp.takes(a, res) {
			return a
		}
	}
	return ac.actions[0]
}

// regionFits reports whether the region may hold a resource an action of
// the class is authorized on, remembered per class and region: a region
// that holds none has no request of the class (s3:GetObject on a bucket
// is no call S3 makes), and is skipped. The cheap tests come first (an ARN
// of an action's type filled in, the region's own patterns filled in,
// "*"); a small class is then walked with its types' formats; a large one
// whose cheap tests fail is kept, as is a region a walk could not finish:
// kept, the answer cannot hide access.
func (sp *space) regionFits(ci, ri int) bool {
	ac := &sp.actionClasses[ci]
	key := [2]int{ci, ri}
	if v, ok := sp.fits[key]; ok {
		return v
	}
	fit := sp.fitsCheaply(ac, &sp.resources[ri])
	if !fit {
		if len(ac.actions) > maxWalkedClass {
			fit = true
		} else {
			_, res := sp.fitIn(ac, &sp.resources[ri])
			fit = res != "" || !sp.fitExact
		}
	}
	if sp.fits == nil {
		sp.fits = map[[2]int]bool{}
	}
	sp.fits[key] = fit
	return fit
}

// maxWalkedClass is the largest class whose actions' formats are walked
// to tell whether a region holds a resource of theirs.
const maxWalkedClass = 4

// fitsCheaply looks for a resource of the region an action of the class
// takes among strings at hand.
func (sp *space) fitsCheaply(ac *actionClass, r *region) bool {
	n := min(len(ac.actions), maxFittingTries)
	acts := ac.actions[:n]
	star := sp.inRegion("*", r)
	// Each ARN format once, filled in: the class's actions share most of
	// their resource types.
	seen := map[string]bool{}
	for _, a := range acts {
		act, err := sp.cat.Action(a)
		if err != nil || act == nil {
			continue
		}
		types := act.Resources()
		required := false
		for _, rt := range types {
			required = required || rt.Required
			if rt.ARN == "" {
				return true
			}
			for _, f := range strings.Split(rt.ARN, ", ") {
				if seen[f] {
					continue
				}
				seen[f] = true
				if sp.inRegion(sp.fillFormat(f), r) {
					return true
				}
			}
		}
		if star && !required {
			return true
		}
	}
	if sp.takesAny(acts, r.example) {
		return true
	}
	return sp.filledIn(r, func(cand string) bool { return sp.takesAny(acts, cand) }) != ""
}

// filledIn is the first of the region's own patterns (those it matches,
// up to maxReadableTries) filled in that is in the region and that ok
// accepts, or "".
func (sp *space) filledIn(r *region, ok func(string) bool) string {
	tried := 0
	for i, t := range sp.resourceText {
		if !r.matches[i] {
			continue
		}
		if tried++; tried > maxReadableTries {
			break
		}
		if cand := fillPattern(t, sp.account()); ok(cand) && sp.inRegion(cand, r) {
			return cand
		}
	}
	return ""
}

func (sp *space) takesAny(acts []string, res string) bool {
	for _, a := range acts {
		if sp.takes(a, res) {
			return true
		}
	}
	return false
}

// fitIn finds, for an action of the class (its first maxFittingTries), a
// resource of its type in the region: the resource patterns walked with
// the type's ARN format (variables as one character or more, the
// partition, Region and account filled) as the shape, for a string of the
// region's signature. "" when none is.
func (sp *space) fitIn(ac *actionClass, r *region) (string, string) {
	sp.fitExact = true
	for i, a := range ac.actions {
		if i == maxFittingTries {
			break
		}
		act, err := sp.cat.Action(a)
		if err != nil || act == nil {
			continue
		}
		for _, rt := range act.Resources() {
			for _, f := range strings.Split(rt.ARN, ", ") {
				if f == "" {
					continue
				}
				fr := sp.formatRegions(f)
				sp.fitExact = sp.fitExact && fr.exact
				if ex, ok := fr.find(r.matches); ok {
					return a, ex
				}
			}
		}
	}
	return "", ""
}

// formatPatterns are a resource type's ARN formats as patterns, its
// variables as wildcards, compiled once per question.
func (sp *space) formatPatterns(arn string) []pattern {
	if ps, ok := sp.formatPats[arn]; ok {
		return ps
	}
	var ps []pattern
	for _, f := range strings.Split(arn, ", ") {
		ps = append(ps, arnPattern(variableToStar(f)))
	}
	if sp.formatPats == nil {
		sp.formatPats = map[string][]pattern{}
	}
	sp.formatPats[arn] = ps
	return ps
}

// formatWalk is the resource patterns' regions over one ARN format's
// ARNs. Only the patterns of the format's service, and those whose
// service part is a wildcard, can match such an ARN: the walk is over
// them (subset), and every other pattern matches none of its strings.
type formatWalk struct {
	subset   []int
	examples map[string]string // signature over subset → example
	exact    bool
}

func (fw *formatWalk) find(matches []bool) (string, bool) {
	in := make([]bool, len(matches))
	sig := make([]bool, len(fw.subset))
	for k, i := range fw.subset {
		in[i], sig[k] = true, matches[i]
	}
	for i, m := range matches {
		if m && !in[i] {
			return "", false // a pattern of another service: no ARN of this format
		}
	}
	ex, ok := fw.examples[sigKey(sig)]
	return ex, ok
}

// formatRegions walks the resource patterns over one format's ARNs, once
// per format.
func (sp *space) formatRegions(format string) *formatWalk {
	if fw, ok := sp.byFormat[format]; ok {
		return fw
	}
	shape := strings.NewReplacer("${Partition}", "aws", "${Region}", "us-east-1", "${Account}", sp.account()).Replace(format)
	shape = variableRE.ReplaceAllString(shape, "?*")
	svc := ""
	if parts := strings.SplitN(format, ":", 4); len(parts) >= 3 {
		svc = parts[2]
	}
	fw := &formatWalk{examples: map[string]string{}}
	var pats []pattern
	for i, t := range sp.resourceText {
		parts := strings.SplitN(t, ":", 4)
		if len(parts) >= 3 && parts[0] == "arn" && !strings.ContainsAny(parts[2], "*?") && parts[2] != svc {
			continue
		}
		fw.subset = append(fw.subset, i)
		pats = append(pats, sp.resourcePats[i])
	}
	// The shape's own characters must be in the walk's alphabet, or its
	// fixed parts ("log-group:") could not be spelled.
	groups := make([]int, len(fw.subset))
	for k, i := range fw.subset {
		groups[k] = sp.resourceGroup[i] // a group is of one service: all in the subset or none
	}
	regs, exact := regionsExcept(pats, ":/"+strings.ReplaceAll(strings.ReplaceAll(shape, "*", ""), "?", ""), arnPattern(shape), nil, groups)
	fw.exact = exact
	for _, reg := range regs {
		if k := sigKey(reg.matches); fw.examples[k] == "" {
			fw.examples[k] = reg.example
		}
	}
	if sp.byFormat == nil {
		sp.byFormat = map[string]*formatWalk{}
	}
	sp.byFormat[format] = fw
	return fw
}

// takes reports whether an action takes the resource: "*" when it takes
// none, else an ARN of one of its resource types' formats.
func (sp *space) takes(action, res string) bool {
	if res != "*" && !strings.HasPrefix(res, "arn:") {
		return true // not an ARN (a template's reference): no type to hold it to
	}
	act, err := sp.cat.Action(action)
	if err != nil || act == nil {
		return false
	}
	required := false
	for _, rt := range act.Resources() {
		required = required || rt.Required
		if rt.ARN == "" {
			return true // a type the catalog gives no format: anything may be one
		}
		for _, f := range sp.formatPatterns(rt.ARN) {
			if f.match(res) {
				return true
			}
		}
	}
	// With no resource type the action must have, it is also asked on "*".
	return !required && res == "*"
}

// maxReadableTries bounds the patterns tried for a readable resource, each
// a pass over all the patterns.
const maxReadableTries = 16

// readableResource is the resource a witness names: one a person
// recognises where the region holds one (the granting statement's own
// pattern with its wildcards filled in, an ARN of the action's type, any
// of the policies' patterns filled in), else the shortest the walk found.
func (sp *space) readableResource(ac *actionClass, action string, r *region, s *stmt) string {
	if s.varPattern != "" {
		if cand := sp.substitutedResource(s.varPattern, sp.opts.Principal); sp.inRegion(cand, r) {
			return cand
		}
	}
	if !s.notResource && !s.anyResource {
		for _, a := range s.resources[widen] {
			if a < 0 {
				continue
			}
			if sp.resourceText[a] == "*" {
				continue // an ARN of the action's type reads better
			}
			cand := fillPattern(sp.resourceText[a], sp.account())
			if sp.inRegion(cand, r) {
				return cand
			}
		}
	}
	if !ac.unknown {
		if res := sp.resourceFor(action, r); res != "" {
			return res
		}
	}
	// The region's own patterns first: those it matches.
	if cand := sp.filledIn(r, func(string) bool { return true }); cand != "" {
		return cand
	}
	return r.example
}
