package scenario_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/scenario"
)

// TestCorpus decides ward's own decision corpus, testdata/corpus: cases
// written from AWS's documentation, each citing the page it comes from.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("../../testdata/corpus/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no corpus files")
	}
	total := 0
	names := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ss, err := scenario.Parse(data, filepath.Base(f))
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, s := range ss {
			total++
			if prev, dup := names[s.Name]; dup {
				t.Errorf("%s: scenario name %q is also used in %s", f, s.Name, prev)
			}
			names[s.Name] = filepath.Base(f)
			if !strings.HasPrefix(s.Source, "https://docs.aws.amazon.com/") {
				t.Errorf("%s: %q cites no AWS documentation page (source)", f, s.Name)
			}
			if s.Expect == 0 {
				t.Errorf("%s: %q has no expect", f, s.Name)
				continue
			}
			o, err := s.Decide()
			if err != nil {
				t.Errorf("%s: %q: %v", f, s.Name, err)
				continue
			}
			if !o.OK() {
				var b strings.Builder
				o.WriteText(&b)
				t.Errorf("%s: %s", filepath.Base(f), b.String())
			}
		}
	}
	t.Logf("%d corpus scenarios in %d files", total, len(files))
	if total < 200 {
		t.Errorf("the corpus has %d scenarios; it should keep at least 200", total)
	}
}
