package document

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/policy"
)

// Principal writes the document of one role or user the input defines:
// who it is, who can assume it, which policies it has (inline, managed,
// through its groups, its permissions boundary), what they grant by
// service and action, the findings of ward check on them, and the
// complete policies. AWS managed policies are read from the catalog and
// documented like the others; their JSON is not repeated (ward policy
// show prints it). notes may be nil.
func Principal(f *inputs.File, p *inputs.Principal, findings []analyze.Finding, cat *catalog.Catalog, notes *Notes) ([]byte, error) {
	return NewSet(f, findings, cat).Principal(p, notes)
}

// Set writes the documents of one input's principals, sharing what they
// have in common, so that documenting a whole account costs in proportion
// to it: each policy is summarized once, each AWS managed policy read from
// the catalog once, and the findings are indexed by the entity or policy
// they are in.
type Set struct {
	f         *inputs.File
	findings  []analyze.Finding
	cat       *catalog.Catalog
	summaries map[*policy.Policy]*analyze.Summary
	managed   map[string]*awsManaged
	// byOwner lists, for the JSON path of each entity and policy of the
	// input, the indexes of the findings inside it.
	byOwner map[string][]int
	reach   map[string]string // wildcardReach by action and resources
}

type awsManaged struct {
	policy  *policy.Policy
	version string
}

// NewSet prepares the documents of an input with the findings of ward
// check on it.
func NewSet(f *inputs.File, findings []analyze.Finding, cat *catalog.Catalog) *Set {
	s := &Set{f: f, findings: findings, cat: cat, summaries: map[*policy.Policy]*analyze.Summary{},
		managed: map[string]*awsManaged{}, byOwner: map[string][]int{}, reach: map[string]string{}}
	owners := map[string]bool{}
	for _, p := range f.Principals {
		owners[p.Path] = true
	}
	for _, d := range f.Docs {
		owners[d.Path] = true
	}
	for i, fd := range findings {
		// Each prefix of the path that ends before a '.' or '[' (and the
		// path itself) may be an owner's.
		for j := 0; j <= len(fd.Path); j++ {
			if j == len(fd.Path) || fd.Path[j] == '.' || fd.Path[j] == '[' {
				if prefix := fd.Path[:j]; owners[prefix] {
					s.byOwner[prefix] = append(s.byOwner[prefix], i)
				}
			}
		}
	}
	return s
}

