package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestAttackInlineQuotaMessages: the policy that takes a user, group or
// role past its inline quota (2,048, 5,120, 10,240 characters for all its
// inline policies) is refused with IAM's own error, LimitExceeded,
// "Maximum policy size of N bytes exceeded for KIND NAME", and the
// entity keeps what it had; exactly at the quota is accepted.
func TestAttackInlineQuotaMessages(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	// Each entity's Put*Policy, as a form: PutUserPolicy&UserName=bob...
	names := map[string]string{"user": "User=bob", "group": "Group=ops", "role": "Role=app"}
	put := func(kind, policyName string, size int) (int, string) {
		entity, name, _ := strings.Cut(names[kind], "=")
		form := url.Values{"Action": {"Put" + entity + "Policy"}, "Version": {"2010-05-08"}, entity + "Name": {name},
			"PolicyName": {policyName}, "PolicyDocument": {sizedPolicy(t, size)}}
		return rawCall(t, ts.URL, id, secret, "iam", "", form.Encode())
	}
	for _, tc := range []struct {
		kind          string
		quota         int
		first, second int // the second takes the entity one over the quota
		message       string
	}{
		{"user", 2048, 1048, 1001, "Maximum policy size of 2048 bytes exceeded for user bob"},
		{"group", 5120, 3120, 2001, "Maximum policy size of 5120 bytes exceeded for group ops"},
		{"role", 10240, 7824, 2417, "Maximum policy size of 10240 bytes exceeded for role app"},
	} {
		if status, body := put(tc.kind, "first", tc.first); status != 200 {
			t.Fatalf("%s: %d %s", tc.kind, status, body)
		}
		status, body := put(tc.kind, "second", tc.second)
		if want := "<Code>LimitExceeded</Code><Message>" + tc.message + "</Message>"; status != 409 || !strings.Contains(body, want) {
			t.Errorf("%s one over the quota: %d %s, want 409 %s", tc.kind, status, body, want)
		}
		if status, body := put(tc.kind, "second", tc.second-1); status != 200 {
			t.Errorf("%s exactly at the quota: %d %s", tc.kind, status, body)
		}
	}
	if out, err := root.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("bob")}); err != nil || len(out.PolicyNames) != 2 {
		t.Errorf("bob's policies: %v %v", out, err)
	}
}
