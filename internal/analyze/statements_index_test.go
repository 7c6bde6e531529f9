package analyze

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wardhq/ward/internal/policy"
)

// TestCoverIndexFindsEveryCoveringStatement compares the index against
// every pair of statements, on random policies whose patterns are drawn
// from a few overlapping ones so that statements often cover each other:
// the index may return extra candidates, never miss one.
func TestCoverIndexFindsEveryCoveringStatement(t *testing.T) {
	actions := []string{"*", "s3:*", "s3:Get*", "s3:GetObject", "S3:getobject", "s3:Get?bject", "s3:PutObject", "sqs:*", "sqs:SendMessage", "s?s:SendMessage", ""}
	resources := []string{"*", "arn:aws:s3:::*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k", "arn:aws:s3:::b/?", "arn:aws:s3:::b*", "arn:aws:sqs:*:*:q", "arn:aws:sqs:us-east-1:111111111111:q", "?rn:aws:s3:::b/k", ""}
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(from []string) []string {
		n := 1 + r.IntN(3)
		out := make([]string, n)
		for i := range out {
			out[i] = from[r.IntN(len(from))]
		}
		return out
	}
	found := 0
	for round := 0; round < 300; round++ {
		var stmts []map[string]any
		for k := 0; k < 2+r.IntN(12); k++ {
			stmts = append(stmts, map[string]any{"Effect": "Allow", "Action": pick(actions), "Resource": pick(resources)})
		}
		doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
		p, err := policy.Parse(doc, "p.json")
		if err != nil {
			t.Fatal(err)
		}
		idx := newCoverIndex(p.Statements)
		for i, s := range p.Statements {
			if !plain(s) {
				continue
			}
			cands := idx.candidates(s)
			for j, u := range p.Statements {
				if i == j || !plain(u) {
					continue
				}
				covers := valuesCovered(u.Action.Items, s.Action.Items, true) && valuesCovered(u.Resource.Items, s.Resource.Items, false)
				if covers {
					found++
					if !slices.Contains(cands, j) {
						t.Fatalf("round %d: statement %d covers statement %d but the index does not offer it (candidates %v)\n%s", round, j, i, cands, doc)
					}
				}
			}
		}
	}
	if found < 100 {
		t.Fatalf("only %d covering pairs in the random policies: the test does not exercise the index", found)
	}
	t.Logf("%d covering pairs checked", found)
}
