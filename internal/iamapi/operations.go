package iamapi

// handler answers one operation; its result goes into c.x.
type handler func(*call) error

// api is which of the two Query APIs an operation belongs to: the
// signature's service and the XML namespace of the answer.
type api uint8

const (
	iamAPI api = iota + 1
	stsAPI
)

// operation is one IAM or STS operation ward answers.
type operation struct {
	api    api
	handle handler
	// action is the IAM action the call is authorized as
	// (Service Authorization Reference): the API's prefix and the
	// operation's name, for every operation ward answers.
	action string
	// unsigned: the request carries no signature (the web identity token
	// is the credential).
	unsigned bool
}

// operations is every operation ward answers, by Action, in one place.
// Each handler reads its parameters with c.p, which checkParams has
// checked against paramConstraints (validate.go) before it runs.
var operations = func() map[string]operation {
	iam := map[string]handler{
		// Users, groups and roles (users.go, groups.go, roles.go).
		"CreateUser": createUser, "GetUser": getUser, "ListUsers": listUsers, "UpdateUser": updateUser, "DeleteUser": deleteUser,
		"CreateGroup": createGroup, "GetGroup": getGroup, "ListGroups": listGroups, "DeleteGroup": deleteGroup,
		"AddUserToGroup": groupMembership(true), "RemoveUserFromGroup": groupMembership(false), "ListGroupsForUser": listGroupsForUser,
		"CreateRole": createRole, "GetRole": getRole, "ListRoles": listRoles, "DeleteRole": deleteRole,
		"UpdateRole": updateRole, "UpdateRoleDescription": updateRole, "UpdateAssumeRolePolicy": updateAssumeRolePolicy,

		// Managed policies and their versions (policies.go, policyversions.go).
		"CreatePolicy": createPolicy, "GetPolicy": getPolicy, "ListPolicies": listPolicies, "DeletePolicy": deletePolicy,
		"ListEntitiesForPolicy": listEntitiesForPolicy,
		"CreatePolicyVersion":   createPolicyVersion, "GetPolicyVersion": getPolicyVersion, "ListPolicyVersions": listPolicyVersions,
		"SetDefaultPolicyVersion": setDefaultPolicyVersion, "DeletePolicyVersion": deletePolicyVersion,

		// Attached managed policies (attachments.go).
		"AttachUserPolicy": attach(kindUser, "UserName", true), "DetachUserPolicy": attach(kindUser, "UserName", false),
		"AttachGroupPolicy": attach(kindGroup, "GroupName", true), "DetachGroupPolicy": attach(kindGroup, "GroupName", false),
		"AttachRolePolicy": attach(kindRole, "RoleName", true), "DetachRolePolicy": attach(kindRole, "RoleName", false),
		"ListAttachedUserPolicies": listAttached(kindUser, "UserName"), "ListAttachedGroupPolicies": listAttached(kindGroup, "GroupName"),
		"ListAttachedRolePolicies": listAttached(kindRole, "RoleName"),

		// Inline policies (inline.go).
		"PutUserPolicy": putInline(kindUser, "UserName"), "GetUserPolicy": getInline(kindUser, "UserName"),
		"DeleteUserPolicy": deleteInline(kindUser, "UserName"), "ListUserPolicies": listInline(kindUser, "UserName"),
		"PutGroupPolicy": putInline(kindGroup, "GroupName"), "GetGroupPolicy": getInline(kindGroup, "GroupName"),
		"DeleteGroupPolicy": deleteInline(kindGroup, "GroupName"), "ListGroupPolicies": listInline(kindGroup, "GroupName"),
		"PutRolePolicy": putInline(kindRole, "RoleName"), "GetRolePolicy": getInline(kindRole, "RoleName"),
		"DeleteRolePolicy": deleteInline(kindRole, "RoleName"), "ListRolePolicies": listInline(kindRole, "RoleName"),

		// Permissions boundaries (boundaries.go).
		"PutUserPermissionsBoundary": boundary(kindUser, "UserName", true), "DeleteUserPermissionsBoundary": boundary(kindUser, "UserName", false),
		"PutRolePermissionsBoundary": boundary(kindRole, "RoleName", true), "DeleteRolePermissionsBoundary": boundary(kindRole, "RoleName", false),

		// Access keys (accesskeys.go).
		"CreateAccessKey": createAccessKey, "ListAccessKeys": listAccessKeys, "UpdateAccessKey": updateAccessKey,
		"DeleteAccessKey": deleteAccessKey, "GetAccessKeyLastUsed": getAccessKeyLastUsed,

		// Tags, one implementation for every taggable kind (tags.go).
		"TagUser": tagOp(taggedUsers, true), "UntagUser": tagOp(taggedUsers, false), "ListUserTags": listTagsOp(taggedUsers),
		"TagRole": tagOp(taggedRoles, true), "UntagRole": tagOp(taggedRoles, false), "ListRoleTags": listTagsOp(taggedRoles),
		"TagPolicy": tagOp(taggedPolicies, true), "UntagPolicy": tagOp(taggedPolicies, false), "ListPolicyTags": listTagsOp(taggedPolicies),
		"TagInstanceProfile": tagOp(taggedProfiles, true), "UntagInstanceProfile": tagOp(taggedProfiles, false),
		"ListInstanceProfileTags":  listTagsOp(taggedProfiles),
		"TagOpenIDConnectProvider": tagOp(taggedOIDC, true), "UntagOpenIDConnectProvider": tagOp(taggedOIDC, false),
		"ListOpenIDConnectProviderTags": listTagsOp(taggedOIDC),
		"TagMFADevice":                  tagOp(taggedMFA, true), "UntagMFADevice": tagOp(taggedMFA, false), "ListMFADeviceTags": listTagsOp(taggedMFA),

		// Instance profiles (instanceprofiles.go).
		"CreateInstanceProfile": createInstanceProfile, "GetInstanceProfile": getInstanceProfile,
		"ListInstanceProfiles": listInstanceProfiles, "DeleteInstanceProfile": deleteInstanceProfile,
		"AddRoleToInstanceProfile": profileRole(true), "RemoveRoleFromInstanceProfile": profileRole(false),
		"ListInstanceProfilesForRole": listInstanceProfilesForRole,

		// Virtual MFA devices (mfa.go).
		"CreateVirtualMFADevice": createVirtualMFADevice, "DeleteVirtualMFADevice": deleteVirtualMFADevice,
		"EnableMFADevice": enableMFADevice, "DeactivateMFADevice": deactivateMFADevice,
		"ListMFADevices": listMFADevices, "ListVirtualMFADevices": listVirtualMFADevices,

		// OpenID Connect providers (oidc.go).
		"CreateOpenIDConnectProvider": createOIDCProvider, "GetOpenIDConnectProvider": getOIDCProvider,
		"ListOpenIDConnectProviders": listOIDCProviders, "DeleteOpenIDConnectProvider": deleteOIDCProvider,

		// The account (account.go).
		"GetAccountSummary": getAccountSummary, "GetAccountAuthorizationDetails": getAccountAuthorizationDetails,

		// The policy simulator (simulation.go).
		"SimulatePrincipalPolicy": simulatePrincipalPolicy, "SimulateCustomPolicy": simulateCustomPolicy,
		"GetContextKeysForPrincipalPolicy": getContextKeysForPrincipalPolicy, "GetContextKeysForCustomPolicy": getContextKeysForCustomPolicy,
	}
	// STS (sts.go).
	sts := map[string]handler{
		"GetCallerIdentity": getCallerIdentity, "GetSessionToken": getSessionToken, "GetFederationToken": getFederationToken,
		"AssumeRole": assumeRole, "AssumeRoleWithWebIdentity": assumeRoleWithWebIdentity,
	}
	ops := map[string]operation{}
	for name, h := range iam {
		ops[name] = operation{api: iamAPI, handle: h, action: "iam:" + name}
	}
	for name, h := range sts {
		if _, clash := ops[name]; clash {
			panic("operation " + name + " is in both APIs")
		}
		ops[name] = operation{api: stsAPI, handle: h, action: "sts:" + name, unsigned: name == "AssumeRoleWithWebIdentity"}
	}
	return ops
}()
