package analyze_test

import (
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/policy"
)

// FuzzCheck: no document makes the analyzer panic, whatever its kind, and
// every finding has a code the table documents and a severity.
func FuzzCheck(f *testing.F) {
	for _, c := range analyze.Codes() {
		if len(c.Bad) < 4096 {
			f.Add([]byte(c.Bad), uint8(c.Kind))
			f.Add([]byte(c.Good), uint8(c.Kind))
		}
	}
	known := map[string]bool{}
	for _, c := range analyze.Codes() {
		known[c.Code] = true
	}
	cat := cat(f)
	f.Fuzz(func(t *testing.T, doc []byte, kind uint8) {
		k := policy.Kind(kind%8 + 1)
		for _, fd := range analyze.Check(doc, "fuzz.json", k, cat) {
			if !known[fd.Code] || fd.Severity == 0 {
				t.Fatalf("finding with an undocumented code or no severity: %+v", fd)
			}
		}
	})
}
