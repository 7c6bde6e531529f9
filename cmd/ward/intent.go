package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/intent"
	"github.com/wardhq/ward/internal/policy"
)

// generateFromTemplate is ward generate --template: a role's identity and
// trust policies from its intent, each checked by ward check. It exits 1
// when the check finds a warning or worse in them, so a template that
// asks for too much fails in CI as the policy would.
func generateFromTemplate(path, format string, cat *catalog.Catalog, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "ward generate: %v\n", err)
		return exitInvalid
	}
	t, err := intent.Read(path, data)
	if err != nil {
		fmt.Fprintf(stderr, "ward generate: %v\n", err)
		return exitInvalid
	}
	res, err := intent.Build(t, cat)
	if err != nil {
		fmt.Fprintf(stderr, "ward generate: %v\n", err)
		return exitInvalid
	}
	var findings []analyze.Finding
	for _, d := range []struct {
		name string
		p    *policy.Policy
		kind policy.Kind
	}{{"identity policy", res.Identity, policy.KindIdentity}, {"trust policy", res.Trust, policy.KindTrust}} {
		if d.p == nil {
			continue
		}
		f := inputs.Read(t.Role+" "+d.name, []byte(d.p.String()), d.kind)
		findings = append(findings, analyze.CheckFile(f, cat, nil)...)
	}
	serious := analyze.Count(findings, analyze.Warning)
	switch format {
	case "policy":
		if res.Identity == nil {
			fmt.Fprintf(stderr, "ward generate: %s asks for no permission\n", path)
			return exitInvalid
		}
		fmt.Fprint(stdout, res.Identity.String())
	case "trust":
		fmt.Fprint(stdout, res.Trust.String())
	case "cloudformation":
		if err := writeRoleTemplate(stdout, t, res); err != nil {
			fmt.Fprintf(stderr, "ward generate: %v\n", err)
			return exitInvalid
		}
	case "json":
		out := map[string]any{"role": res.Role, "trustPolicy": json.RawMessage(res.Trust.String()), "notes": res.Notes}
		if res.Path != "" {
			out["path"] = res.Path
		}
		if res.Identity != nil {
			out["identityPolicy"] = json.RawMessage(res.Identity.String())
		}
		var list []map[string]any
		for _, fd := range findings {
			list = append(list, map[string]any{"file": fd.File, "severity": fd.Severity.String(), "code": fd.Code, "message": fd.Message, "path": fd.Path})
		}
		out["findings"] = list
		if out["notes"] == nil || len(res.Notes) == 0 {
			out["notes"] = []intent.Note{}
		}
		if list == nil {
			out["findings"] = []any{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	default:
		where := ""
		if res.Path != "" {
			where = " (path " + res.Path + ")"
		}
		fmt.Fprintf(stdout, "# role %s%s, from %s\n\n", res.Role, where, path)
		if res.Identity != nil {
			fmt.Fprintf(stdout, "Identity policy:\n\n%s\n", res.Identity.String())
		} else {
			fmt.Fprint(stdout, "Identity policy: none (the template asks for no permission)\n\n")
		}
		fmt.Fprintf(stdout, "Trust policy:\n\n%s\n", res.Trust.String())
		if len(res.Notes) > 0 {
			fmt.Fprintln(stdout, "Asked for and not granted:")
			for _, n := range res.Notes {
				list := n.Actions
				more := ""
				if len(list) > 8 {
					list, more = list[:8], fmt.Sprintf(" and %d more (--format json lists them)", len(n.Actions)-8)
				}
				fmt.Fprintf(stdout, "- %s:%d: %s: %s%s\n", path, n.Line, n.Text, strings.Join(list, ", "), more)
			}
			fmt.Fprintln(stdout)
		}
		if len(findings) == 0 {
			fmt.Fprintln(stdout, "ward check: no findings")
		}
		for _, fd := range findings {
			fmt.Fprintf(stdout, "ward check: %s: %s %s at %s: %s\n", fd.File, fd.Severity, fd.Code, fd.Path, fd.Message)
		}
	}
	if serious > 0 {
		return exitFindings
	}
	return exitOK
}

// writeRoleTemplate writes the role as a CloudFormation template (JSON,
// which CloudFormation reads as it reads YAML): one AWS::IAM::Role with
// its trust policy and its identity policy inline, ready to deploy or to
// paste into a stack.
func writeRoleTemplate(w io.Writer, t *intent.Template, res *intent.Result) error {
	props := map[string]any{"RoleName": res.Role, "AssumeRolePolicyDocument": json.RawMessage(res.Trust.String())}
	if res.Path != "" {
		props["Path"] = res.Path
	}
	if t.Description != "" {
		props["Description"] = t.Description
	}
	if res.Identity != nil {
		props["Policies"] = []any{map[string]any{"PolicyName": res.Role + "-policy", "PolicyDocument": json.RawMessage(res.Identity.String())}}
	}
	description := "The role " + res.Role + ", written by ward generate --template from " + t.File
	doc := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              description,
		"Resources":                map[string]any{logicalID(res.Role): map[string]any{"Type": "AWS::IAM::Role", "Properties": props}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// logicalID is a CloudFormation logical ID for a role name: its letters
// and digits (IDs are alphanumeric), "Role" when none are left.
func logicalID(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "Role"
	}
	return b.String()
}
