package policy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wardhq/ward/internal/policy"
)

// FuzzParsePolicy: parsing never panics; a document that parses prints to
// a form that parses back to the same printed form (the meaning is kept),
// and validation never panics for any kind.
func FuzzParsePolicy(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"k":["${aws:username}","${x, 'd'}"]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Parse(data, "fuzz")
		if err != nil {
			return
		}
		for k := policy.KindIdentity; k <= policy.KindVPCEndpoint; k++ {
			_ = p.Validate(k)
		}
		printed := p.String()
		again, err := policy.Parse([]byte(printed), "printed")
		if err != nil {
			t.Fatalf("printed form does not parse: %v\n%s", err, printed)
		}
		if again.String() != printed {
			t.Fatalf("print is not stable:\n%s\n%s", printed, again.String())
		}
		if len(again.Statements) != len(p.Statements) {
			t.Fatalf("statement count changed: %d then %d", len(p.Statements), len(again.Statements))
		}
	})
}
