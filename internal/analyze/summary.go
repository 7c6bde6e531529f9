package analyze

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
)

// Summary is what a policy grants (or denies), by service and access
// level, the way the IAM console summarizes a policy.
type Summary struct {
	Rows []SummaryRow `json:"rows"`
}

// SummaryRow is one service under one effect.
type SummaryRow struct {
	Effect  string `json:"effect"`
	Service string `json:"service"` // prefix, or "*" for NotAction rows
	Name    string `json:"name"`
	// Levels says, per access level, how many of the service's actions are
	// granted and how many there are: "Read 4/58".
	Levels     []LevelCount `json:"levels"`
	Actions    []string     `json:"actions"`
	Resources  []string     `json:"resources"`
	Conditions []string     `json:"conditions"`
	// Principals, in a resource or trust policy, are who the row is for,
	// in words: "the service lambda.amazonaws.com", "everyone".
	Principals []string `json:"principals,omitempty"`
	Note       string   `json:"note,omitempty"`
	// Statements are the indexes of the statements that make the row,
	// in policy order, for documents that name them.
	Statements []int `json:"-"`
}

// addStatement records that statement i makes the row.
func (r *SummaryRow) addStatement(i int) {
	if n := len(r.Statements); n == 0 || r.Statements[n-1] != i {
		r.Statements = append(r.Statements, i)
	}
}

// LevelCount counts granted actions of one access level.
type LevelCount struct {
	Level   string `json:"level"`
	Granted int    `json:"granted"`
	Total   int    `json:"total"`
}

var levelOrder = []string{catalog.List, catalog.Read, catalog.Write, catalog.PermissionsManagement, catalog.Tagging}

// Summarize describes what a policy's statements grant and deny.
func Summarize(p *policy.Policy, cat *catalog.Catalog) (*Summary, error) {
	// A row is one service's actions under one effect, for one set of
	// resources, conditions and principals: "write to the models bucket,
	// read the raw bucket" stays two rows.
	type key struct{ effect, service, scope string }
	rows := map[key]*SummaryRow{}
	granted := map[key]map[string]bool{}
	var order []key
	row := func(k key, name string) *SummaryRow {
		if r, ok := rows[k]; ok {
			return r
		}
		r := &SummaryRow{Effect: k.effect, Service: k.service, Name: name}
		rows[k] = r
		granted[k] = map[string]bool{}
		order = append(order, k)
		return r
	}
	for si, s := range p.Statements {
		effect := s.Effect.String()
		res := resourcesOf(s)
		conds := conditionsOf(s)
		who := principalsOf(s)
		scope := strings.Join(res, "\x00") + "\x01" + strings.Join(conds, "\x00") + "\x01" + strings.Join(who, "\x00")
		if s.NotAction != nil {
			r := row(key{effect, "*", scope}, "All services")
			levels, note, err := notActionReach(s.NotAction.Items, cat)
			if err != nil {
				return nil, err
			}
			r.Note = "every action except " + strings.Join(s.NotAction.Items, ", ") + " grants " + note
			r.Levels = levels
			r.Resources, r.Conditions, r.Principals = res, conds, who
			r.addStatement(si)
			continue
		}
		for _, pat := range s.Action.Items {
			acts, err := cat.Expand(pat)
			if err != nil {
				return nil, err
			}
			if len(acts) == 0 {
				r := row(key{effect, "?", scope}, "Unknown")
				r.Resources, r.Conditions, r.Principals = res, conds, who
				r.Actions = union(r.Actions, []string{pat})
				r.Note = "patterns that match no AWS action"
				r.addStatement(si)
				continue
			}
			for _, a := range acts {
				svc, err := cat.Service(a.Service)
				if err != nil {
					return nil, err
				}
				k := key{effect, a.Service, scope}
				r := row(k, svc.Name)
				if !granted[k][a.FullName()] {
					granted[k][a.FullName()] = true
					r.Actions = append(r.Actions, a.FullName())
				}
				r.Resources, r.Conditions, r.Principals = res, conds, who
				r.addStatement(si)
			}
		}
	}
	out := &Summary{}
	for _, k := range order {
		r := rows[k]
		if svc, _ := cat.Service(k.service); svc != nil {
			total := map[string]int{}
			for _, a := range svc.Actions {
				total[a.AccessLevel]++
			}
			count := map[string]int{}
			for name := range granted[k] {
				a, _ := cat.Action(name)
				if a != nil {
					count[a.AccessLevel]++
				}
			}
			for _, l := range levelOrder {
				if count[l] > 0 {
					r.Levels = append(r.Levels, LevelCount{Level: l, Granted: count[l], Total: total[l]})
				}
			}
		}
		sort.Strings(r.Actions)
		out.Rows = append(out.Rows, *r)
	}
	sort.SliceStable(out.Rows, func(i, j int) bool {
		if out.Rows[i].Effect != out.Rows[j].Effect {
			return out.Rows[i].Effect == "Allow"
		}
		return out.Rows[i].Name < out.Rows[j].Name // stable: a service's rows keep the policy's order
	})
	return out, nil
}

