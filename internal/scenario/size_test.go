package scenario_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/israce"
	"github.com/wardhq/ward/internal/scenario"
)

// manyScenarios is a scenario file of n scenarios, each with a policy.
func manyScenarios(n int) []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"name": "s%d", "request": {"principal": "arn:aws:iam::111111111111:user/u%d", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/%d"},
  "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}],
  "expect": "Allowed"}`, i, i, i)
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

// bytesAllocated is the heap Parse allocates reading data.
func bytesAllocated(t *testing.T, data []byte) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ss, err := scenario.Parse(data, "many.json")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) == 0 {
		t.Fatal("no scenarios read")
	}
	return after.TotalAlloc - before.TotalAlloc
}

// Reading a file of many scenarios costs in proportion to its size: four
// times the scenarios, about four times the memory, not sixteen (each
// policy once re-indexed the whole file's lines). Memory stands in for
// time, which tests do not measure.
func TestParseIsLinearInFileSize(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector changes allocation")
	}
	small := bytesAllocated(t, manyScenarios(500))
	large := bytesAllocated(t, manyScenarios(2000))
	if ratio := float64(large) / float64(small); ratio > 6 {
		t.Errorf("4x the scenarios allocated %.1fx the memory (%d vs %d bytes): reading is not linear", ratio, large, small)
	}
}

func BenchmarkParseManyScenarios(b *testing.B) {
	data := manyScenarios(2000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scenario.Parse(data, "many.json"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIdentityQuotaByPrincipal: a scenario's identity policies are held to
// the quota their principal allows (IdentityQuota), the rule ward sim's
// flags follow too: a user's to a managed policy's 6,144 characters, a
// role session's to a role's inline 10,240.
func TestIdentityQuotaByPrincipal(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":[` +
		strings.TrimSuffix(strings.Repeat(`"arn:aws:s3:::bucket/some-key-name",`, 220), ",") + `]}]}` // about 7,500 characters
	for principal, refused := range map[string]bool{
		"arn:aws:iam::111111111111:user/alice":               true,
		"arn:aws:sts::111111111111:federated-user/fed":       true,
		"arn:aws:sts::111111111111:assumed-role/app/session": false,
		"arn:aws:iam::111111111111:role/app":                 false,
	} {
		src := `{"name": "q", "request": {"principal": "` + principal + `", "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/some-key-name"},
  "identityPolicies": [` + doc + `], "expect": "Allowed"}`
		_, err := scenario.Parse([]byte(src), "q.json")
		if got := err != nil && strings.Contains(err.Error(), "LimitExceeded"); got != refused {
			t.Errorf("%s: err %v, want refused %v", principal, err, refused)
		}
	}
}
