package analyze

import (
	"strings"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
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
	for i, s := range stmts {
		for j, t := range stmts {
			if i == j || !plain(s) || !plain(t) || s.Effect != t.Effect {
				continue
			}
			if !samePrincipal(s, t) || !conditionsCovered(t, s) {
				continue
			}
			if !valuesCovered(t.Action.Items, s.Action.Items, true) || !valuesCovered(t.Resource.Items, s.Resource.Items, false) {
				continue
			}
			// Two statements covering each other: report the later one.
			mutual := valuesCovered(s.Action.Items, t.Action.Items, true) && valuesCovered(s.Resource.Items, t.Resource.Items, false) && conditionsCovered(s, t)
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
// or exactly the same ones.
func conditionsCovered(t, s *policy.Statement) bool {
	if len(t.Conditions) == 0 {
		return true
	}
	return conditionKey(t) == conditionKey(s)
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
