package ward_test

import (
	"os"
	"strings"
	"testing"

	"github.com/wardhq/ward"
	"github.com/wardhq/ward/internal/israce"
)

func chatSet(t testing.TB) *ward.PolicySet {
	t.Helper()
	p, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [
		{"Sid": "Tables", "Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:*:*:table/Chat-*"},
		{"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"}]}`), ward.KindIdentity, "ChatTables")
	if err != nil {
		t.Fatal(err)
	}
	set, err := ward.NewPolicySet(ward.Policies{Identity: []*ward.Policy{p}})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestPublicAPI: what the public types say is what the engine decided:
// result, deciding policy type, the matched statement with its location,
// and AWS's message; an empty SCP level given as such still allows
// nothing.
func TestPublicAPI(t *testing.T) {
	set := chatSet(t)
	decide := func(action string) *ward.Decision {
		req, err := (&ward.Request{Principal: "arn:aws:sts::111111111111:assumed-role/chat/w", Action: action,
			Resource: "arn:aws:dynamodb:us-east-1:111111111111:table/Chat-prod"}).Prepare()
		if err != nil {
			t.Fatal(err)
		}
		return set.Decide(req)
	}
	d := decide("dynamodb:Query")
	if d.Result() != ward.Allowed || d.DecidedBy().String() != "identityPolicy" || d.Message() != "" {
		t.Errorf("Query: %v by %v, %q", d.Result(), d.DecidedBy(), d.Message())
	}
	if m := d.Matched(); len(m) != 1 || m[0].Sid != "Tables" || m[0].Path != "Statement[0]" || m[0].Effect != "Allow" || m[0].Policy != "ChatTables" || m[0].Level != -1 {
		t.Errorf("Query matched %+v", m)
	}
	d = decide("dynamodb:DeleteTable")
	if m := d.Matched(); d.Result() != ward.ExplicitDeny || len(m) != 1 || m[0].Sid != "NoDeletes" || m[0].Effect != "Deny" {
		t.Errorf("DeleteTable: %v %+v", d.Result(), m)
	}
	if d.Message() == "" {
		t.Error("a denied decision has no message")
	}
	empty, err := ward.NewPolicySet(ward.Policies{Identity: []*ward.Policy{}, SCPs: [][]*ward.Policy{nil}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := (&ward.Request{Principal: "arn:aws:iam::111111111111:user/a", Action: "s3:ListBucket", Resource: "*"}).Prepare()
	if d := empty.Decide(req); d.Result() != ward.ImplicitDeny || d.DecidedBy().String() != "serviceControlPolicy" {
		t.Errorf("an empty SCP level: %v by %v", d.Result(), d.DecidedBy())
	}
}

// TestDecideIntoAllocatesNothing: the hot path of an embedding service,
// preparing into a reused PreparedRequest, deciding into a reused
// Decision and reading its matches into a reused slice, allocates
// nothing through the public API.
func TestDecideIntoAllocatesNothing(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector allocates: counts are checked without it")
	}
	set := chatSet(t)
	var (
		prepared ward.PreparedRequest
		decision ward.Decision
		matches  []ward.Match
	)
	req := ward.Request{Principal: "arn:aws:sts::111111111111:assumed-role/chat/w", Action: "dynamodb:Query",
		Resource: "arn:aws:dynamodb:us-east-1:111111111111:table/Chat-prod"}
	run := func() {
		if err := req.PrepareInto(&prepared); err != nil {
			t.Fatal(err)
		}
		set.DecideInto(&prepared, &decision)
		matches = decision.AppendMatched(matches[:0])
	}
	run()
	if allocs := testing.AllocsPerRun(200, run); allocs != 0 {
		t.Errorf("%v allocations a decision, want 0", allocs)
	}
	if len(matches) != 1 {
		t.Errorf("matches %+v", matches)
	}
}

func BenchmarkDecideInto(b *testing.B) {
	set := chatSet(b)
	var (
		prepared ward.PreparedRequest
		decision ward.Decision
	)
	req := ward.Request{Principal: "arn:aws:sts::111111111111:assumed-role/chat/w", Action: "dynamodb:Query",
		Resource: "arn:aws:dynamodb:us-east-1:111111111111:table/Chat-prod"}
	b.ReportAllocs()
	for b.Loop() {
		if err := req.PrepareInto(&prepared); err != nil {
			b.Fatal(err)
		}
		set.DecideInto(&prepared, &decision)
	}
}

// TestREADMEEmbeddingIsTheExample: every line of the README's Embedding
// code is a line of Example, so the README shows code that compiles and
// runs with the output the example checks.
func TestREADMEEmbeddingIsTheExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "## Embedding\n\n```go\n")
	if !ok {
		t.Fatal("README has no Embedding section with Go code")
	}
	code, _, _ := strings.Cut(rest, "```")
	lines := map[string]bool{}
	for _, l := range strings.Split(string(example), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	n := 0
	for _, l := range strings.Split(code, "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		n++
		if !lines[l] {
			t.Errorf("README line %q is not in example_test.go", l)
		}
	}
	if n < 5 {
		t.Errorf("the README's Embedding code has %d lines", n)
	}
}
