package iamapi

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/decisionlog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/israce"
	"github.com/wardhq/ward/internal/seal"
	"github.com/wardhq/ward/internal/sigv4"
	"github.com/wardhq/ward/internal/store/sqlite"
)

// testService is a Service on a SQLite store in a temporary folder, with
// its decisions logged to a file there, and the root's credentials.
type testService struct {
	s          *Service
	log        string
	id, secret string
}

func newTestService(t testing.TB) *testService {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	ts := &testService{s: &Service{Store: db, Sealer: sealer, Catalog: cat}, log: filepath.Join(dir, "decisions.log")}
	log, err := decisionlog.Open(ts.log, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	ts.s.Decisions = log.Record
	ts.id, ts.secret, _, err = ts.s.Bootstrap("123456789012", "", "")
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// do sends one signed Query API request and decodes the answer into out.
func (ts *testService) do(t testing.TB, id, secret, token, service string, form url.Values, out any) {
	t.Helper()
	body := form.Encode()
	req := httptest.NewRequest("POST", "http://127.0.0.1/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("X-Amz-Security-Token", token)
	}
	sigv4.Sign(req, []byte(body), id, secret, "us-east-1", service, time.Now())
	w := httptest.NewRecorder()
	ts.s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", form.Get("Action"), w.Code, w.Body)
	}
	if out != nil {
		if err := xml.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
}

// caller resolves an access key as a request signed with it would.
func (ts *testService) caller(t testing.TB, id, token string) *caller {
	t.Helper()
	who, aerr := ts.s.resolveCaller(context.Background(), &sigv4.Signed{AccessKeyID: id, SecurityToken: token, Service: "iam"})
	if aerr != nil {
		t.Fatal(aerr)
	}
	return who
}

// TestAuthorizeAllocatesNothing: once a caller and its policies are
// cached, authorizing a call (context, preparing, deciding and writing
// the decision-log line) allocates nothing, for a user with tags and
// group policies and for a role session with session tags.
func TestAuthorizeAllocatesNothing(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector allocates: counts are checked without it")
	}
	ts := newTestService(t)
	root := func(form url.Values, out any) { ts.do(t, ts.id, ts.secret, "", "iam", form, out) }
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","sts:AssumeRole"],"Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"},"Bool":{"aws:SecureTransport":"false"}}}]}`
	root(url.Values{"Action": {"CreateUser"}, "UserName": {"alice"}, "Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"blue"}}, nil)
	root(url.Values{"Action": {"CreateGroup"}, "GroupName": {"readers"}}, nil)
	root(url.Values{"Action": {"AddUserToGroup"}, "GroupName": {"readers"}, "UserName": {"alice"}}, nil)
	root(url.Values{"Action": {"PutGroupPolicy"}, "GroupName": {"readers"}, "PolicyName": {"read"}, "PolicyDocument": {allow}}, nil)
	root(url.Values{"Action": {"AttachUserPolicy"}, "UserName": {"alice"}, "PolicyArn": {"arn:aws:iam::aws:policy/ReadOnlyAccess"}}, nil)
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	root(url.Values{"Action": {"CreateAccessKey"}, "UserName": {"alice"}}, &key)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	root(url.Values{"Action": {"CreateRole"}, "RoleName": {"app"}, "AssumeRolePolicyDocument": {trust}}, nil)
	root(url.Values{"Action": {"PutRolePolicy"}, "RoleName": {"app"}, "PolicyName": {"read"}, "PolicyDocument": {allow}}, nil)
	var session struct {
		ID     string `xml:"AssumeRoleResult>Credentials>AccessKeyId"`
		Secret string `xml:"AssumeRoleResult>Credentials>SecretAccessKey"`
		Token  string `xml:"AssumeRoleResult>Credentials>SessionToken"`
	}
	ts.do(t, key.ID, key.Secret, "", "sts", url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::123456789012:role/app"},
		"RoleSessionName": {"worker"}, "Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"blue"}}, &session)

	for _, tc := range []struct {
		name      string
		who       *caller
		principal string
	}{
		{"user", ts.caller(t, key.ID, ""), "arn:aws:iam::123456789012:user/alice"},
		{"role session", ts.caller(t, session.ID, session.Token), "arn:aws:sts::123456789012:assumed-role/app/worker"},
	} {
		c := &call{s: ts.s, ctx: context.Background(), op: "GetRole", who: tc.who, requestID: "req-1", sourceIP: "192.0.2.1"}
		authorize := func() {
			if err := c.authorize("iam:GetRole", "arn:aws:iam::123456789012:role/app", nil); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		authorize() // fills the caches
		if allocs := testing.AllocsPerRun(200, authorize); allocs != 0 {
			t.Errorf("%s: authorizing allocates %.1f times per call, want 0", tc.name, allocs)
		}
		// The decision was logged, in full.
		data, err := os.ReadFile(ts.log)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		var last decisionlog.Record
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
			t.Fatal(err)
		}
		if last.Caller != tc.principal || last.Action != "iam:GetRole" || last.Decision != "Allowed" || len(last.Matched) == 0 ||
			last.Matched[0] != "identityPolicy inline policy read Statement[0]" || last.SourceIP != "192.0.2.1" {
			t.Errorf("%s: logged %+v", tc.name, last)
		}
		// Its context is the one the engine was given, in name order,
		// the tag the policy's condition reads among it.
		names := ""
		for i, k := range last.Context {
			if i > 0 && last.Context[i-1].Name >= k.Name {
				t.Errorf("%s: the logged context is not in name order: %v", tc.name, last.Context)
			}
			names += " " + k.Name + "=" + strings.Join(k.Values, ",")
		}
		if !strings.Contains(names, " aws:PrincipalTag/team=blue ") || !strings.Contains(names, " aws:SecureTransport=false ") ||
			!strings.Contains(names, " aws:SourceIp=192.0.2.1") {
			t.Errorf("%s: logged context%s", tc.name, names)
		}
	}
}

// TestCallerContext: what the engine sees of a caller, and which key
// wins when the operation, the caller and the transport give the same.
func TestCallerContext(t *testing.T) {
	who := &caller{account: "123456789012", arn: "arn:aws:sts::123456789012:assumed-role/app/worker", userID: "AROAEXAMPLE:worker", kind: callerSession,
		session:  &Session{RoleArn: "arn:aws:iam::123456789012:role/app", Tags: []Tag{{Key: "Team", Value: "red"}}, SourceIdentity: "alice"},
		roleTags: []Tag{{Key: "team", Value: "blue"}, {Key: "cost", Value: "42"}}, mfaTime: time.Unix(1000, 0)}
	sc := getScratch()
	defer sc.release()
	sc.addMap(map[string][]string{"AWS:SourceIp": {"10.0.0.1"}})
	sc.addCaller(who, time.Unix(1090, 0))
	sc.addTransport("192.0.2.1", true)
	got := map[string]string{}
	for _, k := range sc.keys {
		got[k.Name] = strings.Join(k.Values, ",")
	}
	want := map[string]string{
		"AWS:SourceIp": "10.0.0.1", "aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "90",
		"aws:userid": "AROAEXAMPLE:worker", "aws:PrincipalArn": "arn:aws:iam::123456789012:role/app",
		"aws:PrincipalTag/Team": "red", "aws:PrincipalTag/cost": "42", "aws:SourceIdentity": "alice",
		"aws:SecureTransport": "true", "aws:RequestedRegion": "us-east-1",
	}
	if len(got) != len(want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	// The caller's keys are what the engine decides with.
	req := engine.Request{Principal: who.arn, Action: "s3:GetObject", Resource: "*", Keys: sc.keys}
	if _, err := req.Prepare(); err != nil {
		t.Fatal(err)
	}
}