// Rewrite passes the summary's resources, conditions and principals
// through r: the stand-ins of a template's pseudo parameters become the
// parameters again.
func (s *Summary) Rewrite(r *strings.Replacer) {
	for i := range s.Rows {
		row := &s.Rows[i]
		for _, list := range [][]string{row.Resources, row.Conditions, row.Principals} {
			for j := range list {
				list[j] = r.Replace(list[j])
			}
		}
	}
}

// principalsOf says in words whom a resource or trust policy statement
// is for; nil for a statement without Principal (an identity policy's).
func principalsOf(s *policy.Statement) []string {
	pr, not := s.Principals()
	if pr == nil {
		return nil
	}
	if pr.Wildcard {
		if not {
			return []string{"no one (NotPrincipal \"*\")"}
		}
		return []string{"everyone"}
	}
	var out []string
	for _, e := range pr.Entries {
		for _, v := range e.Values.Items {
			var w string
			switch {
			case e.Type == policy.PrincipalAWS && v == "*":
				w = "everyone"
			case e.Type == policy.PrincipalAWS && policy.IsAccountID(v):
				w = "the account " + v
			case e.Type == policy.PrincipalAWS && strings.HasPrefix(v, "arn:") && strings.HasSuffix(v, ":root"):
				parts := strings.Split(v, ":")
				w = "the account " + parts[len(parts)-2]
			case e.Type == policy.PrincipalAWS:
				w = v
			case e.Type == policy.PrincipalService:
				w = "the service " + v
			case e.Type == policy.PrincipalFederated:
				w = "identities of " + v
			default:
				w = e.Type + " " + v
			}
			out = append(out, w)
		}
	}
	if not {
		return []string{"everyone but " + strings.Join(out, ", ")}
	}
	return out
}

func resourcesOf(s *policy.Statement) []string {
	if s.NotResource != nil {
		return []string{"every resource except " + strings.Join(s.NotResource.Items, ", ")}
	}
	if s.Resource != nil {
		return s.Resource.Items
	}
	return []string{"(the role itself)"}
}

func conditionsOf(s *policy.Statement) []string {
	var out []string
	for _, c := range s.Conditions {
		out = append(out, fmt.Sprintf("%s %s %s", c.Key, c.Operator, strings.Join(c.Values.Items, "|")))
	}
	return out
}

// union appends to a the elements of b it does not have, keeping order.
func union[T comparable](a, b []T) []T {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

// AccessText is the console's wording: "Full: Read" when every action of
// a level is granted, "Limited: Read, Write" otherwise.
func (r *SummaryRow) AccessText() string {
	if r.Note != "" && len(r.Levels) == 0 {
		return r.Note
	}
	var full, limited []string
	for _, l := range r.Levels {
		if l.Granted == l.Total {
			full = append(full, l.Level)
		} else {
			limited = append(limited, fmt.Sprintf("%s (%d of %d)", l.Level, l.Granted, l.Total))
		}
	}
	var parts []string
	if len(full) > 0 {
		parts = append(parts, "Full: "+strings.Join(full, ", "))
	}
	if len(limited) > 0 {
		parts = append(parts, "Limited: "+strings.Join(limited, ", "))
	}
	if r.Service == "*" && r.Note != "" {
		// What a NotAction grants: the note names the services, the
		// levels count the actions.
		return r.Note + " (" + strings.Join(parts, "; ") + ")"
	}
	return strings.Join(parts, "; ")
}

// notActionReach says exactly what a NotAction list leaves granted: the
// catalog's actions no pattern matches, counted by access level, the
// services it leaves out whole or in part, and the actions AWS adds later,
// which it grants too.
func notActionReach(patterns []string, cat *catalog.Catalog) ([]LevelCount, string, error) {
	excluded := map[string]bool{}
	for _, p := range patterns {
		acts, err := cat.Expand(p)
		if err != nil {
			return nil, "", err
		}
		for _, a := range acts {
			excluded[a.FullName()] = true
		}
	}
	granted, total := map[string]int{}, map[string]int{}
	var whole, part []string
	actions, services := 0, 0
	for _, prefix := range cat.Prefixes() {
		svc, err := cat.Service(prefix)
		if err != nil || svc == nil {
			continue
		}
		out := 0
		for _, a := range svc.Actions {
			total[a.AccessLevel]++
			if excluded[a.FullName()] {
				out++
				continue
			}
			granted[a.AccessLevel]++
			actions++
		}
		switch {
		case out == len(svc.Actions) && out > 0:
			whole = append(whole, svc.Name)
		case out > 0:
			part = append(part, fmt.Sprintf("%d of %s's %d", len(svc.Actions)-out, svc.Name, len(svc.Actions)))
		default:
			services++
		}
	}
	var levels []LevelCount
	for _, l := range levelOrder {
		if granted[l] > 0 {
			levels = append(levels, LevelCount{Level: l, Granted: granted[l], Total: total[l]})
		}
	}
	note := fmt.Sprintf("%d actions: every action of %d services", actions, services)
	if len(part) > 0 {
		note += ", " + strings.Join(part, ", ")
	}
	if len(whole) > 0 {
		note += ", none of " + strings.Join(whole, ", ")
	}
	note += ", and the actions AWS adds later"
	return levels, note, nil
}
