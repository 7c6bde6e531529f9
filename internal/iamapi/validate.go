package iamapi

import (
	"github.com/wardhq/ward/internal/awsquery"
)

// The IAM and STS request parameters' constraints, written from the two
// API references (the Request Parameters of each action and of the Tag,
// ContextEntry, PolicyDescriptorType and OrderedOrganizationPolicyType
// types), checked by awsquery's Rules before an operation runs; the
// operations keep their own checks of what no constraint says (quotas,
// documents, names that must exist).

// paramRules is paramConstraints filed for checking.
var paramRules = func() *awsquery.Rules {
	r, err := awsquery.NewRules(paramConstraints)
	if err != nil {
		panic(err) // the table is code: a bad pattern fails every test
	}
	return r
}()

// checkParams validates the parameters of op; nil when all pass. STS
// quotes the failing value; IAM no longer does.
func checkParams(op string, p awsquery.Params) *awsquery.Error {
	return paramRules.Check(op, p, operations[op].api == stsAPI)
}

// Patterns the references use more than once.
const (
	patName       = `[\w+=,.@-]+`
	patPath       = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
	patPathPrefix = `\u002F[\u0021-\u007F]*`
	patDocument   = `[\u0009\u000A\u000D\u0020-\u00FF]+`
	patTagKey     = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	patTagValue   = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	patMarker     = `[\u0020-\u00FF]+`
	patRoleDesc   = `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`
	patSession    = `[\w+=,.@-]*`
	patSerialIAM  = `[\w+=/:,.@-]+`
	patSerialSTS  = `[\w+=/:,.@-]*`
	patCode       = `[\d]+`
	patCodeSTS    = `[\d]*`
	patPolicyPath = `((/[A-Za-z0-9\.,\+@=_-]+)*)/`
	patSTSARN     = `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`
	patAccessKey  = `[\w]+`
	patVersionID  = `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`
	// patText is what XML 1.0 can carry, for the free-text parameters the
	// references give no pattern (CreatePolicy's Description, only "at most
	// 1,000 characters"; URLs, client IDs, IAM's ARNs, the simulator's
	// names and context values). What IAM does with a control character
	// in them is not documented; ward takes the closed side and refuses
	// it (and, in check, bytes that are not UTF-8), since a value stored
	// with one would make every listing that shows it unparseable.
	patText = `[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\x{10000}-\x{10FFFF}]*`
)

func text(minLen, maxLen int, pattern string) *awsquery.Constraint {
	return &awsquery.Constraint{MinLen: minLen, MaxLen: maxLen, Pattern: pattern}
}

func name(maxLen int) *awsquery.Constraint {
	return &awsquery.Constraint{MinLen: 1, MaxLen: maxLen, Pattern: patName, EntityName: true}
}

func number(min, max int64) *awsquery.Constraint {
	return &awsquery.Constraint{Number: true, Min: min, Max: max}
}

func oneOf(values ...string) *awsquery.Constraint { return &awsquery.Constraint{Enum: values} }

func items(max int) *awsquery.Constraint { return &awsquery.Constraint{MaxItems: max} }

