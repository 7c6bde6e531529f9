package server_test

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/wardhq/ward/internal/decisionlog"
	"github.com/wardhq/ward/internal/server"
	"github.com/wardhq/ward/internal/store/storetest"
)

// start runs ward serve on a loopback test server with a fresh data folder.
func start(t *testing.T) (url string, rootID, rootSecret string) {
	_, ts, id, secret := startServer(t, nil)
	return ts.URL, id, secret
}

// startServer is start with the server at hand; configure, when not nil,
// runs before the first request.
func startServer(t *testing.T, configure func(*server.Server)) (*server.Server, *httptest.Server, string, string) {
	t.Helper()
	srv, err := server.Open(server.Config{DataDir: t.TempDir(), Account: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(srv)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	id, secret, err := server.ReadCredentials(srv.CredentialsFile)
	if err != nil {
		t.Fatal(err)
	}
	return srv, ts, id, secret
}

// clients are the official AWS SDK for Go v2 clients pointed at ward.
func clients(endpoint, id, secret, token string) (*iam.Client, *sts.Client) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, token)}
	return iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// TestSDKLifecycle drives users, roles, policies, attachments, inline
// policies, access keys and errors through the SDK.
func TestSDKLifecycle(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	iamc, stsc := clients(endpoint, id, secret, "")

	who, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::123456789012:root" || aws.ToString(who.Account) != "123456789012" {
		t.Errorf("caller = %s %s", aws.ToString(who.Arn), aws.ToString(who.Account))
	}

	role, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("chat"), AssumeRolePolicyDocument: aws.String(lambdaTrust),
		Path: aws.String("/service/"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("chat")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(role.Role.Arn); got != "arn:aws:iam::123456789012:role/service/chat" || !strings.HasPrefix(aws.ToString(role.Role.RoleId), "AROA") {
		t.Errorf("role = %s %s", got, aws.ToString(role.Role.RoleId))
	}
	// Names are unique ignoring case.
	_, err = iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("CHAT"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	if apiCode(err) != "EntityAlreadyExists" {
		t.Errorf("duplicate role: %v", err)
	}
	got, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Chat")})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument))
	if doc != lambdaTrust || len(got.Role.Tags) != 1 {
		t.Errorf("GetRole: document %q, tags %v", doc, got.Role.Tags)
	}
	if _, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nope")}); apiCode(err) != "NoSuchEntity" ||
		apiMessage(err) != "The role with name nope cannot be found." {
		t.Errorf("missing role: %v", err)
	}
	// A malformed trust policy is refused as IAM refuses it.
	_, err = iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)})
	if apiCode(err) != "MalformedPolicyDocument" {
		t.Errorf("malformed trust policy: %v", err)
	}

	pol, err := iamc.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("tables"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	parn := pol.Policy.Arn
	for _, arn := range []*string{parn, aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")} {
		if _, err := iamc.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("chat"), PolicyArn: arn}); err != nil {
			t.Fatal(err)
		}
	}
	att, err := iamc.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("chat")})
	if err != nil || len(att.AttachedPolicies) != 2 {
		t.Fatalf("attached: %v %v", att, err)
	}
	gp, err := iamc.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: parn})
	if err != nil || aws.ToInt32(gp.Policy.AttachmentCount) != 1 || aws.ToString(gp.Policy.DefaultVersionId) != "v1" {
		t.Errorf("GetPolicy: %+v %v", gp, err)
	}
	// The 5-version limit.
	for i := 0; i < 4; i++ {
		if _, err := iamc.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: parn, SetAsDefault: i == 3,
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:Query","Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = iamc.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: parn,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	if apiCode(err) != "LimitExceeded" {
		t.Errorf("sixth version: %v", err)
	}
	if _, err := iamc.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: parn}); apiCode(err) != "DeleteConflict" {
		t.Errorf("deleting an attached policy: %v", err)
	}

	if _, err := iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("chat"), PolicyName: aws.String("logs"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	ip, err := iamc.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("chat"), PolicyName: aws.String("logs")})
	if err != nil || !strings.Contains(aws.ToString(ip.PolicyDocument), "PutLogEvents") {
		t.Errorf("GetRolePolicy: %v %v", ip, err)
	}
	if _, err := iamc.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("chat")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("deleting a role with policies: %v", err)
	}

	// Pagination with Marker/MaxItems over users.
	for _, n := range []string{"u1", "u2", "u3"} {
		if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := iam.NewListUsersPaginator(iamc, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName))
		}
	}
	if strings.Join(names, ",") != "u1,u2,u3" || pages != 2 {
		t.Errorf("paginated users %v in %d pages", names, pages)
	}
	for i := 0; i < 2; i++ {
		if _, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u1")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u1")}); apiCode(err) != "LimitExceeded" {
		t.Errorf("third access key: %v", err)
	}
}

// TestSDKAuthorization: a user's own policies decide what it may do, and
// AssumeRole is decided with the role's trust policy; the assumed
// credentials work and are limited by the role's policies.
func TestSDKAuthorization(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(key.AccessKey.AccessKeyId), "AKIA") {
		t.Errorf("key ID %s", aws.ToString(key.AccessKey.AccessKeyId))
	}
	alice, aliceSTS := clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")

	// No policy yet: everything but GetCallerIdentity is denied.
	if _, err := alice.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "AccessDenied" ||
		apiMessage(err) != "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action" {
		t.Errorf("ListUsers without a policy: %v", err)
	}
	if who, err := aliceSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil || aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/alice" {
		t.Errorf("GetCallerIdentity: %v %v", who, err)
	}

	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["iam:ListUsers","iam:GetRole"],"Resource":"*"},
			{"Effect":"Allow","Action":"iam:CreateUser","Resource":"arn:aws:iam::123456789012:user/team/*"},
			{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/reader"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Errorf("ListUsers with a policy: %v", err)
	}
	if _, err := alice.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/team/")}); err != nil {
		t.Errorf("CreateUser under /team/: %v", err)
	}
	if _, err := alice.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("eve")}); apiCode(err) != "AccessDenied" {
		t.Errorf("CreateUser outside /team/: %v", err)
	}

	// A role alice's policy lets her assume, but whose trust policy does not
	// name her: denied by the trust policy.
	trustOthers := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/team/bob"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trustOthers)}); err != nil {
		t.Fatal(err)
	}
	_, err = aliceSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/reader"), RoleSessionName: aws.String("s1")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "role trust policy") {
		t.Errorf("AssumeRole without trust: %v", err)
	}
	trustAlice := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x-42"}}}]}`
	if _, err := root.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("reader"), PolicyDocument: aws.String(trustAlice)}); err != nil {
		t.Fatal(err)
	}
	if _, err := aliceSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/reader"), RoleSessionName: aws.String("s1")}); apiCode(err) != "AccessDenied" {
		t.Errorf("AssumeRole without the external ID: %v", err)
	}
	if _, err := root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	out, err := aliceSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/reader"),
		RoleSessionName: aws.String("audit"), ExternalId: aws.String("x-42"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::123456789012:assumed-role/reader/audit" || !strings.HasPrefix(aws.ToString(out.Credentials.AccessKeyId), "ASIA") ||
		time.Until(*out.Credentials.Expiration) > 16*time.Minute {
		t.Errorf("AssumeRole: %+v", out.AssumedRoleUser)
	}
	c := out.Credentials
	session, sessionSTS := clients(endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	who, err := sessionSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:sts::123456789012:assumed-role/reader/audit" {
		t.Errorf("session identity: %v %v", who, err)
	}
	if _, err := session.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Errorf("IAMReadOnlyAccess allows ListUsers: %v", err)
	}
	if _, err := session.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x")}); apiCode(err) != "AccessDenied" ||
		!strings.Contains(apiMessage(err), "assumed-role/reader/audit") {
		t.Errorf("IAMReadOnlyAccess denies CreateUser: %v", err)
	}
	// A wrong session token is refused.
	bad, _ := clients(endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), "not-the-token")
	if _, err := bad.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("wrong session token: %v", err)
	}
	// A wrong secret is refused.
	wrong, _ := clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), "not-the-secret", "")
	if _, err := wrong.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v", err)
	}
}

