package analyze_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/golden"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/policy"
)

func cat(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func codesOf(fs []analyze.Finding) map[string]bool {
	m := map[string]bool{}
	for _, f := range fs {
		m[f.Code] = true
	}
	return m
}

// TestCodeExamples: each code's bad example triggers it and its
// near-identical good example does not.
func TestCodeExamples(t *testing.T) {
	c := cat(t)
	for _, info := range analyze.Codes() {
		if info.Bad == "" {
			continue // about reading an input: cmd/ward tests it
		}
		t.Run(info.Code, func(t *testing.T) {
			bad := analyze.Check([]byte(info.Bad), "bad.json", info.Kind, c)
			if !codesOf(bad)[info.Code] {
				t.Errorf("the bad example does not trigger %s; findings: %v", info.Code, codesOf(bad))
			}
			good := analyze.Check([]byte(info.Good), "good.json", info.Kind, c)
			if codesOf(good)[info.Code] {
				t.Errorf("the good example triggers %s: %v", info.Code, good)
			}
			for _, f := range good {
				// A good example that does not even read proves nothing.
				if f.Severity == analyze.Error {
					t.Errorf("the good example has an error: %s: %s", f.Code, f.Message)
				}
			}
			for _, f := range bad {
				if f.Code == info.Code && (f.Line == 0 || f.Message == "" || f.Fix == "") {
					t.Errorf("finding without location, message or fix: %+v", f)
				}
			}
		})
	}
}

// TestFindingDocs keeps docs/findings/CODE.md in step with the code table
// and with what ward actually reports for each example.
func TestFindingDocs(t *testing.T) {
	c := cat(t)
	var index strings.Builder
	index.WriteString("# Findings\n\n`ward check` reports these codes. Each page says what the finding means, why it matters, and shows a policy that triggers it next to one that does not; the tests check both examples.\n\n| code | severity | finding |\n|---|---|---|\n")
	for _, info := range analyze.Codes() {
		golden.Check(t, filepath.Join("../../docs/findings", info.Code+".md"), []byte(renderDoc(t, info, c)))
		fmt.Fprintf(&index, "| [%s](%s.md) | %s | %s |\n", info.Code, info.Code, info.Severity, info.Title)
	}
	golden.Check(t, "../../docs/findings/README.md", []byte(index.String()))
}

func renderDoc(t *testing.T, info analyze.CodeInfo, c *catalog.Catalog) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s.\n\n", info.Code, info.Title)
	fmt.Fprintf(&b, "Severity: **%s**", info.Severity)
	if info.Kind != policy.KindIdentity {
		fmt.Fprintf(&b, " (checked in %s policies)", info.Kind)
	}
	if checks := analyze.AccessAnalyzerChecksOf(info.Code); len(checks) > 0 {
		b.WriteString("\n\nIAM Access Analyzer's checks:")
		for _, c := range checks {
			fmt.Fprintf(&b, "\n- %s: `%s` (%s)", c.Title, c.Issue, c.Type)
		}
	}
	fmt.Fprintf(&b, "\n\n## Why it matters\n\n%s\n\n## Fix\n\n%s.\n", info.Why, upperFirst(info.Fix))
	if info.Bad == "" {
		return b.String()
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "## Triggers it\n\n```json\n%s```\n\n", indent(t, info.Bad))
	b.WriteString("`ward check` says:\n\n```\n")
	for _, f := range analyze.Check([]byte(info.Bad), "policy.json", info.Kind, c) {
		if f.Code == info.Code {
			fmt.Fprintf(&b, "policy.json:%d:%d: %s %s: %s\n", f.Line, f.Col, f.Severity, f.Code, f.Message)
		}
	}
	b.WriteString("```\n\n")
	fmt.Fprintf(&b, "## Does not\n\n```json\n%s```\n", indent(t, info.Good))
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func indent(t *testing.T, doc string) string {
	if len(doc) > 2000 {
		return doc[:300] + " ...\n"
	}
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(doc), "", "  "); err != nil {
		t.Fatalf("example is not JSON: %v", err)
	}
	b.WriteByte('\n')
	return b.String()
}

