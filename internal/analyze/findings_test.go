package analyze_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/policy"
)

// TestFederatedTrustKeys: the trust policies teams write for GitHub
// Actions, EKS service accounts, Cognito identity pools and SAML get no
// finding on their provider's condition keys, while a misspelt claim, a
// provider key where no federated AssumeRole is asked, and a SAML key on a
// web identity trust are still reported.
func TestFederatedTrustKeys(t *testing.T) {
	c := cat(t)
	trust := func(principal, action, cond string) string {
		return `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "` + principal + `"},
			"Action": "` + action + `", "Condition": ` + cond + `}]}`
	}
	const gh = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	const eks = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	tests := []struct {
		name string
		doc  string
		want string // a code that must be reported, or "" for no finding on the keys
	}{
		{"GitHub Actions", trust(gh, "sts:AssumeRoleWithWebIdentity",
			`{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}`), ""},
		{"GitHub Actions job_workflow_ref", trust(gh, "sts:AssumeRoleWithWebIdentity",
			`{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:job_workflow_ref": "acme/ci/.github/workflows/d.yml@refs/heads/main", "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}`), ""},
		{"EKS service account", trust(eks, "sts:AssumeRoleWithWebIdentity",
			`{"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:default:app", "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com"}}`), ""},
		{"Cognito identity pool", trust("cognito-identity.amazonaws.com", "sts:AssumeRoleWithWebIdentity",
			`{"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-1234-1234-1234-123456789012"}, "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}`), ""},
		{"SAML", trust("arn:aws:iam::123456789012:saml-provider/Okta", "sts:AssumeRoleWithSAML",
			`{"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}`), ""},
		{"a misspelt claim", trust(gh, "sts:AssumeRoleWithWebIdentity",
			`{"StringEquals": {"token.actions.githubusercontent.com:subject": "repo:acme/app:*"}}`), analyze.CodeUnknownConditionKey},
		{"a SAML key on a web identity trust", trust(gh, "sts:AssumeRoleWithWebIdentity",
			`{"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}`), analyze.CodeConditionKeyNotSupported},
		{"a claim where no federated AssumeRole is asked", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
			"Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}}]}`, analyze.CodeConditionKeyNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind := policy.KindTrust
			if !strings.Contains(tt.doc, "Principal") {
				kind = policy.KindIdentity
			}
			fs := analyze.Check([]byte(tt.doc), "trust.json", kind, c)
			codes := codesOf(fs)
			switch {
			case tt.want == "":
				for _, code := range []string{analyze.CodeUnknownConditionKey, analyze.CodeConditionKeyNotSupported, analyze.CodeSetOperatorSingleValue} {
					if codes[code] {
						t.Errorf("reported %s: %+v", code, fs)
					}
				}
			case !codes[tt.want]:
				t.Errorf("want %s, got %+v", tt.want, fs)
			}
		})
	}
}

