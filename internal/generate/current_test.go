package generate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/policy"
)

func readPolicy(t *testing.T, path string) *policy.Policy {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.ParseKind(data, path, policy.KindIdentity)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCurrentPolicy compares the generated chat role with a current
// policy written as seed 000 writes it. Its self-invocation pattern
// function:*-chat does not match the function named chat, so the call
// the role made to itself is not granted by it: the proof fails with that
// call as its witness, and the comparison says what the current policy
// grants that nothing used.
func TestCurrentPolicy(t *testing.T) {
	cat := testCatalog(t)
	r := generateFrom(t, Options{Principal: chatRole, Generalize: DefaultGeneralize}, "testdata/chat-trail.json")
	cur, err := r.CompareCurrent([]*policy.Policy{readPolicy(t, "testdata/chat-current.json")}, []string{"chat-current.json"}, cat)
	if err != nil {
		t.Fatal(err)
	}
	selfInvoke := false
	for _, ch := range cur.Tightening.Added {
		if ch.Witness.Action == "lambda:InvokeFunction" && ch.Witness.Resource == "arn:aws:lambda:us-east-1:111122223333:function:chat" && ch.Proven {
			selfInvoke = true
		}
	}
	if !selfInvoke {
		t.Errorf("the proof does not show lambda:InvokeFunction on function:chat: %+v", cur.Tightening.Added)
	}
	notGranted := map[string]bool{}
	for _, p := range cur.NotGranted {
		notGranted[p.Action+" "+p.Resource] = true
	}
	for _, want := range []string{"lambda:InvokeFunction arn:aws:lambda:us-east-1:111122223333:function:chat", "s3:ListBucket arn:aws:s3:::storage-bucket", "cloudwatch:PutMetricData *"} {
		if !notGranted[want] {
			t.Errorf("%s is not reported as used and not granted: %v", want, notGranted)
		}
	}
	bySid := map[string]CurrentStatement{}
	for _, s := range cur.Statements {
		bySid[s.Sid] = s
	}
	if s := bySid["Legacy"]; s.Calls != 0 || s.UnusedActionCount < 50 {
		t.Errorf("Legacy: %+v, want unused with every dynamodb action unused", s)
	}
	if s := bySid["Logs"]; strings.Join(s.UsedActions, ",") != "logs:CreateLogStream" || strings.Join(s.UnusedActions, ",") != "logs:CreateLogGroup,logs:PutLogEvents" {
		t.Errorf("Logs: %+v", s)
	}
	if s := bySid["Tools"]; strings.Join(s.UnusedResources, ",") != "arn:aws:lambda:*:*:function:renewable-orchestrator,arn:aws:lambda:*:*:function:*-chat" {
		t.Errorf("Tools: unused resources %v", s.UnusedResources)
	}
	if s := bySid["ChatTables"]; s.Calls != 13 || s.UnusedActionCount != 0 {
		t.Errorf("ChatTables: %+v", s)
	}

	// With the pattern fixed and the missing grants added, the proof
	// passes, and what tightening removes is listed.
	fixed, err := r.CompareCurrent([]*policy.Policy{readPolicy(t, "testdata/chat-current-fixed.json")}, []string{"fixed"}, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed.Tightening.Added) != 0 || len(fixed.NotGranted) != 0 {
		t.Errorf("fixed: added %+v, not granted %+v", fixed.Tightening.Added, fixed.NotGranted)
	}
	if len(fixed.Tightening.Removed) == 0 {
		t.Errorf("fixed: tightening removes nothing, though the current policy grants CreateLogGroup")
	}
	for _, ch := range fixed.Tightening.Removed {
		if !ch.Proven {
			t.Errorf("removed %v is not proven", ch.Witness)
		}
	}
}

// TestCurrentWithContext: calls carry the context they were decided with
// (ward's decision log records it; CloudTrail records the VPC endpoint),
// and the current policy is judged with it. Its statement allows reads
// only through one VPC endpoint: the calls that came through it used that
// statement; the call that came through another is not granted by it;
// decided without the contexts, no call would be.
func TestCurrentWithContext(t *testing.T) {
	dir := t.TempDir()
	decisions := func(key, vpce string) string {
		return `{"time":"2026-11-30T10:00:00Z","requestId":"r","caller":"arn:aws:iam::111122223333:user/app","account":"111122223333",` +
			`"action":"s3:GetObject","resource":"arn:aws:s3:::reports/` + key + `","decision":"Allowed",` +
			`"context":{"aws:SourceVpce":["` + vpce + `"],"aws:VpcSourceIp":["10.0.0.1"]}}` + "\n"
	}
	trail := func(key, vpce string) string {
		return `{"eventTime":"2026-11-30T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1",` +
			`"sourceIPAddress":"10.0.0.1","vpcEndpointId":"` + vpce + `","recipientAccountId":"111122223333",` +
			`"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/app","accountId":"111122223333"},` +
			`"requestParameters":{"bucketName":"reports","key":"` + key + `"}}`
	}
	files := map[string]string{
		"decisions.log": decisions("a.csv", "vpce-1a2b") + decisions("b.csv", "vpce-1a2b") + decisions("c.csv", "vpce-9z9z"),
		"trail.json":    `{"Records":[` + trail("a.csv", "vpce-1a2b") + "," + trail("b.csv", "vpce-1a2b") + "," + trail("c.csv", "vpce-9z9z") + `]}`,
	}
	current, err := policy.ParseKind([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"ThroughEndpoint","Effect":"Allow","Action":"s3:GetObject",
		"Resource":"arn:aws:s3:::reports/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b"}}}]}`), "current.json", policy.KindIdentity)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		r := generateFrom(t, Options{Principal: "arn:aws:iam::111122223333:user/app"}, path)
		cur, err := r.CompareCurrent([]*policy.Policy{current}, []string{"current.json"}, testCatalog(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(cur.Statements) != 1 || cur.Statements[0].Calls != 2 {
			t.Errorf("%s: the statement is used by the two calls through vpce-1a2b: %+v", name, cur.Statements)
		}
		if len(cur.NotGranted) != 1 || cur.NotGranted[0].Resource != "arn:aws:s3:::reports/c.csv" {
			t.Errorf("%s: the call through vpce-9z9z is not granted by it: %+v", name, cur.NotGranted)
		}
	}
}