// TestAuthorizeEndpoint: a service asks ward, as its decision point,
// whether stored principals may act, singly and in a batch.
func TestAuthorizeEndpoint(t *testing.T) {
	srv, ts, id, secret := startServer(t, nil)
	endpoint := ts.URL
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}); err != nil {
		t.Fatal(err)
	}
	_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("reports"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"TeamReports","Effect":"Allow","Action":"s3:GetObject",
			"Resource":"arn:aws:s3:::reports/${aws:PrincipalTag/team}/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body string) (int, map[string]any) {
		t.Helper()
		status, top := authorizeCall(t, endpoint, id, secret, body)
		out := map[string]any{}
		for k, v := range top {
			var x any
			json.Unmarshal(v, &x)
			out[k] = x
		}
		return status, out
	}
	// Tags come from the stored user; the source IP from the context.
	status, out := post(`{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::reports/blue/q3.csv","context":{"aws:SourceIp":"10.1.2.3"}}`)
	if status != 200 || out["decision"] != "Allowed" || out["decidedBy"] != "identityPolicy" {
		t.Fatalf("allowed request: %d %v", status, out)
	}
	if m := out["matched"].([]any); len(m) != 1 || m[0].(map[string]any)["sid"] != "TeamReports" {
		t.Errorf("matched: %v", out["matched"])
	}
	// Both decisions are in the log, the caller's own check first, then
	// the answer, with who asked.
	data, err := os.ReadFile(filepath.Join(filepath.Dir(srv.CredentialsFile), "decisions.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var check, answer decisionlog.Record
	if len(lines) < 2 || json.Unmarshal([]byte(lines[len(lines)-2]), &check) != nil || json.Unmarshal([]byte(lines[len(lines)-1]), &answer) != nil {
		t.Fatalf("decision log: %q", lines)
	}
	if check.Action != "iam:SimulatePrincipalPolicy" || check.Caller != "arn:aws:iam::123456789012:root" || check.Decision != "Allowed" ||
		answer.Action != "s3:GetObject" || answer.Caller != "arn:aws:iam::123456789012:user/alice" || answer.Decision != "Allowed" ||
		answer.Via != "authorize:arn:aws:iam::123456789012:root" || len(answer.Matched) != 1 || check.RequestID != answer.RequestID {
		t.Errorf("logged:\n%+v\n%+v", check, answer)
	}
	// The answer's context is the one the request gave and the stored
	// user's own keys, in name order: the decision can be made again
	// from the log alone.
	if c := answer.Context; len(c) != 3 || fmt.Sprint(c[:2]) != "[{aws:PrincipalTag/team [blue]} {aws:SourceIp [10.1.2.3]}]" ||
		c[2].Name != "aws:userid" || len(c[2].Values) != 1 || !strings.HasPrefix(c[2].Values[0], "AIDA") {
		t.Errorf("logged context %v", c)
	}
	status, out = post(`{"requests":[
		{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::reports/red/q3.csv","context":{"aws:SourceIp":"10.1.2.3"}},
		{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::reports/blue/q3.csv"},
		{"principal":"arn:aws:iam::123456789012:user/nobody","action":"s3:GetObject"}]}`)
	if status != 200 {
		t.Fatalf("batch: %d %v", status, out)
	}
	results := out["results"].([]any)
	want := []string{"ImplicitDeny", "ImplicitDeny", "Error"}
	for i, r := range results {
		if got := r.(map[string]any)["decision"]; got != want[i] {
			t.Errorf("batch[%d] = %v, want %s", i, r, want[i])
		}
	}
	if miss := results[1].(map[string]any)["missingContextKeys"].([]any); len(miss) != 1 || miss[0] != "aws:SourceIp" {
		t.Errorf("missing keys: %v", miss)
	}
	// Unsigned requests are refused.
	resp, err := http.Post(endpoint+"/v1/authorize", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("unsigned: %d", resp.StatusCode)
	}
}

// TestSDKGroupsTagsBoundaries: a group's policies reach its members, a
// boundary limits a user, tags reach conditions, and policy versions can
// be switched and deleted.
func TestSDKGroupsTagsBoundaries(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}))
	must(root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("readers")}))
	must(root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("readers"), UserName: aws.String("carol")}))
	must(root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("readers"), PolicyName: aws.String("list"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","iam:Get*","iam:TagUser"],"Resource":"*"}]}`)}))
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carol")})
	if err != nil {
		t.Fatal(err)
	}
	carol, _ := clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	if _, err := carol.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Errorf("the group's policy allows ListRoles: %v", err)
	}
	g, err := root.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("readers")})
	if err != nil || len(g.Users) != 1 || aws.ToString(g.Users[0].UserName) != "carol" {
		t.Errorf("GetGroup: %+v %v", g, err)
	}
	if _, err := root.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("readers")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("deleting a group with members: %v", err)
	}

	// A boundary that allows only iam:List* stops GetUser.
	b, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("boundary"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	must(root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("carol"), PermissionsBoundary: b.Policy.Arn}))
	if _, err := carol.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Errorf("the boundary allows ListRoles: %v", err)
	}
	if _, err := carol.GetUser(ctx, &iam.GetUserInput{}); apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "permissions boundary") {
		t.Errorf("the boundary denies GetUser: %v", err)
	}
	must(root.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("carol")}))
	if _, err := carol.GetUser(ctx, &iam.GetUserInput{}); err != nil {
		t.Errorf("without the boundary GetUser is allowed: %v", err)
	}

	// Tags: tag a role, list them, and a tag condition on the caller.
	must(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("tagged"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}))
	must(root.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("x")}}}))
	must(root.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("tagged"), TagKeys: []string{"team"}}))
	tags, err := root.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("tagged")})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Errorf("ListRoleTags: %+v %v", tags, err)
	}

	// Policy versions.
	p, _ := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("versions"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	must(root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: p.Policy.Arn,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`)}))
	must(root.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v2")}))
	if _, err := root.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v2")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("deleting the default version: %v", err)
	}
	must(root.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v1")}))
	vs, err := root.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: p.Policy.Arn})
	if err != nil || len(vs.Versions) != 1 || aws.ToString(vs.Versions[0].VersionId) != "v2" || !vs.Versions[0].IsDefaultVersion {
		t.Errorf("ListPolicyVersions: %+v %v", vs, err)
	}
	sum, err := root.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil || sum.SummaryMap["Users"] != 1 || sum.SummaryMap["Roles"] != 1 || sum.SummaryMap["AccessKeysPerUserQuota"] != 2 {
		t.Errorf("GetAccountSummary: %v %v", sum.SummaryMap, err)
	}
}

// TestSDKAccountOps: authorization details, simulations, context keys,
// role and key updates, entities for a policy.
func TestSDKAccountOps(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}))
	must(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`)}))
	pol, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("shared"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	must(root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: pol.Policy.Arn}))
	must(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dana")}))

	details, err := root.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(details.RoleDetailList) != 1 || len(details.UserDetailList) != 1 || len(details.Policies) != 1 ||
		len(details.RoleDetailList[0].RolePolicyList) != 1 || len(details.RoleDetailList[0].AttachedManagedPolicies) != 1 {
		t.Errorf("details: %d roles, %d users, %d policies", len(details.RoleDetailList), len(details.UserDetailList), len(details.Policies))
	}

	ents, err := root.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: pol.Policy.Arn})
	if err != nil || len(ents.PolicyRoles) != 1 || aws.ToString(ents.PolicyRoles[0].RoleName) != "app" {
		t.Errorf("ListEntitiesForPolicy: %+v %v", ents, err)
	}
	keys, err := root.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/app")})
	if err != nil || len(keys.ContextKeyNames) != 1 || keys.ContextKeyNames[0] != "aws:SourceIp" {
		t.Errorf("context keys: %v %v", keys, err)
	}
	sim, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList:                    []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`},
		ActionNames:                        []string{"s3:GetObject", "ec2:RunInstances"},
		PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sim.EvaluationResults) != 2 || sim.EvaluationResults[0].EvalDecision != "allowed" || sim.EvaluationResults[1].EvalDecision != "implicitDeny" {
		t.Errorf("SimulateCustomPolicy: %+v", sim.EvaluationResults)
	}

	upd, err := root.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("app"), Description: aws.String("the app")})
	if err != nil || aws.ToString(upd.Role.Description) != "the app" {
		t.Errorf("UpdateRoleDescription: %v %v", upd, err)
	}
	must(root.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app"), MaxSessionDuration: aws.Int32(7200)}))
	if r, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")}); err != nil || aws.ToInt32(r.Role.MaxSessionDuration) != 7200 {
		t.Errorf("MaxSessionDuration after UpdateRole: %v", err)
	}

	// An inactive key is refused; activated again, it works, and its last
	// use is known.
	k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dana")})
	if err != nil {
		t.Fatal(err)
	}
	_, danaSTS := clients(endpoint, aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
	must(root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("dana"), AccessKeyId: k.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeInactive}))
	if _, err := danaSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("inactive key: %v", err)
	}
	must(root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("dana"), AccessKeyId: k.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeActive}))
	if _, err := danaSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("active again: %v", err)
	}
	last, err := root.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKey.AccessKeyId})
	if err != nil || aws.ToString(last.AccessKeyLastUsed.ServiceName) != "sts" {
		t.Errorf("GetAccessKeyLastUsed: %+v %v", last, err)
	}
}

func TestSDKInstanceProfiles(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	ec2Trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(ec2Trust)}); err != nil {
		t.Fatal(err)
	}
	p, err := root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")})
	if err != nil || !strings.HasPrefix(aws.ToString(p.InstanceProfile.InstanceProfileId), "AIPA") {
		t.Fatalf("CreateInstanceProfile: %v %v", p, err)
	}
	if _, err := root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	got, err := root.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")})
	if err != nil || len(got.InstanceProfile.Roles) != 1 {
		t.Errorf("GetInstanceProfile: %v %v", got, err)
	}
	if _, err := root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("deleting a role in a profile: %v", err)
	}
	if _, err := root.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("deleting a profile with a role: %v", err)
	}
	forRole, err := root.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("web")})
	if err != nil || len(forRole.InstanceProfiles) != 1 {
		t.Errorf("ListInstanceProfilesForRole: %v %v", forRole, err)
	}
	if _, err := root.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Errorf("DeleteInstanceProfile: %v", err)
	}
	if _, err := root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")}); err != nil {
		t.Errorf("DeleteRole: %v", err)
	}
}

// TestSDKCrossAccount: a user of one account assumes a role of another;
// both the role's trust policy and the user's own policy must allow it.
func TestSDKCrossAccount(t *testing.T) {
	srv, err := server.Open(server.Config{DataDir: t.TempDir(), Account: "111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	idA, secretA, _ := server.ReadCredentials(srv.CredentialsFile)
	idB, secretB, created, err := srv.Service.Bootstrap("222222222222", "", "")
	if err != nil || !created {
		t.Fatal(err)
	}
	ctx := context.Background()
	rootA, _ := clients(ts.URL, idA, secretA, "")
	rootB, _ := clients(ts.URL, idB, secretB, "")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := rootB.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("shared"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := rootA.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := rootA.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	_, alice := clients(ts.URL, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	assume := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/shared"), RoleSessionName: aws.String("x1")}
	// The trust policy names account A, but alice's own policy is silent.
	if _, err := alice.AssumeRole(ctx, assume); apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "identity-based policy") {
		t.Errorf("without an identity allow: %v", err)
	}
	if _, err := rootA.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := alice.AssumeRole(ctx, assume)
	if err != nil {
		t.Fatal(err)
	}
	_, session := clients(ts.URL, aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	who, err := session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != "222222222222" || aws.ToString(who.Arn) != "arn:aws:sts::222222222222:assumed-role/shared/x1" {
		t.Errorf("session in account B: %v %v", who, err)
	}
	// A trust policy naming another account refuses alice.
	other := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := rootB.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("shared"), PolicyDocument: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.AssumeRole(ctx, assume); apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "role trust policy") {
		t.Errorf("trust naming another account: %v", err)
	}
}

// TestSDKGetSessionToken: temporary credentials that act as the user,
// limited as AWS limits them without MFA: no IAM operation, and in STS
// only AssumeRole and GetCallerIdentity.
func TestSDKGetSessionToken(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("erin")})
	root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("erin"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","sts:AssumeRole"],"Resource":"*"}]}`)})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("erin")})
	if err != nil {
		t.Fatal(err)
	}
	erin, erinSTS := clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	if _, err := erin.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("long-term credentials: %v", err)
	}
	out, err := erinSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	tmp, tmpSTS := clients(endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	who, err := tmpSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/erin" {
		t.Errorf("session token identity: %v %v", who, err)
	}
	if _, err := tmp.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("IAM with session-token credentials and no MFA: %v", err)
	}
	if _, err := tmpSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/ops"), RoleSessionName: aws.String("via-token")}); err != nil {
		t.Errorf("AssumeRole with session-token credentials: %v", err)
	}
	if _, err := tmpSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetSessionToken with session credentials: %v", err)
	}
	if _, err := tmpSTS.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob")}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetFederationToken with session credentials: %v", err)
	}
}

