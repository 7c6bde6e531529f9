package analyze

import (
	"slices"
	"strings"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/reason"
)

// checkRedundantStatements reports statements that can never apply and
// statements another statement already covers.
func (a *analyzer) checkRedundantStatements() {
	stmts := a.p.Statements
	for _, s := range stmts {
		if why := a.neverMatches(s); why != "" {
			a.add(CodeStatementNeverMatches, s.Offset, s.Path, []int{s.Index}, "this %s statement can never apply: %s", s.Effect, why)
		}
	}
	idx := newCoverIndex(stmts)
	for i, s := range stmts {
		if !plain(s) {
			continue
		}
		for _, j := range idx.candidates(s) {
			t := stmts[j]
			if i == j || s.Effect != t.Effect {
				continue
			}
			if !samePrincipal(s, t) {
				continue
			}
			if !valuesCovered(t.Action.Items, s.Action.Items, true) || !valuesCovered(t.Resource.Items, s.Resource.Items, false) {
				continue
			}
			if !a.conditionsCovered(t, s) {
				continue
			}
			// Two statements covering each other: report the later one.
			mutual := valuesCovered(s.Action.Items, t.Action.Items, true) && valuesCovered(s.Resource.Items, t.Resource.Items, false) && a.conditionsCovered(s, t)
			if mutual && j > i {
				continue
			}
			label := t.Path
			if t.Sid != "" {
				label += " (" + t.Sid + ")"
			}
			a.add(CodeRedundantStatement, s.Offset, s.Path, []int{s.Index, t.Index}, "%s already %ss everything this statement %ss", label, strings.ToLower(t.Effect.String()), strings.ToLower(s.Effect.String()))
			break
		}
	}
}

// coverIndex finds, for a statement, the statements that could cover it,
// so that checking a policy of n statements costs about n, not n². A
// pattern covers an item only if the pattern's literal prefix (the text
// before its first wildcard) is a prefix of the item, so the index keeps
// the plain statements by the literal prefixes of their action and
// resource patterns.
type coverIndex struct {
	actions, resources prefixIndex
	all                []int // the plain statements
}

// prefixIndex holds statement indexes by their patterns' literal
// prefixes, with the distinct prefix lengths to look up.
type prefixIndex struct {
	byPrefix map[string][]int
	lengths  []int
}

func newCoverIndex(stmts []*policy.Statement) *coverIndex {
	idx := &coverIndex{
		actions:   prefixIndex{byPrefix: map[string][]int{}},
		resources: prefixIndex{byPrefix: map[string][]int{}},
	}
	for j, t := range stmts {
		if plain(t) {
			idx.all = append(idx.all, j)
			idx.actions.add(j, t.Action.Items, true)
			idx.resources.add(j, t.Resource.Items, false)
		}
	}
	idx.actions.finish()
	idx.resources.finish()
	return idx
}

func (x *prefixIndex) add(stmt int, patterns []string, fold bool) {
	for _, p := range patterns {
		if fold {
			p = strings.ToLower(p)
		}
		pre := literalPrefix(p)
		if l := x.byPrefix[pre]; len(l) == 0 || l[len(l)-1] != stmt {
			x.byPrefix[pre] = append(l, stmt)
		}
	}
}

func (x *prefixIndex) finish() {
	seen := map[int]bool{}
	for p := range x.byPrefix {
		if !seen[len(p)] {
			seen[len(p)] = true
			x.lengths = append(x.lengths, len(p))
		}
	}
	slices.Sort(x.lengths)
}

// lookup calls f with each list of statements holding a pattern whose
// literal prefix is a prefix of the item, and returns how many entries
// those lists hold.
func (x *prefixIndex) lookup(item string, f func([]int)) int {
	n, limit := 0, len(literalPrefix(item))
	for _, l := range x.lengths {
		if l > limit {
			break
		}
		if list := x.byPrefix[item[:l]]; len(list) > 0 {
			n += len(list)
			if f != nil {
				f(list)
			}
		}
	}
	return n
}

// literalPrefix is a pattern's text before its first wildcard.
func literalPrefix(p string) string {
	if i := strings.IndexAny(p, "*?"); i >= 0 {
		return p[:i]
	}
	return p
}

// candidates are the statements, in order, that may cover every item of
// s: those the item with the fewest candidates finds in the index.
func (idx *coverIndex) candidates(s *policy.Statement) []int {
	best, bestN := "", -1
	bestIdx := &idx.actions
	try := func(x *prefixIndex, item string) {
		if n := x.lookup(item, nil); bestN < 0 || n < bestN {
			best, bestN, bestIdx = item, n, x
		}
	}
	for _, a := range s.Action.Items {
		try(&idx.actions, strings.ToLower(a))
	}
	for _, r := range s.Resource.Items {
		try(&idx.resources, r)
	}
	if bestN < 0 { // no items at all: every statement may cover it
		out := make([]int, len(idx.all))
		copy(out, idx.all)
		return out
	}
	if bestN == 0 {
		return nil
	}
	out := make([]int, 0, bestN)
	bestIdx.lookup(best, func(l []int) { out = append(out, l...) })
	slices.Sort(out)
	return slices.Compact(out)
}

// plain: Action and Resource lists, no Not elements, no variables.
func plain(s *policy.Statement) bool {
	if s.Action == nil || s.Resource == nil || s.NotPrincipal != nil {
		return false
	}
	for _, r := range s.Resource.Items {
		if strings.Contains(r, "${") {
			return false
		}
	}
	return true
}

func samePrincipal(s, t *policy.Statement) bool {
	if (s.Principal == nil) != (t.Principal == nil) {
		return false
	}
	if s.Principal == nil {
		return true
	}
	return principalKey(s.Principal) == principalKey(t.Principal)
}

