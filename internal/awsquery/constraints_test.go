package awsquery_test

import (
	"testing"

	"github.com/wardhq/ward/internal/awsquery"
)

// TestGoPatternSupplementary: the references' five- and six-digit escapes
// name code points beyond the Basic Multilingual Plane; four-digit ones
// are read as four digits whatever follows.
func TestGoPatternSupplementary(t *testing.T) {
	for in, want := range map[string]string{
		`[\uE000-\uFFFD\u10000-\u10FFFF]+`: `[\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}]+`,
		`[\u0020-\u00FF]+`:                 `[\x{0020}-\x{00FF}]+`,
		`\u00410`:                          `\x{0041}0`,
		`[\w+=,.@-]*`:                      `[\w+=,.@-]*`,
	} {
		if got := awsquery.GoPattern(in); got != want {
			t.Errorf("GoPattern(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestShapeAndLocation(t *testing.T) {
	shape, list, n := awsquery.ParamShape("Tags.member.2.Key")
	if shape != "Tags.member.Key" || list != "Tags" || n != "2" {
		t.Errorf("ParamShape: %q %q %q", shape, list, n)
	}
	if got := awsquery.Location("Tags.member.2.Key"); got != "tags.2.member.key" {
		t.Errorf("Location: %q", got)
	}
	if got := awsquery.Location("RoleSessionName"); got != "roleSessionName" {
		t.Errorf("Location: %q", got)
	}
}

// TestRulesCheck: a table of constraints, one for every action and one
// for a particular action, checked as AWS reports failures: every one,
// in the order of the parameters' names, quoting values when asked.
func TestRulesCheck(t *testing.T) {
	rules, err := awsquery.NewRules(map[string]*awsquery.Constraint{
		"Name":          {MinLen: 1, MaxLen: 8, Pattern: `[a-z]+`},
		"Make.Name":     {MinLen: 1, MaxLen: 4, Pattern: `[a-z]+`},
		"Count":         {Number: true, Min: 1, Max: 10},
		"Kind":          {Enum: []string{"a", "b"}},
		"Tags":          {MaxItems: 2},
		"Tags.member.K": {MinLen: 1, MaxLen: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		op    string
		p     awsquery.Params
		quote bool
		want  string // "" when it passes
	}{
		{"Get", awsquery.Params{"Name": {"abcdef"}}, false, ""},
		{"Make", awsquery.Params{"Name": {"abcdef"}}, false, "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 4"},
		{"Get", awsquery.Params{"Count": {"11"}, "Kind": {"c"}}, true, "2 validation errors detected: Value '11' at 'count' failed to satisfy constraint: Member must have value less than or equal to 10; " +
			"Value 'c' at 'kind' failed to satisfy constraint: Member must satisfy enum value set: [a, b]"},
		{"Get", awsquery.Params{"Tags.member.1.K": {"a"}, "Tags.member.2.K": {"b"}, "Tags.member.3.K": {"cdef"}}, false,
			"2 validation errors detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 2; " +
				"Value at 'tags.3.member.k' failed to satisfy constraint: Member must have length less than or equal to 3"},
		{"Get", awsquery.Params{"Name": {"AB"}}, false, "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+"},
	} {
		e := rules.Check(tc.op, tc.p, tc.quote)
		got := ""
		if e != nil {
			got = e.Message
		}
		if got != tc.want {
			t.Errorf("%s %v:\n got %s\nwant %s", tc.op, tc.p, got, tc.want)
		}
	}
	if _, err := awsquery.NewRules(map[string]*awsquery.Constraint{"X": {Pattern: `(`}}); err == nil {
		t.Error("a pattern that does not compile was accepted")
	}
}