// TestSDKGetFederationToken: a federated user's credentials name it,
// carry the session policy, and call only GetCallerIdentity.
func TestSDKGetFederationToken(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("proxy")})
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("proxy")})
	if err != nil {
		t.Fatal(err)
	}
	_, proxySTS := clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	session := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	in := &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: aws.String(session), DurationSeconds: aws.Int32(900)}
	if _, err := proxySTS.GetFederationToken(ctx, in); apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "sts:GetFederationToken") {
		t.Errorf("without sts:GetFederationToken in its policies: %v", err)
	}
	root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("proxy"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"arn:aws:sts::123456789012:federated-user/b*"}]}`)})
	out, err := proxySTS.GetFederationToken(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.FederatedUser.Arn) != "arn:aws:sts::123456789012:federated-user/bob" || aws.ToString(out.FederatedUser.FederatedUserId) != "123456789012:bob" {
		t.Errorf("federated user %+v", out.FederatedUser)
	}
	c := out.Credentials
	bob, bobSTS := clients(endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	who, err := bobSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:sts::123456789012:federated-user/bob" || aws.ToString(who.UserId) != "123456789012:bob" {
		t.Errorf("federated identity: %v %v", who, err)
	}
	if _, err := bob.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("IAM with federation credentials: %v", err)
	}
	if _, err := bobSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("STS other than GetCallerIdentity: %v", err)
	}
	for _, tc := range []struct {
		name string
		in   *sts.GetFederationTokenInput
		code string
	}{
		{"name outside the policy's resource", &sts.GetFederationTokenInput{Name: aws.String("carol")}, "AccessDenied"},
		{"name too short", &sts.GetFederationTokenInput{Name: aws.String("b")}, "ValidationError"},
		{"duration too long", &sts.GetFederationTokenInput{Name: aws.String("bob"), DurationSeconds: aws.Int32(129601)}, "ValidationError"},
		{"malformed session policy", &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: aws.String(`{"Statement":`)}, "MalformedPolicyDocument"},
	} {
		if _, err := proxySTS.GetFederationToken(ctx, tc.in); apiCode(err) != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}
}

// TestSDKWebIdentity: an OIDC provider, a role trusting it with
// conditions on the token's claims, and AssumeRoleWithWebIdentity called
// without credentials, as a CI job or a pod would.
func TestSDKWebIdentity(t *testing.T) {
	srv, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	const issuer = "https://token.example.com"
	prov, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(issuer), ClientIDList: []string{"sts.amazonaws.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(prov.OpenIDConnectProviderArn); got != "arn:aws:iam::123456789012:oidc-provider/token.example.com" {
		t.Errorf("provider ARN %q", got)
	}
	got, err := root.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: prov.OpenIDConnectProviderArn})
	if err != nil || aws.ToString(got.Url) != "token.example.com" || len(got.ClientIDList) != 1 {
		t.Errorf("GetOpenIDConnectProvider: %+v %v", got, err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k1","alg":"RS256","use":"sig","n":%q,"e":"AQAB"}]}`,
		base64.RawURLEncoding.EncodeToString(key.N.Bytes()))
	if err := srv.Service.SetOIDCKeys("123456789012", issuer, []byte(jwks)); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.example.com"},
		"Action":"sts:AssumeRoleWithWebIdentity",
		"Condition":{"StringEquals":{"token.example.com:aud":"sts.amazonaws.com"},
		             "StringLike":{"token.example.com:sub":"repo:acme/app:*"}}}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)})

	sign := func(claims map[string]any, k *rsa.PrivateKey) string {
		head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"k1"}`))
		body, _ := json.Marshal(claims)
		msg := head + "." + base64.RawURLEncoding.EncodeToString(body)
		sum := sha256.Sum256([]byte(msg))
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		return msg + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	claims := func(sub, aud string, exp time.Duration) map[string]any {
		return map[string]any{"iss": issuer, "sub": sub, "aud": aud, "iat": time.Now().Unix(), "exp": time.Now().Add(exp).Unix()}
	}
	anon := sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}},
		func(o *sts.Options) { o.BaseEndpoint = aws.String(ts.URL) })
	assume := func(token string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		return anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String("arn:aws:iam::123456789012:role/deploy"), RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String(token)})
	}
	out, err := assume(sign(claims("repo:acme/app:ref:refs/heads/main", "sts.amazonaws.com", time.Hour), key))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.SubjectFromWebIdentityToken) != "repo:acme/app:ref:refs/heads/main" || aws.ToString(out.Provider) != issuer {
		t.Errorf("response: subject %q provider %q", aws.ToString(out.SubjectFromWebIdentityToken), aws.ToString(out.Provider))
	}
	c := out.Credentials
	session, sessionSTS := clients(ts.URL, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	who, err := sessionSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:sts::123456789012:assumed-role/deploy/ci" {
		t.Errorf("session identity: %v %v", who, err)
	}
	if _, err := session.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Errorf("the role's policy applies: %v", err)
	}
	if _, err := session.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("and only it: %v", err)
	}
	// A token that is not valid yet is refused: nbf or iat in the future.
	for _, claim := range []string{"nbf", "iat"} {
		c := claims("repo:acme/app:ref:refs/heads/main", "sts.amazonaws.com", 2*time.Hour)
		c[claim] = time.Now().Add(time.Hour).Unix()
		if _, err := assume(sign(c, key)); apiCode(err) != "InvalidIdentityToken" {
			t.Errorf("a token with %s an hour ahead: %v, want InvalidIdentityToken", claim, err)
		}
	}
	// Session policies narrow a web identity session, inline or by ARN,
	// as they do AssumeRole's: a session meant to be narrowed does not
	// get the whole role.
	onlyGetUser, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("only-get-user"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]*sts.AssumeRoleWithWebIdentityInput{
		"Policy":     {Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)},
		"PolicyArns": {PolicyArns: []ststypes.PolicyDescriptorType{{Arn: onlyGetUser.Policy.Arn}}},
	} {
		in.RoleArn, in.RoleSessionName = aws.String("arn:aws:iam::123456789012:role/deploy"), aws.String("narrow")
		in.WebIdentityToken = aws.String(sign(claims("repo:acme/app:ref:refs/heads/main", "sts.amazonaws.com", time.Hour), key))
		out, err := anon.AssumeRoleWithWebIdentity(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := out.Credentials
		narrowed, _ := clients(ts.URL, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
		if _, err := narrowed.ListRoles(ctx, &iam.ListRolesInput{}); apiCode(err) != "AccessDenied" {
			t.Errorf("a session narrowed by %s to iam:GetUser lists roles: %v", name, err)
		}
	}

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token, code string
	}{
		{"subject outside the trust condition", sign(claims("repo:evil/app:ref:main", "sts.amazonaws.com", time.Hour), key), "AccessDenied"},
		{"audience not registered", sign(claims("repo:acme/app:x", "someone-else", time.Hour), key), "InvalidIdentityToken"},
		{"expired", sign(claims("repo:acme/app:x", "sts.amazonaws.com", -time.Minute), key), "ExpiredTokenException"},
		{"signed by another key", sign(claims("repo:acme/app:x", "sts.amazonaws.com", time.Hour), other), "InvalidIdentityToken"},
		{"not a JWT", "abcdef", "InvalidIdentityToken"},
		{"shorter than the API allows", "abc", "ValidationError"},
	} {
		if _, err := assume(tc.token); apiCode(err) != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := root.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: prov.OpenIDConnectProviderArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := assume(sign(claims("repo:acme/app:x", "sts.amazonaws.com", time.Hour), key)); apiCode(err) != "InvalidIdentityToken" {
		t.Errorf("after the provider is deleted: %v", err)
	}
}

// TestSDKPolicyTags: tags on customer managed policies, the 50-tag
// quota, and a condition on the policy's own tags.
func TestSDKPolicyTags(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("read"), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	arn := p.Policy.Arn
	tag := func(k, v string) iamtypes.Tag { return iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
	if _, err := root.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: []iamtypes.Tag{tag("team", "data"), tag("env", "dev")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: []iamtypes.Tag{tag("ENV", "prod")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := root.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" || aws.ToString(tags.Tags[0].Value) != "prod" {
		t.Errorf("ListPolicyTags after a case-insensitive replace and an untag: %+v %v", tags, err)
	}
	many := make([]iamtypes.Tag, 50)
	for i := range many {
		many[i] = tag(fmt.Sprintf("k%d", i), "v")
	}
	if _, err := root.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: many}); apiCode(err) != "LimitExceeded" {
		t.Errorf("51 tags: %v", err)
	}
	if _, err := root.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/none"), Tags: many[:1]}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("tagging a missing policy: %v", err)
	}
	// A user may tag only policies already tagged env=dev.
	root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("tagger")})
	root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("tagger"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:TagPolicy","iam:ListPolicyTags"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}}]}`)})
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("tagger")})
	if err != nil {
		t.Fatal(err)
	}
	tagger, _ := clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	if _, err := tagger.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: many[:1]}); apiCode(err) != "AccessDenied" {
		t.Errorf("tagging a policy tagged env=prod: %v", err)
	}
	if _, err := root.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: []iamtypes.Tag{tag("env", "dev")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tagger.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: many[:1]}); err != nil {
		t.Errorf("tagging a policy tagged env=dev: %v", err)
	}
	if out, err := tagger.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn}); err != nil || len(out.Tags) != 2 {
		t.Errorf("listing the tags of a policy tagged env=dev: %+v %v", out, err)
	}
}