func principalKey(p *policy.Principal) string {
	if p.IsEveryone() {
		return "*"
	}
	var parts []string
	for _, e := range p.Entries {
		parts = append(parts, e.Type+"="+strings.Join(e.Values.Items, ","))
	}
	return strings.Join(parts, ";")
}

// conditionsCovered: t's conditions are no stricter than s's — t has none,
// or the same ones, or the reasoning core finds that every request that
// meets s's meets t's (an address range inside t's, an endpoint t's
// pattern matches), and says so exactly.
func (a *analyzer) conditionsCovered(t, s *policy.Statement) bool {
	if len(t.Conditions) == 0 || conditionKey(t) == conditionKey(s) {
		return true
	}
	if a.cat == nil || len(s.Conditions) == 0 {
		return false
	}
	// A key t tests and s does not is free under s: t's condition on it
	// would have to hold on every value, which a condition written to
	// mean something does not. Only the rest is asked.
	sKeys := conditionKeys(s)
	for k := range conditionKeys(t) {
		if !sKeys[k] {
			return false
		}
	}
	implied, exact, err := reason.ConditionsImply(s, t, a.cat)
	return err == nil && exact && implied
}

func conditionKey(s *policy.Statement) string {
	var parts []string
	for _, c := range s.Conditions {
		parts = append(parts, strings.ToLower(c.Operator)+"|"+strings.ToLower(c.Key)+"|"+strings.Join(c.Values.Items, ","))
	}
	return strings.Join(parts, ";")
}

// valuesCovered reports whether every pattern of inner is covered by some
// pattern of outer (actions compare case-insensitively).
func valuesCovered(outer, inner []string, fold bool) bool {
	for _, x := range inner {
		ok := false
		for _, y := range outer {
			if fold {
				x, y = strings.ToLower(x), strings.ToLower(y)
			}
			if x == y || glob.PatternCovers(y, x) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// neverMatches says why a statement cannot apply to any request, or "".
func (a *analyzer) neverMatches(s *policy.Statement) string {
	if s.NotAction != nil {
		for _, v := range s.NotAction.Items {
			if v == "*" {
				return `NotAction "*" excludes every action`
			}
		}
	}
	if s.NotResource != nil {
		for _, v := range s.NotResource.Items {
			if v == "*" {
				return `NotResource "*" excludes every resource`
			}
		}
	}
	for _, c := range s.Conditions {
		op, ok := policy.ParseOperator(c.Operator)
		if !ok {
			continue
		}
		for _, v := range c.Values.Items {
			if engine.ConditionValueProblem(op, v) != "" {
				return "its " + c.Operator + " condition on " + c.Key + " has a value that cannot be read, which makes the condition false"
			}
		}
	}
	if sharedConditionKey(s) && a.cat != nil {
		// Conditions that each look fine may contradict each other: the
		// reasoning core decides whether any request meets them all, and
		// only an exact "none" is reported.
		if can, exact, err := reason.ConditionsCanHold(s, a.cat); err == nil && exact && !can {
			return "no request meets all of its conditions at once"
		}
	}
	if s.Action != nil && a.cat != nil {
		for _, pat := range s.Action.Items {
			if pat == "*" || len(a.expand(pat)) > 0 {
				return ""
			}
			if svc, _, _ := strings.Cut(pat, ":"); strings.ContainsAny(svc, "*?") {
				return ""
			}
		}
		return "none of its actions exists"
	}
	return ""
}

// sharedConditionKey reports whether two condition elements of a
// statement read the same key (as their key or in a policy variable):
// elements on keys of their own each hold on some value, so only
// elements that share a key can contradict each other.
func sharedConditionKey(s *policy.Statement) bool {
	seen := map[string]bool{}
	for _, c := range s.Conditions {
		for k := range elementKeys(c) {
			if seen[k] {
				return true
			}
			seen[k] = true
		}
	}
	return false
}

// conditionKeys are the keys a statement's conditions read, lower-cased.
func conditionKeys(s *policy.Statement) map[string]bool {
	out := map[string]bool{}
	for _, c := range s.Conditions {
		for k := range elementKeys(c) {
			out[k] = true
		}
	}
	return out
}

// elementKeys are the keys a condition element reads: its own and those
// its values' policy variables name, lower-cased.
func elementKeys(c *policy.Condition) map[string]bool {
	keys := map[string]bool{strings.ToLower(c.Key): true}
	for _, v := range c.Values.Items {
		for rest := v; ; {
			i := strings.Index(rest, "${")
			if i < 0 {
				break
			}
			rest = rest[i+2:]
			end := strings.IndexAny(rest, ",}")
			if end < 0 {
				break
			}
			keys[strings.ToLower(strings.TrimSpace(rest[:end]))] = true
		}
	}
	return keys
}

// checkStatementIDs reports an empty Sid, and a Sid repeated in a policy
// kept by a service rather than IAM (IAM refuses the repeat in its own).
func (a *analyzer) checkStatementIDs() {
	for _, s := range a.p.Statements {
		if s.SidOffset > 0 && s.Sid == "" {
			a.add(CodeEmptySid, s.SidOffset, s.Path+".Sid", []int{s.Index}, `"Sid": "" names nothing; give the statement a name or remove the Sid`)
		}
	}
	switch a.doc.Kind {
	case policy.KindResource, policy.KindVPCEndpoint:
		for _, s := range a.p.DuplicateSids() {
			a.add(CodeDuplicateSid, s.SidOffset, s.Path+".Sid", []int{s.Index}, "Sid %q is used by an earlier statement; a Sid names one statement", s.Sid)
		}
	}
}
