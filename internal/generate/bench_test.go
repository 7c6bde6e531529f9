package generate

import (
	"fmt"
	"testing"

	"github.com/wardhq/ward/internal/activity"
)

// BenchmarkAdd: one call of the selected principal, from its record's
// parameters to the permissions it needed, counted (Decode included: it
// runs for every call generation keeps).
func BenchmarkAdd(b *testing.B) {
	cat := testCatalog(b)
	g := New(cat, Options{Principal: "arn:aws:iam::111122223333:role/app", Generalize: DefaultGeneralize})
	calls := make([]activity.Call, 1000)
	for i := range calls {
		calls[i] = activity.Call{
			Principal: "arn:aws:sts::111122223333:assumed-role/app/s", Entity: "arn:aws:iam::111122223333:role/svc/app",
			Account: "111122223333", Region: "us-east-1", Source: "dynamodb.amazonaws.com", Name: "PutItem",
			RawParameters: []byte(fmt.Sprintf(`{"tableName":"ChatMessage-x7k2-%d","item":{"HIDDEN_DUE_TO_SECURITY_REASONS":true}}`, i%20)),
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := calls[i%len(calls)] // a copy: Decode fills it
		g.Add(&c)
		i++
	}
}

// BenchmarkAddOtherPrincipal: a call of another principal, which
// generation skips without decoding its parameters.
func BenchmarkAddOtherPrincipal(b *testing.B) {
	g := New(testCatalog(b), Options{Principal: "arn:aws:iam::111122223333:role/app"})
	c := activity.Call{Principal: "arn:aws:sts::111122223333:assumed-role/other/s", Entity: "arn:aws:iam::111122223333:role/other",
		Source: "s3.amazonaws.com", Name: "GetObject", RawParameters: []byte(`{"bucketName":"b","key":"k"}`)}
	b.ReportAllocs()
	for b.Loop() {
		g.Add(&c)
	}
}

// BenchmarkResult: the policy for 2,000 distinct permissions, replayed.
func BenchmarkResult(b *testing.B) {
	cat := testCatalog(b)
	g := New(cat, Options{Principal: "arn:aws:iam::111122223333:role/app", Generalize: DefaultGeneralize})
	for i := 0; i < 2000; i++ {
		c := activity.Call{Principal: "arn:aws:sts::111122223333:assumed-role/app/s", Entity: "arn:aws:iam::111122223333:role/app",
			Account: "111122223333", Region: "us-east-1", Source: "s3.amazonaws.com", Name: "GetObject",
			Parameters: map[string]any{"bucketName": "data", "key": fmt.Sprintf("raw/%d/part-%d.parquet", i%7, i)}}
		g.Add(&c)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Result(); err != nil {
			b.Fatal(err)
		}
	}
}
