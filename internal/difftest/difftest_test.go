package difftest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

const script = "../../bench/difftest/iamsimulate.mjs"

// TestDifferential decides WARD_DIFFTEST_N generated scenarios (default
// 20,000; WARD_DIFFTEST_SEED picks the generator's seed) with ward and
// with iam-simulate, minimizes every disagreement and fails on any that
// no documented cause explains, printing it minimized. It needs
// WARD_IAMSIMULATE_DIR, a folder where `npm install
// @cloud-copilot/iam-simulate` ran (scripts/difftest.sh makes one; CI
// sets it).
func TestDifferential(t *testing.T) {
	dir := os.Getenv("WARD_IAMSIMULATE_DIR")
	if dir == "" {
		t.Skip("WARD_IAMSIMULATE_DIR is unset: set it to a folder where `npm install @cloud-copilot/iam-simulate` ran, or run scripts/difftest.sh")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@cloud-copilot", "iam-simulate", "package.json")); err != nil {
		t.Fatalf("WARD_IAMSIMULATE_DIR=%s: no @cloud-copilot/iam-simulate installed there: %v", dir, err)
	}
	cfg := Config{
		Script:  script,
		Dir:     dir,
		TempDir: t.TempDir(),
		N:       envInt(t, "WARD_DIFFTEST_N", 20000),
		Seed:    uint64(envInt(t, "WARD_DIFFTEST_SEED", 1)),
		Workers: max(1, min(runtime.GOMAXPROCS(0), 8)),
	}
	if cfg.N > 100000 {
		cfg.Progress = func(done int, r *Report) {
			t.Logf("%d of %d scenarios: %d agree, %d disagree, %d unexplained", done, cfg.N, r.Agree, r.Disagreements(), len(r.Unexplained))
		}
	}
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep.Summary())
	for i, r := range rep.Refused {
		if i == 5 {
			t.Errorf("... and %d more refused", len(rep.Refused)-5)
			break
		}
		t.Errorf("generated scenario refused (a generator bug): %s\n%s", r.Err, r.Scenario.Indent())
	}
	if file := os.Getenv("WARD_DIFFTEST_DUMP"); file != "" {
		dump(t, file, rep)
	}
	if len(rep.Unexplained) > 0 {
		reportUnexplained(t, rep.Unexplained)
	}
	if rep.Agree == 0 {
		t.Error("the engines agree on no scenario: the comparison is broken")
	}
}

// reportUnexplained prints each distinct minimized disagreement once
// (the first few in full), most frequent first.
func reportUnexplained(t *testing.T, ds []*Disagreement) {
	t.Helper()
	groups := map[string][]*Disagreement{}
	for _, d := range ds {
		k := string(named(d.Scenario, "").JSON()) + d.Ward.Result + d.Sim.Result
		groups[k] = append(groups[k], d)
	}
	var keys []string
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(groups[keys[i]]) > len(groups[keys[j]]) })
	var b strings.Builder
	fmt.Fprintf(&b, "%d disagreements (%d distinct once minimized) that no cause in causes.go explains:\n", len(ds), len(keys))
	for i, k := range keys {
		g := groups[k]
		d := g[0]
		if i == 12 {
			fmt.Fprintf(&b, "... and %d more distinct\n", len(keys)-i)
			break
		}
		fmt.Fprintf(&b, "\n%d like this one: ward says %s (decided by %s), iam-simulate says %s (from %s, %d iam-simulate decisions to minimize):\n%s\n",
			len(g), d.Ward.Result, d.Ward.DecidedBy, d.Sim.Result, d.Original.Name, d.Decisions, d.Scenario.Indent())
	}
	t.Error(b.String())
}

// dump writes the minimized disagreements a report keeps (every
// unexplained one, the first few of each cause) to file, one JSON line
// each with the answers and the cause ("" when none), for study.
func dump(t *testing.T, file string, rep *Report) {
	t.Helper()
	var b strings.Builder
	line := func(cause string, d *Disagreement) {
		fmt.Fprintf(&b, "{\"cause\":%q,\"ward\":%q,\"decidedBy\":%q,\"sim\":%q,\"scenario\":%s}\n",
			cause, d.Ward.Result, d.Ward.DecidedBy, d.Sim.Result, d.Scenario.JSON())
	}
	for id, ds := range rep.Examples {
		for _, d := range ds {
			line(id, d)
		}
	}
	for _, d := range rep.Unexplained {
		line("", d)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}
