package inputs_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/inputs"
)

// describe writes a principal as one line: kind, name, trust, inline and
// managed policies (with the document found for each), boundary, groups.
func describe(f *inputs.File, p *inputs.Principal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", p.Kind, p.Name)
	if p.ARN != "" {
		fmt.Fprintf(&b, " arn=%s", p.ARN)
	}
	if p.Trust >= 0 {
		fmt.Fprintf(&b, " trust=%s", f.Docs[p.Trust].Path)
	}
	for _, d := range p.Inline {
		fmt.Fprintf(&b, " inline=%s", f.Docs[d].Name)
	}
	for _, m := range p.Managed {
		fmt.Fprintf(&b, " managed=%s", m.Name)
		if m.Doc >= 0 {
			fmt.Fprintf(&b, "@%s", f.Docs[m.Doc].Path)
		} else if m.IsAWSManaged() {
			b.WriteString("@aws")
		}
	}
	if p.Boundary != "" {
		fmt.Fprintf(&b, " boundary=%s", p.Boundary)
	}
	if len(p.Groups) > 0 {
		fmt.Fprintf(&b, " groups=%s", strings.Join(p.Groups, ","))
	}
	return b.String()
}

const accountWithPrincipals = `{
  "UserDetailList": [{"UserName": "dev", "Arn": "arn:aws:iam::111122223333:user/dev", "GroupList": ["readers"],
    "UserPolicyList": [{"PolicyName": "own-keys", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::111122223333:user/dev"}]}}],
    "AttachedManagedPolicies": []}],
  "GroupDetailList": [{"GroupName": "readers", "GroupPolicyList": [],
    "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}],
  "RoleDetailList": [{"RoleName": "chat", "Arn": "arn:aws:iam::111122223333:role/service-role/chat", "Path": "/service-role/",
    "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
    "RolePolicyList": [{"PolicyName": "chat-permissions", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::storage-bucket/*"}]}}],
    "AttachedManagedPolicies": [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
      {"PolicyName": "tables", "PolicyArn": "arn:aws:iam::111122223333:policy/tables"}],
    "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/tables"}}],
  "Policies": [{"PolicyName": "tables", "Arn": "arn:aws:iam::111122223333:policy/tables", "DefaultVersionId": "v2",
    "PolicyVersionList": [{"VersionId": "v1", "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}},
      {"VersionId": "v2", "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}}]}]
}`

// TestPrincipals: every input that defines users, groups and roles gives
// each one with its trust policy, its inline policies (however the input
// puts them in) and its managed policies, found by ARN or reference.
func TestPrincipals(t *testing.T) {
	template, err := os.ReadFile("testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := os.ReadFile("testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want []string
	}{
		{"account.json", []byte(accountWithPrincipals), []string{
			"role chat arn=arn:aws:iam::111122223333:role/service-role/chat trust=RoleDetailList[0].AssumeRolePolicyDocument inline=chat-permissions managed=AWSLambdaBasicExecutionRole@aws managed=tables@Policies[0].PolicyVersionList[1].Document boundary=arn:aws:iam::111122223333:policy/tables",
			"user dev arn=arn:aws:iam::111122223333:user/dev inline=own-keys groups=readers",
			"group readers managed=ReadOnlyAccess@aws",
		}},
		{"template.yaml", template, []string{
			"role LexLogsRole trust=Resources.LexLogsRole.Properties.AssumeRolePolicyDocument inline=cloudwatch inline=chat managed=AmazonS3FullAccess@aws",
		}},
		{"plan.json", plan, []string{
			"role lex-logs trust=planned_values.root_module.resources[0].values.assume_role_policy inline=logs managed=AmazonS3FullAccess@aws",
		}},
		{"managed-by-ref.yaml", []byte(`Resources:
  Tables:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: tables
      Users: [!Ref Dev]
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: dynamodb:GetItem, Resource: "*"}]}
  Dev:
    Type: AWS::IAM::User
    Properties:
      UserName: dev
      Path: /svc/
      Groups: [!Ref Readers]
  Readers:
    Type: AWS::IAM::Group
  App:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}]}
      ManagedPolicyArns: [!Ref Tables]
      PermissionsBoundary: arn:aws:iam::111122223333:policy/boundary
`), []string{
			"role App trust=Resources.App.Properties.AssumeRolePolicyDocument managed=tables@Resources.Tables.Properties.PolicyDocument boundary=arn:aws:iam::111122223333:policy/boundary",
			"user dev arn=arn:aws:iam::000000000000:user/svc/dev managed=tables@Resources.Tables.Properties.PolicyDocument groups=${Readers}",
			"group Readers",
		}},
		{"attachments-plan.json", []byte(`{"format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "values": {"name": "app",
      "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}},
    {"address": "aws_iam_policy.tables", "mode": "managed", "type": "aws_iam_policy", "values": {"name": "tables",
      "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"dynamodb:GetItem\",\"Resource\":\"*\"}]}"}},
    {"address": "aws_iam_role_policy_attachment.tables", "mode": "managed", "type": "aws_iam_role_policy_attachment", "values": {"role": "app"}},
    {"address": "aws_iam_role_policy_attachment.logs", "mode": "managed", "type": "aws_iam_role_policy_attachment", "values": {"role": "app",
      "policy_arn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
    {"address": "aws_iam_role_policy_attachment.lost", "mode": "managed", "type": "aws_iam_role_policy_attachment", "values": {"role": "app"}}]}},
  "resource_changes": [{"address": "aws_iam_role_policy_attachment.tables", "change": {"after_unknown": {"policy_arn": true}}}],
  "configuration": {"root_module": {"resources": [
    {"address": "aws_iam_role_policy_attachment.tables", "expressions": {"policy_arn": {"references": ["aws_iam_policy.tables.arn", "aws_iam_policy.tables"]}}}]}}
}`), []string{
			"role app trust=planned_values.root_module.resources[0].values.assume_role_policy managed=tables@planned_values.root_module.resources[1].values.policy managed=AWSLambdaBasicExecutionRole@aws managed=(a policy known only after apply)",
		}},
		{"policy.json", []byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := inputs.Read(c.name, c.data, 0)
			if len(f.Errors) > 0 {
				t.Fatal(f.Errors)
			}
			var got []string
			for i := range f.Principals {
				got = append(got, describe(f, &f.Principals[i]))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("principals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestAttachmentWithoutARN: an attached managed policy without its ARN is
// refused with where it is, not skipped: the principal's document would
// otherwise leave a policy out in silence.
func TestAttachmentWithoutARN(t *testing.T) {
	f := inputs.Read("account.json", []byte(`{"RoleDetailList": [{"RoleName": "r", "AttachedManagedPolicies": [{"PolicyName": "p"}]}]}`), 0)
	if len(f.Errors) != 1 || f.Errors[0].Path != "RoleDetailList[0].AttachedManagedPolicies[0]" || !strings.Contains(f.Errors[0].Msg, "no PolicyArn") {
		t.Fatalf("errors %v", f.Errors)
	}
}