// TestResourceWildcardOnlyWhereANameIsAlwaysGiven: "*" is suggested
// away only for actions whose calls always name a resource; an action
// whose one resource type is optional (cloudwatch:PutMetricData's
// dataset) needs "*" for the ordinary call.
func TestResourceWildcardOnlyWhereANameIsAlwaysGiven(t *testing.T) {
	c := cat(t)
	for action, want := range map[string]bool{
		"cloudwatch:PutMetricData": false,
		"cloudwatch:GetMetricData": false,
		"s3:GetObject":             true, // an object, or an access point's object
		"dynamodb:PutItem":         true, // a table, required
		"sqs:SendMessage":          true,
	} {
		doc := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "` + action + `", "Resource": "*"}]}`
		if got := codesOf(analyze.Check([]byte(doc), "p.json", policy.KindIdentity, c))[analyze.CodeResourceWildcard]; got != want {
			t.Errorf("%s on \"*\": resource-wildcard %v, want %v", action, got, want)
		}
	}
}

// TestPublicAccessIsDecided: public-access is decided over every request
// by the reasoning core, so a Deny that keeps outsiders out is read, and a
// condition on who the caller is that still lets anyone in is not a limit.
func TestPublicAccessIsDecided(t *testing.T) {
	c := cat(t)
	bucket := func(extra string) string {
		return `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"` + extra + `]}`
	}
	for _, tt := range []struct {
		name, doc string
		want      bool
	}{
		{"everyone", bucket(`}`), true},
		{"the organization", bucket(`, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}`), false},
		{"any organization", bucket(`, "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}`), true},
		{"a deny outside the endpoint", bucket(`}, {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::site/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}`), false},
		{"a deny of other actions", bucket(`}, {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::site/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}`), true},
		{"every address", bucket(`, "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}`), true},
		{"a range", bucket(`, "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}`), false},
		{"a policy variable: not decided exactly, the syntactic check decides", bucket(`, "Condition": {"StringEquals": {"aws:SecureTransport": "${aws:username}"}}}`), true},
		{"named accounts only", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"}]}`, false},
	} {
		got := codesOf(analyze.Check([]byte(tt.doc), "p.json", policy.KindResource, c))[analyze.CodePublicAccess]
		if got != tt.want {
			t.Errorf("%s: public-access %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestConfusedDeputyAndUnscopedWebIdentity: a service principal in a
// resource policy needs aws:SourceArn or aws:SourceAccount, a web identity
// trust needs its provider's sub claim (Cognito's aud); conditions whose
// values are all "*", or negated ones, do not count.
func TestConfusedDeputyAndUnscopedWebIdentity(t *testing.T) {
	c := cat(t)
	bucket := func(cond string) string {
		return `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
			"Action": "s3:PutObject", "Resource": "arn:aws:s3:::trail-logs/AWSLogs/111111111111/*"` + cond + `}]}`
	}
	trust := func(principal, cond string) string {
		return `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "` + principal + `"},
			"Action": "sts:AssumeRoleWithWebIdentity"` + cond + `}]}`
	}
	const eks = "arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	tests := []struct {
		name string
		kind policy.Kind
		doc  string
		code string
		want bool
	}{
		{"service without a source condition", policy.KindResource, bucket(""), analyze.CodeConfusedDeputy, true},
		{"service with aws:SourceArn", policy.KindResource, bucket(`, "Condition": {"StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/main"}}`), analyze.CodeConfusedDeputy, false},
		{"service with aws:SourceAccount", policy.KindResource, bucket(`, "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}`), analyze.CodeConfusedDeputy, false},
		{"service with a source condition that is all wildcard", policy.KindResource, bucket(`, "Condition": {"ArnLike": {"aws:SourceArn": "*"}}`), analyze.CodeConfusedDeputy, true},
		{"service with a negated source condition", policy.KindResource, bucket(`, "Condition": {"StringNotEquals": {"aws:SourceAccount": "222222222222"}}`), analyze.CodeConfusedDeputy, true},
		{"a role trust for a service is the service role's own", policy.KindTrust, `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}`, analyze.CodeConfusedDeputy, false},
		{"EKS trust with sub", policy.KindTrust, trust(eks, `, "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:default:app"}}`), analyze.CodeWebIdentityTrustUnscoped, false},
		{"EKS trust with aud only", policy.KindTrust, trust(eks, `, "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com"}}`), analyze.CodeWebIdentityTrustUnscoped, true},
		{"GitHub trust with sub *", policy.KindTrust, trust("arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com", `, "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "*"}}`), analyze.CodeWebIdentityTrustUnscoped, true},
		{"Cognito trust without aud", policy.KindTrust, trust("cognito-identity.amazonaws.com", `, "Condition": {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}`), analyze.CodeWebIdentityTrustUnscoped, true},
		{"Cognito trust with aud", policy.KindTrust, trust("cognito-identity.amazonaws.com", `, "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-1234-1234-1234-123456789012"}}`), analyze.CodeWebIdentityTrustUnscoped, false},
		{"SAML trust is not a web identity", policy.KindTrust, `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111111111111:saml-provider/Okta"}, "Action": "sts:AssumeRoleWithSAML"}]}`, analyze.CodeWebIdentityTrustUnscoped, false},
	}
	for _, tt := range tests {
		if got := codesOf(analyze.Check([]byte(tt.doc), "p.json", tt.kind, c))[tt.code]; got != tt.want {
			t.Errorf("%s: %s reported %v, want %v", tt.name, tt.code, got, tt.want)
		}
	}
}

// TestREADMECountsTheCodes: the README says how many finding codes there
// are; it stays true.
func TestREADMECountsTheCodes(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d finding\n  codes", len(analyze.Codes()))
	if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), strings.Join(strings.Fields(want), " ")) {
		t.Errorf("README.md does not say %q", strings.Join(strings.Fields(want), " "))
	}
}

// TestResourceWildcardPatterns: a pattern that names every resource of an
// action's resource type is the wildcard it is.
func TestResourceWildcardPatterns(t *testing.T) {
	c := cat(t)
	for _, tt := range []struct {
		action, resource string
		want             bool
	}{
		{"logs:PutLogEvents", "arn:aws:logs:*:*:*", true},
		{"logs:PutLogEvents", "arn:aws:logs:*:*:log-group:*", true},
		{"logs:PutLogEvents", "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/chat:*", false},
		{"s3:GetObject", "arn:aws:s3:::*", true},
		{"s3:GetObject", "arn:aws:s3:::reports/*", false},
		{"dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/*", true},
		{"dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/Chat-*", false},
	} {
		doc := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "` + tt.action + `", "Resource": "` + tt.resource + `"}]}`
		if got := codesOf(analyze.Check([]byte(doc), "p.json", policy.KindIdentity, c))[analyze.CodeResourceWildcard]; got != tt.want {
			t.Errorf("%s on %s: resource-wildcard %v, want %v", tt.action, tt.resource, got, tt.want)
		}
	}
}

// TestTemplateFindingsAreExact: inside a CloudFormation template, YAML or
// JSON, a finding points at the value it is about, not at the start of
// the policy document.
func TestTemplateFindingsAreExact(t *testing.T) {
	c := cat(t)
	yaml := `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole
      Policies:
        - PolicyName: app
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action:
                  - s3:GetObject
                  - s3:GetObjekt
                Resource: !Sub "arn:aws:s3:::${AWS::AccountId}-data/*"
