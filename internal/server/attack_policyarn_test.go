package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/wardhq/ward/internal/server"
	"github.com/wardhq/ward/internal/store"
)

const adminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// limitedUser creates a user with one inline policy and returns its IAM
// and STS clients.
func limitedUser(t *testing.T, endpoint string, root *iam.Client, name, doc string) (*iam.Client, *sts.Client) {
	t.Helper()
	ctx := context.Background()
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if doc != "" {
		if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("limits"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return clients(endpoint, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
}

// TestAttackPolicyARNTricks: a user allowed to attach only policies under
// policy/safe/, or denied one policy by ARN, names an existing policy by
// a made-up path, another case or another account, hoping ward resolves
// it by its last segment. Every trick is NoSuchEntity, and the user stays
// as limited as it was.
func TestAttackPolicyARNTricks(t *testing.T) {
	srv, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	if _, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("AdminPol"), PolicyDocument: aws.String(adminPolicy)}); err != nil {
		t.Fatal(err)
	}
	mallory, _ := limitedUser(t, ts.URL, root, "mallory", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:AttachUserPolicy","Resource":"arn:aws:iam::123456789012:user/mallory",
		 "Condition":{"ArnLike":{"iam:PolicyARN":"arn:aws:iam::123456789012:policy/safe/*"}}},
		{"Effect":"Allow","Action":"iam:PutUserPermissionsBoundary","Resource":"arn:aws:iam::123456789012:user/mallory",
		 "Condition":{"ArnLike":{"iam:PermissionsBoundary":"arn:aws:iam::123456789012:policy/safe/*"}}},
		{"Effect":"Allow","Action":["iam:AttachUserPolicy"],"Resource":"arn:aws:iam::123456789012:user/mallory"},
		{"Effect":"Deny","Action":"iam:AttachUserPolicy","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::123456789012:policy/AdminPol"}}}]}`)
	tricks := []string{
		"arn:aws:iam::123456789012:policy/safe/AdminPol", // a path the policy does not have
		"arn:aws:iam::123456789012:policy/ADMINPOL",      // another case
		"arn:aws:iam::123456789012:policy/x/AdminPol",    // dodges the Deny by path
		"arn:aws:iam::123456789012:policy/adminpol",
		"arn:aws:iam::aws:policy/AdminPol", // AWS's namespace
		"arn:aws:iam::aws:policy/x/AdministratorAccess",
		"arn:aws:iam::aws:policy/administratoraccess",
	}
	for _, arn := range tricks {
		_, err := mallory.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("mallory"), PolicyArn: aws.String(arn)})
		if apiCode(err) != "NoSuchEntity" {
			t.Errorf("AttachUserPolicy %s: %v, want NoSuchEntity", arn, err)
		}
	}
	_, err := mallory.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("mallory"),
		PermissionsBoundary: aws.String("arn:aws:iam::123456789012:policy/safe/AdminPol")})
	if apiCode(err) != "NoSuchEntity" {
		t.Errorf("PutUserPermissionsBoundary with a made-up path: %v", err)
	}
	// The exact ARN is still denied.
	_, err = mallory.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("mallory"), PolicyArn: aws.String("arn:aws:iam::123456789012:policy/AdminPol")})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("AttachUserPolicy on the exact ARN: %v", err)
	}
	// And mallory is not an administrator.
	if _, err := mallory.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory2")}); apiCode(err) != "AccessDenied" {
		t.Errorf("after the tricks, CreateUser: %v", err)
	}
	attached, err := root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("mallory")})
	if err != nil || len(attached.AttachedPolicies) != 0 {
		t.Errorf("mallory's attached policies: %v %v", attached, err)
	}

	// Session policies by ARN are resolved exactly too.
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, rootSTS := clients(ts.URL, id, secret, "")
	_ = rootSTS
	user, userSTS := limitedUser(t, ts.URL, root, "assumer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	_ = user
	for _, arn := range []string{"arn:aws:iam::123456789012:policy/x/AdminPol", "arn:aws:iam::123456789012:policy/ADMINPOL"} {
		_, err := userSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1"),
			PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String(arn)}}})
		if apiCode(err) != "NoSuchEntity" && apiCode(err) != "InvalidParameterValue" {
			t.Errorf("AssumeRole with session policy %s: %v", arn, err)
		}
	}

	// Another account's administrator can neither attach this account's
	// policy, nor use it as a boundary or a session policy.
	idB, secretB, _, err := srv.Service.Bootstrap("210987654321", "", "")
	if err != nil {
		t.Fatal(err)
	}
	rootB, _ := clients(ts.URL, idB, secretB, "")
	_, stsB := limitedUser(t, ts.URL, rootB, "adminB", adminPolicy)
	if _, err := rootB.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	foreign := "arn:aws:iam::123456789012:policy/AdminPol"
	if _, err := rootB.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(foreign)}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("attaching another account's policy: %v", err)
	}
	if _, err := rootB.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("bob"), PermissionsBoundary: aws.String(foreign)}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("another account's policy as a boundary: %v", err)
	}
	if _, err := rootB.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol"), PermissionsBoundary: aws.String(foreign)}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("CreateUser with another account's boundary: %v", err)
	}
	if _, err := rootB.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(foreign)}); apiCode(err) != "NoSuchEntity" && apiCode(err) != "AccessDenied" {
		t.Errorf("reading another account's policy: %v", err)
	}
	if _, err := rootB.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("rb"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = stsB.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::210987654321:role/rb"), RoleSessionName: aws.String("s1"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String(foreign)}}})
	if apiCode(err) != "NoSuchEntity" {
		t.Errorf("another account's policy as a session policy: %v", err)
	}
}

// TestAttackDeleteBoundaryInUse: a policy in use as a permissions
// boundary cannot be deleted (with it gone, the user would have no
// boundary at all), and its use is counted.
func TestAttackDeleteBoundaryInUse(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bound"), Path: aws.String("/b/"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	arn := p.Policy.Arn
	bob, _ := limitedUser(t, ts.URL, root, "bob", adminPolicy)
	if _, err := root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("bob"), PermissionsBoundary: arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(lambdaTrust), PermissionsBoundary: arn}); err != nil {
		t.Fatal(err)
	}
	got, err := root.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	if err != nil || aws.ToInt32(got.Policy.PermissionsBoundaryUsageCount) != 2 {
		t.Fatalf("boundary use count: %v %v", got, err)
	}
	if _, err := root.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn}); apiCode(err) != "DeleteConflict" {
		t.Errorf("DeletePolicy of a boundary in use: %v", err)
	}
	// The boundary still holds bob.
	if _, err := bob.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("bob beyond his boundary: %v", err)
	}
	if _, err := root.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	got, err = root.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	if err != nil || aws.ToInt32(got.Policy.PermissionsBoundaryUsageCount) != 0 {
		t.Fatalf("boundary use count after removal: %v %v", got, err)
	}
	if _, err := root.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn}); err != nil {
		t.Errorf("DeletePolicy once unused: %v", err)
	}
}

// TestAttackDamagedPolicyDenies: a stored policy that cannot be loaded
// denies, never widens. bob is an administrator held in by a boundary;
// when the boundary's stored document is damaged, bob is denied
// everything rather than freed of his boundary.
func TestAttackDamagedPolicyDenies(t *testing.T) {
	srv, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bound"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := limitedUser(t, ts.URL, root, "bob", adminPolicy)
	if _, err := root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("bob"), PermissionsBoundary: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatalf("within the boundary: %v", err)
	}
	damage := func(name string, edit func(map[string]any)) {
		t.Helper()
		err := srv.Store.Update(ctx, func(tx store.Tx) error {
			e, err := tx.Get("123456789012", "policy", name)
			if err != nil {
				return err
			}
			var body map[string]any
			if err := json.Unmarshal(e.Body, &body); err != nil {
				return err
			}
			edit(body)
			e.Body, _ = json.Marshal(body)
			return tx.Put(e)
		})
		if err != nil {
			t.Fatal(err)
		}
		srv.Service.Invalidate()
	}
	damage("bound", func(b map[string]any) {
		b["versions"].([]any)[0].(map[string]any)["document"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow"`
	})
	for name, call := range map[string]func() error{
		"ListUsers": func() error { _, err := bob.ListUsers(ctx, &iam.ListUsersInput{}); return err },
		"GetUser":   func() error { _, err := bob.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}); return err },
	} {
		if err := call(); apiCode(err) != "AccessDenied" {
			t.Errorf("%s with a damaged boundary: %v, want AccessDenied", name, err)
		}
	}
	// A damaged attached policy denies as well.
	if _, err := root.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	ro, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ro"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: ro.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("administrator with an intact policy: %v", err)
	}
	damage("ro", func(b map[string]any) { b["versions"] = []any{} })
	if _, err := bob.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("with an attached policy that has no default version: %v, want AccessDenied", err)
	}
}

