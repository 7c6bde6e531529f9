// Package document writes permission documents from policies, in the
// shape of the "required permissions" documents teams keep beside each
// role: an overview (what the principal is, who can assume it, which
// policies it has), a section per service and in it each action with what
// it does (the catalog's description), its access level, its resources
// and conditions, the findings of ward check, and the complete policies
// at the end. Markdown, and one self-contained HTML page made from it.
//
// Everything in a document comes from the policies, the catalog and what
// the author wrote (the Sids, a notes file): the output is deterministic,
// so a document can be committed and checked in CI against the policy it
// was written from (ward doc --check). Nothing is invented: a purpose or a
// REQUIRED mark the author did not write is not written.
package document

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/policy"
)

// Markdown writes the document for the policies of one input, with the
// findings ward check reports on it: each policy in a section of its own.
// notes may be nil.
func Markdown(f *inputs.File, findings []analyze.Finding, cat *catalog.Catalog, notes *Notes) ([]byte, error) {
	w := &writer{cat: cat, notes: notes}
	b := &w.b
	title := "Permissions: " + f.Name
	if notes != nil && notes.Title != "" {
		title = notes.Title
	}
	fmt.Fprintf(b, "# %s\n\n", title)
	w.generatedBy(f.Name)
	b.WriteString("## Overview\n\n")
	w.purpose()
	if len(f.Docs) == 0 {
		b.WriteString("The input holds no policy.\n\n")
	}
	for i := range f.Docs {
		d := &f.Docs[i]
		fmt.Fprintf(b, "- %s: %s, %s\n", docName(f, d), kindWords(d.Kind), plural(len(d.Policy.Statements), "statement", "statements"))
	}
	b.WriteString("\n")
	for i := range f.Docs {
		d := &f.Docs[i]
		level := "##"
		if len(f.Docs) > 1 {
			fmt.Fprintf(b, "## %s\n\n", docName(f, d))
			level = "###"
		}
		src := source{label: docName(f, d), policy: d.Policy}
		if d.Kind == policy.KindTrust {
			if err := w.trust(level, src); err != nil {
				return nil, err
			}
		} else if err := w.services(level, []source{src}, false); err != nil {
			return nil, err
		}
		var mine []analyze.Finding
		for _, fd := range findings {
			if d.Path == "" || under(fd.Path, d.Path) {
				mine = append(mine, fd)
			}
		}
		w.findings(level, mine)
		fmt.Fprintf(b, "%s Complete policy\n\n", level)
		w.policyJSON(d.Policy)
	}
	if err := notes.unused(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writer holds a document being written.
type writer struct {
	b     bytes.Buffer
	cat   *catalog.Catalog
	notes *Notes
	// boundary, while the identity policies are written, is the
	// principal's permissions boundary: actions it allows in no
	// statement are said to be denied in effect.
	boundary *policy.Policy
	set      *Set // nil for a document of its own
}

// outsideBoundary reports whether the boundary allows the action in no
// statement, whatever the resource and conditions: then the action is
// denied in effect, whatever the identity policies grant.
func (w *writer) outsideBoundary(action string) bool {
	if w.boundary == nil {
		return false
	}
	action = strings.ToLower(action)
	for _, s := range w.boundary.Statements {
		if s.Effect.String() != "Allow" {
			continue
		}
		acts, not := s.Actions()
		if acts == nil {
			continue
		}
		matched := false
		for _, pat := range acts.Items {
			if glob.Match(strings.ToLower(pat), action) {
				matched = true
				break
			}
		}
		if matched != not {
			return false
		}
	}
	return true
}

// source is one policy a document describes, with how the document names
// it: `inline policy "chat"`, `AWS managed policy ReadOnlyAccess`.
type source struct {
	label  string
	policy *policy.Policy
}

func (w *writer) generatedBy(input string) {
	fmt.Fprintf(&w.b, "Written by `ward doc` from `%s`. Do not edit by hand: `ward doc --check` fails when this document no longer matches the policies.\n\n", input)
}

// purpose writes the author's purpose and details lines, when the notes
// have them.
func (w *writer) purpose() {
	if w.notes == nil {
		return
	}
	if w.notes.Purpose != "" {
		fmt.Fprintf(&w.b, "Purpose: %s\n\n", w.notes.Purpose)
	}
	for _, d := range w.notes.Details {
		fmt.Fprintf(&w.b, "- %s\n", d)
	}
	if len(w.notes.Details) > 0 {
		w.b.WriteString("\n")
	}
}

func docName(f *inputs.File, d *inputs.Doc) string {
	if d.Where != "" {
		return d.Where
	}
	return "`" + f.Name + "`"
}

func kindWords(k policy.Kind) string {
	switch k {
	case policy.KindIdentity:
		return "identity policy"
	case policy.KindBoundary:
		return "permissions boundary"
	case policy.KindTrust:
		return "trust policy"
	case policy.KindResource:
		return "resource policy"
	case policy.KindSession:
		return "session policy"
	}
	return k.String()
}

// trust writes who can assume the role, in words.
func (w *writer) trust(level string, src source) error {
	sum, err := w.summarize(src.policy)
	if err != nil {
		return err
	}
	fmt.Fprintf(&w.b, "%s Who can assume it\n\n", level)
	for _, r := range sum.Rows {
		who := strings.Join(r.Principals, ", ")
		if who == "" {
			who = "no one named"
		}
		cond := ""
		if len(r.Conditions) > 0 {
			cond = ", when " + strings.Join(r.Conditions, " and ")
		}
		fmt.Fprintf(&w.b, "- %s: %s (%s)%s\n", who, codeList(r.Actions), r.Effect, cond)
	}
	w.b.WriteString("\n")
	return nil
}

// row is a summary row with the policy it comes from.
type row struct {
	analyze.SummaryRow
	src *source
}

// services writes a section per service for the policies: services in
// name order; within a service, the rows in the policies' order, Allow
// before Deny. grantedBy names the policy and statement of each row, for
// a document of several policies.
func (w *writer) services(level string, srcs []source, grantedBy bool) error {
	byService := map[string][]row{}
	var services []string
	for i := range srcs {
		sum, err := w.summarize(srcs[i].policy)
		if err != nil {
			return err
		}
		for _, r := range sum.Rows {
			key := r.Name + "\x00" + r.Service
			if byService[key] == nil {
				services = append(services, key)
			}
			byService[key] = append(byService[key], row{r, &srcs[i]})
		}
	}
	sort.Strings(services)
	for _, key := range services {
		rows := byService[key]
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Effect == "Allow" && rows[j].Effect != "Allow" })
		fmt.Fprintf(&w.b, "%s %s (`%s`)\n\n", level, rows[0].Name, rows[0].Service)
		for _, r := range rows {
			w.row(r, level+"#", grantedBy)
		}
	}
	return nil
}

