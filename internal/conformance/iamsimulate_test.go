package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// The third-party case format (see the README beside the cases).
type extCase struct {
	Name    string `json:"name"`
	Request struct {
		Action    string          `json:"action"`
		Principal json.RawMessage `json:"principal"`
		Resource  struct {
			Resource  string `json:"resource"`
			AccountID string `json:"accountId"`
		} `json:"resource"`
		Context            map[string]json.RawMessage `json:"context"`
		WildcardOnlyAction *bool                      `json:"wildcardOnlyAction"`
	} `json:"request"`
	IdentityPolicies        []json.RawMessage `json:"identityPolicies"`
	PermissionBoundaries    []json.RawMessage `json:"permissionBoundaries"`
	SessionPolicy           json.RawMessage   `json:"sessionPolicy"`
	ResourcePolicy          json.RawMessage   `json:"resourcePolicy"`
	EndpointPolicies        []json.RawMessage `json:"endpointPolicies"`
	ServiceControlPolicies  []extOrgLevel     `json:"serviceControlPolicies"`
	ResourceControlPolicies []extOrgLevel     `json:"resourceControlPolicies"`
	Simulation              *struct {
		Mode string `json:"mode"`
	} `json:"simulation"`
	Expected struct {
		Response string `json:"response"`
	} `json:"expected"`
}

type extOrgLevel struct {
	Policies []json.RawMessage `json:"policies"`
}

var extResults = map[string]engine.Result{
	"Allowed":          engine.Allowed,
	"ImplicitlyDenied": engine.ImplicitDeny,
	"ExplicitlyDenied": engine.ExplicitDeny,
}

// outcome of one case.
type outcome struct {
	file, name string
	want       engine.Result
	got        string // a Result name, or "error: ..." when ward could not decide
}

func TestIAMSimulateConformance(t *testing.T) {
	dir := os.Getenv("WARD_CONFORMANCE_DIR")
	if dir == "" {
		t.Skip("WARD_CONFORMANCE_DIR is not set; CI sets it to the iam-simulate cases")
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no case files under %s", dir)
	}
	var results []outcome
	skipped := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases []extCase
		if err := json.Unmarshal(data, &cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel(dir, f)
		for _, c := range cases {
			if c.Simulation != nil && c.Simulation.Mode != "" && c.Simulation.Mode != "Strict" {
				skipped++ // Discovery mode is that tool's own, not AWS behaviour
				continue
			}
			if c.Request.WildcardOnlyAction != nil {
				skipped++ // a simulator-only feature
				continue
			}
			want, ok := extResults[c.Expected.Response]
			if !ok {
				t.Fatalf("%s: %q: unknown expected response %q", rel, c.Name, c.Expected.Response)
			}
			results = append(results, outcome{file: filepath.ToSlash(rel), name: c.Name, want: want, got: decideExt(&c)})
		}
	}

	listed := readDisagreements(t)
	agree := 0
	var unlisted []string
	seen := map[string]bool{}
	for _, r := range results {
		key := r.file + "\x00" + r.name
		if r.got == r.want.String() {
			agree++
			if _, ok := listed[key]; ok {
				t.Errorf("docs/conformance.md lists %s %q as a disagreement, but ward now answers %s as the case expects: remove the row", r.file, r.name, r.got)
			}
			continue
		}
		seen[key] = true
		if row, ok := listed[key]; !ok {
			unlisted = append(unlisted, fmt.Sprintf("| `%s` | %s | %s | %s | ... |", r.file, r.name, r.got, r.want))
		} else if row.ward != r.got {
			t.Errorf("docs/conformance.md says ward answers %s for %s %q, but it answers %s", row.ward, r.file, r.name, r.got)
		}
	}
	for key := range listed {
		if !seen[key] {
			if !containsCase(results, key) {
				t.Errorf("docs/conformance.md lists %q, which is not a strict case in %s", strings.ReplaceAll(key, "\x00", " "), dir)
			}
		}
	}
	if len(unlisted) > 0 {
		t.Errorf("%d disagreements are not explained in docs/conformance.md:\n%s", len(unlisted), strings.Join(unlisted, "\n"))
	}
	pct := 100 * float64(agree) / float64(len(results))
	t.Logf("iam-simulate strict cases: %d, ward agrees on %d (%.1f%%), %d listed disagreements; %d discovery-mode or simulator-only cases skipped",
		len(results), agree, pct, len(results)-agree, skipped)
	if pct < 97 {
		t.Errorf("agreement %.1f%% is under the required 97%%", pct)
	}
}