// paramConstraints maps a parameter, its list members written as
// "Name.member" ("Tags.member.Key"), optionally prefixed by an action
// ("AssumeRole.DurationSeconds"), to its constraint.
var paramConstraints = map[string]*awsquery.Constraint{
	// Names and paths. A user's name is 64 characters where a user is
	// created or named anew, 128 where it names an existing user.
	"UserName":                            name(128),
	"CreateUser.UserName":                 name(64),
	"AttachUserPolicy.UserName":           name(64),
	"PutUserPermissionsBoundary.UserName": name(64),
	"NewUserName":                         name(64),
	"GroupName":                           name(128),
	"NewGroupName":                        name(128),
	"RoleName":                            name(64),
	"PolicyName":                          name(128),
	"InstanceProfileName":                 name(128),
	"VirtualMFADeviceName":                name(0),
	"Path":                                text(1, 512, patPath),
	"CreatePolicy.Path":                   text(1, 512, patPolicyPath),
	"NewPath":                             text(1, 512, patPath),
	"PathPrefix":                          text(1, 512, patPathPrefix),
	"ListPolicies.PathPrefix":             text(1, 512, patPolicyPath),
	"ListEntitiesForPolicy.PathPrefix":    text(1, 512, patPath),

	// Documents, descriptions and ARNs (IAM's ARNs have no pattern).
	"PolicyDocument":           text(1, 131072, patDocument),
	"AssumeRolePolicyDocument": text(1, 131072, patDocument),
	"Description":              text(0, 1000, patRoleDesc),
	"CreatePolicy.Description": text(0, 1000, patText),
	"MaxSessionDuration":       number(3600, 43200),
	"PolicyArn":                text(20, 2048, patText),
	"PermissionsBoundary":      text(20, 2048, patText),
	"OpenIDConnectProviderArn": text(20, 2048, patText),
	"VersionId":                text(0, 0, patVersionID),
	"SetAsDefault":             oneOf("true", "false"),
	"OnlyAttached":             oneOf("true", "false"),

	// Tags (IAM's and STS's Tag types are the same).
	"Tags":              items(50),
	"Tags.member.Key":   text(1, 128, patTagKey),
	"Tags.member.Value": text(0, 256, patTagValue),
	"TagKeys":           items(50),
	"TagKeys.member":    text(1, 128, patTagKey),

	// Pagination and list filters.
	"Marker":            text(1, 320, patMarker),
	"MaxItems":          number(1, 1000),
	"Scope":             oneOf("All", "AWS", "Local"),
	"PolicyUsageFilter": oneOf("PermissionsPolicy", "PermissionsBoundary"),
	"EntityFilter":      oneOf("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"),
	"AssignmentStatus":  oneOf("Assigned", "Unassigned", "Any"),
	"Filter.member":     oneOf("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"),

	// Access keys and MFA.
	"AccessKeyId":         text(16, 128, patAccessKey),
	"Status":              oneOf("Active", "Inactive", "Expired"),
	"SerialNumber":        text(9, 256, patSerialIAM),
	"AuthenticationCode1": text(6, 6, patCode),
	"AuthenticationCode2": text(6, 6, patCode),

	// OIDC providers (the numbers of client IDs and thumbprints are
	// quotas, not constraints).
	"Url":                   text(1, 255, patText),
	"ClientIDList.member":   text(1, 255, patText),
	"ThumbprintList.member": text(40, 40, patText),
	"ClientID":              text(1, 255, patText),

	// The simulator. The references give ActionNames and ResourceArns no
	// number of members; ward takes at most 1,000 of each (a service's
	// every action fits), so that the results, actions × resources, paged
	// by MaxItems, stay under a million.
	"ActionNames":            items(1000),
	"ResourceArns":           items(1000),
	"PolicySourceArn":        text(20, 2048, patText),
	"ActionNames.member":     text(3, 128, patText),
	"ResourceArns.member":    text(1, 2048, patText),
	"CallerArn":              text(1, 2048, patText),
	"ResourceOwner":          text(1, 2048, patText),
	"ResourcePolicy":         text(1, 131072, patDocument),
	"PolicyInputList.member": text(1, 131072, patDocument),
	"PermissionsBoundaryPolicyInputList.member":                                      text(1, 131072, patDocument),
	"OrderedOrganizationPolicyInputList":                                             items(7),
	"OrderedOrganizationPolicyInputList.member.ServiceControlPolicyInputList.member": text(1, 131072, patDocument),
	"ContextEntries.member.ContextKeyName":                                           text(5, 256, patText),
	"ContextEntries.member.ContextKeyValues.member":                                  text(0, 0, patText),
	"ContextEntries.member.ContextKeyType": oneOf("string", "stringList", "numeric", "numericList", "boolean", "booleanList",
		"ip", "ipList", "binary", "binaryList", "date", "dateList"),

	// STS.
	"RoleArn":                  text(20, 2048, patSTSARN),
	"RoleSessionName":          text(2, 64, patSession),
	"ExternalId":               text(2, 1224, `[\w+=,.@:\/-]*`),
	"SourceIdentity":           text(2, 64, patSession),
	"TokenCode":                text(6, 6, patCodeSTS),
	"PolicyArns.member.arn":    text(20, 2048, patSTSARN),
	"TransitiveTagKeys":        items(50),
	"TransitiveTagKeys.member": text(1, 128, patTagKey),
	"WebIdentityToken":         text(4, 20000, patText),
	"ProviderId":               text(4, 2048, patText),
	// AssumeRole's session policy lost its maximum length in 2023; the
	// packed size limit applies instead.
	"AssumeRole.Policy":                         text(1, 0, patDocument),
	"GetFederationToken.Policy":                 text(1, 2048, patDocument),
	"AssumeRoleWithWebIdentity.Policy":          text(1, 2048, patDocument),
	"AssumeRole.SerialNumber":                   text(9, 256, patSerialSTS),
	"GetSessionToken.SerialNumber":              text(9, 256, patSerialSTS),
	"GetFederationToken.Name":                   text(2, 32, patSession),
	"AssumeRole.DurationSeconds":                number(900, 43200),
	"AssumeRoleWithWebIdentity.DurationSeconds": number(900, 43200),
	"GetSessionToken.DurationSeconds":           number(900, 129600),
	"GetFederationToken.DurationSeconds":        number(900, 129600),
}