// TestSDKRoleTagsArePrincipalTags: a role session carries its role's
// tags as aws:PrincipalTag, and a session tag with the same key
// overrides them.
func TestSDKRoleTagsArePrincipalTags(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	// The root user may not assume roles: an administrator does.
	_, rootSTS := limitedUser(t, endpoint, root, "admin", adminPolicy)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("analyst"), AssumeRolePolicyDocument: aws.String(trust),
		Tags: []iamtypes.Tag{{Key: aws.String("Team"), Value: aws.String("data")}}}); err != nil {
		t.Fatal(err)
	}
	root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("analyst"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"data"}}}]}`)})
	for _, tc := range []struct {
		name string
		tags []ststypes.Tag
		want string
	}{
		{"role tag", nil, ""},
		{"session tag overrides it", []ststypes.Tag{{Key: aws.String("TEAM"), Value: aws.String("web")}}, "AccessDenied"},
		{"other session tags keep it", []ststypes.Tag{{Key: aws.String("project"), Value: aws.String("x")}}, ""},
	} {
		out, err := rootSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/analyst"),
			RoleSessionName: aws.String("s1"), Tags: tc.tags})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		c := out.Credentials
		session, _ := clients(endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
		if _, err := session.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestSDKUpdateUser: a rename moves the user with its groups and keys,
// and needs iam:UpdateUser on both the old and the new ARN.
func TestSDKUpdateUser(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	for _, u := range []string{"dana", "taken", "admin"} {
		if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")})
	if _, err := root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("dana")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dana")})
	if err != nil {
		t.Fatal(err)
	}
	// admin may update only users under /staff/... that it names: not the new ARN.
	root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:UpdateUser","Resource":"arn:aws:iam::123456789012:user/dana"}]}`)})
	adminKey, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := clients(endpoint, aws.ToString(adminKey.AccessKey.AccessKeyId), aws.ToString(adminKey.AccessKey.SecretAccessKey), "")
	// Temporary credentials dana and taken hold before the renaming.
	_, danaKeySTS := clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	danaSession, err := danaKeySTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	takenKey, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("taken")})
	if err != nil {
		t.Fatal(err)
	}
	_, takenKeySTS := clients(endpoint, aws.ToString(takenKey.AccessKey.AccessKeyId), aws.ToString(takenKey.AccessKey.SecretAccessKey), "")
	takenSession, err := takenKeySTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	rename := &iam.UpdateUserInput{UserName: aws.String("dana"), NewUserName: aws.String("dana.k"), NewPath: aws.String("/staff/")}
	if _, err := admin.UpdateUser(ctx, rename); apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "on resource: user dana.k ") {
		t.Errorf("without permission on the new ARN: %v", err)
	}
	if _, err := root.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("dana"), NewUserName: aws.String("TAKEN")}); apiCode(err) != "EntityAlreadyExists" {
		t.Errorf("renaming onto an existing user: %v", err)
	}
	if _, err := root.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("dana"), NewUserName: aws.String("bad name")}); apiCode(err) != "ValidationError" {
		t.Errorf("an invalid new name: %v", err)
	}
	if _, err := root.UpdateUser(ctx, rename); err != nil {
		t.Fatal(err)
	}
	got, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("dana.k")})
	if err != nil || aws.ToString(got.User.Arn) != "arn:aws:iam::123456789012:user/staff/dana.k" || aws.ToString(got.User.Path) != "/staff/" {
		t.Errorf("renamed user: %+v %v", got, err)
	}
	if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("dana")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("the old name: %v", err)
	}
	groups, err := root.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("dana.k")})
	if err != nil || len(groups.Groups) != 1 {
		t.Errorf("groups follow the user: %+v %v", groups, err)
	}
	members, err := root.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs")})
	if err != nil || len(members.Users) != 1 || aws.ToString(members.Users[0].UserName) != "dana.k" {
		t.Errorf("the group lists the new name: %+v %v", members, err)
	}
	_, danaSTS := clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	who, err := danaSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/staff/dana.k" {
		t.Errorf("the access key follows the user: %v %v", who, err)
	}
	// So do the session credentials: they belong to the user, found by
	// its unique ID, not to its old name.
	c := danaSession.Credentials
	_, danaSessionSTS := clients(endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	who, err = danaSessionSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/staff/dana.k" {
		t.Errorf("the session follows the user: %v %v", who, err)
	}
	// A user deleted and created again under its name is another user:
	// the old user's session does not pass to it.
	root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("taken"), AccessKeyId: takenKey.AccessKey.AccessKeyId})
	if _, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("taken")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("taken")}); err != nil {
		t.Fatal(err)
	}
	c = takenSession.Credentials
	_, takenSessionSTS := clients(endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if _, err := takenSessionSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("a deleted user's session, after a user of the same name is created: %v", err)
	}
}

