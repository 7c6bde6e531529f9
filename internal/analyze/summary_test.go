package analyze_test

import (
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
