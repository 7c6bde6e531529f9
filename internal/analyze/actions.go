package analyze

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
)

// expand returns the catalog actions a pattern matches.
func (a *analyzer) expand(pattern string) []*catalog.Action {
	if a.cat == nil {
		return nil
	}
	acts, err := a.cat.Expand(pattern)
	if err != nil {
		return nil
	}
	return acts
}

// statementActions is what a statement's Action element reaches, and
// whether it is known (NotAction and unknown services are not).
func (a *analyzer) statementActions(s *policy.Statement) ([]*catalog.Action, bool) {
	set := a.statementActionSet(s)
	if set == nil {
		return nil, false
	}
	return set.acts, true
}

// statementActionSet is the action set of a statement's Action element,
// or nil for NotAction.
func (a *analyzer) statementActionSet(s *policy.Statement) *actionSet {
	if s.Action == nil {
		return nil
	}
	if set, ok := a.actionsByStmt[s]; ok {
		return set
	}
	set := actionSetFor(a.cat, s.Action.Items, a.expand)
	a.actionsByStmt[s] = set
	return set
}

func (a *analyzer) checkActions(s *policy.Statement) {
	vals, not := s.Actions()
	if vals == nil || a.cat == nil {
		return
	}
	el := "Action"
	if not {
		el = "NotAction"
	}
	path := s.Path + "." + el
	for i, pat := range vals.Items {
		off, ip := vals.Offsets[i], itemPath(path, vals, i)
		if pat == "*" {
			continue
		}
		svc, name, ok := strings.Cut(pat, ":")
		if !ok || svc == "" || name == "" {
			continue // reported as invalid grammar
		}
		if strings.ContainsAny(svc, "*?") {
			if len(a.expand(pat)) == 0 {
				a.add(CodeUnknownAction, off, ip, []int{s.Index}, "%s %q matches no AWS action", el, pat)
			}
			continue
		}
		service, err := a.cat.Service(svc)
		if err != nil {
			continue
		}
		if service == nil {
			a.add(CodeUnknownService, off, ip, []int{s.Index}, "%q is not an AWS service prefix, so %s %q matches nothing", svc, el, pat)
			continue
		}
		acts := a.expand(pat)
		if len(acts) == 0 {
			a.add(CodeUnknownAction, off, ip, []int{s.Index}, "%s %q matches no action of %s", el, pat, service.Name)
			continue
		}
		if name == "*" && !not && s.Effect == policy.Allow {
			a.serviceWildcard(s, service, acts, off, ip)
		}
	}
	a.redundantItems(s, vals, path, true)
}

// serviceWildcard suggests naming a service's actions by access level
// instead of service:*.
func (a *analyzer) serviceWildcard(s *policy.Statement, service *catalog.Service, acts []*catalog.Action, off int, path string) {
	byLevel := map[string]int{}
	for _, act := range acts {
		byLevel[act.AccessLevel]++
	}
	var levels []string
	for l, n := range byLevel {
		levels = append(levels, fmt.Sprintf("%s %d", l, n))
	}
	sort.Strings(levels)
	a.addFix(CodeServiceWildcard, off, path, []int{s.Index},
		fmt.Sprintf("list the actions the workload calls; `ward actions '%s:Get*' '%s:List*'` shows the read-only ones", service.Prefix, service.Prefix),
		"%s:* grants all %d actions of %s (%s); name the ones needed", service.Prefix, len(acts), service.Name, strings.Join(levels, ", "))
}

// redundantItems reports list items another item of the same element
// already covers: a second action pattern inside a wildcard, a resource
// under another resource's wildcard (arn:...:table/T-* covers
// arn:...:table/T-*/index/*).
func (a *analyzer) redundantItems(s *policy.Statement, vals *policy.Values, path string, actions bool) {
	code, what := CodeRedundantResource, "resource"
	if actions {
		code, what = CodeRedundantAction, "action"
	}
	norm := make([]string, len(vals.Items))
	first := map[string]int{}
	var wild []int // items with wildcards: the only ones that can cover others
	for i, v := range vals.Items {
		if actions {
			v = strings.ToLower(v)
		}
		norm[i] = v
		if _, ok := first[v]; !ok {
			first[v] = i
		}
		if strings.ContainsAny(v, "*?") && !strings.Contains(v, "${") {
			wild = append(wild, i)
		}
	}
	for i, x := range norm {
		if j := first[x]; j != i {
			a.add(code, vals.Offsets[i], itemPath(path, vals, i), []int{s.Index}, "%s %q is listed twice", what, vals.Items[i])
			continue
		}
		if strings.Contains(x, "${") {
			continue
		}
		for _, j := range wild {
			y := norm[j]
			if j == i || x == y {
				continue
			}
			// y covers x only if x starts with y's literal prefix.
			lp := y[:strings.IndexAny(y, "*?")]
			if !strings.HasPrefix(x, lp) || strings.ContainsAny(x[:len(lp)], "*?") {
				continue
			}
			if glob.PatternCovers(y, x) {
				a.add(code, vals.Offsets[i], itemPath(path, vals, i), []int{s.Index}, "%s %q is already covered by %q", what, vals.Items[i], vals.Items[j])
				break
			}
		}
	}
}

func itemPath(path string, v *policy.Values, i int) string {
	if v.Single {
		return path
	}
	return fmt.Sprintf("%s[%d]", path, i)
}
