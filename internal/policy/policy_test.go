package policy_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/golden"
	"github.com/wardhq/ward/internal/policy"
)

// kindOf reads the policy kind from a test file name: NAME.KIND.json.
func kindOf(t *testing.T, file string) (policy.Kind, bool) {
	parts := strings.Split(strings.TrimSuffix(filepath.Base(file), ".json"), ".")
	if len(parts) < 2 {
		return 0, false
	}
	k, err := policy.ParseKindName(parts[len(parts)-1])
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return k, true
}

func parseFile(t *testing.T, file string) (*policy.Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(file)
	if k, ok := kindOf(t, file); ok {
		return policy.ParseKind(data, name, k)
	}
	return policy.Parse(data, name)
}

// TestInvalid checks the errors for each document in testdata/invalid
// against its .err golden file: every error must name where it is.
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := parseFile(t, f)
			if err == nil {
				t.Fatal("no error for an invalid policy")
			}
			var list policy.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, not an ErrorList", err)
			}
			for _, e := range list {
				if e.Line == 0 || e.File == "" {
					t.Errorf("error without a location: %v", e)
				}
			}
			golden.Check(t, strings.TrimSuffix(f, ".json")+".err", []byte(err.Error()+"\n"))
		})
	}
}

// TestValid parses each valid document, prints it in canonical form (a
// golden file), and checks that the printed form parses to the same policy.
func TestValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.json")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := parseFile(t, f)
			if err != nil {
				t.Fatal(err)
			}
			printed := p.String()
			golden.Check(t, strings.TrimSuffix(f, ".json")+".golden", []byte(printed))
			again, err := policy.Parse([]byte(printed), "printed")
			if err != nil {
				t.Fatalf("printed form does not parse: %v", err)
			}
			if again.String() != printed {
				t.Errorf("printing is not stable:\n%s\nthen\n%s", printed, again.String())
			}
		})
	}
}

func TestSize(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want int
	}{
		{"whitespace outside strings is free", `{ "Statement" : [ ] }`, len(`{"Statement":[]}`)},
		{"whitespace inside strings counts", `{"Id": "a b", "Statement": []}`, len(`{"Id":"a b","Statement":[]}`)},
		{"escaped quote stays in the string", `{"Id": "a\" b", "Statement": []}`, len(`{"Id":"a\" b","Statement":[]}`)},
		{"newlines and tabs", "{\n\t\"Statement\":\n\t[]\n}", len(`{"Statement":[]}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(tt.doc), "")
			if err != nil {
				t.Fatal(err)
			}
			if p.Size != tt.want {
				t.Errorf("Size = %d, want %d", p.Size, tt.want)
			}
		})
	}
}

func TestParseOperator(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"StringEquals", "StringEquals", true},
		{"stringequals", "StringEquals", true},
		{"StringLikeIfExists", "StringLikeIfExists", true},
		{"ForAnyValue:StringLike", "ForAnyValue:StringLike", true},
		{"forallvalues:ArnNotLikeIfExists", "ForAllValues:ArnNotLikeIfExists", true},
		{"NullIfExists", "", false},
		{"Null", "Null", true},
		{"ForSomeValues:StringLike", "", false},
		{"IfExists", "", false},
		{"StringEqualz", "", false},
		{"DateGreaterThanEqualsIfExists", "DateGreaterThanEqualsIfExists", true},
	}
	for _, tt := range tests {
		op, ok := policy.ParseOperator(tt.in)
		if ok != tt.ok || (ok && op.String() != tt.want) {
			t.Errorf("ParseOperator(%q) = %q, %v; want %q, %v", tt.in, op.String(), ok, tt.want, tt.ok)
		}
	}
}

func TestStatementForms(t *testing.T) {
	p, err := policy.Parse([]byte(`{"Statement": {"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["a", "b"]}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if !p.StatementIsObject || len(p.Statements) != 1 {
		t.Fatalf("statement object not kept: %+v", p)
	}
	s := p.Statements[0]
	if s.Path != "Statement" || s.Effect != policy.Deny {
		t.Errorf("path %q effect %v", s.Path, s.Effect)
	}
	acts, not := s.Actions()
	if !not || acts.Items[0] != "iam:*" || !acts.Single {
		t.Errorf("NotAction = %+v, %v", acts, not)
	}
	res, not := s.Resources()
	if !not || len(res.Items) != 2 || res.Single {
		t.Errorf("NotResource = %+v, %v", res, not)
	}
	if p.EffectiveVersion() != policy.Version2008 || p.SupportsVariables() {
		t.Errorf("a policy without Version is 2008-10-17 without variables")
	}
}
