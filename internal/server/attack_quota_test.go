package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wardhq/ward/internal/policy/policytest"
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
	put := func(kind, policyName string, size int) error {
		doc := aws.String(policytest.OfSize(t, size))
		var err error
		switch kind {
		case "user":
			_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String(policyName), PolicyDocument: doc})
		case "group":
			_, err = root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("ops"), PolicyName: aws.String(policyName), PolicyDocument: doc})
		case "role":
			_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String(policyName), PolicyDocument: doc})
		}
		return err
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
		if err := put(tc.kind, "first", tc.first); err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		err := put(tc.kind, "second", tc.second)
		if apiCode(err) != "LimitExceeded" || apiMessage(err) != tc.message {
			t.Errorf("%s one over the quota: %q %q, want LimitExceeded %q", tc.kind, apiCode(err), apiMessage(err), tc.message)
		}
		if err := put(tc.kind, "second", tc.second-1); err != nil {
			t.Errorf("%s exactly at the quota: %v", tc.kind, err)
		}
	}
	if out, err := root.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("bob")}); err != nil || len(out.PolicyNames) != 2 {
		t.Errorf("bob's policies: %v %v", out, err)
	}
}
