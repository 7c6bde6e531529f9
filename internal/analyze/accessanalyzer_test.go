package analyze_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
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