// TestNoFalseAlarms: well-scoped policies get no security warning.
func TestNoFalseAlarms(t *testing.T) {
	c := cat(t)
	for _, doc := range []string{
		`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lex/bot:*"}]}`,
		`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::*:user/${aws:username}"}]}`,
		`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}`,
	} {
		for _, f := range analyze.Check([]byte(doc), "ok.json", policy.KindIdentity, c) {
			if f.Severity <= analyze.SecurityWarning {
				t.Errorf("%s\n  %s: %s", doc, f.Code, f.Message)
			}
		}
	}
}

// TestTwoFormatResourceTypes: a resource type written with two ARN
// formats (Lex V2's bot by ID or by name, API Gateway's stage of an HTTP
// or a REST API) is taken in either; neither is a resource-type mismatch.
func TestTwoFormatResourceTypes(t *testing.T) {
	c := cat(t)
	for _, doc := range []string{
		`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["lex:DescribeBot", "lex:UpdateBotAlias"], "Resource": ["arn:aws:lex:us-east-1:111122223333:bot/SUPPORTBOT1", "arn:aws:lex:us-east-1:111122223333:bot-alias/SUPPORTBOT1/*"]}]}`,
		`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lex:DescribeBot", "Resource": "arn:aws:lex:us-east-1:111122223333:bot:OrderFlowers"}]}`,
		`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "apigateway:GET", "Resource": ["arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod", "arn:aws:apigateway:us-east-1::/apis/d4e5f6/stages/prod"]}]}`,
	} {
		for _, f := range analyze.Check([]byte(doc), "ok.json", policy.KindIdentity, c) {
			if f.Code == "resource-type-mismatch" || f.Severity <= analyze.Warning {
				t.Errorf("%s\n  %s: %s", doc, f.Code, f.Message)
			}
		}
	}
}

// TestManagedPolicies: every AWS managed policy is checked without a
// crash and without an error-level finding.
func TestManagedPolicies(t *testing.T) {
	c := cat(t)
	errs := 0
	for _, arn := range c.ManagedPolicyARNs() {
		mp, err := c.ManagedPolicy(arn)
		if err != nil {
			t.Fatal(err)
		}
		p, err := policy.Parse(mp.Document, arn)
		if err != nil {
			t.Errorf("%s: %v", arn, err)
			continue
		}
		for _, f := range analyze.Analyze(analyze.Document{Policy: p, Kind: policy.KindIdentity, AWSManaged: true}, c) {
			if f.Severity == analyze.Error {
				errs++
				if errs <= 20 {
					t.Errorf("%s: %s %s: %s", arn, f.Path, f.Code, f.Message)
				}
			}
		}
	}
	if errs > 20 {
		t.Errorf("... %d error findings in all", errs)
	}
}

