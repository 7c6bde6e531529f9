package analyze_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/israce"
)

// checkAllocates is the heap that reading and checking a file allocates.
// Memory stands in for time, which tests do not measure.
func checkAllocates(t *testing.T, c *catalog.Catalog, name string, data []byte) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f := inputs.Read(name, data, 0)
	fs := analyze.CheckFile(f, c, nil)
	runtime.ReadMemStats(&after)
	if len(f.Docs) == 0 || len(fs) == 0 {
		t.Fatalf("%s: %d documents, %d findings: nothing was checked", name, len(f.Docs), len(fs))
	}
	return after.TotalAlloc - before.TotalAlloc
}

// bigPolicy is a policy of n statements over distinct buckets and tables,
// one in ten repeating an earlier one under a wildcard, so the redundant
// statement check has work to do.
func bigPolicy(n int) []byte {
	var stmts []any
	for i := 0; i < n; i++ {
		res := []string{fmt.Sprintf("arn:aws:s3:::bucket-%d/prefix/*", i), fmt.Sprintf("arn:aws:dynamodb:us-east-1:111111111111:table/t%d", i)}
		if i%10 == 9 {
			res = []string{fmt.Sprintf("arn:aws:s3:::bucket-%d/*", i-1)}
		}
		stmts = append(stmts, map[string]any{"Sid": fmt.Sprintf("S%d", i), "Effect": "Allow",
			"Action": []string{"s3:GetObject", "s3:PutObject", "dynamodb:Query"}, "Resource": res})
	}
	data, _ := json.MarshalIndent(map[string]any{"Version": "2012-10-17", "Statement": stmts}, "", "  ")
	return data
}

// Checking a policy costs in proportion to its size: four times the
// statements, about four times the memory, not sixteen (every statement
// was once compared with every other).
func TestCheckIsLinearInPolicySize(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector changes allocation")
	}
	c := cat(t)
	small := checkAllocates(t, c, "small.json", bigPolicy(500))
	large := checkAllocates(t, c, "large.json", bigPolicy(2000))
	if ratio := float64(large) / float64(small); ratio > 6 {
		t.Errorf("4x the statements allocated %.1fx the memory (%d vs %d bytes): checking is not linear", ratio, large, small)
	}
}

// An administrator's statement ("Action": "*", reaching every action in
// the catalog) costs about what any other statement does: an account
// where one statement in ten is one checks in about the memory of the
// same account without them (each once cost milliseconds and megabytes).
func TestAdminStatementsCostLikeOthers(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector changes allocation")
	}
	c := cat(t)
	plain := checkAllocates(t, c, "plain.json", inputs.SampleAdminAccount(400, 100, 300, 0, 3))
	admin := checkAllocates(t, c, "admin.json", inputs.SampleAdminAccount(400, 100, 300, 10, 3))
	if ratio := float64(admin) / float64(plain); ratio > 2 {
		t.Errorf("the account with administrator statements allocated %.1fx the memory (%d vs %d bytes)", ratio, admin, plain)
	}
}