// TestTwoNodesSharePostgres: two ward nodes on one PostgreSQL database
// and one sealing key. A user made on one signs in on the other, and a
// policy removed on one stops allowing on the other once it is told.
func TestTwoNodesSharePostgres(t *testing.T) {
	url := storetest.PostgresDatabase(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	nodeA, err := server.Open(server.Config{DataDir: dirA, Account: "123456789012", Postgres: url})
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dirA, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, "secret.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	nodeB, err := server.Open(server.Config{DataDir: dirB, Account: "123456789012", Postgres: url})
	if err != nil {
		t.Fatal(err)
	}
	if nodeB.NewRootKey {
		t.Error("node B made a second root key for an account node A created")
	}
	tsA, tsB := httptest.NewServer(nodeA.Handler()), httptest.NewServer(nodeB.Handler())
	t.Cleanup(func() { tsA.Close(); tsB.Close(); nodeA.Close(); nodeB.Close() })
	id, secret, err := server.ReadCredentials(nodeA.CredentialsFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rootA, _ := clients(tsA.URL, id, secret, "")
	rootA.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nina")})
	if _, err := rootA.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("nina"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	ak, err := rootA.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nina")})
	if err != nil {
		t.Fatal(err)
	}
	ninaB, _ := clients(tsB.URL, aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey), "")
	if _, err := ninaB.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("node B serves a user made on node A: %v", err)
	}
	if _, err := rootA.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("nina"), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	// Node B hears of the change asynchronously; wait for it, not for a time.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := ninaB.ListUsers(ctx, &iam.ListUsersInput{})
		if apiCode(err) == "AccessDenied" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node B still allows after node A removed the policy: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// code is an authenticator app's TOTP code (RFC 6238, SHA-1, 6 digits)
// for a base32 seed at a 30-second step.
func code(t *testing.T, seed []byte, step int64) string {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(string(seed))
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha1.New, key)
	binary.Write(m, binary.BigEndian, step)
	sum := m.Sum(nil)
	off := sum[19] & 15
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:])&0x7fffffff)%1000000)
}

