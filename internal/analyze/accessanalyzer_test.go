package analyze_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/golden"
	"github.com/wardhq/ward/internal/policy"
)

// TestAccessAnalyzerShape: --format access-analyzer writes what
// `aws accessanalyzer validate-policy` returns, so tools built on it read
// ward's answer: issue codes and finding types of the matching checks,
// and locations as path elements and spans.
func TestAccessAnalyzerShape(t *testing.T) {
	c := cat(t)
	doc := `{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjekt"], "Resource": "arn:aws:s3:::b/*"},
  {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": {"StringEquals": {"aws:SourceIpp": "1"}}}]}`
	var b bytes.Buffer
	if err := analyze.WriteAccessAnalyzer(&b, analyze.Check([]byte(doc), "p.json", policy.KindIdentity, c)); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Findings []struct {
			FindingDetails, FindingType, IssueCode, LearnMoreLink string
			Locations                                             []struct {
				Path []map[string]any
				Span struct {
					Start, End struct{ Line, Column, Offset int }
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	byCode := map[string]int{}
	for i, f := range out.Findings {
		byCode[f.IssueCode] = i
		if f.FindingDetails == "" || f.LearnMoreLink == "" || len(f.Locations) != 1 || f.Locations[0].Span.Start.Line == 0 {
			t.Errorf("incomplete finding: %+v", f)
		}
	}
	for code, typ := range map[string]string{"INVALID_ACTION": "ERROR", "PASS_ROLE_WITH_STAR_IN_RESOURCE": "SECURITY_WARNING", "INVALID_GLOBAL_CONDITION_KEY": "ERROR"} {
		i, ok := byCode[code]
		if !ok {
			t.Errorf("no %s finding in %s", code, b.String())
			continue
		}
		if out.Findings[i].FindingType != typ {
			t.Errorf("%s: finding type %s, want %s", code, out.Findings[i].FindingType, typ)
		}
	}
	// The misspelt action: Statement, 0, Action, 1.
	loc := out.Findings[byCode["INVALID_ACTION"]].Locations[0]
	if len(loc.Path) != 4 || loc.Path[0]["value"] != "Statement" || loc.Path[1]["index"] != float64(0) || loc.Path[2]["value"] != "Action" || loc.Path[3]["index"] != float64(1) {
		t.Errorf("path %v", loc.Path)
	}
	if loc.Span.Start.Line != 2 {
		t.Errorf("span %+v", loc.Span)
	}
}

// TestAccessAnalyzerChecks holds the catalogue of Access Analyzer's checks
// to what ward reports: each check ward answers is reported, with its
// issue code, on its example; each it does not answer says why; and the
// page docs/findings/access-analyzer.md lists them all.
func TestAccessAnalyzerChecks(t *testing.T) {
	c := cat(t)
	known := map[string]bool{}
	for _, info := range analyze.Codes() {
		known[info.Code] = true
	}
	issues := map[string]bool{}
	var page strings.Builder
	page.WriteString("# IAM Access Analyzer's checks in ward\n\n" +
		"Every check of Access Analyzer's policy validation (IAM User Guide, \"Access Analyzer policy check reference\"), with the ward finding that reports it. " +
		"ward's findings carry the check's issue code (`issueCode` in `--format json` and `--format access-analyzer`), so suppressions and dashboards written for Access Analyzer keep working. " +
		"The tests check that each example below is reported with its issue code. Where ward decides more exactly than a pattern check can (conditions, Deny, NotAction), its finding's page says so.\n\n")
	answered := 0
	var rows strings.Builder
	for _, chk := range analyze.AccessAnalyzerChecks() {
		if issues[chk.Issue] {
			t.Errorf("%s is listed twice", chk.Issue)
		}
		issues[chk.Issue] = true
		if chk.Code == "" {
			if chk.Note == "" {
				t.Errorf("%s: not answered, and no note says why", chk.Issue)
			}
			fmt.Fprintf(&rows, "| %s | `%s` | %s | — | %s |\n", chk.Title, chk.Issue, chk.Type, chk.Note)
			continue
		}
		answered++
		if !known[chk.Code] {
			t.Errorf("%s: ward code %q does not exist", chk.Issue, chk.Code)
		}
		found := false
		var got []string
		for _, f := range analyze.Check([]byte(chk.Bad), "example.json", chk.Kind, c) {
			got = append(got, f.Code+"/"+f.IssueCode())
			if f.Code == chk.Code && f.IssueCode() == chk.Issue {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the example is not reported as %s with that issue code; got %v\n%s", chk.Issue, chk.Code, got, chk.Bad)
		}
		fmt.Fprintf(&rows, "| %s | `%s` | %s | [%s](%s.md) | |\n", chk.Title, chk.Issue, chk.Type, chk.Code, chk.Code)
	}
	fmt.Fprintf(&page, "ward reports %d of the %d checks.\n\n| check | issue code | type | ward finding | why not |\n|---|---|---|---|---|\n", answered, len(issues))
	page.WriteString(rows.String())
	golden.Check(t, "../../docs/findings/access-analyzer.md", []byte(page.String()))
	// Every issue code a finding can carry is one of the catalogue's.
	for _, info := range analyze.Codes() {
		if info.Bad == "" {
			continue
		}
		for _, f := range analyze.Check([]byte(info.Bad), "bad.json", info.Kind, c) {
			if code := f.IssueCode(); code != "" && !issues[code] {
				t.Errorf("%s carries issue code %s, which is not in the catalogue", f.Code, code)
			}
		}
	}
}
