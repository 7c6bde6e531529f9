package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestAttackRoleWithPathSessionEvadesDeny: the role target trusts the
// account but denies sessions of role /svc/deploy. A session of deploy
// (whose ARN, assumed-role/deploy/ci, shows no path) must still be denied:
// ward serve knows the role's path and gives the engine the role's full
// ARN. A second role trusting only /svc/deploy lets those sessions in.
func TestAttackRoleWithPathSessionEvadesDeny(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	_, opsSTS := limitedUser(t, ts.URL, root, "ops", assumeAnything)
	const deployARN = "arn:aws:iam::123456789012:role/svc/deploy"
	trustRoot := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(trustRoot)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(assumeAnything)}); err != nil {
		t.Fatal(err)
	}
	guarded := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"},
		{"Effect":"Deny","Principal":{"AWS":"` + deployARN + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("guarded"), AssumeRolePolicyDocument: aws.String(guarded)}); err != nil {
		t.Fatal(err)
	}
	onlyDeploy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + deployARN + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("next"), AssumeRolePolicyDocument: aws.String(onlyDeploy)}); err != nil {
		t.Fatal(err)
	}
	out, err := opsSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(deployARN), RoleSessionName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	_, deploySTS := clients(ts.URL, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if _, err := deploySTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/guarded"), RoleSessionName: aws.String("hop")}); apiCode(err) != "AccessDenied" {
		t.Errorf("a deploy session assuming a role whose trust denies role/svc/deploy: %v, want AccessDenied", err)
	}
	if _, err := deploySTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/next"), RoleSessionName: aws.String("hop")}); err != nil {
		t.Errorf("a deploy session assuming a role that trusts role/svc/deploy: %v", err)
	}
}
