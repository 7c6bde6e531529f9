package analyze_test

import (
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
