package server_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const assumeAnything = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`

// deleteUser removes a user made by limitedUser: its key, its inline
// policy, then the user.
func deleteUser(t *testing.T, root *iam.Client, name string) {
	t.Helper()
	ctx := context.Background()
	keys, err := root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.AccessKeyMetadata {
		if _, err := root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatal(err)
		}
	}
	root.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("limits")})
	if _, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

// TestAttackTrustFollowsUniqueID: a role trusts user bob. Once bob is
// deleted, neither a new user named bob nor a user that renames itself
// to bob may assume the role, and the trust policy shows bob's unique ID
// where his ARN was, as IAM does.
func TestAttackTrustFollowsUniqueID(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	_, bobSTS := limitedUser(t, ts.URL, root, "bob", assumeAnything)
	bob, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:user/bob"]},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("vault"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	assume := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/vault"), RoleSessionName: aws.String("s1")}
	if _, err := bobSTS.AssumeRole(ctx, assume); err != nil {
		t.Fatalf("bob, trusted: %v", err)
	}
	deleteUser(t, root, "bob")

	role, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("vault")})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
	if !strings.Contains(doc, `"`+aws.ToString(bob.User.UserId)+`"`) || strings.Contains(doc, "user/bob") {
		t.Errorf("trust policy after bob is deleted: %s, want his unique ID %s", doc, aws.ToString(bob.User.UserId))
	}

	_, newBobSTS := limitedUser(t, ts.URL, root, "bob", assumeAnything)
	if _, err := newBobSTS.AssumeRole(ctx, assume); apiCode(err) != "AccessDenied" {
		t.Errorf("a new user named bob: %v, want AccessDenied", err)
	}
	deleteUser(t, root, "bob")

	eve, eveSTS := limitedUser(t, ts.URL, root, "eve", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"},
		{"Effect":"Allow","Action":"iam:UpdateUser","Resource":"*"}]}`)
	if _, err := eve.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("eve"), NewUserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	if who, err := eveSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil || aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/bob" {
		t.Fatalf("eve renamed: %v %v", who, err)
	}
	if _, err := eveSTS.AssumeRole(ctx, assume); apiCode(err) != "AccessDenied" {
		t.Errorf("a user renamed to bob: %v, want AccessDenied", err)
	}
}

// TestAttackTrustPrincipalMustExist: IAM refuses a trust policy naming
// a user or role that does not exist, an OIDC provider never created, or
// something that is not a service principal.
func TestAttackTrustPrincipalMustExist(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/team/")}); err != nil {
		t.Fatal(err)
	}
	trust := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity"]}]}`
	}
	for _, tc := range []struct {
		principal string
		ok        bool
	}{
		{`{"AWS":"arn:aws:iam::123456789012:user/nobody"}`, false},
		{`{"AWS":"arn:aws:iam::123456789012:user/bob"}`, false}, // bob lives under /team/
		{`{"AWS":"arn:aws:iam::123456789012:user/team/bob"}`, true},
		{`{"AWS":"arn:aws:iam::123456789012:role/nothing"}`, false},
		{`{"AWS":"arn:aws:iam::999999999999:user/someone"}`, false}, // an account ward does not hold
		{`{"AWS":"arn:aws:iam::123456789012:root"}`, true},
		{`{"AWS":"123456789012"}`, true},
		{`{"Service":"lambda.amazonaws.com"}`, true},
		{`{"Service":"states.eu-west-1.amazonaws.com"}`, true},
		{`{"Service":"evil.example.com"}`, false},
		{`{"Service":"lambda"}`, false},
		{`{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.example.com"}`, false},
		{`{"Federated":"arn:aws:iam::123456789012:saml-provider/corp"}`, false},
		{`{"Federated":"accounts.google.com"}`, true},
	} {
		_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust(tc.principal))})
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.principal, err)
		case !tc.ok && (apiCode(err) != "MalformedPolicyDocument" || !strings.Contains(apiMessage(err), "Invalid principal in policy")):
			t.Errorf("%s: %v, want MalformedPolicyDocument: Invalid principal in policy", tc.principal, err)
		}
		if err == nil {
			root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")})
		}
	}
	// UpdateAssumeRolePolicy checks the same way.
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	_, err := root.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(trust(`{"AWS":"arn:aws:iam::123456789012:user/nobody"}`))})
	if apiCode(err) != "MalformedPolicyDocument" {
		t.Errorf("UpdateAssumeRolePolicy naming nobody: %v", err)
	}
}

