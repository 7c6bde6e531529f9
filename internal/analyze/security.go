package analyze

import (
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/reason"
)

// escalation is a known way to raise one's own privileges in IAM, as the
// set of actions it needs together.
type escalation struct {
	name    string
	actions []string
	// onUsers: the method acts on an IAM user; granting it only on the
	// caller's own user (".../user/${aws:username}") is not an escalation.
	onUsers bool
	what    string
}

// escalations are privilege-escalation methods documented by AWS
// security research and the IAM tooling community (Rhino Security Labs'
// list, Cloudsplaining, PMapper).
var escalations = []escalation{
	{"CreatePolicyVersion", []string{"iam:CreatePolicyVersion"}, false, "write a new default version of a managed policy, including one attached to itself"},
	{"SetDefaultPolicyVersion", []string{"iam:SetDefaultPolicyVersion"}, false, "switch a managed policy to an older, broader version"},
	{"CreateAccessKey", []string{"iam:CreateAccessKey"}, true, "create access keys for other users and act as them"},
	{"CreateLoginProfile", []string{"iam:CreateLoginProfile"}, true, "set a console password for other users and sign in as them"},
	{"UpdateLoginProfile", []string{"iam:UpdateLoginProfile"}, true, "change other users' console passwords"},
	{"AttachUserPolicy", []string{"iam:AttachUserPolicy"}, true, "attach any managed policy, AdministratorAccess included, to a user"},
	{"AttachGroupPolicy", []string{"iam:AttachGroupPolicy"}, false, "attach any managed policy to a group"},
	{"AttachRolePolicy", []string{"iam:AttachRolePolicy"}, false, "attach any managed policy to a role"},
	{"PutUserPolicy", []string{"iam:PutUserPolicy"}, true, "write an inline policy on a user"},
	{"PutGroupPolicy", []string{"iam:PutGroupPolicy"}, false, "write an inline policy on a group"},
	{"PutRolePolicy", []string{"iam:PutRolePolicy"}, false, "write an inline policy on a role"},
	{"AddUserToGroup", []string{"iam:AddUserToGroup"}, false, "join any group and gain its permissions"},
	{"UpdateAssumeRolePolicy", []string{"iam:UpdateAssumeRolePolicy"}, false, "rewrite a role's trust policy to let itself assume the role"},
	{"DeleteRolePermissionsBoundary", []string{"iam:DeleteRolePermissionsBoundary"}, false, "remove the boundary that limits a role"},
	{"DeleteUserPermissionsBoundary", []string{"iam:DeleteUserPermissionsBoundary"}, true, "remove the boundary that limits a user"},
	{"PutRolePermissionsBoundary", []string{"iam:PutRolePermissionsBoundary"}, false, "replace a role's boundary with a broader one"},
	{"PutUserPermissionsBoundary", []string{"iam:PutUserPermissionsBoundary"}, true, "replace a user's boundary with a broader one"},
	{"PassRole to Lambda", []string{"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}, false, "create a function with any role it may pass and run code as that role"},
	{"PassRole to Lambda via an event source", []string{"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"}, false, "create a function with a passed role and have an event source run it"},
	{"UpdateFunctionCode", []string{"lambda:UpdateFunctionCode"}, false, "replace the code of functions that run with more privileged roles"},
	{"PassRole to EC2", []string{"iam:PassRole", "ec2:RunInstances"}, false, "launch an instance with any role it may pass and use the role's credentials"},
	{"PassRole to CloudFormation", []string{"iam:PassRole", "cloudformation:CreateStack"}, false, "create a stack that acts with a passed role"},
	{"PassRole to CloudFormation (update)", []string{"iam:PassRole", "cloudformation:UpdateStack"}, false, "update a stack to act with a passed role"},
	{"PassRole to a Glue development endpoint", []string{"iam:PassRole", "glue:CreateDevEndpoint"}, false, "create a development endpoint with a passed role and log in to it"},
	{"UpdateDevEndpoint", []string{"glue:UpdateDevEndpoint"}, false, "add its SSH key to an existing development endpoint with a privileged role"},
	{"PassRole to Data Pipeline", []string{"iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"}, false, "run commands in a pipeline with a passed role"},
	{"PassRole to a SageMaker notebook", []string{"iam:PassRole", "sagemaker:CreateNotebookInstance"}, false, "create a notebook instance with a passed role"},
	{"SageMaker notebook access", []string{"sagemaker:CreatePresignedNotebookInstanceUrl"}, false, "open existing notebook instances and act as their roles"},
	{"PassRole to CodeBuild", []string{"iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"}, false, "run a build with a passed role"},
	{"PassRole to ECS", []string{"iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"}, false, "run a task with a passed role"},
	{"SSM SendCommand", []string{"ssm:SendCommand"}, false, "run commands on instances and use their instance roles"},
	{"EC2 Instance Connect", []string{"ec2-instance-connect:SendSSHPublicKey"}, false, "log in to instances and use their instance roles"},
}

// credentialActions read secrets or keys; dataActions read data; exposure
// actions change who else can reach a resource. Granted on every resource,
// each is a finding.
var (
	credentialActions = []string{"secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "kms:Decrypt", "kms:GenerateDataKey"}
	dataActions       = []string{"s3:GetObject", "s3:GetObjectVersion", "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "sqs:ReceiveMessage"}
	exposureActions   = []string{"s3:PutBucketPolicy", "s3:PutBucketAcl", "s3:PutObjectAcl", "kms:PutKeyPolicy", "kms:CreateGrant", "lambda:AddPermission",
		"lambda:AddLayerVersionPermission", "iam:UpdateAssumeRolePolicy", "ecr:SetRepositoryPolicy", "sqs:SetQueueAttributes", "sqs:AddPermission",
		"sns:SetTopicAttributes", "sns:AddPermission", "secretsmanager:PutResourcePolicy", "glacier:SetVaultAccessPolicy", "logs:PutResourcePolicy",
		"backup:PutBackupVaultAccessPolicy", "elasticfilesystem:PutFileSystemPolicy", "ram:CreateResourceShare", "s3:PutAccessPointPolicy"}
	// fullAdminProbes: whoever may write IAM policies, pass and assume
	// roles, and use the main compute and data services on every resource,
	// without any condition, controls the account.
	fullAdminProbes = []string{"iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreateUser", "iam:CreateAccessKey", "iam:PassRole",
		"ec2:RunInstances", "lambda:CreateFunction", "s3:GetObject", "kms:Decrypt", "organizations:LeaveOrganization"}
)

// limitingKeys are condition keys that narrow who a Principal "*" grant
// reaches: the caller's account, organization, network or source.
var limitingKeys = map[string]bool{
	"aws:sourcearn": true, "aws:sourceaccount": true, "aws:sourceorgid": true, "aws:sourceorgpaths": true,
	"aws:principalorgid": true, "aws:principalorgpaths": true, "aws:principalaccount": true, "aws:principalarn": true,
	"aws:sourcevpce": true, "aws:sourcevpc": true, "aws:sourcevpcarn": true, "aws:sourceip": true, "aws:vpcsourceip": true,
	"aws:userid": true, "aws:username": true, "aws:principalservicename": true, "aws:vpceaccount": true, "aws:vpceorgid": true,
	"aws:vpceorgpaths": true, "kms:calleraccount": true, "lambda:functionarn": true, "aws:principalisawsservice": true,
}

func (a *analyzer) checkSecurity() {
	for _, s := range a.p.Statements {
		if s.Effect != policy.Allow {
			continue
		}
		if s.NotAction != nil {
			a.addFix(CodeAllowNotAction, s.NotAction.Offsets[0], s.Path+".NotAction", []int{s.Index},
				"list the actions to allow with Action; to carve exceptions out of a broad grant, add a Deny statement",
				"Allow with NotAction grants every action of every service except %s, including actions AWS adds later", list(s.NotAction.Items, 3))
		}
		if s.NotPrincipal != nil {
			a.addFix(CodeAllowNotPrincipal, s.NotPrincipal.Offset, s.Path+".NotPrincipal", []int{s.Index},
				"name the principals to allow with Principal; to exclude some, add a Deny statement with NotPrincipal",
				"Allow with NotPrincipal grants everyone but the principals it names, anonymous users and every other account included")
		}
		if s.NotResource != nil {
			a.addFix(CodeAllowNotResource, s.NotResource.Offsets[0], s.Path+".NotResource", []int{s.Index},
				"list the resources to allow with Resource; to exclude some, add a Deny statement",
				"Allow with NotResource grants its actions on every resource except %s, including resources created later and in other accounts", list(s.NotResource.Items, 3))
		}
	}
	a.checkPublic()
	a.checkConfusedDeputy()
	a.checkWebIdentityTrust()
	if a.set == nil {
		return
	}
	a.checkCreateSLR()
	if a.checkFullAdmin() {
		return // administrator access implies every finding below; one says it
	}
	a.checkPassRole()
	a.checkEscalations()
	a.checkUnrestricted(CodeCredentialExposure, credentialActions, "every secret, parameter or key in the account can be read")
	a.checkUnrestricted(CodeDataExposure, dataActions, "every bucket, table or queue the account reaches can be read")
	a.checkUnrestricted(CodeResourceExposure, exposureActions, "the holder can open any such resource to other accounts or to everyone")
}

// at returns the offset and path to report a finding on statement i.
func (a *analyzer) at(i int) (int, string) {
	if i < 0 || i >= len(a.p.Statements) {
		return 0, ""
	}
	s := a.p.Statements[i]
	if vals, _ := s.Actions(); vals != nil {
		el := "Action"
		if s.NotAction != nil {
			el = "NotAction"
		}
		return vals.Offsets[0], s.Path + "." + el
	}
	return s.Offset, s.Path
}

func first(stmts []int) int {
	if len(stmts) == 0 {
		return 0
	}
	return stmts[0]
}

func (a *analyzer) checkFullAdmin() bool {
	var stmts []int
	for _, act := range fullAdminProbes {
		ok, by := a.grantsEverywhere(act)
		if !ok {
			return false
		}
		stmts = union(stmts, by)
	}
	off, path := a.at(first(stmts))
	a.add(CodeFullAdmin, off, path, stmts, "the policy grants every action on every resource (administrator access)%s", viaNotAction(a.p, stmts))
	// Access Analyzer reports administrator access as the iam:PassRole on
	// every role it includes.
	a.issue("PASS_ROLE_WITH_" + a.shapeOf(stmts))
	return true
}

func viaNotAction(p *policy.Policy, stmts []int) string {
	for _, i := range stmts {
		if p.Statements[i].NotAction != nil {
			return ", through NotAction"
		}
	}
	return ""
}

func (a *analyzer) checkPassRole() {
	if ok, by := a.grantsEverywhere("iam:PassRole"); ok {
		off, path := a.at(first(by))
		a.addFix(CodePassRoleUnrestricted, off, path, by,
			"name the roles (arn:aws:iam::ACCOUNT:role/NAME) and add a condition on iam:PassedToService",
			"iam:PassRole is granted on every role: the holder can hand any role, an administrator's included, to a service it controls")
		a.issue("PASS_ROLE_WITH_" + a.shapeOf(by))
		return
	}
	ok, by := a.grantsSomewhere("iam:PassRole")
	if !ok {
		return
	}
	for _, i := range by {
		if !hasConditionKey(a.p.Statements[i], "iam:PassedToService") {
			off, path := a.at(i)
			a.addFix(CodePassRoleUnrestricted, off, path, []int{i},
				`add "Condition": {"StringEquals": {"iam:PassedToService": "SERVICE.amazonaws.com"}}`,
				"iam:PassRole has no iam:PassedToService condition: the roles can be passed to any service, not only the one they are for")
			a.issue("") // Access Analyzer checks only a PassRole on every role
		}
	}
}

func hasConditionKey(s *policy.Statement, key string) bool {
	for _, c := range s.Conditions {
		if strings.EqualFold(c.Key, key) {
			return true
		}
	}
	return false
}

func (a *analyzer) checkEscalations() {
	// One finding per granting statement, naming every method it opens.
	type group struct {
		stmts   []int
		methods []escalation
	}
	var groups []*group
	byFirst := map[int]*group{}
	for _, e := range escalations {
		var stmts []int
		granted := true
		for _, act := range e.actions {
			ok, by := a.grantsSomewhere(act)
			if !ok {
				granted = false
				break
			}
			stmts = union(stmts, by)
		}
		if !granted || (e.onUsers && selfOnly(a.p, stmts)) {
			continue
		}
		g := byFirst[first(stmts)]
		if g == nil {
			g = &group{}
			byFirst[first(stmts)] = g
			groups = append(groups, g)
		}
		g.stmts = union(g.stmts, stmts)
		g.methods = append(g.methods, e)
	}
	for _, g := range groups {
		off, path := a.at(first(g.stmts))
		if len(g.methods) == 1 {
			e := g.methods[0]
			a.add(CodePrivilegeEscalation, off, path, g.stmts, "privilege escalation (%s): %s lets the holder %s", e.name, strings.Join(e.actions, " + "), e.what)
			continue
		}
		names := make([]string, len(g.methods))
		for i, e := range g.methods {
			names[i] = e.name
		}
		a.add(CodePrivilegeEscalation, off, path, g.stmts, "privilege escalation by %d methods: %s", len(names), strings.Join(names, ", "))
	}
}

// selfOnly reports whether every granting statement limits its resources
// to the caller's own user.
func selfOnly(p *policy.Policy, stmts []int) bool {
	if len(stmts) == 0 {
		return false
	}
	for _, i := range stmts {
		res := p.Statements[i].Resource
		if res == nil {
			return false
		}
		for _, r := range res.Items {
			if !strings.Contains(strings.ToLower(r), "${aws:username}") {
				return false
			}
		}
	}
	return true
}

func (a *analyzer) checkUnrestricted(code string, actions []string, what string) {
	var granted []string
	var stmts []int
	for _, act := range actions {
		if ok, by := a.grantsEverywhere(act); ok {
			granted = append(granted, act)
			stmts = union(stmts, by)
		}
	}
	if len(granted) == 0 {
		return
	}
	verb := "is"
	if len(granted) > 1 {
		verb = "are"
	}
	off, path := a.at(first(stmts))
	a.addFix(code, off, path, stmts, "name the resources it needs; `ward describe "+granted[0]+"` shows the ARN format",
		"%s %s granted on every resource (\"*\"): %s", strings.Join(granted, ", "), verb, what)
}

// checkPublic looks for resource, trust and endpoint policies that allow
// a principal outside the accounts and organizations they name. Where a
// statement allows everyone (or is a NotPrincipal), the reasoning core
// decides it over every request, as `ward prove --not-public` with named
// services trusted (Access Analyzer's and S3's definition): a Deny that
// keeps outsiders out is read, and a condition that only looks like a
// limit (`StringLike aws:PrincipalOrgID o-*`) is not one. Without the
// catalog, a statement is public when no condition on who the caller is
// narrows it, and so it is where the core's answer is not exact.
func (a *analyzer) checkPublic() {
	switch a.doc.Kind {
	case policy.KindResource, policy.KindTrust, policy.KindVPCEndpoint:
	default:
		return
	}
	if a.cat != nil && a.checkPublicExactly() {
		return
	}
	for _, s := range a.p.Statements {
		if s.Effect != policy.Allow {
			continue
		}
		pr, not := s.Principals()
		if pr == nil || (!not && !pr.IsEveryone()) {
			continue
		}
		limited := false
		for _, c := range s.Conditions {
			op, _ := policy.ParseOperator(c.Operator)
			negated := strings.Contains(op.Base, "Not") || op.IfExists || op.Set == "ForAllValues"
			if !negated && limitingKeys[strings.ToLower(c.Key)] {
				limited = true
			}
		}
		if limited {
			continue
		}
		who := `"Principal": "*"`
		if not {
			who = "NotPrincipal"
		}
		a.addFix(CodePublicAccess, pr.Offset, s.Path+".Principal", []int{s.Index},
			"name the principals, or add a condition on aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceArn, aws:SourceAccount or aws:SourceVpce",
			"%s with no condition on who the caller is: anyone, in any account or none, is allowed %s", who, list(actionsOf(s), 3))
		if a.doc.Kind == policy.KindTrust {
			a.issue("ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL")
		}
	}
}

// checkPublicExactly decides public access with the reasoning core: one
// finding per statement that allows an outsider, with the request that
// shows it. False when the core could not answer (the caller falls back).
func (a *analyzer) checkPublicExactly() bool {
	open := false
	for _, s := range a.p.Statements {
		if pr, not := s.Principals(); s.Effect == policy.Allow && pr != nil && (not || pr.IsEveryone()) {
			open = true
		}
	}
	if !open {
		return true // every grant names its principals: nothing is public by default
	}
	deployed, err := policy.FixTemplateReferences(a.p)
	if err != nil || len(deployed.Statements) != len(a.p.Statements) {
		return false
	}
	ans, err := reason.Public(a.p.File, deployed, a.cat, reason.PublicOptions{TrustServices: true})
	if err != nil || len(ans.Notes) > 0 {
		// Not decided exactly (a policy variable, a bound reached): the
		// syntactic check decides instead, so an approximation never
		// hides a finding.
		return false
	}
	byStmt := map[int][]reason.Change{}
	var order []int
	for _, ch := range ans.Exposed {
		if len(ch.Gains.Statements) == 0 {
			continue
		}
		i := ch.Gains.Statements[0].Statement
		if _, ok := byStmt[i]; !ok {
			order = append(order, i)
		}
		byStmt[i] = append(byStmt[i], ch)
	}
	sort.Ints(order)
	for _, i := range order {
		if i < 0 || i >= len(a.p.Statements) {
			continue
		}
		s := a.p.Statements[i]
		pr, not := s.Principals()
		if pr == nil {
			continue
		}
		chs := byStmt[i]
		var acts []string
		for _, ch := range chs {
			acts = append(acts, ch.Actions...)
		}
		w := chs[0].Witness
		who := `"Principal": "*"`
		if not {
			who = "NotPrincipal"
		} else if !pr.IsEveryone() {
			who = "the statement's principal"
		}
		a.addFix(CodePublicAccess, pr.Offset, s.Path+".Principal", []int{s.Index},
			"name the principals, or add a condition on aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceArn, aws:SourceAccount or aws:SourceVpce",
			"%s lets in someone outside the accounts and organizations the policy names: %s, for example %s from %s",
			who, list(acts, 3), w, w.Principal)
		if a.doc.Kind == policy.KindTrust && pr.IsEveryone() {
			a.issue("ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL")
		}
	}
	return true
}

func actionsOf(s *policy.Statement) []string {
	vals, not := s.Actions()
	if vals == nil {
		return nil
	}
	if not {
		return []string{"every action but " + strings.Join(vals.Items, ", ")}
	}
	return vals.Items
}