// manyActions: a row granting more actions than this (a wildcard's) lists
// them in a table, not a section each.
const manyActions = 10

func (w *writer) row(r row, level string, grantedBy bool) {
	b := &w.b
	if r.Note != "" && (r.Service == "*" || r.Service == "?") {
		fmt.Fprintf(b, "**%s**: %s\n\n", r.Effect, r.Note)
		w.scope(r, grantedBy)
		return
	}
	if len(r.Actions) > manyActions {
		fmt.Fprintf(b, "%s %d of %s's actions (%s)\n\n", level, len(r.Actions), r.Name, r.Effect)
		marks := false
		for _, name := range r.Actions {
			if m, _ := w.note(r, name); m != "" {
				marks = true
			}
		}
		fmt.Fprintf(b, "%s.\n\n| action | access level |", r.AccessText())
		if marks {
			b.WriteString(" mark |\n|---|---|---|\n")
		} else {
			b.WriteString("\n|---|---|\n")
		}
		for _, name := range r.Actions {
			lvl := ""
			if a, _ := w.cat.Action(name); a != nil {
				lvl = a.AccessLevel
			}
			fmt.Fprintf(b, "| `%s` | %s |", name, lvl)
			if marks {
				m, _ := w.note(r, name)
				fmt.Fprintf(b, " %s |", m)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
		w.scope(r, grantedBy)
		var outside []string
		for _, name := range r.Actions {
			if w.outsideBoundary(name) {
				outside = append(outside, "`"+name+"`")
			}
		}
		if len(outside) > 0 {
			fmt.Fprintf(b, "**Outside the permissions boundary**, so denied in effect: %s.\n\n", strings.Join(outside, ", "))
		}
		return
	}
	for _, name := range r.Actions {
		a, _ := w.cat.Action(name)
		fmt.Fprintf(b, "%s `%s`", level, name)
		if r.Effect != "Allow" {
			fmt.Fprintf(b, " (%s)", r.Effect)
		}
		b.WriteString("\n\n")
		mark, purpose := w.note(r, name)
		if mark != "" {
			fmt.Fprintf(b, "**%s**\n\n", mark)
		}
		if a != nil {
			fmt.Fprintf(b, "%s. Access level: %s.\n\n", strings.TrimSuffix(a.Description, "."), a.AccessLevel)
		}
		w.scope(r, grantedBy)
		if r.Effect == "Allow" && w.outsideBoundary(name) {
			b.WriteString("**Outside the permissions boundary**: the boundary allows it in no statement, so it is denied in effect.\n\n")
		}
		if a != nil {
			if reach := w.wildcardReach(a, r.Resources); reach != "" {
				fmt.Fprintf(b, "Wildcards: %s.\n\n", reach)
			}
		}
		if purpose != "" {
			fmt.Fprintf(b, "Purpose: %s\n\n", purpose)
		}
	}
}

// note finds what the author wrote about an action in a row: the notes
// file's entry for the action, else for one of the row's statements (by
// Sid), else a mark in a Sid ("RequiredChatTables").
func (w *writer) note(r row, action string) (mark, purpose string) {
	if w.notes != nil {
		if n := w.notes.Actions[strings.ToLower(action)]; n != nil {
			n.used = true
			mark, purpose = n.Mark, n.Purpose
		}
		for _, i := range r.Statements {
			if n := w.notes.Statements[r.src.policy.Statements[i].Sid]; n != nil && r.src.policy.Statements[i].Sid != "" {
				n.used = true
				if mark == "" {
					mark = n.Mark
				}
				if purpose == "" {
					purpose = n.Purpose
				}
			}
		}
	}
	if mark == "" {
		for _, i := range r.Statements {
			if m := markFromSid(r.src.policy.Statements[i].Sid); m != "" {
				return m, purpose
			}
		}
	}
	return mark, purpose
}

func (w *writer) scope(r row, grantedBy bool) {
	b := &w.b
	switch len(r.Resources) {
	case 0:
	case 1:
		fmt.Fprintf(b, "Resource: `%s`\n\n", r.Resources[0])
	default:
		b.WriteString("Resources:\n\n")
		for _, res := range r.Resources {
			fmt.Fprintf(b, "- `%s`\n", res)
		}
		b.WriteString("\n")
	}
	for _, c := range r.Conditions {
		fmt.Fprintf(b, "Condition: %s\n\n", c)
	}
	var stmts []string
	for _, i := range r.Statements {
		if sid := r.src.policy.Statements[i].Sid; sid != "" {
			stmts = append(stmts, "statement `"+sid+"`")
		} else if grantedBy {
			stmts = append(stmts, fmt.Sprintf("Statement[%d]", i))
		}
	}
	switch {
	case grantedBy && len(stmts) > 0:
		fmt.Fprintf(b, "From %s, %s.\n\n", r.src.label, strings.Join(stmts, ", "))
	case grantedBy:
		fmt.Fprintf(b, "From %s.\n\n", r.src.label)
	case len(stmts) > 0:
		fmt.Fprintf(b, "From %s.\n\n", strings.Join(stmts, ", "))
	}
}

// wildcardReach is the package function below, once per set for each
// action and resource list.
func (w *writer) wildcardReach(a *catalog.Action, patterns []string) string {
	if w.set == nil {
		return wildcardReach(a, patterns)
	}
	key := a.FullName() + "\x00" + strings.Join(patterns, "\x00")
	if r, ok := w.set.reach[key]; ok {
		return r
	}
	r := wildcardReach(a, patterns)
	w.set.reach[key] = r
	return r
}

// wildcardReach says where the resource patterns of an action reach
// further than their names suggest: every Region or account, and the
// resource types of the action each names (a "*" matches "/", so
// table/ChatMessage-* names the tables' indexes too; and a pattern can
// name no resource the action takes at all). "" when nothing is worth
// saying.
func wildcardReach(a *catalog.Action, patterns []string) string {
	var anywhere, elsewhere []string
	var parts []string
	for _, pattern := range patterns {
		if !strings.ContainsAny(pattern, "*?") || pattern == "*" || !strings.HasPrefix(pattern, "arn:") {
			continue
		}
		if fields := strings.SplitN(pattern, ":", 6); len(fields) == 6 {
			var where []string
			for _, f := range []struct{ value, what string }{{fields[3], "Region"}, {fields[4], "account"}} {
				switch {
				case f.value == "*":
					where = append(where, "any "+f.what)
				case strings.ContainsAny(f.value, "*?"):
					where = append(where, fmt.Sprintf("any %s matching %s", f.what, f.value))
				}
			}
			if len(where) == 2 && where[0] == "any Region" && where[1] == "any account" {
				anywhere = append(anywhere, pattern)
			} else if len(where) > 0 {
				elsewhere = append(elsewhere, fmt.Sprintf("`%s` reaches %s", pattern, strings.Join(where, " and ")))
			}
		}
		if len(a.Resources()) == 0 {
			continue
		}
		var names []string
		for _, rt := range a.Resources() {
			if glob.FormatIntersects(rt.ARN, pattern) && (len(names) == 0 || names[len(names)-1] != rt.Name) {
				names = append(names, rt.Name) // a type of two formats is named once
			}
		}
		switch {
		case len(names) == 0:
			parts = append(parts, fmt.Sprintf("`%s` names no resource %s takes, so it grants nothing here", pattern, a.FullName()))
		case len(names) > 1:
			parts = append(parts, fmt.Sprintf("`%s` names %s resources alike", pattern, strings.Join(names, " and ")))
		}
	}
	switch {
	case len(anywhere) == 0:
	case len(anywhere) == len(patterns) && len(patterns) > 1:
		elsewhere = append([]string{"every resource above reaches any Region and any account"}, elsewhere...)
	case len(anywhere) == len(patterns):
		elsewhere = append([]string{"the resource reaches any Region and any account"}, elsewhere...)
	default:
		for _, p := range anywhere {
			elsewhere = append(elsewhere, fmt.Sprintf("`%s` reaches any Region and any account", p))
		}
	}
	return strings.Join(append(elsewhere, parts...), "; ")
}

// findings writes the findings of ward check.
func (w *writer) findings(level string, list []analyze.Finding) {
	b := &w.b
	fmt.Fprintf(b, "%s Findings of `ward check`\n\n", level)
	if len(list) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	for _, fd := range list {
		fmt.Fprintf(b, "- **%s** `%s` at line %d (%s): %s\n", fd.Severity, fd.Code, fd.Line, fd.Path, fd.Message)
	}
	b.WriteString("\n")
}

func (w *writer) policyJSON(p *policy.Policy) {
	w.b.WriteString("```json\n")
	w.b.WriteString(strings.TrimRight(p.String(), "\n"))
	w.b.WriteString("\n```\n\n")
}

// under reports whether a JSON path is at or inside another.
func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+".") || strings.HasPrefix(path, prefix+"[")
}

func codeList(items []string) string {
	var parts []string
	for _, it := range items {
		parts = append(parts, "`"+it+"`")
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