// TestAttackKeyRacesDeleteUser: CreateAccessKey racing DeleteUser never
// leaves a key behind its user: either the key exists and the user could
// not be deleted, or the key was refused. A key never authenticates as a
// later user of the same name.
func TestAttackKeyRacesDeleteUser(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	for round := 0; round < 40; round++ {
		if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("racer")}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var key *iam.CreateAccessKeyOutput
		var keyErr, delErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			key, keyErr = root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("racer")})
		}()
		go func() {
			defer wg.Done()
			_, delErr = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("racer")})
		}()
		wg.Wait()
		if keyErr == nil && delErr == nil {
			t.Fatalf("round %d: a key was created and its user deleted", round)
		}
		if keyErr != nil && apiCode(keyErr) != "NoSuchEntity" {
			t.Fatalf("round %d: CreateAccessKey: %v", round, keyErr)
		}
		if delErr != nil {
			// The key won: remove it and the user.
			if apiCode(delErr) != "DeleteConflict" {
				t.Fatalf("round %d: DeleteUser: %v", round, delErr)
			}
			if _, err := root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("racer"), AccessKeyId: key.AccessKey.AccessKeyId}); err != nil {
				t.Fatal(err)
			}
			if _, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("racer")}); err != nil {
				t.Fatal(err)
			}
			// The next user of the name gets nothing of the old key.
			if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("racer")}); err != nil {
				t.Fatal(err)
			}
			_, old := clients(ts.URL, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
			if _, err := old.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
				t.Fatalf("round %d: a deleted key: %v", round, err)
			}
			if _, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("racer")}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestAttackMFADeviceOutlivesUser: a user with an enabled MFA device
// cannot be deleted (IAM: DeleteConflict), so the next user of the name
// cannot inherit the device.
func TestAttackMFADeviceOutlivesUser(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mia")}); err != nil {
		t.Fatal(err)
	}
	dev, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
	if err != nil {
		t.Fatal(err)
	}
	step := time.Now().Unix() / 30
	seed := dev.VirtualMFADevice.Base32StringSeed
	if _, err := root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("mia"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(code(t, seed, step-1)), AuthenticationCode2: aws.String(code(t, seed, step))}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("mia")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("DeleteUser with an MFA device: %v, want DeleteConflict", err)
	}
	// Renamed, the user keeps the device under its new name.
	if _, err := root.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("mia"), NewUserName: aws.String("mia2")}); err != nil {
		t.Fatal(err)
	}
	list, err := root.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("mia2")})
	if err != nil || len(list.MFADevices) != 1 || aws.ToString(list.MFADevices[0].UserName) != "mia2" {
		t.Errorf("the renamed user's devices: %v %v", list, err)
	}
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mia")}); err != nil {
		t.Fatal(err)
	}
	list, err = root.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("mia")})
	if err != nil || len(list.MFADevices) != 0 {
		t.Errorf("a new user of the old name has devices: %v %v", list, err)
	}
}