`
	json := `{"Resources": {"AppPolicy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["s3:GetObject",
               "s3:GetObjekt"],
    "Resource": {"Fn::Sub": "arn:aws:s3:::${AWS::AccountId}-data/*"}}]}}}}}`
	// The value's end too: the column just after its last character, as
	// SARIF's endColumn and Access Analyzer's span end say.
	quoted := strings.Replace(yaml, "- s3:GetObjekt", `- "s3:GetObjekt"`, 1)
	single := strings.Replace(yaml, "- s3:GetObjekt", `- 's3:GetObjekt'  # misspelt`, 1)
	flow := strings.Replace(yaml, "Action:\n                  - s3:GetObject\n                  - s3:GetObjekt", "Action: [s3:GetObject, s3:GetObjekt]", 1)
	account := `{"RoleDetailList": [{"RoleName": "app", "Arn": "arn:aws:iam::111111111111:role/app",
  "AssumeRolePolicyDocument": "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"lambda.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}",
  "RolePolicyList": [{"PolicyName": "app", "PolicyDocument": "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObjekt\", \"Resource\": \"*\"}]}"}]}]}`
	plain := "{\"Version\": \"2012-10-17\",\n \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObjekt\", \"Resource\": \"*\"}]}"
	for name, tc := range map[string]struct {
		src                     string
		line, col, endL, endCol int
	}{
		"template.yaml":        {yaml, 21, 21, 21, 33},
		"template.json":        {json, 6, 16, 6, 30},
		"quoted/template.yaml": {quoted, 21, 21, 21, 35},
		"single/template.yaml": {single, 21, 21, 21, 35},
		"flow/template.yaml":   {flow, 19, 40, 19, 52},
		"account.json":         {account, 3, 145, 3, 161},
		"policy.json":          {plain, 2, 46, 2, 60},
	} {
		var found bool
		for _, f := range analyze.Check([]byte(tc.src), name, 0, c) {
			if f.Code == analyze.CodeUnknownAction {
				found = true
				if f.Line != tc.line || f.Col != tc.col {
					t.Errorf("%s: unknown-action at %d:%d, want %d:%d", name, f.Line, f.Col, tc.line, tc.col)
				}
				if l, col := f.End(); l != tc.endL || col != tc.endCol {
					t.Errorf("%s: unknown-action ends at %d:%d, want %d:%d", name, l, col, tc.endL, tc.endCol)
				}
			}
		}
		if !found {
			t.Errorf("%s: no unknown-action finding", name)
		}
	}
}

