// Package policytest makes policies for tests.
package policytest

import (
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/policy"
)

// OfSize is an identity policy document of exactly size characters
// without whitespace (size at least 120), which IAM's quotas count.
func OfSize(t testing.TB, size int) string {
	t.Helper()
	for n := max(size-120, 0); n <= size; n++ {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/` + strings.Repeat("k", n) + `"}]}`
		p, err := policy.Parse([]byte(doc), "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Size == size {
			return doc
		}
	}
	t.Fatalf("no policy of %d characters", size)
	return ""
}