// TestAttackListGrantOnOneRole: a grant of iam:ListRoles on one role
// does not list every role; IAM authorizes ListRoles on
// arn:aws:iam::ACCOUNT:role/ and the PathPrefix, taken literally.
func TestAttackListGrantOnOneRole(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	narrow, _ := limitedUser(t, ts.URL, root, "narrow", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:ListUsers","iam:ListGroups","iam:ListInstanceProfiles"],
		"Resource":["arn:aws:iam::123456789012:role/app","arn:aws:iam::123456789012:user/app","arn:aws:iam::123456789012:group/app","arn:aws:iam::123456789012:instance-profile/app"]}]}`)
	calls := map[string]func(prefix *string) error{
		"ListRoles": func(p *string) error { _, err := narrow.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: p}); return err },
		"ListUsers": func(p *string) error { _, err := narrow.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: p}); return err },
		"ListGroups": func(p *string) error {
			_, err := narrow.ListGroups(ctx, &iam.ListGroupsInput{PathPrefix: p})
			return err
		},
		"ListInstanceProfiles": func(p *string) error {
			_, err := narrow.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{PathPrefix: p})
			return err
		},
	}
	for name, call := range calls {
		for _, prefix := range []*string{nil, aws.String("/*")} {
			if err := call(prefix); apiCode(err) != "AccessDenied" {
				t.Errorf("%s (PathPrefix %v) with a grant on one entity: %v, want AccessDenied", name, aws.ToString(prefix), err)
			}
		}
	}
	wide, _ := limitedUser(t, ts.URL, root, "wide", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"arn:aws:iam::123456789012:role/*"}]}`)
	if _, err := wide.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Errorf("ListRoles granted on role/*: %v", err)
	}
	teams, _ := limitedUser(t, ts.URL, root, "teams", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"arn:aws:iam::123456789012:role/team/*"}]}`)
	if _, err := teams.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/team/")}); err != nil {
		t.Errorf("ListRoles under /team/ granted on role/team/*: %v", err)
	}
	if _, err := teams.ListRoles(ctx, &iam.ListRolesInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("ListRoles of every path granted on role/team/*: %v", err)
	}
}

// TestAttackExistenceOracle: a caller with no permission learns nothing
// about what exists: the answer for an existing entity and for a missing
// one is the same AccessDenied, in IAM's words ("on resource: role
// NAME").
func TestAttackExistenceOracle(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	for _, name := range []string{"real"} {
		root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
		root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
		root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name)})
		root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)})
		root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(assumeAnything)})
		root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
		root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://" + name + ".example.com"), ClientIDList: []string{"sts.amazonaws.com"}})
	}
	tag := []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
	nobody, nobodySTS := limitedUser(t, ts.URL, root, "nobody", "")
	probes := map[string]func(name string) error{
		"GetRole": func(n string) error {
			_, err := nobody.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(n)})
			return err
		},
		"GetUser": func(n string) error {
			_, err := nobody.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(n)})
			return err
		},
		"GetGroup": func(n string) error {
			_, err := nobody.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(n)})
			return err
		},
		"DeleteGroup": func(n string) error {
			_, err := nobody.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String(n)})
			return err
		},
		"DeleteRole": func(n string) error {
			_, err := nobody.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(n)})
			return err
		},
		"ListAccessKeys": func(n string) error {
			_, err := nobody.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(n)})
			return err
		},
		"ListMFADevices": func(n string) error {
			_, err := nobody.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(n)})
			return err
		},
		"AttachRolePolicy": func(n string) error {
			_, err := nobody.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(n), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		},
		"GetInstanceProfile": func(n string) error {
			_, err := nobody.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(n)})
			return err
		},
		"DeleteInstanceProfile": func(n string) error {
			_, err := nobody.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String(n)})
			return err
		},
		"AddRoleToInstanceProfile": func(n string) error {
			_, err := nobody.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(n), RoleName: aws.String(n)})
			return err
		},
		"GetOpenIDConnectProvider": func(n string) error {
			_, err := nobody.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::123456789012:oidc-provider/" + n + ".example.com")})
			return err
		},
		"DeleteVirtualMFADevice": func(n string) error {
			_, err := nobody.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/" + n)})
			return err
		},
		"GetPolicyVersion": func(n string) error {
			_, err := nobody.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/" + n), VersionId: aws.String("v1")})
			return err
		},
		"GetUserPolicy": func(n string) error {
			_, err := nobody.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String(n), PolicyName: aws.String("p")})
			return err
		},
		"CreateAccessKey": func(n string) error {
			_, err := nobody.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(n)})
			return err
		},
		// Every taggable kind, named by name or by ARN.
		"TagUser": func(n string) error {
			_, err := nobody.TagUser(ctx, &iam.TagUserInput{UserName: aws.String(n), Tags: tag})
			return err
		},
		"ListRoleTags": func(n string) error {
			_, err := nobody.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(n)})
			return err
		},
		"TagPolicy": func(n string) error {
			_, err := nobody.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/" + n), Tags: tag})
			return err
		},
		"UntagInstanceProfile": func(n string) error {
			_, err := nobody.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: aws.String(n), TagKeys: []string{"k"}})
			return err
		},
		"ListMFADeviceTags": func(n string) error {
			_, err := nobody.ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/" + n)})
			return err
		},
		"TagOpenIDConnectProvider": func(n string) error {
			_, err := nobody.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::123456789012:oidc-provider/" + n + ".example.com"), Tags: tag})
			return err
		},
		"AssumeRole": func(n string) error {
			_, err := nobodySTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/" + n), RoleSessionName: aws.String("s1")})
			return err
		},
	}
	for op, probe := range probes {
		real, missing := probe("real"), probe("missing")
		if apiCode(real) != "AccessDenied" || apiCode(missing) != "AccessDenied" {
			t.Errorf("%s: existing %v; missing %v; want AccessDenied for both", op, real, missing)
			continue
		}
		if strings.ReplaceAll(apiMessage(real), "real", "X") != strings.ReplaceAll(apiMessage(missing), "missing", "X") {
			t.Errorf("%s tells existing from missing:\n  %s\n  %s", op, apiMessage(real), apiMessage(missing))
		}
	}
	_, err := nobody.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("real")})
	if want := "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: iam:GetRole on resource: role real because no identity-based policy allows the iam:GetRole action"; apiMessage(err) != want {
		t.Errorf("GetRole denied: %q, want %q", apiMessage(err), want)
	}
}

// TestAttackCredentialMisuse: the root user may not assume a role; a
// long-term key sent with a session token is refused, not run with the
// token ignored; a key's last use is authorized on its owner's ARN with
// its path.
func TestAttackCredentialMisuse(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, rootSTS := clients(ts.URL, id, secret, "")
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err := rootSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "Roles may not be assumed by root accounts") {
		t.Errorf("root AssumeRole: %v", err)
	}
	withToken, _ := clients(ts.URL, id, secret, "any-token")
	if _, err := withToken.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("a long-term key with a session token: %v, want InvalidClientTokenId", err)
	}

	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/team/")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	keyID := key.AccessKey.AccessKeyId
	onPath, _ := limitedUser(t, ts.URL, root, "auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetAccessKeyLastUsed","Resource":"arn:aws:iam::123456789012:user/team/*"}]}`)
	if _, err := onPath.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: keyID}); err != nil {
		t.Errorf("GetAccessKeyLastUsed granted on user/team/*: %v", err)
	}
	noPath, _ := limitedUser(t, ts.URL, root, "auditor2", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetAccessKeyLastUsed","Resource":"arn:aws:iam::123456789012:user/bob"}]}`)
	if _, err := noPath.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: keyID}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetAccessKeyLastUsed granted on the ARN without bob's path: %v", err)
	}
	// The root key's owner is the root user, not whoever asks.
	self, _ := limitedUser(t, ts.URL, root, "self", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetAccessKeyLastUsed","Resource":"arn:aws:iam::123456789012:user/self"}]}`)
	if _, err := self.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetAccessKeyLastUsed of the root key by a user allowed on itself: %v", err)
	}
}
