package reason

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/wardhq/ward/internal/policy"
)

// TestWalkMemoryIsBounded is the attack of a pull request whose policy is
// written to make the walk of its resource patterns explode, on the CI
// machine that runs ward diff on it. The answer says it is not exact, and
// the walk stays within its memory bound.
func TestWalkMemoryIsBounded(t *testing.T) {
	c := cat(t)
	// Patterns of one service, each in a statement of its own so none is
	// interchangeable with another, each with stars between literals:
	// the product of their automata has more states than any bound.
	var stmts []any
	for i := 0; i < 400; i++ {
		stmts = append(stmts, map[string]any{"Effect": "Allow", "Action": "s3:GetObject",
			"Resource": fmt.Sprintf("arn:aws:s3:::*%c*%c%d*", 'a'+i%26, 'a'+(i/26)%26, i%10)})
	}
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	p, err := policy.ParseKind(doc, "p", policy.KindIdentity, policy.SkipSizeLimit)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := Compare(Side{Name: "old", Identity: []*policy.Policy{p}}, Side{Name: "new", Identity: []*policy.Policy{p}}, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if d.Exact() {
		t.Errorf("an exploding walk is said to be exact")
	}
	// Unbounded, this question allocated 2.6 GB; bounded, about 340 MB.
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<30 {
		t.Errorf("the question allocated %d MB", grown>>20)
	}
}
