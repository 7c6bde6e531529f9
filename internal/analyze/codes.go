package analyze

import (
	"sort"

	"github.com/wardhq/ward/internal/policy"
)

// Finding codes. They are stable: CI configurations and suppressions name
// them. Each has a page under docs/findings/, generated from the table
// below by the tests, so the examples there are the ones the tests prove.
const (
	CodeInvalidPolicy         = string(policy.CodeInvalidPolicy)
	CodeUnreadableInput       = "unreadable-input"
	CodePolicyTooLarge        = string(policy.CodePolicyTooLarge)
	CodeUnknownService        = "unknown-service"
	CodeUnknownAction         = "unknown-action"
	CodeInvalidARN            = "invalid-arn"
	CodeConditionTypeMismatch = "condition-type-mismatch"
	CodeInvalidConditionValue = "invalid-condition-value"

	CodeFullAdmin                = "full-admin"
	CodeAllowNotAction           = "allow-with-not-action"
	CodeAllowNotResource         = "allow-with-not-resource"
	CodePassRoleUnrestricted     = "passrole-unrestricted"
	CodePublicAccess             = "public-access"
	CodeConfusedDeputy           = "confused-deputy"
	CodeWebIdentityTrustUnscoped = "web-identity-trust-unscoped"
	CodePrivilegeEscalation      = "privilege-escalation"
	CodeCredentialExposure       = "credential-exposure"
	CodeDataExposure             = "data-exposure"
	CodeResourceExposure         = "resource-exposure"

	CodeUnknownConditionKey      = "unknown-condition-key"
	CodeConditionKeyNotSupported = "condition-key-not-supported"
	CodeResourceTypeMismatch     = "resource-type-mismatch"
	CodeStatementNeverMatches    = "statement-never-matches"
	CodeMissingVersion           = "missing-version"
	CodeBareStatement            = "bare-statement"
	CodeUnknownUntilApply        = "unknown-until-apply"
	CodeLiteralVariable          = "variable-without-version"
	CodeForAllValuesWithoutNull  = "forallvalues-without-null"
	CodeSetOperatorSingleValue   = "set-operator-on-single-value"
	CodeRedundantAction          = "redundant-action"
	CodeRedundantResource        = "redundant-resource"
	CodeRedundantStatement       = "redundant-statement"

	CodeAllowNotPrincipal           = "allow-with-not-principal"
	CodeDenyTagConditionUnsupported = "deny-tag-condition-unsupported"
	CodeS3PrefixNegated             = "s3-prefix-negated"
	CodeUntrustworthyConditionKey   = "untrustworthy-condition-key"
	CodeMissingPairedConditionKey   = "missing-paired-condition-key"
	CodeStringOperatorOnARN         = "string-operator-on-arn"

	CodePrivateIP               = "private-ip-address"
	CodeInvalidVariable         = "invalid-variable"
	CodeTrustActionMismatch     = "trust-action-mismatch"
	CodeInvalidServicePrincipal = "invalid-service-principal"

	CodeWildcardWithoutLike    = "wildcard-without-like"
	CodeDeprecatedConditionKey = "deprecated-condition-key"
	CodeDuplicateSid           = "duplicate-sid"
	CodeCreateSLRUnrestricted  = "create-slr-unrestricted"
	CodeMissingSetOperator     = "missing-set-operator"
	CodePrincipalUniqueID      = "principal-unique-id"
	CodeGitHubTrustWildcard    = "github-trust-wildcard"

	CodeNullWithSetOperator          = "null-with-set-operator"
	CodeIPRangeNotCanonical          = "ip-range-not-canonical"
	CodeRedundantConditionValue      = "redundant-condition-value"
	CodePrivateIPSubset              = "private-ip-address-subset"
	CodeAllowTagConditionUnsupported = "allow-tag-condition-unsupported"
	CodeEmptySid                     = "empty-sid"
	CodeRedundantPrincipal           = "redundant-principal"
	CodeEquivalentToNull             = "equivalent-to-null"

	CodeResourceWildcard   = "resource-wildcard"
	CodeServiceWildcard    = "service-wildcard"
	CodeBroadManagedPolicy = "aws-managed-broad-policy"
)

