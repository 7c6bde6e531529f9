// Package document writes permission documents from policies, in the
// shape of the "required permissions" documents teams keep beside each
// role: an overview of the policies, a section per service and in it each
// action with what it does (the catalog's description), its access level,
// its resources and conditions, the findings of ward check, and the
// complete policy at the end.
//
// Everything in a document comes from the policies and the catalog: the
// output is deterministic, so a document can be committed and checked in
// CI against the policy it was written from (ward doc --check). Nothing
// is invented: a purpose or a REQUIRED mark the author did not write is
// not written.
package document

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/policy"
)

// Markdown writes the document for the policies of one input, with the
// findings ward check reports on it.
func Markdown(f *inputs.File, findings []analyze.Finding, cat *catalog.Catalog) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Permissions: %s\n\n", f.Name)
	fmt.Fprintf(&b, "Written by `ward doc` from `%s`. Do not edit by hand: `ward doc --check` fails when this document no longer matches the policies.\n\n", f.Name)
	b.WriteString("## Overview\n\n")
	if len(f.Docs) == 0 {
		b.WriteString("The input holds no policy.\n\n")
	}
	for i := range f.Docs {
		d := &f.Docs[i]
		fmt.Fprintf(&b, "- %s: %s, %s\n", docName(f, d), kindWords(d.Kind), plural(len(d.Policy.Statements), "statement", "statements"))
	}
	b.WriteString("\n")
	for i := range f.Docs {
		d := &f.Docs[i]
		if err := writePolicy(&b, f, d, findings, cat); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
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

func writePolicy(b *bytes.Buffer, f *inputs.File, d *inputs.Doc, findings []analyze.Finding, cat *catalog.Catalog) error {
	sum, err := analyze.Summarize(d.Policy, cat)
	if err != nil {
		return err
	}
	title := docName(f, d)
	if len(f.Docs) > 1 {
		fmt.Fprintf(b, "## %s\n\n", title)
	}
	level := "##"
	if len(f.Docs) > 1 {
		level = "###"
	}
	if d.Kind == policy.KindTrust {
		fmt.Fprintf(b, "%s Who can assume it\n\n", level)
		for _, r := range sum.Rows {
			who := strings.Join(r.Principals, ", ")
			if who == "" {
				who = "no one named"
			}
			cond := ""
			if len(r.Conditions) > 0 {
				cond = ", when " + strings.Join(r.Conditions, " and ")
			}
			fmt.Fprintf(b, "- %s: %s (%s)%s\n", who, codeList(r.Actions), r.Effect, cond)
		}
		b.WriteString("\n")
	} else {
		// Services in name order; within a service, each action once per
		// set of resources and conditions, Allow before Deny.
		byService := map[string][]analyze.SummaryRow{}
		var services []string
		for _, r := range sum.Rows {
			key := r.Name + "\x00" + r.Service
			if byService[key] == nil {
				services = append(services, key)
			}
			byService[key] = append(byService[key], r)
		}
		sort.Strings(services)
		for _, key := range services {
			rows := byService[key]
			fmt.Fprintf(b, "%s %s (`%s`)\n\n", level, rows[0].Name, rows[0].Service)
			for _, r := range rows {
				writeRow(b, r, level+"#", cat)
			}
		}
	}
	var mine []analyze.Finding
	for _, fd := range findings {
		if fd.Path == d.Path || strings.HasPrefix(fd.Path, d.Path+".") || d.Path == "" {
			mine = append(mine, fd)
		}
	}
	fmt.Fprintf(b, "%s Findings of `ward check`\n\n", level)
	if len(mine) == 0 {
		b.WriteString("None.\n\n")
	}
	for _, fd := range mine {
		fmt.Fprintf(b, "- **%s** `%s` at line %d (%s): %s\n", fd.Severity, fd.Code, fd.Line, fd.Path, fd.Message)
	}
	if len(mine) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "%s Complete policy\n\n```json\n", level)
	b.Write(bytes.TrimRight(policyJSON(d.Policy), "\n"))
	b.WriteString("\n```\n\n")
	return nil
}

// manyActions: a row granting more actions than this (a wildcard's) lists
// them in a table, not a section each.
const manyActions = 10

func writeRow(b *bytes.Buffer, r analyze.SummaryRow, level string, cat *catalog.Catalog) {
	if r.Note != "" && (r.Service == "*" || r.Service == "?") {
		fmt.Fprintf(b, "**%s**: %s\n\n", r.Effect, r.Note)
		writeScope(b, r)
		return
	}
	if len(r.Actions) > manyActions {
		fmt.Fprintf(b, "%s %d of %s's actions (%s)\n\n", level, len(r.Actions), r.Name, r.Effect)
		fmt.Fprintf(b, "%s.\n\n| action | access level |\n|---|---|\n", r.AccessText())
		for _, name := range r.Actions {
			lvl := ""
			if a, _ := cat.Action(name); a != nil {
				lvl = a.AccessLevel
			}
			fmt.Fprintf(b, "| `%s` | %s |\n", name, lvl)
		}
		b.WriteString("\n")
		writeScope(b, r)
		return
	}
	for _, name := range r.Actions {
		a, _ := cat.Action(name)
		fmt.Fprintf(b, "%s `%s`", level, name)
		if r.Effect != "Allow" {
			fmt.Fprintf(b, " (%s)", r.Effect)
		}
		b.WriteString("\n\n")
		if a != nil {
			fmt.Fprintf(b, "%s. Access level: %s.\n\n", strings.TrimSuffix(a.Description, "."), a.AccessLevel)
		}
		writeScope(b, r)
	}
}

func writeScope(b *bytes.Buffer, r analyze.SummaryRow) {
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

func policyJSON(p *policy.Policy) []byte { return []byte(p.String()) }
