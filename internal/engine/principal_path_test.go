package engine_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/engine"
)

// A role's session ARN drops the role's path (assumed-role/deploy/ci for
// role/svc/deploy), so a policy naming the role by its full ARN can only
// be compared with the session when the request says the role's ARN in
// aws:PrincipalArn, as AWS sets it.
func TestSessionOfRoleWithPath(t *testing.T) {
	const session = "arn:aws:sts::111111111111:assumed-role/deploy/ci"
	const role = "arn:aws:iam::111111111111:role/svc/deploy"
	bucket := func(effect string) *engine.Compiled {
		return compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"`+effect+`","Principal":{"AWS":"`+role+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
	}
	allowAll := compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	req := func(ctx map[string][]string) engine.Request {
		return engine.Request{Principal: session, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx}
	}
	withRole := map[string][]string{"aws:PrincipalArn": {role}}

	tests := []struct {
		name        string
		ps          engine.Policies
		ctx         map[string][]string
		want        engine.Result
		wantMissing bool
	}{
		{"allow names the role, path given", engine.Policies{Resource: bucket("Allow")}, withRole, engine.Allowed, false},
		{"deny names the role, path given", engine.Policies{Identity: []*engine.Compiled{allowAll}, Resource: bucket("Deny")}, withRole, engine.ExplicitDeny, false},
		{"allow names the role, path unknown", engine.Policies{Resource: bucket("Allow")}, nil, engine.ImplicitDeny, true},
		{"deny names the role, path unknown", engine.Policies{Identity: []*engine.Compiled{allowAll}, Resource: bucket("Deny")}, nil, engine.Allowed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, tt.ps, req(tt.ctx))
			if d.Result != tt.want {
				t.Errorf("result %v, want %v", d.Result, tt.want)
			}
			if got := slices.Contains(d.Missing, "aws:PrincipalArn"); got != tt.wantMissing {
				t.Errorf("Missing = %v; want aws:PrincipalArn listed: %v", d.Missing, tt.wantMissing)
			}
		})
	}
}

// The derived aws:PrincipalArn of a session whose request gives the role's
// ARN is that ARN, path included, and a NotPrincipal naming the role
// exempts the session.
func TestSessionRoleFromPrincipalArn(t *testing.T) {
	const session = "arn:aws:sts::111111111111:assumed-role/deploy/ci"
	const role = "arn:aws:iam::111111111111:role/svc/deploy"
	r := engine.Request{Principal: session, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k",
		Context: map[string][]string{"aws:PrincipalArn": {role}}}
	p, err := r.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	if p.Caller.RoleARN != role {
		t.Errorf("RoleARN = %q, want %q", p.Caller.RoleARN, role)
	}
	// AWS evaluates the session as the session, its role and its account
	// (NotPrincipal); the role identity is the one with the path.
	allow := compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	for roleListed, want := range map[string]engine.Result{
		role:                                    engine.Allowed,
		"arn:aws:iam::111111111111:role/deploy": engine.ExplicitDeny,
	} {
		deny := compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["`+session+`","`+roleListed+`","arn:aws:iam::111111111111:root"]},"Action":"s3:*","Resource":"*"}]}`)
		if d := decide(t, engine.Policies{Identity: []*engine.Compiled{allow}, Resource: deny}, r); d.Result != want {
			t.Errorf("NotPrincipal listing %s: %v, want %v", roleListed, d.Result, want)
		}
	}
	// Preparing the same Prepared again without the key forgets the path.
	r.Context = nil
	if err := r.PrepareInto(p); err != nil {
		t.Fatal(err)
	}
	if p.Caller.RoleARN != "arn:aws:iam::111111111111:role/deploy" {
		t.Errorf("RoleARN after re-preparing without aws:PrincipalArn = %q", p.Caller.RoleARN)
	}
}

// An aws:PrincipalArn that is not the session's role contradicts the
// request: it is refused, not silently used or ignored.
func TestSessionPrincipalArnContradiction(t *testing.T) {
	for _, v := range [][]string{
		{"arn:aws:iam::111111111111:role/svc/other"},
		{"arn:aws:iam::222222222222:role/deploy"},
		{"arn:aws:iam::111111111111:user/deploy"},
		{"arn:aws:iam::111111111111:role/deploy", "arn:aws:iam::111111111111:role/svc/deploy"},
	} {
		r := engine.Request{Principal: "arn:aws:sts::111111111111:assumed-role/deploy/ci", Action: "s3:GetObject", Resource: "*",
			Context: map[string][]string{"aws:PrincipalArn": v}}
		_, err := r.Prepare()
		if err == nil || !strings.Contains(err.Error(), "aws:PrincipalArn") {
			t.Errorf("aws:PrincipalArn %v: err = %v, want a refusal naming the key", v, err)
		}
	}
}