// TestNoFalseAlarmsFromAccessAnalyzerChecks: the policies that showed a
// false alarm while the checks shared with Access Analyzer were written.
func TestNoFalseAlarmsFromAccessAnalyzerChecks(t *testing.T) {
	c := cat(t)
	for _, tt := range []struct {
		name, doc string
		kind      policy.Kind
		not       []string // codes that must not be reported
	}{
		// Every action on one bucket grants no iam:PassRole and no
		// ssm:SendCommand on an instance: nothing to escalate with.
		{"every action on a bucket", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]}]}`,
			policy.KindIdentity, []string{analyze.CodePrivilegeEscalation, analyze.CodePassRoleUnrestricted}},
		// Seed 003: StringLike without a wildcard compares exactly.
		{"StringLike on an ARN key without a wildcard", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111111111111:role/logs",
			"Condition": {"StringEquals": {"iam:PassedToService": "lexv2.amazonaws.com"}, "StringLike": {"iam:AssociatedResourceARN": "arn:aws:lex:us-east-1:111111111111:bot-alias/B/A"}}}]}`,
			policy.KindIdentity, []string{analyze.CodeStringOperatorOnARN}},
		// AWS's own SSM documents and public parameters have no account.
		{"an AWS-owned SSM document", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": ["arn:aws:ssm:*::document/AWS-RunShellScript", "arn:aws:ec2:*:*:instance/*"]}]}`,
			policy.KindIdentity, []string{analyze.CodeInvalidARN}},
		// A bucket ARN's empty Region and account are right.
		{"a bucket", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports"}]}`,
			policy.KindIdentity, []string{analyze.CodeInvalidARN, analyze.CodeResourceTypeMismatch}},
		// A repository and branch named exactly.
		{"a GitHub trust naming its branch", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
			"Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}}]}`,
			policy.KindTrust, []string{analyze.CodeGitHubTrustWildcard, analyze.CodeSetOperatorSingleValue, analyze.CodeTrustActionMismatch}},
		// Policy variables with a default value are written with a space.
		{"a variable with a default", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username, 'nobody'}/*"}]}`,
			policy.KindIdentity, []string{analyze.CodeInvalidVariable}},
		// Allow with NotPrincipal is a warning in a resource policy, not
		// a policy S3 refuses.
		{"Allow with NotPrincipal", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:role/x"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}`,
			policy.KindResource, []string{analyze.CodeInvalidPolicy}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			codes := codesOf(analyze.Check([]byte(tt.doc), "p.json", tt.kind, c))
			for _, code := range tt.not {
				if codes[code] {
					t.Errorf("reported %s; all: %v", code, codes)
				}
			}
		})
	}
}
