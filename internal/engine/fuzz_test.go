package engine_test

import (
	"testing"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// FuzzDecide: any policy and request that parse can be decided without a
// panic; the answer is the same every time; and a policy that denies
// everything turns any answer into an explicit deny (GetCallerIdentity
// aside, which AWS never denies).
func FuzzDecide(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
		"arn:aws:iam::111111111111:user/alice", "s3:GetObject", "arn:aws:s3:::b/alice/k", "aws:SourceIp", "10.0.0.1")
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","NotAction":"iam:*","Resource":"*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":"a*"}}}}`,
		"anonymous", "sqs:SendMessage", "arn:aws:sqs:us-east-1:111111111111:q", "aws:TagKeys", "ab")
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["111111111111"]},"Action":"kms:*","Resource":"*","Condition":{"NumericLessThan":{"k":"1.5"},"IpAddress":{"aws:SourceIp":"::1/128"}}}]}`,
		"arn:aws:sts::111111111111:assumed-role/r/s", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/1", "k", "1")
	deny := engine.Compile(mustParse(f, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`), "deny")
	f.Fuzz(func(t *testing.T, doc, principal, action, resource, key, value string) {
		p, err := policy.Parse([]byte(doc), "fuzz")
		if err != nil {
			return
		}
		c := engine.Compile(p, "fuzz")
		req := engine.Request{Principal: principal, Action: action, Resource: resource, Context: map[string][]string{key: {value}}}
		prep, err := req.Prepare()
		if err != nil {
			return
		}
		for _, ps := range []engine.Policies{
			{Identity: []*engine.Compiled{c}},
			{Resource: c},
			{Identity: []*engine.Compiled{c}, Boundary: c, Session: []*engine.Compiled{c}, Resource: c, SCPs: [][]*engine.Compiled{{c}}, RCPs: [][]*engine.Compiled{{c}}, VPCEndpoint: c},
		} {
			set, err := engine.NewSet(ps)
			if err != nil {
				t.Fatal(err)
			}
			a, b := set.Decide(prep), set.Decide(prep)
			if a.Result != b.Result || a.DecidedBy != b.DecidedBy || len(a.Matched()) != len(b.Matched()) || a.Message() != b.Message() {
				t.Fatalf("two answers: %v/%v and %v/%v", a.Result, a.DecidedBy, b.Result, b.DecidedBy)
			}
			if a.Result == 0 {
				t.Fatal("no result")
			}
			ps.Resource = deny
			ps.Identity = append(ps.Identity, deny)
			set, _ = engine.NewSet(ps)
			if d := set.Decide(prep); d.Result != engine.ExplicitDeny && !(d.Result == engine.Allowed && d.DecidedBy == engine.TypeNone) {
				t.Fatalf("a deny-everything policy did not deny: %v by %v", d.Result, d.DecidedBy)
			}
		}
	})
}

func mustParse(tb testing.TB, doc string) *policy.Policy {
	p, err := policy.Parse([]byte(doc), "test")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