// TestSeeds checks the policies of the seed documents beside the
// repository and compares the findings with testdata/seeds.golden.
func TestSeeds(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/seeds/*.txt")
	if len(files) == 0 {
		t.Skip("the seed documents are not beside the repository (CI has them)")
	}
	c := cat(t)
	var out strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range policyDocs(string(data)) {
			name := fmt.Sprintf("%s#%d", filepath.Base(f), i+1)
			kind := policy.KindIdentity
			if strings.Contains(doc, `"Principal"`) {
				kind = policy.KindTrust
				if !strings.Contains(doc, "sts:AssumeRole") {
					kind = policy.KindResource
				}
			}
			fmt.Fprintf(&out, "== %s (%s)\n", name, kind)
			fs := analyze.Check([]byte(doc), name, kind, c)
			sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity < fs[j].Severity })
			for _, fd := range fs {
				fmt.Fprintf(&out, "%d:%d %s %s: %s\n", fd.Line, fd.Col, fd.Severity, fd.Code, fd.Message)
			}
		}
	}
	golden.Check(t, "testdata/seeds.golden", []byte(out.String()))
}

// policyDocs finds the JSON policy documents in a text: balanced braces
// that contain "Statement".
func policyDocs(text string) []string {
	var out []string
	start := regexp.MustCompile(`\{\s*"(Version|Statement)"`)
	for _, loc := range start.FindAllStringIndex(text, -1) {
		depth, inStr, esc := 0, false, false
		for i := loc[0]; i < len(text); i++ {
			ch := text[i]
			switch {
			case esc:
				esc = false
			case ch == '\\' && inStr:
				esc = true
			case ch == '"':
				inStr = !inStr
			case inStr:
			case ch == '{':
				depth++
			case ch == '}':
				depth--
				if depth == 0 {
					doc := text[loc[0] : i+1]
					if json.Valid([]byte(doc)) && (len(out) == 0 || !strings.Contains(out[len(out)-1], doc)) {
						out = append(out, doc)
					}
					i = len(text)
				}
			}
		}
	}
	return out
}

// BenchmarkCheckManagedPolicies checks all AWS managed policies (1,594,
// some of hundreds of statements): a stand-in for a large account until
// account-wide inputs are read.
func BenchmarkCheckManagedPolicies(b *testing.B) {
	c := cat(b)
	var docs []*policy.Policy
	for _, arn := range c.ManagedPolicyARNs() {
		mp, _ := c.ManagedPolicy(arn)
		p, err := policy.Parse(mp.Document, arn)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, p)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range docs {
			analyze.Analyze(analyze.Document{Policy: p, Kind: policy.KindIdentity, AWSManaged: true}, c)
		}
	}
	b.ReportMetric(float64(len(docs)), "policies")
}

// BenchmarkCheckAccount checks the authorization details of an account of
// 2,000 roles, 500 users and 1,500 customer managed policies: reading the
// file and every check on every policy in it.
func BenchmarkCheckAccount(b *testing.B) {
	c := cat(b)
	data := inputs.SampleAccount(2000, 500, 1500, 1)
	b.ReportAllocs()
	for b.Loop() {
		f := inputs.Read("account.json", data, 0)
		analyze.CheckFile(f, c, nil)
	}
	b.ReportMetric(float64(len(data))/1e6, "MB")
}

// BenchmarkCheckAdminAccount is BenchmarkCheckAccount with one statement
// in ten an administrator's ("Action": "*" or "s3:*" on "*"): the shape
// of real accounts, where each such statement reaches thousands of
// actions.
func BenchmarkCheckAdminAccount(b *testing.B) {
	c := cat(b)
	data := inputs.SampleAdminAccount(2000, 500, 1500, 10, 1)
	b.ReportAllocs()
	for b.Loop() {
		f := inputs.Read("account.json", data, 0)
		analyze.CheckFile(f, c, nil)
	}
	b.ReportMetric(float64(len(data))/1e6, "MB")
}

// TestManagedConditionsCanHold: the conditions of every AWS managed
// policy's statements can hold together, so the reasoning core's
// statement-never-matches reports none of them (a report would be a
// false alarm on policies AWS runs). The core is asked of the statements
// whose condition elements share a key; the count is of those with
// several elements, which bounds them.
func TestManagedConditionsCanHold(t *testing.T) {
	c := cat(t)
	asked := 0
	for _, arn := range c.ManagedPolicyARNs() {
		mp, _ := c.ManagedPolicy(arn)
		p, err := policy.Parse(mp.Document, arn)
		if err != nil {
			continue
		}
		for _, s := range p.Statements {
			if len(s.Conditions) > 1 {
				asked++
			}
		}
		for _, f := range analyze.Analyze(analyze.Document{Policy: p, Kind: policy.KindIdentity, AWSManaged: true}, c) {
			if f.Code == analyze.CodeStatementNeverMatches && strings.Contains(f.Message, "conditions at once") {
				t.Errorf("%s: %s: %s", arn, f.Path, f.Message)
			}
		}
	}
	if asked < 100 {
		t.Errorf("only %d statements with several conditions asked about", asked)
	}
}

// TestContradictoryConditions: a guard whose conditions each read well
// but together hold on no request is reported, with the statement; one
// whose conditions only look alike is not.
func TestContradictoryConditions(t *testing.T) {
	c := cat(t)
	for _, tc := range []struct {
		cond  string
		never bool
	}{
		{`{"StringEquals": {"aws:SourceVpce": "vpce-1a2b"}, "StringLike": {"aws:SourceVpce": "vpce-9*"}}`, true},
		{`{"NumericLessThan": {"s3:max-keys": "5"}, "NumericGreaterThan": {"s3:max-keys": "10"}}`, true},
		{`{"Null": {"aws:SourceVpce": "true"}, "StringEquals": {"aws:SourceVpce": "vpce-1a2b"}}`, true},
		{`{"StringEquals": {"aws:SourceVpce": "vpce-1a2b"}, "StringLike": {"aws:SourceVpce": "vpce-1*"}}`, false},
		{`{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "NotIpAddress": {"aws:SourceIp": "10.1.0.0/16"}}`, false},
	} {
		doc := `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": ` + tc.cond + `}]}`
		found := false
		for _, f := range analyze.Check([]byte(doc), "p.json", policy.KindIdentity, c) {
			if f.Code == analyze.CodeStatementNeverMatches {
				found = true
				if !strings.Contains(f.Message, "no request meets all of its conditions at once") || f.Path != "Statement[0]" {
					t.Errorf("%s: %s %s", tc.cond, f.Path, f.Message)
				}
			}
		}
		if found != tc.never {
			t.Errorf("%s: reported %v, want %v", tc.cond, found, tc.never)
		}
	}
}

// TestRedundantByConditions: a statement whose conditions are stricter
// than another's that grants as much is redundant, however the two are
// written; one whose conditions let in a request the other's do not is
// not.
func TestRedundantByConditions(t *testing.T) {
	c := cat(t)
	for _, tc := range []struct {
		wide, narrow string
		redundant    bool
	}{
		{`{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}`, `{"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}}`, true},
		{`{"StringLike": {"aws:SourceVpce": "vpce-1*"}}`, `{"StringEquals": {"aws:SourceVpce": "vpce-1a2b"}}`, true},
		{`{"NumericLessThan": {"s3:max-keys": "100"}}`, `{"NumericLessThan": {"s3:max-keys": "10"}, "Bool": {"aws:SecureTransport": "true"}}`, true},
		{`{"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}}`, `{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}`, false},
		{`{"StringEquals": {"aws:SourceVpce": "vpce-1a2b"}}`, `{"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b"}}`, false},
		{`{"Bool": {"aws:SecureTransport": "true"}}`, `{"NumericLessThan": {"s3:max-keys": "10"}}`, false},
	} {
		doc := `{"Version": "2012-10-17", "Statement": [
			{"Sid": "Wide", "Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": ` + tc.wide + `},
			{"Sid": "Narrow", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": ` + tc.narrow + `}]}`
		found := false
		for _, f := range analyze.Check([]byte(doc), "p.json", policy.KindIdentity, c) {
			if f.Code == analyze.CodeRedundantStatement {
				found = true
				if f.Path != "Statement[1]" {
					t.Errorf("%s / %s: at %s: %s", tc.wide, tc.narrow, f.Path, f.Message)
				}
			}
		}
		if found != tc.redundant {
			t.Errorf("%s / %s: redundant %v, want %v", tc.wide, tc.narrow, found, tc.redundant)
		}
	}
}