// Principal writes the document of one of the input's roles or users.
func (s *Set) Principal(p *inputs.Principal, notes *Notes) ([]byte, error) {
	f, cat := s.f, s.cat
	w := &writer{cat: cat, notes: notes, set: s}
	b := &w.b
	title := fmt.Sprintf("Permissions: %s `%s`", p.Kind, p.Name)
	if notes != nil && notes.Title != "" {
		title = notes.Title
	}
	fmt.Fprintf(b, "# %s\n\n", title)
	w.generatedBy(f.Name)
	b.WriteString("## Overview\n\n")
	if notes != nil && notes.Purpose != "" {
		fmt.Fprintf(b, "Purpose: %s\n\n", notes.Purpose)
	}
	if p.ARN != "" {
		fmt.Fprintf(b, "- %s: `%s` (`%s`)\n", capitalize(p.Kind), p.Name, inputs.StandIns.Replace(p.ARN))
	} else {
		fmt.Fprintf(b, "- %s: `%s`\n", capitalize(p.Kind), p.Name)
	}
	if notes != nil {
		for _, d := range notes.Details {
			fmt.Fprintf(b, "- %s\n", d)
		}
	}
	var trust *source
	if p.Trust >= 0 {
		trust = &source{label: "its trust policy", policy: f.Docs[p.Trust].Policy}
		who, err := w.assumers(trust.policy)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(b, "- Who can assume it: %s\n", who)
	} else if p.Kind == "role" {
		b.WriteString("- Who can assume it: the input holds no trust policy for it\n")
	}
	// The policies that give it its permissions, its groups' included.
	var srcs []source
	var missing []string
	var shown []*policy.Policy // complete policies, in the order listed
	var shownLabels []string
	add := func(label string, pol *policy.Policy, aws bool) {
		srcs = append(srcs, source{label: label, policy: pol})
		if !aws {
			shown, shownLabels = append(shown, pol), append(shownLabels, label)
		}
	}
	groups := []*inputs.Principal{}
	for _, g := range p.Groups {
		if gp := f.Principal("group", g); gp != nil {
			groups = append(groups, gp)
		} else {
			missing = append(missing, fmt.Sprintf("the group `%s`, which the input does not define", g))
		}
	}
	holders := append([]*inputs.Principal{p}, groups...)
	b.WriteString("- Policies:\n")
	count := 0
	for _, h := range holders {
		through := ""
		if h != p {
			through = fmt.Sprintf(" of group `%s`", h.Name)
		}
		for _, d := range h.Inline {
			label := fmt.Sprintf("inline policy `%s`%s", f.Docs[d].Name, through)
			fmt.Fprintf(b, "  - %s: %s\n", label, plural(len(f.Docs[d].Policy.Statements), "statement", "statements"))
			add(label, f.Docs[d].Policy, false)
			count++
		}
		for _, m := range h.Managed {
			count++
			pol, label, aws, err := w.managed(f, m, through)
			if err != nil {
				return nil, err
			}
			if pol == nil {
				fmt.Fprintf(b, "  - %s: not in the input nor in ward's catalog, so not documented here\n", label)
				missing = append(missing, label)
				continue
			}
			fmt.Fprintf(b, "  - %s: %s\n", label, plural(len(pol.Statements), "statement", "statements"))
			add(label, pol, aws)
		}
	}
	if count == 0 {
		b.WriteString("  - none: it is granted nothing\n")
	}
	var boundary *source
	if p.Boundary != "" {
		pol, label, aws, err := w.managed(f, inputs.ManagedRef{ARN: p.Boundary, Doc: -1}, "")
		if err != nil {
			return nil, err
		}
		if pol == nil {
			fmt.Fprintf(b, "- Permissions boundary: %s, not in the input nor in ward's catalog: the permissions below are at most what it allows\n", label)
		} else {
			fmt.Fprintf(b, "- Permissions boundary: %s: the %s can do at most what it allows\n", label, p.Kind)
			boundary = &source{label: "the permissions boundary " + label, policy: pol}
			if !aws {
				shown, shownLabels = append(shown, pol), append(shownLabels, "permissions boundary "+label)
			}
		}
	}
	if len(groups) > 0 || len(p.Groups) > 0 {
		var names []string
		for _, g := range p.Groups {
			names = append(names, "`"+g+"`")
		}
		fmt.Fprintf(b, "- Groups: %s\n", strings.Join(names, ", "))
	}
	b.WriteString("\n")
	if len(missing) > 0 {
		fmt.Fprintf(b, "Not documented: %s.\n\n", strings.Join(missing, "; "))
	}
	if trust != nil {
		if err := w.trust("##", *trust); err != nil {
			return nil, err
		}
	}
	if boundary != nil {
		w.boundary = boundary.policy
	}
	if err := w.services("##", srcs, true); err != nil {
		return nil, err
	}
	w.boundary = nil
	if boundary != nil {
		fmt.Fprintf(b, "## Permissions boundary\n\n%s limits the %s to what it allows:\n\n", capitalize(boundary.label), p.Kind)
		if err := w.services("###", []source{*boundary}, false); err != nil {
			return nil, err
		}
	}
	// Findings on the principal's own entry and on every policy it has.
	paths := []string{p.Path}
	for _, h := range holders {
		paths = append(paths, h.Path)
		for _, d := range h.Inline {
			paths = append(paths, f.Docs[d].Path)
		}
		for _, m := range h.Managed {
			if m.Doc >= 0 {
				paths = append(paths, f.Docs[m.Doc].Path)
			}
		}
	}
	if p.Trust >= 0 {
		paths = append(paths, f.Docs[p.Trust].Path)
	}
	seen := map[int]bool{}
	var picked []int
	for _, path := range paths {
		if path == "" {
			continue
		}
		for _, i := range s.byOwner[path] {
			if !seen[i] {
				seen[i] = true
				picked = append(picked, i)
			}
		}
	}
	sort.Ints(picked)
	mine := make([]analyze.Finding, len(picked))
	for j, i := range picked {
		mine[j] = s.findings[i]
	}
	w.findings("##", mine)
	b.WriteString("## Complete policies\n\n")
	if trust != nil {
		b.WriteString("### Trust policy\n\n")
		w.policyJSON(trust.policy)
	}
	for i, pol := range shown {
		fmt.Fprintf(b, "### %s\n\n", capitalize(shownLabels[i]))
		w.policyJSON(pol)
	}
	if len(srcs) > len(shown) {
		b.WriteString("AWS managed policies are not repeated here: `ward policy show NAME` prints each.\n\n")
	}
	if err := notes.unused(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// assumers says in one line who can assume a role under its trust policy.
func (w *writer) assumers(p *policy.Policy) (string, error) {
	sum, err := w.summarize(p)
	if err != nil {
		return "", err
	}
	var who []string
	for _, r := range sum.Rows {
		if r.Effect == "Allow" {
			who = append(who, r.Principals...)
		}
	}
	if len(who) == 0 {
		return "no one: the trust policy allows no principal", nil
	}
	return strings.Join(dedupe(who), ", "), nil
}

// managed finds the document of an attached managed policy: in the input
// (a customer managed policy), else in the catalog (an AWS managed one).
// pol is nil when neither has it.
func (w *writer) managed(f *inputs.File, m inputs.ManagedRef, through string) (pol *policy.Policy, label string, aws bool, err error) {
	name := m.Name
	if name == "" {
		name = m.ARN[strings.LastIndex(m.ARN, "/")+1:]
	}
	if m.Doc < 0 {
		for i := range f.Docs {
			if f.Docs[i].ARN != "" && f.Docs[i].ARN == m.ARN {
				m.Doc = i
				break
			}
		}
	}
	if m.Doc >= 0 {
		if f.Docs[m.Doc].Name != "" {
			name = f.Docs[m.Doc].Name
		}
		return f.Docs[m.Doc].Policy, fmt.Sprintf("customer managed policy `%s`%s", name, through), false, nil
	}
	if m.IsAWSManaged() {
		label = fmt.Sprintf("AWS managed policy `%s`%s", name, through)
		am, err := w.awsManaged(m.ARN)
		if err != nil || am == nil {
			return nil, label, true, err
		}
		return am.policy, fmt.Sprintf("AWS managed policy `%s` (version %s)%s", name, am.version, through), true, nil
	}
	return nil, fmt.Sprintf("managed policy `%s`%s", m.ARN, through), false, nil
}

func dedupe(list []string) []string {
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

// awsManaged reads an AWS managed policy from the catalog, once per set.
func (w *writer) awsManaged(arn string) (*awsManaged, error) {
	if w.set != nil {
		if am, ok := w.set.managed[arn]; ok {
			return am, nil
		}
	}
	mp, err := w.cat.ManagedPolicy(arn)
	if err != nil || mp == nil {
		return nil, err
	}
	pol, err := policy.Parse(mp.Document, arn)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", arn, err)
	}
	am := &awsManaged{policy: pol, version: mp.VersionID}
	if w.set != nil {
		w.set.managed[arn] = am
	}
	return am, nil
}

// summarize summarizes a policy, once per set.
func (w *writer) summarize(p *policy.Policy) (*analyze.Summary, error) {
	if w.set == nil {
		return analyze.Summarize(p, w.cat)
	}
	if sum, ok := w.set.summaries[p]; ok {
		return sum, nil
	}
	sum, err := analyze.Summarize(p, w.cat)
	if err != nil {
		return nil, err
	}
	w.set.summaries[p] = sum
	return sum, nil
}
