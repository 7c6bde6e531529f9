package analyze_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
)

// sarifSample is the SARIF of every code's bad example.
func sarifSample(t *testing.T) []byte {
	c := cat(t)
	var files []analyze.FileFindings
	for _, info := range analyze.Codes() {
		name := "policies/" + info.Code + ".json"
		files = append(files, analyze.FileFindings{File: name, Findings: analyze.Check([]byte(info.Bad), name, info.Kind, c)})
	}
	var b bytes.Buffer
	if err := analyze.WriteSARIF(&b, "test", files); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSARIFShape checks what code scanning relies on: every result names
// a rule by ID and index, has a level, a message and a location.
func TestSARIFShape(t *testing.T) {
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string
						HelpURI string `json:"helpUri"`
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(sarifSample(t), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	for _, rule := range run.Tool.Driver.Rules {
		// Each rule links to its page, which exists.
		if rule.HelpURI != analyze.FindingDocURL(rule.ID) {
			t.Errorf("rule %s: helpUri %q", rule.ID, rule.HelpURI)
		}
		if _, err := os.Stat(filepath.Join("../../docs/findings", rule.ID+".md")); err != nil {
			t.Errorf("rule %s links to a page that does not exist: %v", rule.ID, err)
		}
	}
	if len(run.Results) < len(analyze.Codes()) {
		t.Errorf("%d results for %d bad examples", len(run.Results), len(analyze.Codes()))
	}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d (%s)", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		if r.Level != "error" && r.Level != "warning" && r.Level != "note" {
			t.Errorf("level %q", r.Level)
		}
		if r.Message.Text == "" || len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
			t.Errorf("result without message or location: %+v", r)
		}
		if reg := r.Locations[0].PhysicalLocation.Region; reg == nil || reg.StartLine < 1 {
			t.Errorf("%s: no region", r.RuleID)
		}
	}
}

// TestSARIFSchema validates the SARIF against the SARIF 2.1.0 JSON schema
// with a JSON Schema validator (ajv). CI installs the validator and names
// its node_modules folder in WARD_SARIF_VALIDATOR.
func TestSARIFSchema(t *testing.T) {
	modules := os.Getenv("WARD_SARIF_VALIDATOR")
	if modules == "" {
		t.Skip("WARD_SARIF_VALIDATOR is not set; CI sets it to a node_modules with ajv-draft-04, ajv-formats and @microsoft/jest-sarif")
	}
	file := filepath.Join(t.TempDir(), "ward.sarif")
	if err := os.WriteFile(file, sarifSample(t), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "../../scripts/validate-sarif.mjs", file)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("SARIF does not validate: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
