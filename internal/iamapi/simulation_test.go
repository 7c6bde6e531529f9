package iamapi

import (
	"encoding/xml"
	"net/url"
	"testing"
	"time"
)

// TestSimulatePrincipalBuildsTheRealCaller: the simulator builds its
// subject the way every other path does (callerFromARN): a role carries
// its tags into aws:PrincipalTag, and the source must be the principal's
// exact ARN, path included, in the caller's account.
func TestSimulatePrincipalBuildsTheRealCaller(t *testing.T) {
	ts := newTestService(t)
	ts.s.Now = func() time.Time { return goldenClock }
	rootCreds := &credentials{id: ts.id, secret: ts.secret}
	root := func(form url.Values, out any) {
		t.Helper()
		status, body := goldenCall(t, ts.s, rootCreds, "iam", form)
		if status != 200 {
			t.Fatalf("%s: %d %s", form.Get("Action"), status, body)
		}
		if out != nil {
			if err := xml.Unmarshal([]byte(body), out); err != nil {
				t.Fatal(err)
			}
		}
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	root(url.Values{"Action": {"CreateRole"}, "RoleName": {"app"}, "Path": {"/svc/"}, "AssumeRolePolicyDocument": {trust},
		"Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"blue"}}, nil)
	root(url.Values{"Action": {"PutRolePolicy"}, "RoleName": {"app"}, "PolicyName": {"own-team"}, "PolicyDocument": {
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${aws:PrincipalTag/team}/*"}]}`}}, nil)

	var out struct {
		Decisions []string `xml:"SimulatePrincipalPolicyResult>EvaluationResults>member>EvalDecision"`
	}
	root(url.Values{"Action": {"SimulatePrincipalPolicy"}, "PolicySourceArn": {"arn:aws:iam::123456789012:role/svc/app"},
		"ActionNames.member.1": {"s3:GetObject"}, "ResourceArns.member.1": {"arn:aws:s3:::blue/report"}, "ResourceArns.member.2": {"arn:aws:s3:::red/report"}}, &out)
	if len(out.Decisions) != 2 || out.Decisions[0] != "allowed" || out.Decisions[1] != "implicitDeny" {
		t.Errorf("decisions %v, want [allowed implicitDeny]: the role's tag team=blue decides", out.Decisions)
	}

	for source, code := range map[string]string{
		"arn:aws:iam::123456789012:role/app":           "NoSuchEntity", // the path is the role's name too
		"arn:aws:iam::123456789012:role/other/app":     "NoSuchEntity",
		"arn:aws:sts::123456789012:assumed-role/app/s": "InvalidInput",
		"arn:aws:iam::123456789012:root":               "InvalidInput",
		"arn:aws:iam::123456789012:group/devs":         "InvalidInput",
		"not-an-arn":                                   "ValidationError", // the parameter's pattern
	} {
		status, body := goldenCall(t, ts.s, rootCreds, "iam", url.Values{"Action": {"SimulatePrincipalPolicy"},
			"PolicySourceArn": {source}, "ActionNames.member.1": {"s3:GetObject"}})
		if got := between(body, "<Code>", "</Code>"); status == 200 || got != code {
			t.Errorf("%s: %d %s, want %s", source, status, got, code)
		}
	}
}
