package analyze

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
)

// sizeFindings checks an input and returns its policy-too-large findings
// as "path: message".
func sizeFindings(t *testing.T, name, src string) []string {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range CheckFile(inputs.Read(name, []byte(src), 0), cat, nil) {
		if f.Code == CodePolicyTooLarge {
			out = append(out, f.Path+": "+f.Message)
		}
	}
	sort.Strings(out)
	return out
}

// quoted is a document as a JSON string, as Terraform plans hold them.
func quoted(doc string) string {
	b, _ := json.Marshal(doc)
	return string(b)
}

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// TestInlinePolicyQuotasInInputs: in every input that says a policy is
// inline, the policy is held to its entity's quota, not a managed
// policy's, and an entity's inline policies are added up, as IAM adds
// them up when each is put: a 7,824-character role policy passes, a
// 2,784-character user policy does not, two user policies of 1,200 are
// over the user's 2,048 together, and an AWS::IAM::Policy put in a user
// and a role is held to the user's quota. Before, inline policies of
// templates and Terraform plans were held to 6,144 each, and none were
// added up.
func TestInlinePolicyQuotasInInputs(t *testing.T) {
	d1200a, d1200b := inlineOfSize(t, 1200), inlineOfSize(t, 1200)
	d2000, d2784, d3000 := inlineOfSize(t, 2000), inlineOfSize(t, 2784), inlineOfSize(t, 3000)
	d5000, d5121, d6000, d7824 := inlineOfSize(t, 5000), inlineOfSize(t, 5121), inlineOfSize(t, 6000), inlineOfSize(t, 7824)
	for _, tc := range []struct {
		name, file, src string
		want            []string // substrings of the findings, in path order
	}{
		{"account details", "details.json", fmt.Sprintf(`{
"UserDetailList":[{"UserName":"bob","UserPolicyList":[{"PolicyName":"a","PolicyDocument":%s},{"PolicyName":"b","PolicyDocument":%s}]}],
"GroupDetailList":[{"GroupName":"ops","GroupPolicyList":[{"PolicyName":"a","PolicyDocument":%s},{"PolicyName":"b","PolicyDocument":%s},{"PolicyName":"c","PolicyDocument":%s}]}],
"RoleDetailList":[{"RoleName":"app","AssumeRolePolicyDocument":%s,"RolePolicyList":[{"PolicyName":"a","PolicyDocument":%s}]}],
"Policies":[]}`, d1200a, d1200b, d2000, d2000, d2000, lambdaTrust, d7824), []string{
			"GroupDetailList[0].GroupPolicyList[2].PolicyDocument: group \"ops\" inline policy \"c\": LimitExceeded: Maximum policy size of 5120 bytes exceeded for group ops: its 3 inline policies have 6000 characters together",
			"UserDetailList[0].UserPolicyList[1].PolicyDocument: user \"bob\" inline policy \"b\": LimitExceeded: Maximum policy size of 2048 bytes exceeded for user bob: its 2 inline policies have 2400 characters together",
		}},
		{"CloudFormation", "template.json", fmt.Sprintf(`{"AWSTemplateFormatVersion":"2010-09-09","Resources":{
"App":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"app","AssumeRolePolicyDocument":%s,"Policies":[{"PolicyName":"a","PolicyDocument":%s}]}},
"AppMore":{"Type":"AWS::IAM::RolePolicy","Properties":{"RoleName":"app","PolicyName":"b","PolicyDocument":%s}},
"Worker":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":%s}},
"WorkerBig":{"Type":"AWS::IAM::RolePolicy","Properties":{"RoleName":{"Ref":"Worker"},"PolicyName":"c","PolicyDocument":%s}},
"Bob":{"Type":"AWS::IAM::User"},
"BobPolicy":{"Type":"AWS::IAM::UserPolicy","Properties":{"UserName":{"Ref":"Bob"},"PolicyName":"d","PolicyDocument":%s}},
"Carol":{"Type":"AWS::IAM::User"},
"Runner":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":%s}},
"Shared":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"e","PolicyDocument":%s,"Users":[{"Ref":"Carol"}],"Roles":[{"Ref":"Runner"}]}},
"Managed":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":%s}}}}`,
			lambdaTrust, d5000, d6000, lambdaTrust, d7824, d2784, lambdaTrust, d3000, d7824), []string{
			"Resources.AppMore.Properties.PolicyDocument: AppMore (AWS::IAM::RolePolicy) PolicyDocument: LimitExceeded: Maximum policy size of 10240 bytes exceeded for role ${App}: its 2 inline policies have 11000 characters together",
			"Resources.BobPolicy.Properties.PolicyDocument: BobPolicy (AWS::IAM::UserPolicy) PolicyDocument: LimitExceeded: Maximum policy size of 2048 bytes exceeded for user: this inline policy has 2784 characters",
			"Resources.Managed.Properties.PolicyDocument: Managed (AWS::IAM::ManagedPolicy) PolicyDocument: LimitExceeded: Cannot exceed quota for PolicySize: 6144 characters (whitespace excluded); this document has 7824",
			"Resources.Shared.Properties.PolicyDocument: Shared (AWS::IAM::Policy) PolicyDocument: LimitExceeded: Maximum policy size of 2048 bytes exceeded for user: this inline policy has 3000 characters",
		}},
		{"Terraform plan", "plan.json", fmt.Sprintf(`{"format_version":"1.2","planned_values":{"root_module":{"resources":[
{"address":"aws_iam_user_policy.a","mode":"managed","type":"aws_iam_user_policy","values":{"user":"bob","name":"a","policy":%s}},
{"address":"aws_iam_user_policy.b","mode":"managed","type":"aws_iam_user_policy","values":{"user":"bob","name":"b","policy":%s}},
{"address":"aws_iam_role_policy.c","mode":"managed","type":"aws_iam_role_policy","values":{"role":"app","name":"c","policy":%s}},
{"address":"aws_iam_group_policy.g","mode":"managed","type":"aws_iam_group_policy","values":{"group":"ops","name":"g","policy":%s}},
{"address":"aws_iam_role.app","mode":"managed","type":"aws_iam_role","values":{"name":"worker","assume_role_policy":%s,"inline_policy":[{"name":"x","policy":%s}]}}
]}}}`, quoted(d1200a), quoted(d1200b), quoted(d7824), quoted(d5121), quoted(lambdaTrust), quoted(d7824)), []string{
			"planned_values.root_module.resources[1].values.policy: aws_iam_user_policy.b policy: LimitExceeded: Maximum policy size of 2048 bytes exceeded for user bob: its 2 inline policies have 2400 characters together",
			"planned_values.root_module.resources[3].values.policy: aws_iam_group_policy.g policy: LimitExceeded: Maximum policy size of 5120 bytes exceeded for group: this inline policy has 5121 characters",
		}},
	} {
		got := sizeFindings(t, tc.file, tc.src)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d size findings, want %d:\n%s", tc.name, len(got), len(tc.want), strings.Join(got, "\n"))
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tc.want[i]) {
				t.Errorf("%s:\n got %s\nwant %s", tc.name, got[i], tc.want[i])
			}
		}
	}
}
