package inputs_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/jsonpos"
	"github.com/wardhq/ward/internal/policy"
)

var (
	writeSample = flag.String("write-sample", "", "write a sample account (2,000 roles, 500 users, 1,500 policies) to this file")
	adminEvery  = flag.Int("admin-every", 0, "with -write-sample, make one statement in this many an administrator's (\"Action\": \"*\" or a service's \"*\")")
)

// TestWriteSample writes the sample account used in BENCHMARKS.md when
// asked; otherwise it checks that the sample reads cleanly.
func TestWriteSample(t *testing.T) {
	data := inputs.SampleAdminAccount(2000, 500, 1500, *adminEvery, 1)
	if *writeSample != "" {
		if err := os.WriteFile(*writeSample, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := inputs.Read("account.json", data, 0)
	if f.Format != inputs.FormatAccountDetails || len(f.Errors) > 0 {
		t.Fatalf("format %s, errors %v", f.Format, f.Errors)
	}
	kinds := map[policy.Kind]int{}
	for _, d := range f.Docs {
		kinds[d.Kind]++
	}
	// 2,000 trust policies; 1,500 managed + 500 user + 1 group + the roles'
	// inline policies (one or two each).
	if kinds[policy.KindTrust] != 2000 || kinds[policy.KindIdentity] < 2001+2000 {
		t.Errorf("kinds: %v", kinds)
	}
	if len(f.Attachments) != 2000 {
		t.Errorf("%d AWS managed attachments, want one per role", len(f.Attachments))
	}
}

func TestAccountDetails(t *testing.T) {
	src := `{
  "UserDetailList": [{"UserName": "alice", "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"}]}],
  "RoleDetailList": [{"RoleName": "app",
    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
    "RolePolicyList": [{"PolicyName": "broken", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}]}}],
    "AttachedManagedPolicies": [{"PolicyName": "AmazonS3FullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}]}],
  "Policies": [{"PolicyName": "team", "Arn": "arn:aws:iam::111111111111:policy/team", "DefaultVersionId": "v2",
    "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
                          {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}}]},
               {"PolicyName": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "PolicyVersionList": []}]
}`
	f := inputs.Read("details.json", []byte(src), 0)
	if f.Format != inputs.FormatAccountDetails {
		t.Fatalf("format %s", f.Format)
	}
	var got []string
	for _, d := range f.Docs {
		got = append(got, d.Kind.String()+" "+d.Where+" "+d.Path)
	}
	want := []string{
		`identity user "alice" inline policy "p" UserDetailList[0].UserPolicyList[0].PolicyDocument`,
		`trust role "app" trust policy RoleDetailList[0].AssumeRolePolicyDocument`,
		`identity managed policy "team" Policies[0].PolicyVersionList[1].Document`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("documents:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The URL-encoded user policy is decoded and placed at its string.
	if d := f.Docs[0]; d.Line != 2 || d.Policy.Statements[0].Action.Items[0] != "s3:*" {
		t.Errorf("encoded document: line %d, %+v", d.Line, d.Policy.Statements[0].Action)
	}
	// The broken inline policy is an error with its place; the rest is read.
	if len(f.Errors) != 1 || f.Errors[0].Line != 5 || !strings.Contains(f.Errors[0].Path, "RolePolicyList[0].PolicyDocument.Statement[0].Effect") {
		t.Errorf("errors: %v", f.Errors)
	}
	if len(f.Attachments) != 1 || f.Attachments[0].Principal != `role "app"` {
		t.Errorf("attachments: %+v", f.Attachments)
	}
}

func TestDetectKind(t *testing.T) {
	for doc, want := range map[string]policy.Kind{
		`{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`:                                                     policy.KindIdentity,
		`{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}`:                                   policy.KindResource,
		`{"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}`: policy.KindTrust,
	} {
		f := inputs.Read("p.json", []byte(doc), 0)
		if len(f.Docs) != 1 || f.Docs[0].Kind != want {
			t.Errorf("%s: %+v", doc, f.Docs)
		}
	}
}

func TestLooksLikeInput(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"name": "package"}`:    false,
		`[1, 2]`:                 false,
		`{"Statement": []}`:      true,
		`{"RoleDetailList": []}`: true,
		`{"Statement": [ broken`: true,
	} {
		if got := inputs.LooksLikeInput("x.json", []byte(doc)); got != want {
			t.Errorf("%s: %v", doc, got)
		}
	}
}

// FuzzRead: no input makes the reader panic.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"RoleDetailList": [{"RoleName": "r", "AssumeRolePolicyDocument": "%7B%7D", "RolePolicyList": [{"PolicyDocument": {"Statement": []}}]}]}`))
	f.Add([]byte(`{"Policies": [{"DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1", "Document": {}}]}]}`))
	f.Add([]byte(`{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`))
	f.Add([]byte("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: !Sub '{}'\n"))
	f.Add([]byte(`{"format_version": "1", "planned_values": {"root_module": {"resources": [{"type": "aws_iam_policy", "values": {"policy": "{}"}}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Read as JSON and as YAML (a CloudFormation template).
		for _, name := range []string{"fuzz.json", "fuzz.yaml"} {
			f := inputs.Read(name, data, 0)
			for _, d := range f.Docs {
				if d.Policy == nil {
					t.Fatal("document without a policy")
				}
			}
		}
	})
}

func TestTerraformPlan(t *testing.T) {
	data, err := os.ReadFile("testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	f := inputs.Read("plan.json", data, 0)
	if f.Format != inputs.FormatTerraformPlan || len(f.Errors) > 0 {
		t.Fatalf("format %s, errors %v", f.Format, f.Errors)
	}
	var got []string
	for _, d := range f.Docs {
		line := d.Line
		if line == 0 {
			line, _ = d.Policy.Position(0) // where the document's string starts
		}
		got = append(got, fmt.Sprintf("%s %d %s | %s", d.Kind, line, d.Where, d.Path))
	}
	want := []string{
		"trust 14 aws_iam_role.lex_logs assume_role_policy | planned_values.root_module.resources[0].values.assume_role_policy",
		`identity 16 aws_iam_role.lex_logs inline policy "logs" | planned_values.root_module.resources[0].values.inline_policy[0].policy`,
		"resource 28 aws_s3_bucket_policy.site policy | planned_values.root_module.resources[1].values.policy",
		"resource 48 module.queue.aws_sqs_queue_policy.q policy | planned_values.root_module.child_modules[0].resources[0].values.policy",
		"scp 55 module.queue.aws_organizations_policy.scp | planned_values.root_module.child_modules[0].resources[1].values.content",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("documents:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(f.Attachments) != 1 || f.Attachments[0].PolicyARN != "arn:aws:iam::aws:policy/AmazonS3FullAccess" {
		t.Errorf("attachments: %+v", f.Attachments)
	}
}

func TestCloudFormation(t *testing.T) {
	data, err := os.ReadFile("testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := inputs.Read("template.yaml", data, 0)
	if f.Format != inputs.FormatCloudFormation || len(f.Errors) > 0 {
		t.Fatalf("format %s, errors %v", f.Format, f.Errors)
	}
	var got []string
	for _, d := range f.Docs {
		var res []string
		for _, s := range d.Policy.Statements {
			if s.Resource != nil {
				res = append(res, s.Resource.Items...)
			}
		}
		line := d.Line
		if line == 0 {
			line, _ = d.Policy.Position(0) // where the document starts in the template
		}
		got = append(got, fmt.Sprintf("%d %s %s %v", line, d.Kind, d.Where, res))
	}
	want := []string{
		"11 trust LexLogsRole (AWS::IAM::Role) AssumeRolePolicyDocument []",
		`20 identity LexLogsRole (AWS::IAM::Role) inline policy "cloudwatch" [arn:aws:logs:zz-pseudo-1:000000000000:log-group:${LogGroupName}:*]`,
		"35 identity ChatFunctionPolicy (AWS::IAM::Policy) PolicyDocument [arn:aws:s3:::${ArtifactBucket}/* *]",
		"50 resource ArtifactBucketPolicy (AWS::S3::BucketPolicy) PolicyDocument [${ArtifactBucket.Arn}/*]",
		"59 resource InvokeFromAnywhere (AWS::Lambda::Permission) (the function policy statement it adds) [arn:aws:lambda:zz-pseudo-1:000000000000:function:chat]",
		"65 resource InvokeFromSns (AWS::Lambda::Permission) (the function policy statement it adds) [arn:aws:lambda:zz-pseudo-1:000000000000:function:chat]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("documents:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The SNS permission keeps its source condition.
	if c := f.Docs[5].Policy.Statements[0].Conditions; len(c) != 1 || c[0].Key != "aws:SourceArn" || c[0].Values.Items[0] != "${Topic}" {
		t.Errorf("conditions: %+v", c)
	}
	if len(f.Attachments) != 1 || f.Attachments[0].Line != 28 {
		t.Errorf("attachments: %+v", f.Attachments)
	}
}

func TestCloudFormationJSON(t *testing.T) {
	src := `{"Resources": {"Q": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"PolicyDocument": {"Version": "2012-10-17",
	  "Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
	  "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}, "Condition": {"Ref": "AWS::NoValue"}}]}}}}}`
	f := inputs.Read("t.json", []byte(src), 0)
	if f.Format != inputs.FormatCloudFormation || len(f.Docs) != 1 {
		t.Fatalf("format %s, docs %d, errors %v", f.Format, len(f.Docs), f.Errors)
	}
	s := f.Docs[0].Policy.Statements[0]
	if s.Principal.Entries[0].Values.Items[0] != "arn:aws:iam::000000000000:root" || s.Resource.Items[0] != "${Queue.Arn}" {
		t.Errorf("resolved statement: %s", f.Docs[0].Policy.String())
	}
	if c := s.Conditions; len(c) != 0 {
		t.Errorf("AWS::NoValue must drop the element: %+v", c)
	}
}

func TestYAMLErrors(t *testing.T) {
	f := inputs.Read("bad.yaml", []byte("Resources: [unclosed"), 0)
	if len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Msg, "Syntax errors in template") {
		t.Errorf("errors: %v", f.Errors)
	}
	f = inputs.Read("other.yml", []byte("name: not a template\n"), 0)
	if len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Msg, "not a CloudFormation template") {
		t.Errorf("errors: %v", f.Errors)
	}
}

// TestBareStatements: a statement, or a list of statements, given without
// the policy around it is read as the Statement of a 2012-10-17 policy,
// its positions those of the file, and found in folders; other JSON is not.
func TestBareStatements(t *testing.T) {
	one := []byte("{\n  \"Effect\": \"Allow\",\n  \"Action\": \"s3:GetObject\",\n  \"Resource\": \"arn:aws:s3:::b/*\"\n}\n")
	f := inputs.Read("one.json", one, 0)
	if len(f.Errors) > 0 || len(f.Docs) != 1 || !f.Docs[0].Bare {
		t.Fatalf("a bare statement: errors %v, docs %+v", f.Errors, f.Docs)
	}
	p := f.Docs[0].Policy
	if p.Version != policy.Version2012 || len(p.Statements) != 1 || p.Statements[0].Effect != policy.Allow {
		t.Errorf("read as %+v", p)
	}
	if line, col := jsonpos.LineCol(one, p.Statements[0].Offset); line != 1 || col != 1 {
		t.Errorf("the statement is at %d:%d, want 1:1 of the file", line, col)
	}
	list := []byte(`[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}]`)
	if f := inputs.Read("list.json", list, 0); len(f.Docs) != 1 || !f.Docs[0].Bare || len(f.Docs[0].Policy.Statements) != 2 {
		t.Errorf("a list of bare statements: %+v %v", f.Docs, f.Errors)
	}
	for name, data := range map[string][]byte{"one.json": one, "list.json": list} {
		if !inputs.LooksLikeInput(name, data) {
			t.Errorf("%s is not found in a folder", name)
		}
	}
	for _, other := range []string{`{"name": "pkg", "version": "1.0.0"}`, `[1, 2]`, `[]`, `{"Effect": "Allow"}`, `[{"Effect": "Allow", "Action": "s3:*"}, {"x": 1}]`} {
		if inputs.LooksLikeInput("x.json", []byte(other)) {
			t.Errorf("%s is taken for a policy", other)
		}
	}
}

// TestTerraformUnknownsAndLambdaPermissions: a policy the plan knows only
// after apply is listed, not skipped; an aws_lambda_permission is read as
// the statement it adds to the function's policy, unless it depends on
// values the plan does not have.
func TestTerraformUnknownsAndLambdaPermissions(t *testing.T) {
	plan := `{"format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "name": "app", "values": {"name": "app"}},
    {"address": "aws_lambda_permission.sns", "mode": "managed", "type": "aws_lambda_permission", "name": "sns",
     "values": {"action": "lambda:InvokeFunction", "function_name": "chat", "principal": "sns.amazonaws.com", "statement_id": "AllowSNS"}},
    {"address": "aws_lambda_permission.s3", "mode": "managed", "type": "aws_lambda_permission", "name": "s3",
     "values": {"action": "lambda:InvokeFunction", "function_name": "chat", "principal": "s3.amazonaws.com"}}]}},
  "resource_changes": [
    {"address": "aws_iam_role.app", "type": "aws_iam_role", "change": {"after_unknown": {"assume_role_policy": true, "arn": true}}},
    {"address": "aws_lambda_permission.s3", "type": "aws_lambda_permission", "change": {"after_unknown": {"source_arn": true}}}]}`
	f := inputs.Read("plan.json", []byte(plan), 0)
	if len(f.Errors) > 0 {
		t.Fatal(f.Errors)
	}
	if len(f.Unknown) != 2 || !strings.Contains(f.Unknown[0].Where, "assume_role_policy") || !strings.Contains(f.Unknown[1].Where, "source_arn") {
		t.Errorf("unknown: %+v", f.Unknown)
	}
	if len(f.Docs) != 1 || f.Docs[0].Kind != policy.KindResource || f.Docs[0].Line == 0 {
		t.Fatalf("docs: %+v", f.Docs)
	}
	st := f.Docs[0].Policy.Statements[0]
	pr, _ := st.Principals()
	acts, _ := st.Actions()
	res, _ := st.Resources()
	if pr == nil || pr.Entries[0].Type != policy.PrincipalService || pr.Entries[0].Values.Items[0] != "sns.amazonaws.com" ||
		acts.Items[0] != "lambda:InvokeFunction" || res.Items[0] != "arn:aws:lambda:*:*:function:chat" || len(st.Conditions) != 0 {
		t.Errorf("the permission's statement: %+v", st)
	}
}

// TestStandInsReadBack: the values that stand in for pseudo parameters
// while a template is checked read back as the parameters.
func TestStandInsReadBack(t *testing.T) {
	got := inputs.StandIns.Replace(`Resource "arn:aws:logs:zz-pseudo-1:000000000000:log-group:x" in arn:aws:cloudformation:zz-pseudo-1:000000000000:stack/zz-pseudo-stack/id`)
	want := `Resource "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:x" in ${AWS::StackId}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestPolicyInAStringIsLocated: a finding's offset in a policy written as
// a JSON string maps to its character in the file, escapes counted.
func TestPolicyInAStringIsLocated(t *testing.T) {
	src := []byte("{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {\"resources\": [\n" +
		"  {\"address\": \"aws_iam_policy.p\", \"mode\": \"managed\", \"type\": \"aws_iam_policy\", \"name\": \"p\", \"values\": {\"name\": \"p\",\n" +
		"   \"policy\": \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"s3:G\\u00e9tObject\\\",\\\"Resource\\\":\\\"*\\\"}]}\"}}]}}}")
	f := inputs.Read("plan.json", src, 0)
	if len(f.Errors) > 0 || len(f.Docs) != 1 {
		t.Fatalf("%v %+v", f.Errors, f.Docs)
	}
	p := f.Docs[0].Policy
	acts, _ := p.Statements[0].Actions()
	line, col := p.Position(acts.Offsets[0])
	// The action's opening quote, written \" in the file.
	want := bytes.Index(src, []byte(`\"s3:G\u00e9tObject`))
	wl, wc := jsonpos.LineCol(src, want)
	if line != wl || col != wc {
		t.Errorf("the action is placed at %d:%d, want %d:%d", line, col, wl, wc)
	}
	res, _ := p.Statements[0].Resources()
	line, col = p.Position(res.Offsets[0])
	wl, wc = jsonpos.LineCol(src, bytes.LastIndex(src, []byte(`\"*\"`)))
	if line != wl || col != wc {
		t.Errorf("the resource is placed at %d:%d, want %d:%d (after a \\u escape)", line, col, wl, wc)
	}
}

// TestCloudFormationIntrinsics: a policy reads what it is deployed with
// when the template tells: Fn::Sub's own variables, and Fn::FindInMap of
// literal keys from the template's Mappings. A lookup by the region stays
// a reference.
func TestCloudFormationIntrinsics(t *testing.T) {
	src := `Mappings:
  Buckets:
    prod: {media: travel-guide-media}
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource:
              - !Sub ["arn:aws:s3:::${B}/*", {B: reports}]
              - !Sub
                - "arn:aws:s3:::${B}/${AWS::AccountId}/*"
                - B: !FindInMap [Buckets, prod, media]
              - !FindInMap [Buckets, prod, media]
              - {"Fn::FindInMap": [Buckets, !Ref "AWS::Region", media]}
`
	f := inputs.Read("t.yaml", []byte(src), 0)
	if len(f.Errors) > 0 || len(f.Docs) != 1 {
		t.Fatalf("errors %v, %d documents", f.Errors, len(f.Docs))
	}
	got := f.Docs[0].Policy.Statements[0].Resource.Items
	want := []string{"arn:aws:s3:::reports/*", "arn:aws:s3:::travel-guide-media/000000000000/*", "travel-guide-media", "${FindInMap}"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("resources %q, want %q", got, want)
	}
	if f.Docs[0].Conditional {
		t.Error("no Fn::If, but the document is conditional")
	}
	// Fn::If reads its first branch, and says the document chose.
	f = inputs.Read("t.yaml", []byte(strings.Replace(src, `- !FindInMap [Buckets, prod, media]`, `- !If [IsProd, "arn:aws:s3:::media/*", "*"]`, 1)), 0)
	if len(f.Docs) != 1 || !f.Docs[0].Conditional {
		t.Fatalf("Fn::If: %d documents, conditional %v", len(f.Docs), len(f.Docs) == 1 && f.Docs[0].Conditional)
	}
}
