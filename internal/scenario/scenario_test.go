package scenario_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/golden"
	"github.com/wardhq/ward/internal/scenario"
)

// TestInvalidScenarios checks that each broken scenario file is refused
// with errors that name the file, line:column, scenario and JSON path,
// against testdata/invalid/*.err.
func TestInvalidScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = scenario.Parse(data, filepath.Base(f))
			if err == nil {
				t.Fatal("no error")
			}
			golden.Check(t, strings.TrimSuffix(f, ".json")+".err", []byte(err.Error()+"\n"))
		})
	}
}

func TestParseForms(t *testing.T) {
	// A single object, a policy given as a JSON string, string and list
	// context values, and a missing resource meaning "*".
	doc := `{"request": {"principal": "arn:aws:iam::111111111111:user/alice", "action": "s3:ListAllMyBuckets",
		"context": {"aws:TagKeys": ["a", "b"], "aws:SecureTransport": true}},
		"identityPolicies": ["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:List*\",\"Resource\":\"*\"}}"],
		"sessionPolicy": [], "serviceControlPolicies": [[]], "expect": "ImplicitDeny", "expectDecidedBy": "serviceControlPolicy"}`
	ss, err := scenario.Parse([]byte(doc), "inline")
	if err != nil {
		t.Fatal(err)
	}
	s := ss[0]
	if s.Request.Resource != "*" || len(s.Request.Context["aws:TagKeys"]) != 2 || s.Request.Context["aws:SecureTransport"][0] != "true" {
		t.Errorf("request = %+v", s.Request)
	}
	if s.Policies.Session == nil || len(s.Policies.Session) != 0 {
		t.Errorf("an empty session policy list is present and empty: %#v", s.Policies.Session)
	}
	o, err := s.Decide()
	if err != nil {
		t.Fatal(err)
	}
	if !o.OK() || o.Decision.Result != engine.ImplicitDeny {
		t.Errorf("an empty SCP level allows nothing: %v by %v", o.Decision.Result, o.Decision.DecidedBy)
	}
	if s.Label() != "inline[0]" {
		t.Errorf("label of an unnamed scenario = %q", s.Label())
	}
}

// FuzzParseScenario: no input makes the reader or the decision panic.
func FuzzParseScenario(f *testing.F) {
	for _, g := range []string{"testdata/invalid/*.json", "../../examples/*.json", "../../testdata/corpus/1*.json"} {
		files, _ := filepath.Glob(g)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil && len(data) < 64<<10 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ss, err := scenario.Parse(data, "fuzz")
		if err != nil {
			if ss != nil {
				t.Fatal("scenarios returned with an error")
			}
			return
		}
		for _, s := range ss {
			o, err := s.Decide()
			if err != nil {
				continue
			}
			var b bytes.Buffer
			if err := o.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if err := o.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
		}
	})
}