// CodeInfo documents a finding code.
type CodeInfo struct {
	Code     string
	Severity Severity
	Title    string
	// Why explains what the finding means and why it matters.
	Why string
	// Fix is the default advice; findings may give more specific advice.
	Fix string
	// Kind is the policy kind the examples are checked as.
	Kind policy.Kind
	// Bad triggers the finding; Good is a near-identical policy that
	// must not. Both are empty for a code about reading an input rather
	// than a policy in it (unreadable-input), tested by the command.
	Bad, Good string
}

// Codes lists every code, in severity and then name order.
func Codes() []CodeInfo {
	out := make([]CodeInfo, 0, len(codes))
	for _, c := range codes {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Severity != out[j].Severity {
			return out[i].Severity < out[j].Severity
		}
		return out[i].Code < out[j].Code
	})
	return out
}

var codes = func() map[string]CodeInfo {
	m := map[string]CodeInfo{}
	for _, c := range append(codeTable, checkCodeTable...) {
		if c.Kind == 0 {
			c.Kind = policy.KindIdentity
		}
		m[c.Code] = c
	}
	return m
}()

var codeTable = []CodeInfo{
	{Code: CodeUnreadableInput, Severity: Error, Title: "The input cannot be read",
		Why: "A path given to ward check that does not exist, is not readable, or is a folder that cannot be walked: nothing in it was checked, so the run exits with status 2 rather than pass. It is not an invalid policy: no policy was read.",
		Fix: "check the path and its permissions"},
	{Code: CodeInvalidPolicy, Severity: Error, Title: "The document is not a valid policy of its kind",
		Why:  "IAM refuses to store it (MalformedPolicyDocument), or it breaks a rule of its kind: a Principal in an identity policy, NotPrincipal in a trust policy, an RCP that allows, a Sid that is not alphanumeric.",
		Fix:  "correct the element the message names",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}`},
	{Code: CodePolicyTooLarge, Severity: Error, Title: "The policy is over IAM's size quota",
		Why: "IAM counts a policy's characters without whitespace and refuses one over the quota for its kind with LimitExceeded: 6,144 for a managed policy, 2,048 for a role's trust policy (the default ACLSizePerRole, which can be raised to 4,096) and for a session policy, 5,120 for an SCP or RCP. " +
			"Inline policies are held to their entity's quota for all of them together: 2,048 for a user, 5,120 for a group, 10,240 for a role. " +
			"ward check knows a policy is inline where its input says so (the inline policy lists of account details; a CloudFormation role's, user's or group's Policies, AWS::IAM::RolePolicy, UserPolicy, GroupPolicy and Policy; a Terraform aws_iam_role's inline_policy, aws_iam_role_policy, aws_iam_user_policy and aws_iam_group_policy), holds it to its entity's quota, adds up each entity's inline policies in the input and reports the one that takes it over, as IAM refuses the PutRolePolicy that would. " +
			"An AWS::IAM::Policy put in entities of several kinds is held to the strictest of their quotas. A policy file of its own, whose attachment ward cannot know, is held to a managed policy's 6,144.",
		Fix:  "merge statements with the same Effect and Resource, use wildcards IAM documents (s3:Get*), or split the policy in two",
		Bad:  largePolicy(130),
		Good: largePolicy(40)},
	{Code: CodeUnknownService, Severity: Error, Title: "The action's service prefix does not exist",
		Why:  "No AWS service has this prefix, so the pattern matches no request: the statement grants or denies nothing, and the permission its author meant is missing.",
		Fix:  "use the service's prefix from the Service Authorization Reference (`ward actions 'PREFIX:*'` lists what exists)",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamo:GetItem", "Resource": "arn:aws:dynamodb:*:*:table/Orders"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:*:*:table/Orders"}]}`},
	{Code: CodeUnknownAction, Severity: Error, Title: "The action pattern matches no action",
		Why:  "A misspelt action matches no request. In an Allow the permission is missing; in a Deny the guard is silently gone.",
		Fix:  "correct the name (`ward describe SERVICE:ACTION` checks one, `ward actions 'SERVICE:Prefix*'` lists candidates)",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObjekt", "Resource": "arn:aws:s3:::audit-logs/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::audit-logs/*"}]}`},
	{Code: CodeInvalidARN, Severity: Error, Title: "The resource is not a valid ARN",
		Why:  "A resource is \"*\" or an ARN of six parts, arn:partition:service:region:account:resource, with no wildcard in the service part. Anything else matches no request.",
		Fix:  "write the full ARN; `ward describe ACTION` shows the format each resource type takes",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "s3:::reports/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}`},
	{Code: CodeConditionTypeMismatch, Severity: Error, Title: "The operator does not fit the condition key's type",
		Why:  "Each key has a type (String, ARN, Numeric, Date, Bool, IPAddress). An operator of another family compares the wrong way: StringEquals on aws:SourceIp compares text and never matches a CIDR range; DateLessThan on a string never holds.",
		Fix:  "use an operator of the key's family (IpAddress for addresses, DateLessThan for dates, Bool for booleans)",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"StringEquals": {"aws:SourceIp": "203.0.113.0/24"}}}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}`},
	{Code: CodeInvalidConditionValue, Severity: Error, Title: "A condition value cannot be read for its operator",
		Why:  "A bad CIDR, date, number, boolean or base64 value makes the condition false for every request, so an Allow grants nothing and a Deny guards nothing. Policy variables do not work in Numeric, Date, IP or Bool values.",
		Fix:  "write the value in the operator's format",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/33"}}}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}`},

	{Code: CodeFullAdmin, Severity: SecurityWarning, Title: "The policy grants administrator access",
		Why:  "Every action on every resource, with no condition, directly or through NotAction: whoever holds it controls the account, IAM included. ward decides this with the engine, so a Deny that takes something back, or a condition that must hold, is respected.",
		Fix:  "grant the actions and resources the workload uses; keep administrator access for break-glass roles with MFA conditions",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "*"}, {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}`},
	{Code: CodeAllowNotAction, Severity: SecurityWarning, Title: "Allow with NotAction",
		Why:  "An Allow with NotAction grants every action not listed, in every service, including actions AWS adds later. It is almost always broader than meant.",
		Fix:  "list the actions to allow with Action; carve exceptions out with a Deny statement",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::reports/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}`},
	{Code: CodeAllowNotResource, Severity: SecurityWarning, Title: "Allow with NotResource",
		Why:  "An Allow with NotResource grants its actions on every resource not listed, including resources created later and resources in other accounts.",
		Fix:  "list the resources to allow with Resource; exclude with a Deny statement",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secrets/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}`},
	{Code: CodePassRoleUnrestricted, Severity: SecurityWarning, Title: "iam:PassRole on every role, or to any service",
		Why:  "Passing a role to a service lets that service act with the role. On \"*\" the holder can pass any role, an administrator's included, to a service it controls (Lambda, EC2) and act as it. Without iam:PassedToService the roles can go to any service, not only the one they are for.",
		Fix:  "name the roles, and add a condition on iam:PassedToService",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111111111111:role/lex-logs"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111111111111:role/lex-logs", "Condition": {"StringEquals": {"iam:PassedToService": "lexv2.amazonaws.com"}}}]}`},
	{Code: CodePublicAccess, Severity: SecurityWarning, Kind: policy.KindResource, Title: "A resource or trust policy allows everyone",
		Why:  "\"Principal\": \"*\" (or NotPrincipal) that no condition or Deny keeps to the accounts and organizations the policy names lets anyone in — any account, or no account at all — do what the statement allows. Decided over every request, as `ward prove --not-public` does with named services trusted.",
		Fix:  "name the principals, or add a condition on aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceArn, aws:SourceAccount or aws:SourceVpce",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111111111111:orders"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111111111111:orders", "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:order-events"}}}]}`},
	{Code: CodeConfusedDeputy, Severity: SecurityWarning, Kind: policy.KindResource, Title: "A service may act on the resource for anyone",
		Why:  "A resource policy that allows a service principal (sns.amazonaws.com, cloudtrail.amazonaws.com, ...) without aws:SourceArn or aws:SourceAccount lets the service act on the resource for any of its customers: another account can point its own topic, trail or bucket at this resource, and the service, trusted here, does the work (IAM User Guide, \"The confused deputy problem\").",
		Fix:  "add a condition on aws:SourceArn (the resource the service acts for) or aws:SourceAccount (the account it acts for)",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111111111111:orders"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111111111111:orders", "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:order-events"}}}]}`},
	{Code: CodeWebIdentityTrustUnscoped, Severity: SecurityWarning, Kind: policy.KindTrust, Title: "A web identity trust lets in every identity of its provider",
		Why:  "A role trusted to an OpenID Connect provider with no condition on the provider's sub claim can be assumed with any token the provider issues: for GitHub Actions, a workflow in anyone's repository; for an EKS cluster, any pod. A Cognito identity pool trust needs cognito-identity.amazonaws.com:aud, or every pool's identities qualify. A condition whose values are all \"*\" does not count.",
		Fix:  "add a condition on the provider's sub claim (cognito-identity.amazonaws.com:aud for Cognito) naming the identities that may assume the role",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}}]}`},
	{Code: CodePrivilegeEscalation, Severity: SecurityWarning, Title: "The policy lets its holder raise its own privileges",
		Why:  "Some permissions lead to others: writing a policy version, attaching policies, creating keys for other users, or passing a role to a service that runs code. ward checks the known methods (32 of them) with the engine, so all the actions a method needs must be granted together.",
		Fix:  "remove the permission, scope it to resources the holder cannot use to escalate, or guard it with a permissions boundary",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}`},
	{Code: CodeCredentialExposure, Severity: SecurityWarning, Title: "Secrets or keys readable on every resource",
		Why:  "secretsmanager:GetSecretValue, ssm:GetParameter* or kms:Decrypt on \"*\" reads every secret, parameter or encrypted object in the account, not only the workload's.",
		Fix:  "name the secrets, parameters or keys",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:us-east-1:111111111111:secret:orders-db-*"}]}`},
	{Code: CodeDataExposure, Severity: SecurityWarning, Title: "Data readable on every resource",
		Why:  "s3:GetObject, DynamoDB reads or sqs:ReceiveMessage on \"*\" read every bucket, table or queue the account can reach.",
		Fix:  "name the buckets, tables or queues",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::storage-bucket/*"}]}`},
	{Code: CodeResourceExposure, Severity: SecurityWarning, Title: "Resource policies writable on every resource",
		Why:  "s3:PutBucketPolicy, kms:PutKeyPolicy, lambda:AddPermission, iam:UpdateAssumeRolePolicy and their kin change who else may use a resource. On \"*\" the holder can open any of them to anyone.",
		Fix:  "name the resources, or remove the permission from workloads",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "arn:aws:s3:::site-assets"}]}`},

	{Code: CodeUnknownConditionKey, Severity: Warning, Title: "The condition key does not exist",
		Why:  "No request carries a key that does not exist, so a positive operator on it is never true and a negated one always is. Misspelt keys (iam:AccessKeysCount) pass every other linter. Identity providers' keys count as known: the claims of any OpenID Connect provider's token (PROVIDER:aud, :sub, :amr, :azp, :email, :oaud, with the provider named by its host and path, as GitHub Actions' token.actions.githubusercontent.com or an EKS cluster's oidc.eks.REGION.amazonaws.com/id/ID), the claims the Service Authorization Reference lists for named providers (Cognito, Google, GitHub's job_workflow_ref and others), and SAML's attributes (SAML:aud and the rest).",
		Fix:  "use a key the Service Authorization Reference lists (`ward describe ACTION` shows an action's keys), or a claim IAM reads from a web identity token",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"IpAddress": {"aws:SourceIpAddress": "203.0.113.0/24"}}}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}`},
	{Code: CodeConditionKeyNotSupported, Severity: Warning, Title: "None of the statement's actions supports the condition key",
		Why:  "A service key reaches only the actions that list it. On other actions the key is absent, so a positive condition never holds and the statement grants nothing; a negated one always holds.",
		Fix:  "move the condition to a statement with actions that support it, or use a key these actions list",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"StringEquals": {"s3:prefix": "2026/"}}}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports", "Condition": {"StringLike": {"s3:prefix": "2026/*"}}}]}`},
	{Code: CodeResourceTypeMismatch, Severity: Warning, Title: "No action of the statement takes this resource",
		Why:  "Each action is authorized on particular resource types (an object, a bucket, a table). A Resource of a type none of the statement's actions takes grants nothing there: s3:ListBucket on objects, s3:GetObject on a bucket.",
		Fix:  "use the ARN of the resource type the action takes (`ward describe ACTION`)",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports"}]}`},
	{Code: CodeStatementNeverMatches, Severity: Warning, Title: "The statement can never apply",
		Why:  "NotAction or NotResource \"*\", a condition whose value cannot be read, conditions no request meets together (decided over every value of their keys), or actions that all do not exist: no request meets the statement, so it is dead text that readers take for a real grant or guard.",
		Fix:  "correct the statement or remove it",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "NotResource": "*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::reports/*"}]}`},
	{Code: CodeBareStatement, Severity: Warning, Title: "Statements without the policy around them",
		Why:  "IAM takes a policy document, {\"Version\": \"2012-10-17\", \"Statement\": [...]}, and refuses a statement or a list of statements given alone, as documentation often shows them. ward checks them as the policy they stand for, so every other finding still holds, and says once that the file itself would be refused.",
		Fix:  "put the statements in {\"Version\": \"2012-10-17\", \"Statement\": [ ... ]}",
		Bad:  `{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}`},
	{Code: CodeUnknownUntilApply, Severity: Warning, Title: "A Terraform plan's policy is known only after apply",
		Why:  "A document built from values the plan does not have yet (an ARN of a resource created in the same apply, say) is absent from the plan's planned_values; the plan lists it in after_unknown. ward cannot check what it cannot read, and says so rather than pass it in silence.",
		Fix:  "check the policy after apply (ward check on the account's authorization details), or build it from values the plan knows",
		Bad:  `{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "name": "app", "values": {"name": "app"}}]}}, "resource_changes": [{"address": "aws_iam_role.app", "type": "aws_iam_role", "change": {"after_unknown": {"assume_role_policy": true}}}]}`,
		Good: `{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "name": "app", "values": {"name": "app", "assume_role_policy": "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"lambda.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}"}}]}}, "resource_changes": [{"address": "aws_iam_role.app", "type": "aws_iam_role", "change": {"after_unknown": {}}}]}`},
	{Code: CodeMissingVersion, Severity: Warning, Title: "The policy has no Version",
		Why:  "Without \"Version\": \"2012-10-17\" IAM reads the policy with the 2008-10-17 grammar, in which ${...} policy variables are plain text.",
		Fix:  "add \"Version\": \"2012-10-17\"",
		Bad:  `{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}`},
	{Code: CodeLiteralVariable, Severity: Warning, Title: "A policy variable in a policy that does not support them",
		Why:  "${aws:username} and other variables work only in 2012-10-17 policies. In a policy without a Version, or with 2008-10-17, they are matched as literal text, so the statement matches nothing meant.",
		Fix:  "set \"Version\": \"2012-10-17\"",
		Bad:  `{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}`},
	{Code: CodeForAllValuesWithoutNull, Severity: Warning, Title: "ForAllValues in an Allow without a Null check",
		Why:  "ForAllValues is true when the request has no value for the key at all, so an Allow meant to limit tag keys also allows requests that send no tags. AWS recommends adding a Null condition that requires the key.",
		Fix:  "add \"Null\": {\"KEY\": \"false\"} to the statement",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}, "Null": {"aws:TagKeys": "false"}}}]}`},
	{Code: CodeSetOperatorSingleValue, Severity: Warning, Title: "A set operator on a single-valued key",
		Why:  "ForAllValues and ForAnyValue are for keys with several values (aws:TagKeys). On a single-valued key ForAllValues is also true when the key is absent, so the condition is weaker than it reads.",
		Fix:  "drop the ForAllValues:/ForAnyValue: prefix",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"ForAllValues:StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}]}`},
	{Code: CodeRedundantAction, Severity: Warning, Title: "An action is already covered by another in the same list",
		Why:  "A listed action that another pattern of the statement already matches adds nothing, and makes the policy longer to read and closer to its size quota.",
		Fix:  "remove the covered action",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:GetObject"], "Resource": "arn:aws:s3:::reports/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:PutObject"], "Resource": "arn:aws:s3:::reports/*"}]}`},
	{Code: CodeRedundantResource, Severity: Warning, Title: "A resource is already covered by another in the same list",
		Why:  "In a Resource, '*' matches '/' as well: arn:aws:dynamodb:*:*:table/ChatMessage-* already covers the table's indexes (…/index/*). The extra line adds nothing.",
		Fix:  "remove the covered resource",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": ["arn:aws:dynamodb:*:*:table/ChatMessage-*", "arn:aws:dynamodb:*:*:table/ChatMessage-*/index/*"]}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": ["arn:aws:dynamodb:*:*:table/ChatMessage", "arn:aws:dynamodb:*:*:table/ChatMessage/index/*"]}]}`},
	{Code: CodeRedundantStatement, Severity: Warning, Title: "Another statement already covers this one",
		Why:  "A statement with the same effect whose actions, resources and conditions are at least as broad (the conditions decided over every value of their keys: an address range inside the other's, an endpoint its pattern matches) makes this one add nothing.",
		Fix:  "remove the covered statement, or merge the two",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*"}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/2026/*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*"}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::archive/2026/*"}]}`},

	{Code: CodeResourceWildcard, Severity: Suggestion, Title: "\"Resource\": \"*\" for actions that can name their resources",
		Why:  "These actions support resource-level permissions, so the grant can be limited to the resources the workload uses. \"*\" also reaches every resource created later.",
		Fix:  "name the resources in the ARN formats shown",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/chat:*"}]}`},
	{Code: CodeServiceWildcard, Severity: Suggestion, Title: "service:* grants every action of a service",
		Why:  "service:* includes the service's permissions-management and delete actions, and actions AWS adds later. Naming the actions, or their access level (s3:Get*, s3:List*), keeps the grant to what is used.",
		Fix:  "list the actions the workload calls",
		Bad:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:us-east-1:111111111111:orders"}]}`,
		Good: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"], "Resource": "arn:aws:sqs:us-east-1:111111111111:orders"}]}`},
}

func init() {
	// Kept out of the table literal: its examples are account details.
	c := CodeInfo{Code: CodeBroadManagedPolicy, Severity: Suggestion, Kind: policy.KindIdentity,
		Title: "An AWS managed *FullAccess or *ReadWrite policy is attached",
		Why:   "Policies such as AmazonS3FullAccess grant every action of a service, permissions management included, on every resource, usually \"to be replaced later\". ward says how much the policy grants and which actions of those services the principal's own policies name, the likely real need. Checked in `aws iam get-account-authorization-details` output.",
		Fix:   "replace the managed policy with a customer policy that grants the actions and resources used",
		Bad: `{"RoleDetailList": [{"RoleName": "chat", "Arn": "arn:aws:iam::111111111111:role/chat",
  "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
  "RolePolicyList": [{"PolicyName": "tables", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:us-east-1:111111111111:table/Chat"}]}}],
  "AttachedManagedPolicies": [{"PolicyName": "AmazonDynamoDBFullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}]}]}`,
		Good: `{"RoleDetailList": [{"RoleName": "chat", "Arn": "arn:aws:iam::111111111111:role/chat",
  "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
  "RolePolicyList": [{"PolicyName": "tables", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:us-east-1:111111111111:table/Chat"}]}}],
  "AttachedManagedPolicies": [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}]}]}`}
	codes[c.Code] = c
}

// largePolicy builds a policy of n statements, for the size example.
func largePolicy(n int) string {
	s := `{"Version": "2012-10-17", "Statement": [`
	for i := 0; i < n; i++ {
		if i > 0 {
			s += ", "
		}
		s += `{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `/*"}`
	}
	return s + "]}"
}
