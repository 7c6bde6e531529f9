package analyze_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/policy"
)

func TestSummarize(t *testing.T) {
	c := cat(t)
	p, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Action": ["s3:Get*", "s3:ListBucket"], "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
		{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
		{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secret/*"},
		{"Effect": "Allow", "Action": "s3:Frobnicate", "Resource": "*"}]}`), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := analyze.Summarize(p, c)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]analyze.SummaryRow{}
	for _, r := range s.Rows {
		byName[r.Effect+" "+r.Service] = r
	}
	s3 := byName["Allow s3"]
	s3svc, _ := c.Service("s3")
	gets := 0
	for key := range s3svc.Actions {
		if len(key) > 3 && key[:3] == "get" {
			gets++
		}
	}
	if len(s3.Actions) != gets+1 || len(s3.Resources) != 2 || len(s3.Conditions) != 1 {
		t.Errorf("s3 row: %d actions (want %d), %v, %v", len(s3.Actions), gets+1, s3.Resources, s3.Conditions)
	}
	sqs := byName["Allow sqs"]
	if txt := sqs.AccessText(); txt == "" || txt[:5] != "Full:" {
		t.Errorf("sqs:* should read Full: ..., got %q", txt)
	}
	if d := byName["Deny s3"]; len(d.Actions) != 1 || d.Actions[0] != "s3:GetObject" {
		t.Errorf("deny row: %+v", d)
	}
	if u := byName["Allow ?"]; len(u.Actions) != 1 || u.Actions[0] != "s3:Frobnicate" {
		t.Errorf("unknown row: %+v", u)
	}
	if s.Rows[len(s.Rows)-1].Effect != "Deny" {
		t.Errorf("denials come last: %+v", s.Rows[len(s.Rows)-1])
	}
}

// TestSummaryKeepsScopesApart: a service's actions on different resources
// stay in different rows (write here, read there), and a resource or
// trust policy's rows say whom they are for.
func TestSummaryKeepsScopesApart(t *testing.T) {
	c := cat(t)
	p, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::models/*"},
		{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::raw/*"}]}`), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := analyze.Summarize(p, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Rows) != 2 || sum.Rows[0].Resources[0] != "arn:aws:s3:::models/*" || sum.Rows[0].Actions[0] != "s3:PutObject" ||
		sum.Rows[1].Resources[0] != "arn:aws:s3:::raw/*" || sum.Rows[1].Actions[0] != "s3:GetObject" {
		t.Errorf("rows: %+v", sum.Rows)
	}
	trust, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com", "AWS": ["arn:aws:iam::111111111111:root", "222222222222"]}, "Action": "sts:AssumeRole"}]}`), "trust.json")
	if err != nil {
		t.Fatal(err)
	}
	sum, err = analyze.Summarize(trust, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"the service lambda.amazonaws.com", "the account 111111111111", "the account 222222222222"} // in the policy's order
	if len(sum.Rows) != 1 || strings.Join(sum.Rows[0].Principals, "; ") != strings.Join(want, "; ") {
		t.Errorf("trust rows: %+v, want principals %v", sum.Rows, want)
	}
}

// TestSummaryNotActionIsExact: a NotAction row counts the actions it
// grants, every catalog action no pattern matches, and names the services
// it leaves out whole or in part.
func TestSummaryNotActionIsExact(t *testing.T) {
	c := cat(t)
	p, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "NotAction": ["iam:*", "s3:Delete*"], "Resource": "*"}]}`), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := analyze.Summarize(p, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rows) != 1 || s.Rows[0].Service != "*" {
		t.Fatalf("rows %+v", s.Rows)
	}
	r := s.Rows[0]
	all, excluded := 0, 0
	for _, prefix := range c.Prefixes() {
		svc, _ := c.Service(prefix)
		all += len(svc.Actions)
	}
	for _, pat := range []string{"iam:*", "s3:Delete*"} {
		acts, _ := c.Expand(pat)
		excluded += len(acts)
	}
	granted := 0
	for _, l := range r.Levels {
		granted += l.Granted
	}
	if granted != all-excluded {
		t.Errorf("levels count %d granted, want %d (%d actions, %d excluded)", granted, all-excluded, all, excluded)
	}
	s3, _ := c.Service("s3")
	deletes, _ := c.Expand("s3:Delete*")
	iam, _ := c.Service("iam")
	for _, want := range []string{"none of " + iam.Name, fmt.Sprintf("%d of %s's %d", len(s3.Actions)-len(deletes), s3.Name, len(s3.Actions)), "actions AWS adds later"} {
		if !strings.Contains(r.Note, want) {
			t.Errorf("note %q lacks %q", r.Note, want)
		}
	}
}