func containsCase(results []outcome, key string) bool {
	for _, r := range results {
		if r.file+"\x00"+r.name == key {
			return true
		}
	}
	return false
}

type disagreement struct{ ward, theirs string }

// rowRE reads a row of the disagreements table in docs/conformance.md:
// | `file` | case name | ward's answer | the case's answer | why |
var rowRE = regexp.MustCompile("^\\| `([^`]+)` \\| (.+?) \\| (\\w+|error[^|]*) \\| (\\w+) \\| (.+) \\|$")

func readDisagreements(t *testing.T) map[string]disagreement {
	t.Helper()
	data, err := os.ReadFile("../../docs/conformance.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]disagreement{}
	for _, line := range strings.Split(string(data), "\n") {
		m := rowRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		if strings.TrimSpace(m[5]) == "..." {
			t.Errorf("docs/conformance.md: the row for %q does not say why", m[2])
		}
		out[m[1]+"\x00"+m[2]] = disagreement{ward: m[3], theirs: m[4]}
	}
	return out
}

// decideExt converts a case to ward's inputs and decides it. Policies are
// read with the grammar only, not IAM's acceptance rules: some cases feed
// documents IAM would refuse to store, and the question here is what the
// decision logic makes of them.
func decideExt(c *extCase) string {
	var p engine.Policies
	var err error
	compile := func(raw json.RawMessage, name string) *engine.Compiled {
		if err != nil || len(raw) == 0 || string(raw) == "null" {
			return nil
		}
		pol, perr := policy.Parse(raw, name)
		if perr != nil {
			err = perr
			return nil
		}
		return engine.Compile(pol, name)
	}
	for i, raw := range c.IdentityPolicies {
		p.Identity = append(p.Identity, compile(raw, fmt.Sprintf("identity[%d]", i)))
	}
	switch len(c.PermissionBoundaries) {
	case 0:
	case 1:
		p.Boundary = compile(c.PermissionBoundaries[0], "boundary")
	default:
		return "error: several permissions boundaries"
	}
	if s := compile(c.SessionPolicy, "session"); s != nil {
		p.Session = []*engine.Compiled{s}
	}
	p.Resource = compile(c.ResourcePolicy, "resource")
	switch len(c.EndpointPolicies) {
	case 0:
	case 1:
		p.VPCEndpoint = compile(c.EndpointPolicies[0], "endpoint")
	default:
		return "error: several endpoint policies"
	}
	for i, lv := range c.ServiceControlPolicies {
		level := []*engine.Compiled{}
		for j, raw := range lv.Policies {
			level = append(level, compile(raw, fmt.Sprintf("scp[%d][%d]", i, j)))
		}
		p.SCPs = append(p.SCPs, level)
	}
	for i, lv := range c.ResourceControlPolicies {
		level := []*engine.Compiled{}
		for j, raw := range lv.Policies {
			level = append(level, compile(raw, fmt.Sprintf("rcp[%d][%d]", i, j)))
		}
		p.RCPs = append(p.RCPs, level)
	}
	if err != nil {
		return "error: " + firstLine(err.Error())
	}
	req := engine.Request{
		Action:          c.Request.Action,
		Resource:        c.Request.Resource.Resource,
		ResourceAccount: c.Request.Resource.AccountID,
		Context:         map[string][]string{},
	}
	var principal string
	if json.Unmarshal(c.Request.Principal, &principal) != nil {
		principal = "anonymous" // {"type": "Anonymous"}
	}
	req.Principal = principal
	for k, raw := range c.Request.Context {
		var one string
		var many []string
		switch {
		case json.Unmarshal(raw, &one) == nil:
			req.Context[k] = []string{one}
		case json.Unmarshal(raw, &many) == nil:
			req.Context[k] = many
		default:
			return "error: context value for " + k
		}
	}
	set, err := engine.NewSet(p)
	if err != nil {
		return "error: " + err.Error()
	}
	prep, err := req.Prepare()
	if err != nil {
		return "error: " + err.Error()
	}
	return set.Decide(prep).Result.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