// TestPolicyUseCounts: attachment and boundary counts are kept with each
// change, for customer and AWS managed policies alike, and shown by
// GetPolicy, ListPolicies (OnlyAttached too) and survive a restart.
func TestPolicyUseCounts(t *testing.T) {
	dir := t.TempDir()
	srv, err := server.Open(server.Config{DataDir: dir, Account: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	id, secret, _ := server.ReadCredentials(srv.CredentialsFile)
	ctx := context.Background()
	ts := httptestServer(t, srv)
	root, _ := clients(ts, id, secret, "")
	const ro = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	for _, r := range []string{"a", "b"} {
		if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r), PolicyArn: aws.String(ro)}); err != nil {
			t.Fatal(err)
		}
	}
	// Attaching twice counts once.
	if _, err := root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("a"), PolicyArn: aws.String(ro)}); err != nil {
		t.Fatal(err)
	}
	count := func(scope string) map[string]int32 {
		t.Helper()
		out := map[string]int32{}
		pages := iam.NewListPoliciesPaginator(root, &iam.ListPoliciesInput{Scope: "All", OnlyAttached: true})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Policies {
				out[aws.ToString(p.Arn)] = aws.ToInt32(p.AttachmentCount)
			}
		}
		return out
	}
	if got := count("All"); len(got) != 1 || got[ro] != 2 {
		t.Errorf("attached policies: %v, want %s twice", got, ro)
	}
	if _, err := root.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("b"), PolicyArn: aws.String(ro)}); err != nil {
		t.Fatal(err)
	}
	if got := count("All"); got[ro] != 1 {
		t.Errorf("after a detach: %v", got)
	}
	ts2 := restart(t, srv, dir)
	root2, _ := clients(ts2, id, secret, "")
	root = root2
	if got := count("All"); got[ro] != 1 {
		t.Errorf("after a restart: %v", got)
	}
}

