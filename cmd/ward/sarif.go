package main

import (
	"io"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/reason"
)

// The rules of ward diff's SARIF log: access a change adds, a security
// result at the statement that grants it, and access it removes, a note.
var diffRules = []analyze.SARIFRule{
	{ID: "access-added", Title: "The change allows requests the old version did not", Level: "warning", Security: true,
		Why:     "Every request the new policies allow and the old ones do not, decided over every action, resource and condition; the result's witness is one such request, decided by the engine on both sides.",
		Fix:     "narrow the statement to what the change means to grant, or accept the new access in review",
		HelpURI: "https://github.com/wardhq/ward/blob/main/docs/reasoning.md"},
	{ID: "access-removed", Title: "The change no longer allows requests the old version did", Level: "note",
		Why:     "Requests the old policies allowed and the new ones do not: a caller that made them is refused after the change.",
		Fix:     "check that nothing in use needs the removed access (ward generate --current compares with what was called)",
		HelpURI: "https://github.com/wardhq/ward/blob/main/docs/reasoning.md"},
}

// writeDiffSARIF writes each change as a result: access added at the new
// side's granting statement, access removed at the new file.
func writeDiffSARIF(w io.Writer, results []diffResult, cat *catalog.Catalog) error {
	var out []analyze.SARIFResult
	for _, r := range results {
		for _, set := range []struct {
			rule    string
			changes []reason.Change
		}{{"access-added", r.diff.Added}, {"access-removed", r.diff.Removed}} {
			for _, ch := range set.changes {
				verb, gainSide := "allows now: ", r.new
				if set.rule == "access-removed" {
					verb, gainSide = "no longer allows: ", r.old
				}
				example := ch.Witness.String()
				if r.diff.Owner != "" {
					example += " " + fromText(ch)
				}
				msg := verb + describeChange(ch, cat) + ", for example " + example + "; " + decidedText(gainSide, ch.Gains)
				if !ch.Proven {
					msg += " (possibly: see the notes of ward diff)"
				}
				res := analyze.SARIFResult{RuleID: set.rule, Level: "warning", Message: msg, File: r.new}
				if set.rule == "access-removed" {
					res.Level = "note"
				} else if len(ch.Gains.Statements) > 0 {
					locateStatement(&res, r.sides[1], ch.Gains.Statements[0])
				}
				out = append(out, res)
			}
		}
	}
	return analyze.WriteSARIFLog(w, version, diffRules, out)
}

// The rule of ward prove's SARIF log: a question that fails, at the
// statement that grants what the question forbids.
var proveRules = []analyze.SARIFRule{
	{ID: "prove-fail", Title: "The policy allows what the question says it never does", Level: "warning", Security: true,
		Why:     "ward prove decides the question over every action, resource, principal and condition; the result's witness is a request the engine allows against it.",
		Fix:     "narrow the statement, add a Deny, or change the question if the access is meant",
		HelpURI: "https://github.com/wardhq/ward/blob/main/docs/reasoning.md"},
}

// writeProveSARIF writes each failing answer's requests as results at the
// statements that allow them.
func writeProveSARIF(w io.Writer, answers []proveAnswer, cat *catalog.Catalog) error {
	var out []analyze.SARIFResult
	for _, a := range answers {
		for _, ch := range append(append([]reason.Change(nil), a.Fail...), a.Missing...) {
			msg := "FAIL: " + a.Question + ": " + describeChange(ch, cat) + ", for example " + ch.Witness.String()
			if a.Outside {
				msg += " " + fromText(ch)
			}
			res := analyze.SARIFResult{RuleID: "prove-fail", Level: "warning", Message: msg, File: a.Subject.Name}
			if len(ch.Gains.Statements) > 0 {
				locateStatement(&res, a.Subject, ch.Gains.Statements[0])
			}
			out = append(out, res)
		}
	}
	return analyze.WriteSARIFLog(w, version, proveRules, out)
}

// locateStatement places a result at the statement an answer names: its
// file, line and column.
func locateStatement(res *analyze.SARIFResult, side reason.Side, ref reason.StatementRef) {
	pols, name := side.Identity, func(i int) string { return reason.PolicyName(side, i) }
	if side.Resource != nil {
		pols, name = []*policy.Policy{side.Resource}, func(int) string { return side.Name }
	}
	for _, g := range side.Governed {
		if g.Name == ref.Policy {
			pols, name = []*policy.Policy{g.Policy}, func(int) string { return g.Name }
		}
	}
	for i, p := range pols {
		if name(i) != ref.Policy || ref.Statement < 0 || ref.Statement >= len(p.Statements) {
			continue
		}
		off := p.Statements[ref.Statement].Offset
		res.Line, res.Col = p.Position(off)
		if _, el, ec := p.Span(off); el > res.Line || el == res.Line && ec > res.Col {
			res.EndLine, res.EndCol = el, ec
		}
		if p.File != "" {
			res.File = p.File
		}
		return
	}
}
