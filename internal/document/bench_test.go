package document

import (
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
)

// BenchmarkAccountDocuments writes the document of every role and user of
// the sample account (2,000 roles, 500 users, 1,500 customer managed
// policies: 4,000 entities), the input read and checked once.
func BenchmarkAccountDocuments(b *testing.B) {
	cat, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	f := inputs.Read("account.json", inputs.SampleAccount(2000, 500, 1500, 1), 0)
	findings := analyze.CheckFile(f, cat, nil)
	b.ReportAllocs()
	for b.Loop() {
		set := NewSet(f, findings, cat)
		n := 0
		for i := range f.Principals {
			p := &f.Principals[i]
			if p.Kind == "group" {
				continue
			}
			doc, err := set.Principal(p, nil)
			if err != nil {
				b.Fatal(err)
			}
			n += len(doc)
		}
		b.SetBytes(int64(n))
	}
}