// TestSDKMFA: a virtual MFA device enabled with two consecutive codes;
// GetSessionToken and AssumeRole with a code give credentials that carry
// aws:MultiFactorAuthPresent, which policies can require; a wrong or
// reused code is refused.
func TestSDKMFA(t *testing.T) {
	var offset atomic.Int64 // seconds the test moves the clock forward
	_, ts, id, secret := startServer(t, func(srv *server.Server) {
		srv.Service.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load()) * time.Second) }
	})
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mia")})
	root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("mia"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["iam:ListUsers","sts:AssumeRole"],"Resource":"*"},
			{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`)})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole",
		"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: aws.String(trust)})
	root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("admin"), PolicyName: aws.String("chain"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("mia")})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("mia-phone")})
	if err != nil {
		t.Fatal(err)
	}
	serial, seed := dev.VirtualMFADevice.SerialNumber, dev.VirtualMFADevice.Base32StringSeed
	if aws.ToString(serial) != "arn:aws:iam::123456789012:mfa/mia-phone" || len(seed) != 32 {
		t.Fatalf("device %q seed %q", aws.ToString(serial), seed)
	}
	step := func() int64 { return (time.Now().Unix() + offset.Load()) / 30 }
	enable := func(c1, c2 string) error {
		_, err := root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("mia"), SerialNumber: serial,
			AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)})
		return err
	}
	now := step()
	if err := enable(code(t, seed, now), code(t, seed, now-1)); apiCode(err) != "InvalidAuthenticationCode" {
		t.Errorf("codes out of order: %v", err)
	}
	if err := enable(code(t, seed, now-1), code(t, seed, now)); err != nil {
		t.Fatal(err)
	}
	list, err := root.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("mia")})
	if err != nil || len(list.MFADevices) != 1 || aws.ToString(list.MFADevices[0].SerialNumber) != aws.ToString(serial) {
		t.Errorf("ListMFADevices: %+v %v", list, err)
	}
	if _, err := root.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: serial}); apiCode(err) != "DeleteConflict" {
		t.Errorf("deleting a device in use: %v", err)
	}

	mia, miaSTS := clients(ts.URL, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	if _, err := mia.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("long-term key: the MFA key is absent, so BoolIfExists false denies: %v", err)
	}
	if _, err := miaSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String("000000")}); apiCode(err) != "AccessDenied" {
		t.Errorf("a wrong code: %v", err)
	}
	offset.Add(30) // the next step: codes already used at enabling are spent
	good := code(t, seed, step())
	out, err := miaSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String(good)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := miaSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String(good)}); apiCode(err) != "AccessDenied" {
		t.Errorf("a code used twice: %v", err)
	}
	c := out.Credentials
	withMFA, withMFASTS := clients(ts.URL, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if _, err := withMFA.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Errorf("IAM with MFA session credentials: %v", err)
	}
	// The session's own AssumeRole carries its MFA to the trust policy.
	chained, err := withMFASTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/admin"), RoleSessionName: aws.String("ops")})
	if err != nil {
		t.Fatalf("AssumeRole from an MFA session: %v", err)
	}
	// ...and to the role session it makes: admin's trust requires MFA.
	cc := chained.Credentials
	_, adminSTS := clients(ts.URL, aws.ToString(cc.AccessKeyId), aws.ToString(cc.SecretAccessKey), aws.ToString(cc.SessionToken))
	if _, err := adminSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/admin"), RoleSessionName: aws.String("again")}); err != nil {
		t.Errorf("role chaining keeps the MFA context: %v", err)
	}
	if _, err := miaSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/admin"), RoleSessionName: aws.String("ops")}); apiCode(err) != "AccessDenied" {
		t.Errorf("AssumeRole without MFA into a role that requires it: %v", err)
	}
	offset.Add(30)
	if _, err := miaSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/admin"), RoleSessionName: aws.String("ops"),
		SerialNumber: serial, TokenCode: aws.String(code(t, seed, step()))}); err != nil {
		t.Errorf("AssumeRole with an MFA code: %v", err)
	}
	noMFA, _ := miaSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	_, noMFASTS := clients(ts.URL, aws.ToString(noMFA.Credentials.AccessKeyId), aws.ToString(noMFA.Credentials.SecretAccessKey), aws.ToString(noMFA.Credentials.SessionToken))
	if _, err := noMFASTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/admin"), RoleSessionName: aws.String("ops")}); apiCode(err) != "AccessDenied" {
		t.Errorf("AssumeRole from a session without MFA: %v", err)
	}
	if _, err := root.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("mia"), SerialNumber: serial}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: serial}); err != nil {
		t.Errorf("deleting a deactivated device: %v", err)
	}
}

// TestSDKTagOtherEntities: tags on instance profiles, OIDC providers (an
// EKS-style URL with a path) and MFA devices, through each one's Tag,
// Untag and List*Tags calls.
func TestSDKTagOtherEntities(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	tag := func(k, v string) iamtypes.Tag { return iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
	if _, err := root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web"), Tags: []iamtypes.Tag{tag("tier", "web")}}); err != nil {
		t.Fatal(err)
	}
	prov, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://oidc.eks.us-east-1.amazonaws.com/id/ABC123"), ClientIDList: []string{"sts.amazonaws.com"}})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
	if err != nil {
		t.Fatal(err)
	}
	type ops struct {
		name  string
		tag   func([]iamtypes.Tag) error
		untag func([]string) error
		list  func() ([]iamtypes.Tag, error)
		first int // tags given at creation
	}
	for _, o := range []ops{
		{"instance profile",
			func(ts []iamtypes.Tag) error {
				_, err := root.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("web"), Tags: ts})
				return err
			},
			func(ks []string) error {
				_, err := root.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: aws.String("web"), TagKeys: ks})
				return err
			},
			func() ([]iamtypes.Tag, error) {
				out, err := root.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("web")})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			}, 1},
		{"OIDC provider",
			func(ts []iamtypes.Tag) error {
				_, err := root.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: prov.OpenIDConnectProviderArn, Tags: ts})
				return err
			},
			func(ks []string) error {
				_, err := root.UntagOpenIDConnectProvider(ctx, &iam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: prov.OpenIDConnectProviderArn, TagKeys: ks})
				return err
			},
			func() ([]iamtypes.Tag, error) {
				out, err := root.ListOpenIDConnectProviderTags(ctx, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: prov.OpenIDConnectProviderArn})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			}, 0},
		{"MFA device",
			func(ts []iamtypes.Tag) error {
				_, err := root.TagMFADevice(ctx, &iam.TagMFADeviceInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, Tags: ts})
				return err
			},
			func(ks []string) error {
				_, err := root.UntagMFADevice(ctx, &iam.UntagMFADeviceInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, TagKeys: ks})
				return err
			},
			func() ([]iamtypes.Tag, error) {
				out, err := root.ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: dev.VirtualMFADevice.SerialNumber})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			}, 0},
	} {
		if tags, err := o.list(); err != nil || len(tags) != o.first {
			t.Errorf("%s: tags at creation %+v %v", o.name, tags, err)
		}
		if err := o.tag([]iamtypes.Tag{tag("owner", "ops"), tag("env", "dev")}); err != nil {
			t.Errorf("%s: tag: %v", o.name, err)
		}
		if err := o.untag([]string{"ENV"}); err != nil {
			t.Errorf("%s: untag: %v", o.name, err)
		}
		tags, err := o.list()
		found := false
		for _, tg := range tags {
			found = found || aws.ToString(tg.Key) == "owner"
			if aws.ToString(tg.Key) == "env" {
				t.Errorf("%s: env was untagged (keys ignore case)", o.name)
			}
		}
		if err != nil || !found || len(tags) != o.first+1 {
			t.Errorf("%s: after tag and untag: %+v %v", o.name, tags, err)
		}
		many := make([]iamtypes.Tag, 50)
		for i := range many {
			many[i] = tag(fmt.Sprintf("k%d", i), "v")
		}
		if err := o.tag(many); apiCode(err) != "LimitExceeded" {
			t.Errorf("%s: past 50 tags: %v", o.name, err)
		}
	}
	// Tags survive other edits of the entity.
	root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if _, err := root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if out, err := root.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("web")}); err != nil || len(out.Tags) != 2 {
		t.Errorf("instance profile tags after adding a role: %+v %v", out, err)
	}
}

// TestSDKQuotas: IAM's quotas, each refused with LimitExceeded and the
// quota's name, at the first item past it.
func TestSDKQuotas(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust)})
	var arns []*string
	for i := 0; i < 11; i++ {
		p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("p%d", i)), PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, p.Policy.Arn)
	}
	attach := map[string]func(arn *string) error{
		"PoliciesPerUser: 10": func(arn *string) error {
			_, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: arn})
			return err
		},
		"PoliciesPerGroup: 10": func(arn *string) error {
			_, err := root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: arn})
			return err
		},
		"PoliciesPerRole: 10": func(arn *string) error {
			_, err := root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: arn})
			return err
		},
	}
	for quota, fn := range attach {
		for i, arn := range arns {
			err := fn(arn)
			if i < 10 && err != nil {
				t.Fatalf("%s: attachment %d: %v", quota, i+1, err)
			}
			if i == 10 && (apiCode(err) != "LimitExceeded" || !strings.Contains(apiMessage(err), quota)) {
				t.Errorf("the 11th attachment: %v, want LimitExceeded %s", err, quota)
			}
		}
	}
	for i := 0; i < 3; i++ {
		_, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
		if i < 2 && err != nil {
			t.Fatal(err)
		}
		if i == 2 && (apiCode(err) != "LimitExceeded" || !strings.Contains(apiMessage(err), "AccessKeysPerUser: 2")) {
			t.Errorf("the third access key: %v", err)
		}
	}
	for i := 0; i < 5; i++ {
		_, err := root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arns[0], PolicyDocument: aws.String(doc)})
		if i < 4 && err != nil {
			t.Fatal(err)
		}
		if i == 4 && apiCode(err) != "LimitExceeded" {
			t.Errorf("the sixth policy version: %v", err)
		}
	}
	for i := 0; i < 11; i++ {
		g := fmt.Sprintf("group%d", i)
		root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g)})
		_, err := root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(g), UserName: aws.String("u")})
		if i < 10 && err != nil {
			t.Fatal(err)
		}
		if i == 10 && (apiCode(err) != "LimitExceeded" || !strings.Contains(apiMessage(err), "GroupsPerUser: 10")) {
			t.Errorf("the 11th group: %v", err)
		}
	}
}

// TestSDKDuplicateNames: every kind refuses a second object whose name
// differs only in case, with EntityAlreadyExists and IAM's wording.
func TestSDKDuplicateNames(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	for _, tc := range []struct {
		kind   string
		create func(name string) error
		want   string
	}{
		{"user", func(n string) error {
			_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)})
			return err
		}, "User with name"},
		{"group", func(n string) error {
			_, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(n)})
			return err
		}, "Group with name"},
		{"role", func(n string) error {
			_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(n), AssumeRolePolicyDocument: aws.String(trust)})
			return err
		}, "Role with name"},
		{"policy", func(n string) error {
			_, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(n), PolicyDocument: aws.String(doc)})
			return err
		}, "A policy called"},
		{"instance profile", func(n string) error {
			_, err := root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(n)})
			return err
		}, "Instance Profile"},
		{"MFA device", func(n string) error {
			_, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(n)})
			return err
		}, "MFADevice entity"},
	} {
		if err := tc.create("Dup"); err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		err := tc.create("dUP")
		if apiCode(err) != "EntityAlreadyExists" || !strings.Contains(apiMessage(err), tc.want) {
			t.Errorf("%s: a second %q: %v, want EntityAlreadyExists %q", tc.kind, "dUP", err, tc.want)
		}
	}
}

// TestSDKValidation: parameters outside their API reference's constraints
// get IAM's and STS's ValidationError messages through the SDK, before any
// permission is checked.
func TestSDKValidation(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, rootSTS := clients(endpoint, id, secret, "")
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad/name")})
	if apiCode(err) != "ValidationError" || apiMessage(err) != "The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-" {
		t.Errorf("a name outside its pattern: %v", err)
	}
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(strings.Repeat("r", 65)), AssumeRolePolicyDocument: aws.String("{}"),
		MaxSessionDuration: aws.Int32(60)})
	want := "2 validation errors detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600; " +
		"Value at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"
	if apiCode(err) != "ValidationError" || apiMessage(err) != want {
		t.Errorf("two failures: %v", err)
	}
	_, err = rootSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("a:b")})
	if apiCode(err) != "ValidationError" || !strings.Contains(apiMessage(err), "Value 'a:b' at 'roleSessionName'") {
		t.Errorf("an STS parameter: %v", err)
	}
	// Validation comes before authorization: a caller with no permissions
	// learns its request is invalid, not that it is denied.
	root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")})
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	if err != nil {
		t.Fatal(err)
	}
	nobody, _ := clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	if _, err := nobody.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(5000)}); apiCode(err) != "ValidationError" {
		t.Errorf("an invalid request by a caller without permissions: %v", err)
	}
	if _, err := nobody.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(5)}); apiCode(err) != "AccessDenied" {
		t.Errorf("the same request, valid: %v", err)
	}
}

// TestSDKSessionEndsWithItsRole: a role session's credentials stop working
// when its role is deleted, and do not pass to a new role created under
// the same name.
func TestSDKSessionEndsWithItsRole(t *testing.T) {
	endpoint, id, secret := start(t)
	ctx := context.Background()
	root, _ := clients(endpoint, id, secret, "")
	// The root user may not assume roles: an administrator does.
	_, rootSTS := limitedUser(t, endpoint, root, "admin", adminPolicy)
	trust := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"), AssumeRolePolicyDocument: trust}); err != nil {
		t.Fatal(err)
	}
	out, err := rootSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/worker"), RoleSessionName: aws.String("job-1")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	_, session := clients(endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if _, err := session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("the session while its role exists: %v", err)
	}
	if _, err := root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("worker")}); err != nil {
		t.Fatal(err)
	}
	if _, err := session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("the session after its role is deleted: %v", err)
	}
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"), AssumeRolePolicyDocument: trust}); err != nil {
		t.Fatal(err)
	}
	if _, err := session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("the old session, after a role of the same name is created: %v", err)
	}
}