// httptestServer serves srv on a loopback test server, closed (with srv)
// when the test ends.
func httptestServer(t *testing.T, srv *server.Server) string {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return ts.URL
}

// restart closes srv and opens its data folder again, as a new process
// would.
func restart(t *testing.T, srv *server.Server, dir string) string {
	t.Helper()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := server.Open(server.Config{DataDir: dir, Account: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	return httptestServer(t, again)
}

// TestAttackDamagedEntityIsNotRewritten: an entity whose stored body no
// longer decodes is refused with ServiceFailure; it is neither rewritten
// from what could be read of it nor skipped in listings.
func TestAttackDamagedEntityIsNotRewritten(t *testing.T) {
	srv, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	damaged := []byte(`{"name":"bob","attached":[`)
	if err := srv.Store.Update(ctx, func(tx store.Tx) error {
		e, err := tx.Get("123456789012", "user", "bob")
		if err != nil {
			return err
		}
		e.Body = damaged
		return tx.Put(e)
	}); err != nil {
		t.Fatal(err)
	}
	srv.Service.Invalidate()
	// No retries: a ServiceFailure is the answer wanted here.
	root = iam.New(root.Options(), func(o *iam.Options) { o.Retryer = aws.NopRetryer{} })
	_, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	if apiCode(err) != "ServiceFailure" {
		t.Errorf("attaching to a damaged user: %v, want ServiceFailure", err)
	}
	if _, err := root.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("bob"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); apiCode(err) != "ServiceFailure" {
		t.Errorf("tagging a damaged user: %v, want ServiceFailure", err)
	}
	if _, err := root.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{}); apiCode(err) != "ServiceFailure" {
		t.Errorf("account details with a damaged user: %v, want ServiceFailure", err)
	}
	srv.Store.View(ctx, func(tx store.Tx) error {
		e, err := tx.Get("123456789012", "user", "bob")
		if err != nil || string(e.Body) != string(damaged) {
			t.Errorf("the damaged body was rewritten: %s %v", e.Body, err)
		}
		return nil
	})
}

// TestPolicyUseCountsUnderConcurrency: attachments made at once each
// count, as they would if made one by one: the count is kept in the
// transaction that attaches, so no update is lost.
func TestPolicyUseCountsUnderConcurrency(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("shared"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	for i := range n {
		if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("r%d", i)), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(fmt.Sprintf("r%d", i)), PolicyArn: p.Policy.Arn})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got, err := root.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: p.Policy.Arn})
	if err != nil || aws.ToInt32(got.Policy.AttachmentCount) != n {
		t.Errorf("after %d concurrent attachments: %v %v", n, got, err)
	}
}
