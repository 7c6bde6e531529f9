package intent

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
)

// Result is what a template builds: the role's identity policy (nil when
// it asks for nothing) and trust policy, and what was asked for and not
// placed.
type Result struct {
	Role     string
	Path     string
	Identity *policy.Policy
	Trust    *policy.Policy
	Notes    []Note
}

// Note is one thing the template asked for and the policy does not grant,
// with why.
type Note struct {
	Line    int      `json:"line"`
	Text    string   `json:"text"`
	Actions []string `json:"actions,omitempty"`
}

// statement is a policy statement as it is built, its fields in the order
// a policy writes them.
type statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]any            `json:"Principal,omitempty"`
	Action    any                       `json:"Action"`
	Resource  any                       `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
	actions   []string
	resources []string
	key       string
}

// Build writes the template's policies.
func Build(t *Template, cat *catalog.Catalog) (*Result, error) {
	res := &Result{Role: t.Role, Path: t.Path}
	var stmts []*statement
	byKey := map[string]*statement{}
	sids := map[string]int{}
	place := func(sid, effect string, resources []string, cond map[string]map[string]any, action string) {
		condJSON, _ := json.Marshal(cond)
		key := effect + "\x00" + strings.Join(resources, "\x00") + "\x00" + string(condJSON) + "\x00" + sid
		s := byKey[key]
		if s == nil {
			s = &statement{Sid: sid, Effect: effect, resources: resources, Condition: cond, key: key}
			byKey[key] = s
			stmts = append(stmts, s)
		}
		for _, a := range s.actions {
			if a == action {
				return
			}
		}
		s.actions = append(s.actions, action)
	}
	for _, p := range t.Permissions {
		levels := map[string]bool{}
		for _, a := range p.Access {
			levels[accessLevels[strings.ToLower(a)]] = true
		}
		services := append([]string(nil), p.Services...)
		for _, r := range p.Resources {
			if f := strings.SplitN(r, ":", 4); len(f) == 4 && f[0] == "arn" && f[2] != "" && !strings.ContainsAny(f[2], "*?") {
				services = append(services, f[2])
			}
		}
		services = unique(services)
		if len(levels) > 0 && len(services) == 0 {
			return nil, fmt.Errorf("%s:%d: access levels need a service: name it with services, or give resources as ARNs", t.File, p.Line)
		}
		var candidates []*catalog.Action
		explicit := map[string]bool{}
		for _, svc := range services {
			s, err := cat.Service(svc)
			if err != nil || s == nil {
				return nil, fmt.Errorf("%s:%d: %q is no service the catalog knows", t.File, p.Line, svc)
			}
			if len(levels) == 0 {
				continue
			}
			for _, a := range s.Actions {
				if levels[a.AccessLevel] {
					candidates = append(candidates, a)
				}
			}
		}
		for _, pat := range p.Actions {
			acts, err := cat.Expand(pat)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", t.File, p.Line, err)
			}
			if len(acts) == 0 {
				return nil, fmt.Errorf("%s:%d: %q names no action the catalog knows", t.File, p.Line, pat)
			}
			// An action named outright must be placed; the actions of a
			// wildcard ("s3:Get*") are placed where they can be, as an
			// access level's are.
			if !strings.ContainsAny(pat, "*?") {
				for _, a := range acts {
					explicit[a.FullName()] = true
				}
			}
			candidates = append(candidates, acts...)
		}
		sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].FullName() < candidates[j].FullName() })
		var dropped, noResource []string
		placed := 0
		var unplacedExplicit []string
		for i, a := range candidates {
			if i > 0 && candidates[i-1] == a {
				continue
			}
			if len(a.Resources()) == 0 {
				// An action asked for by name goes to a statement on "*"
				// of its own (unless the permission is on "*" anyway); one
				// that only an access level brought in, only when the
				// resources say "*": read on a bucket's objects is not
				// read of the account's settings.
				everything := len(p.Resources) == 1 && p.Resources[0] == "*"
				if !explicit[a.FullName()] && !slices.Contains(p.Resources, "*") {
					noResource = append(noResource, a.FullName())
					continue
				}
				place(sidFor(p, !everything), p.Effect, []string{"*"}, p.Conditions, a.FullName())
				placed++
				continue
			}
			var on []string
			for _, r := range p.Resources {
				if r == "*" || takes(a, r) {
					on = append(on, r)
				}
			}
			if len(on) == 0 {
				if explicit[a.FullName()] {
					unplacedExplicit = append(unplacedExplicit, a.FullName())
				} else {
					dropped = append(dropped, a.FullName())
				}
				continue
			}
			place(sidFor(p, false), p.Effect, on, p.Conditions, a.FullName())
			placed++
		}
		if placed == 0 && len(unplacedExplicit) == 0 {
			return nil, fmt.Errorf("%s:%d: the permission grants nothing: none of its actions takes the resources given (%s)", t.File, p.Line, strings.Join(p.Resources, ", "))
		}
		if len(unplacedExplicit) > 0 {
			return nil, fmt.Errorf("%s:%d: %s take none of the resources given (%s): give a resource of the types %s", t.File, p.Line,
				strings.Join(unplacedExplicit, ", "), strings.Join(p.Resources, ", "), resourceTypes(cat, unplacedExplicit))
		}
		if len(noResource) > 0 {
			res.Notes = append(res.Notes, Note{Line: p.Line, Actions: noResource,
				Text: fmt.Sprintf("%d %s actions of the access levels asked for take no resource; add \"*\" to the resources to grant them", len(noResource), strings.Join(services, ", "))})
		}
		if len(dropped) > 0 {
			res.Notes = append(res.Notes, Note{Line: p.Line, Actions: dropped,
				Text: fmt.Sprintf("%d %s actions of the access levels asked for take none of the resources given, so they are not granted", len(dropped), strings.Join(services, ", "))})
		}
	}
	for _, pr := range t.PassRoles {
		cond := map[string]map[string]any{"StringEquals": {"iam:PassedToService": pr.Service}}
		if pr.AssociatedResource != "" {
			cond["ArnLike"] = map[string]any{"iam:AssociatedResourceArn": pr.AssociatedResource}
		}
		place("PassRoleTo"+alnum(strings.TrimSuffix(pr.Service, ".amazonaws.com")), "Allow", []string{pr.Role}, cond, "iam:PassRole")
	}
	// Sids: the author's, else one from the services and access levels;
	// a Sid made twice is numbered.
	for _, s := range stmts {
		if s.Sid == "" || strings.HasPrefix(s.Sid, "\x00") {
			s.Sid = derivedSid(s, cat)
		}
		sids[s.Sid]++
	}
	seen := map[string]int{}
	for _, s := range stmts {
		if sids[s.Sid] > 1 {
			seen[s.Sid]++
			if n := seen[s.Sid]; n > 1 {
				s.Sid = fmt.Sprintf("%s%d", s.Sid, n)
			}
		}
		sort.Strings(s.actions)
		s.Action = oneOrMany(s.actions)
		s.Resource = oneOrMany(s.resources)
	}
	if len(stmts) > 0 {
		p, err := toPolicy(stmts, t.File)
		if err != nil {
			return nil, err
		}
		res.Identity = p
	}
	trust, err := buildTrust(t)
	if err != nil {
		return nil, err
	}
	res.Trust = trust
	return res, nil
}

// takes reports whether a resource pattern can name a resource of one of
// the action's types.
func takes(a *catalog.Action, pattern string) bool {
	for _, rt := range a.Resources() {
		if glob.FormatIntersects(rt.ARN, pattern) {
			return true
		}
	}
	return false
}

func resourceTypes(cat *catalog.Catalog, actions []string) string {
	var names []string
	for _, name := range actions {
		if a, _ := cat.Action(name); a != nil {
			for _, rt := range a.Resources() {
				names = append(names, rt.Name+" ("+rt.ARN+")")
			}
		}
	}
	return strings.Join(unique(names), ", ")
}

// sidFor is the author's Sid for a permission's statement, with
// NoResource for the one on "*" of the actions that take no resource; a
// permission without a Sid gets one later, from what it holds.
func sidFor(p Permission, noResource bool) string {
	switch {
	case p.Sid != "" && noResource:
		return p.Sid + "NoResource"
	case p.Sid != "":
		return p.Sid
	case noResource:
		return fmt.Sprintf("\x00%d:*", p.Line)
	}
	return fmt.Sprintf("\x00%d", p.Line)
}

// derivedSid names a statement from its services and access levels:
// DynamodbReadWrite, S3Read, NoResourceLevel.
func derivedSid(s *statement, cat *catalog.Catalog) string {
	if len(s.resources) == 1 && s.resources[0] == "*" && strings.HasSuffix(s.Sid, ":*") {
		return "NoResourceLevel"
	}
	var services, levels []string
	for _, name := range s.actions {
		svc, _, _ := strings.Cut(name, ":")
		services = append(services, capitalize(alnum(svc)))
		if a, _ := cat.Action(name); a != nil {
			levels = append(levels, alnum(a.AccessLevel))
		}
	}
	services, levels = unique(services), unique(levels)
	sort.Strings(levels)
	name := strings.Join(services, "") + strings.Join(levels, "")
	if s.Effect == "Deny" {
		name = "Deny" + name
	}
	return name
}

func buildTrust(t *Template) (*policy.Policy, error) {
	tr := t.Trust
	var stmts []*statement
	if len(tr.Services) > 0 {
		s := &statement{Effect: "Allow", Principal: map[string]any{"Service": oneOrMany(tr.Services)}, Action: "sts:AssumeRole"}
		cond := map[string]map[string]any{}
		if tr.SourceAccount != "" {
			cond["StringEquals"] = map[string]any{"aws:SourceAccount": tr.SourceAccount}
		}
		if tr.SourceArn != "" {
			cond["ArnLike"] = map[string]any{"aws:SourceArn": tr.SourceArn}
		}
		if len(cond) > 0 {
			s.Condition = cond
		}
		stmts = append(stmts, s)
	} else if tr.SourceAccount != "" || tr.SourceArn != "" {
		return nil, fmt.Errorf("%s:%d: sourceAccount and sourceArn bind a service's use of the role: name the services", t.File, tr.line)
	}
	if len(tr.Accounts) > 0 {
		var who []string
		for _, a := range tr.Accounts {
			if isAccount(a) {
				a = "arn:aws:iam::" + a + ":root"
			}
			who = append(who, a)
		}
		s := &statement{Effect: "Allow", Principal: map[string]any{"AWS": oneOrMany(who)}, Action: "sts:AssumeRole"}
		cond := map[string]map[string]any{}
		if tr.ExternalID != "" {
			cond["StringEquals"] = map[string]any{"sts:ExternalId": tr.ExternalID}
		}
		if tr.MFA {
			cond["Bool"] = map[string]any{"aws:MultiFactorAuthPresent": "true"}
		}
		if len(cond) > 0 {
			s.Condition = cond
		}
		stmts = append(stmts, s)
	} else if tr.ExternalID != "" || tr.MFA {
		return nil, fmt.Errorf("%s:%d: externalId and mfa are conditions on accounts: name the accounts", t.File, tr.line)
	}
	if w := tr.WebIdentity; w != nil {
		provider, host := w.Provider, w.Provider
		if strings.HasPrefix(provider, "arn:") {
			_, host, _ = strings.Cut(provider, ":oidc-provider/")
		} else {
			provider = "arn:aws:iam::" + w.Account + ":oidc-provider/" + host
		}
		cond := map[string]map[string]any{}
		if w.Audience != "" {
			cond["StringEquals"] = map[string]any{host + ":aud": w.Audience}
		}
		if len(w.Subjects) > 0 {
			cond["StringLike"] = map[string]any{host + ":sub": oneOrMany(w.Subjects)}
		}
		if len(w.Subjects) == 0 {
			return nil, fmt.Errorf("%s:%d: webIdentity needs subjects: without them every identity of %s could assume the role", t.File, tr.line, host)
		}
		stmts = append(stmts, &statement{Effect: "Allow", Principal: map[string]any{"Federated": provider}, Action: "sts:AssumeRoleWithWebIdentity", Condition: cond})
	}
	if len(stmts) == 0 {
		return nil, fmt.Errorf("%s: the template says no one may assume the role: give trust services, accounts or webIdentity", t.File)
	}
	return toPolicy(stmts, t.File)
}

func toPolicy(stmts []*statement, file string) (*policy.Policy, error) {
	data, err := json.Marshal(struct {
		Version   string
		Statement []*statement
	}{"2012-10-17", stmts})
	if err != nil {
		return nil, err
	}
	return policy.Parse(data, file)
}

func oneOrMany(items []string) any {
	if len(items) == 1 {
		return items[0]
	}
	return items
}

func unique(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func alnum(s string) string {
	var b strings.Builder
	up := true
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			if up && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
