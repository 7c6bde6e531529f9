package difftest

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// envInt reads a positive count from the environment, else def.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive count", name, v)
	}
	return n
}

// TestGeneratorIsSeeded: the same seed gives the same scenarios, and a
// different seed different ones.
func TestGeneratorIsSeeded(t *testing.T) {
	a, b, c := NewGenerator(7), NewGenerator(7), NewGenerator(8)
	differ := false
	for i := 0; i < 200; i++ {
		sa, sb, sc := a.Scenario().JSON(), b.Scenario().JSON(), c.Scenario().JSON()
		if !bytes.Equal(sa, sb) {
			t.Fatalf("scenario %d differs between two generators with seed 7:\n%s\n%s", i, sa, sb)
		}
		if !bytes.Equal(sa, sc) {
			differ = true
		}
	}
	if !differ {
		t.Error("seeds 7 and 8 gave the same 200 scenarios")
	}
}

// TestGeneratedScenariosAreValid: the scenario reader accepts every
// generated scenario (IAM's acceptance rules for each policy's role),
// and the generator reaches every kind of caller, every answer and every
// kind of policy.
func TestGeneratedScenariosAreValid(t *testing.T) {
	g := NewGenerator(1)
	results := map[string]int{}
	shapes := map[string]int{}
	places := map[string]int{}
	for i := 0; i < 3000; i++ {
		s := g.Scenario()
		a, err := Ward(s)
		if err != nil {
			t.Fatalf("%v\n%s", err, s.Indent())
		}
		results[a.Result]++
		shapes[shapeOf(s.Request.Principal)]++
		for _, p := range s.Policies() {
			places[p.Place]++
		}
	}
	for _, r := range []string{"Allowed", "ExplicitDeny", "ImplicitDeny"} {
		if results[r] < 100 {
			t.Errorf("only %d of 3000 scenarios are %s: %v", results[r], r, results)
		}
	}
	for _, sh := range []string{"user", "path user", "role session", "federated user", "root", "service", "anonymous"} {
		if shapes[sh] < 50 {
			t.Errorf("only %d of 3000 scenarios have a %s caller: %v", shapes[sh], sh, shapes)
		}
	}
	for _, pl := range []string{"identity", "boundary", "session", "resource", "vpcEndpoint", "scp", "rcp"} {
		if places[pl] < 50 {
			t.Errorf("only %d %s policies in 3000 scenarios: %v", places[pl], pl, places)
		}
	}
}

// TestDeterminism decides each generated scenario, then decides it again
// with its policies, statements, list entries and context keys shuffled
// (Shuffle), and requires the same answer and the same deciding policy
// type: IAM gives those orders no meaning.
// WARD_DIFFTEST_DETERMINISM_N sets the number of scenarios.
func TestDeterminism(t *testing.T) {
	n := envInt(t, "WARD_DIFFTEST_DETERMINISM_N", 10000)
	g := NewGenerator(2)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < n; i++ {
		s := g.Scenario()
		want, err := Ward(s)
		if err != nil {
			t.Fatalf("%v\n%s", err, s.Indent())
		}
		for k := 0; k < 3; k++ {
			sh := Shuffle(s, r)
			got, err := Ward(sh)
			if err != nil {
				t.Fatalf("shuffled: %v\n%s", err, sh.Indent())
			}
			if got != want {
				t.Fatalf("%s: %v, but %v once shuffled\noriginal:\n%s\nshuffled:\n%s", s.Name, want, got, s.Indent(), sh.Indent())
			}
		}
	}
}

// TestShuffleChangesOrder keeps TestDeterminism honest: shuffling does
// reorder what it says it does.
func TestShuffleChangesOrder(t *testing.T) {
	g := NewGenerator(5)
	r := rand.New(rand.NewPCG(1, 2))
	changed := 0
	for i := 0; i < 200; i++ {
		s := g.Scenario()
		if !bytes.Equal(Shuffle(s, r).JSON(), s.JSON()) {
			changed++
		}
	}
	if changed < 100 {
		t.Errorf("shuffling changed only %d of 200 scenarios", changed)
	}
}

// TestCausesAreDocumented keeps the table of causes and its mirror in
// docs/conformance.md ("Differential testing") in step: each cause has a
// row with its ID as anchor that cites AWS's documentation or says it is
// silent, and the section has no row for a cause the table lacks.
func TestCausesAreDocumented(t *testing.T) {
	data, err := os.ReadFile("../../docs/conformance.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	start := strings.Index(doc, "\n## Differential testing\n")
	if start < 0 {
		t.Fatal(`docs/conformance.md has no "## Differential testing" section`)
	}
	section := doc[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	rows := map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		const open = `<a id="`
		i := strings.Index(line, open)
		if i < 0 {
			continue
		}
		id, _, ok := strings.Cut(line[i+len(open):], `"`)
		if !ok {
			continue
		}
		if _, dup := rows[id]; dup {
			t.Errorf("docs/conformance.md: two rows for %s", id)
		}
		rows[id] = line
	}
	seen := map[string]bool{}
	for _, c := range Causes {
		if seen[c.ID] {
			t.Errorf("cause %s is in the table twice", c.ID)
		}
		seen[c.ID] = true
		row, ok := rows[c.ID]
		if !ok {
			t.Errorf(`cause %s has no row (<a id="%s"></a>) under "Differential testing" in docs/conformance.md`, c.ID, c.ID)
			continue
		}
		if !strings.Contains(row, "https://docs.aws.amazon.com/") && !strings.Contains(row, "documentation does not say") {
			t.Errorf("docs/conformance.md row %s neither cites a page of AWS's documentation nor says it is silent", c.ID)
		}
	}
	for id := range rows {
		if !seen[id] {
			t.Errorf("docs/conformance.md has a row for %s, which is not in Causes", id)
		}
	}
}
