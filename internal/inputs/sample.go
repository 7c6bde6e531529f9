package inputs

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// SampleAccount builds the `aws iam get-account-authorization-details`
// output of a made-up account of the given size, deterministic for a seed:
// roles for Lambda, ECS and EC2 with trust policies, inline policies with
// conditions, attached AWS and customer managed policies; users in groups;
// and customer managed policies of a few statements each. It serves the
// benchmarks and shows what a large input looks like.
func SampleAccount(roles, users, policies int, seed uint64) []byte {
	return SampleAdminAccount(roles, users, policies, 0, seed)
}

// SampleAdminAccount is SampleAccount where one statement in every
// adminEvery (none when 0) is an administrator's: "Action": "*" or a
// service's "*" on "Resource": "*", as real accounts hold.
func SampleAdminAccount(roles, users, policies, adminEvery int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const account = "111111111111"
	services := []struct{ svc, res string }{
		{"s3", "arn:aws:s3:::%s-bucket/*"},
		{"dynamodb", "arn:aws:dynamodb:us-east-1:" + account + ":table/%s"},
		{"sqs", "arn:aws:sqs:us-east-1:" + account + ":%s-queue"},
		{"sns", "arn:aws:sns:us-east-1:" + account + ":%s-topic"},
		{"logs", "arn:aws:logs:us-east-1:" + account + ":log-group:/aws/lambda/%s:*"},
		{"kms", "arn:aws:kms:us-east-1:" + account + ":key/%s"},
		{"secretsmanager", "arn:aws:secretsmanager:us-east-1:" + account + ":secret:%s-*"},
		{"lambda", "arn:aws:lambda:us-east-1:" + account + ":function:%s"},
	}
	actions := map[string][]string{
		"s3":             {"s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "s3:Get*"},
		"dynamodb":       {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:Scan"},
		"sqs":            {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
		"sns":            {"sns:Publish", "sns:Subscribe"},
		"logs":           {"logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup"},
		"kms":            {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"},
		"secretsmanager": {"secretsmanager:GetSecretValue"},
		"lambda":         {"lambda:InvokeFunction"},
	}
	words := []string{"orders", "chat", "billing", "reports", "users", "audit", "search", "media", "events", "training"}
	name := func(i int) string { return fmt.Sprintf("%s-%d", words[i%len(words)], i) }
	statement := func(i int) map[string]any {
		s := services[r.IntN(len(services))]
		if adminEvery > 0 && r.IntN(adminEvery) == 0 {
			if r.IntN(2) == 0 {
				return map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}
			}
			return map[string]any{"Effect": "Allow", "Action": s.svc + ":*", "Resource": "*"}
		}
		acts := actions[s.svc]
		n := 1 + r.IntN(len(acts))
		st := map[string]any{"Effect": "Allow", "Action": acts[:n]}
		switch r.IntN(10) {
		case 0:
			st["Resource"] = "*"
		case 1:
			st["Resource"] = []string{fmt.Sprintf(s.res, name(i)), fmt.Sprintf(s.res, name(i+1))}
		default:
			st["Resource"] = fmt.Sprintf(s.res, name(i))
		}
		switch r.IntN(6) {
		case 0:
			st["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:RequestedRegion": "us-east-1"}}
		case 1:
			st["Condition"] = map[string]any{"Bool": map[string]any{"aws:SecureTransport": "true"}}
		}
		return st
	}
	doc := func(i, n int) map[string]any {
		var stmts []any
		for k := 0; k < n; k++ {
			stmts = append(stmts, statement(i*7+k))
		}
		return map[string]any{"Version": "2012-10-17", "Statement": stmts}
	}
	awsManaged := []string{"service-role/AWSLambdaBasicExecutionRole", "AmazonS3ReadOnlyAccess", "AmazonDynamoDBFullAccess", "CloudWatchLogsFullAccess", "AmazonSQSFullAccess"}
	var out struct {
		UserDetailList  []any
		GroupDetailList []any
		RoleDetailList  []any
		Policies        []any
	}
	for i := 0; i < policies; i++ {
		out.Policies = append(out.Policies, map[string]any{
			"PolicyName": "team-" + name(i), "PolicyId": fmt.Sprintf("ANPA%016d", i), "Arn": "arn:aws:iam::" + account + ":policy/team-" + name(i),
			"Path": "/", "DefaultVersionId": "v2", "AttachmentCount": 1, "IsAttachable": true,
			"PolicyVersionList": []any{
				map[string]any{"Document": doc(i, 3+r.IntN(6)), "VersionId": "v2", "IsDefaultVersion": true},
				map[string]any{"Document": doc(i+1, 2), "VersionId": "v1", "IsDefaultVersion": false},
			},
		})
	}
	trustFor := []string{"lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com"}
	for i := 0; i < roles; i++ {
		trust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": trustFor[i%len(trustFor)]}, "Action": "sts:AssumeRole"}}}
		var inline []any
		for k := 0; k < 1+r.IntN(2); k++ {
			inline = append(inline, map[string]any{"PolicyName": fmt.Sprintf("inline-%d", k), "PolicyDocument": doc(i*3+k, 2+r.IntN(4))})
		}
		attached := []any{map[string]any{"PolicyName": "aws", "PolicyArn": "arn:aws:iam::aws:policy/" + awsManaged[r.IntN(len(awsManaged))]}}
		if policies > 0 {
			p := r.IntN(policies)
			attached = append(attached, map[string]any{"PolicyName": "team-" + name(p), "PolicyArn": "arn:aws:iam::" + account + ":policy/team-" + name(p)})
		}
		out.RoleDetailList = append(out.RoleDetailList, map[string]any{
			"Path": "/", "RoleName": "app-" + name(i), "RoleId": fmt.Sprintf("AROA%016d", i), "Arn": "arn:aws:iam::" + account + ":role/app-" + name(i),
			"AssumeRolePolicyDocument": trust, "RolePolicyList": inline, "AttachedManagedPolicies": attached, "InstanceProfileList": []any{}, "Tags": []any{},
		})
	}
	for i := 0; i < users; i++ {
		out.UserDetailList = append(out.UserDetailList, map[string]any{
			"Path": "/", "UserName": "user-" + name(i), "UserId": fmt.Sprintf("AIDA%016d", i), "Arn": "arn:aws:iam::" + account + ":user/user-" + name(i),
			"GroupList":               []string{"developers"},
			"UserPolicyList":          []any{map[string]any{"PolicyName": "own", "PolicyDocument": doc(i*5, 1+r.IntN(3))}},
			"AttachedManagedPolicies": []any{},
		})
	}
	out.GroupDetailList = []any{map[string]any{"Path": "/", "GroupName": "developers", "GroupId": "AGPA0000000000000001", "Arn": "arn:aws:iam::" + account + ":group/developers",
		"GroupPolicyList": []any{map[string]any{"PolicyName": "dev", "PolicyDocument": doc(1, 4)}}, "AttachedManagedPolicies": []any{}}}
	data, _ := json.MarshalIndent(out, "", "  ")
	return []byte(strings.TrimSpace(string(data)) + "\n")
}
