package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestReasoningSARIF: the SARIF of ward diff and ward prove names its rules,
// places each access added (each FAIL) at the statement that grants it,
// and validates against the SARIF 2.1.0 schema (CI names the validator in
// WARD_SARIF_VALIDATOR).
func TestReasoningSARIF(t *testing.T) {
	for _, tc := range []struct {
		args []string
		rule string
	}{
		{[]string{"diff", "--format", "sarif", "testdata/diff/lambda-role-scoped.json", "testdata/diff/lambda-role-widened.json"}, "access-added"},
		{[]string{"prove", "--format", "sarif", "--never", "dynamodb:Delete*", "testdata/diff/lambda-role-widened.json"}, "prove-fail"},
		{[]string{"prove", "--format", "sarif", "--not-public", "../../examples/travel-guide/api-permission.json"}, "prove-fail"},
	} {
		t.Run(tc.args[0]+" "+tc.args[3], func(t *testing.T) { checkSARIF(t, tc.args, tc.rule) })
	}
}

func checkSARIF(t *testing.T, args []string, rule string) {
	var stdout, stderr bytes.Buffer
	status := run(args, nil, &stdout, &stderr)
	if status != exitFindings {
		t.Fatalf("exit %d: %s", status, stderr.String())
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Locations []struct {
					PhysicalLocation struct {
						Region *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	added := 0
	for _, r := range log.Runs[0].Results {
		if log.Runs[0].Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d", r.RuleID, r.RuleIndex)
		}
		if r.RuleID == rule {
			added++
			if reg := r.Locations[0].PhysicalLocation.Region; reg == nil || reg.StartLine < 2 {
				t.Errorf("access added is not placed at its statement: %+v", r.Locations)
			}
		}
	}
	if added == 0 {
		t.Fatalf("no %s result in %s", rule, stdout.String())
	}
	modules := os.Getenv("WARD_SARIF_VALIDATOR")
	if modules == "" {
		t.Skip("WARD_SARIF_VALIDATOR is not set; CI sets it to a node_modules with ajv-draft-04, ajv-formats and @microsoft/jest-sarif")
	}
	file := filepath.Join(t.TempDir(), "diff.sarif")
	if err := os.WriteFile(file, stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "../../scripts/validate-sarif.mjs", file)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("SARIF does not validate: %v\n%s", err, out)
	}
}
