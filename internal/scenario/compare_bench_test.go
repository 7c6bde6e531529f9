package scenario_test

import (
	"os"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/scenario"
)

// compareScenarios is the scenario file shared with the iam-simulate side
// of the speed comparison (bench/compare/run.sh).
const compareScenarios = "../../bench/compare/scenarios.json"

func loadCompareScenarios(tb testing.TB) []*scenario.Scenario {
	tb.Helper()
	data, err := os.ReadFile(compareScenarios)
	if err != nil {
		tb.Fatal(err)
	}
	ss, err := scenario.Parse(data, "bench/compare/scenarios.json")
	if err != nil {
		tb.Fatal(err)
	}
	if len(ss) == 0 {
		tb.Fatal("no scenarios in " + compareScenarios)
	}
	return ss
}

// TestCompareScenariosExpectations keeps the comparison's scenario file
// honest: every scenario states what it expects, and ward agrees.
func TestCompareScenariosExpectations(t *testing.T) {
	for _, s := range loadCompareScenarios(t) {
		if s.Expect == 0 {
			t.Errorf("%q has no expect", s.Label())
			continue
		}
		o, err := s.Decide()
		if err != nil {
			t.Errorf("%q: %v", s.Label(), err)
			continue
		}
		if !o.OK() {
			var b strings.Builder
			o.WriteText(&b)
			t.Error(b.String())
		}
	}
}

// BenchmarkCompareScenarios is ward's side of bench/compare/run.sh: the
// policies are compiled and indexed and the requests prepared once, and
// the loop only decides, every scenario once per iteration.
func BenchmarkCompareScenarios(b *testing.B) {
	ss := loadCompareScenarios(b)
	type prepared struct {
		set    *engine.Set
		req    *engine.Prepared
		expect engine.Result
		name   string
	}
	cases := make([]prepared, len(ss))
	for i, s := range ss {
		set, err := engine.NewSet(s.Policies)
		if err != nil {
			b.Fatalf("%q: %v", s.Label(), err)
		}
		req, err := s.Request.Prepare()
		if err != nil {
			b.Fatalf("%q: %v", s.Label(), err)
		}
		cases[i] = prepared{set: set, req: req, expect: s.Expect, name: s.Label()}
	}
	d := &engine.Decision{}
	// Check the answers once, which also grows d's slices to fit.
	for _, c := range cases {
		c.set.DecideInto(c.req, d)
		if c.expect != 0 && d.Result != c.expect {
			b.Fatalf("%q: decided %s, expected %s", c.name, d.Result, c.expect)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range cases {
			cases[i].set.DecideInto(cases[i].req, d)
		}
	}
	if b.N > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cases)), "ns/decision")
	}
}
