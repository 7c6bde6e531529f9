package engine_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/engine"
)

// chatPolicy is the policy of the chat Lambda's role in the seed document
// shared/seeds/000_fcf6d1f02aae72de.txt, as its authors wrote it.
const chatPolicy = `{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": [ "dynamodb:PutItem",
"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem" ], "Resource": [
"arn:aws:dynamodb:*:*:table/ChatMessage-*", "arn:aws:dynamodb:*:*:table/ChatMessage-*/index/*",
"arn:aws:dynamodb:*:*:table/ChatSession-*", "arn:aws:dynamodb:*:*:table/SessionContext-*" ] }, { "Effect":
"Allow", "Action": [ "s3:GetObject", "s3:PutObject" ], "Resource": "arn:aws:s3:::storage-bucket/*" }, {
"Effect": "Allow", "Action": [ "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream" ], "Resource":
"arn:aws:bedrock:*:*:foundation-model/anthropic.claude-*" }, { "Effect": "Allow", "Action":
"lambda:InvokeFunction", "Resource": [ "arn:aws:lambda:*:*:function:petrophysics-calculator",
"arn:aws:lambda:*:*:function:renewable-orchestrator", "arn:aws:lambda:*:*:function:*-chat" ] }, { "Effect":
"Allow", "Action": [ "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents" ], "Resource":
"arn:aws:logs:*:*:log-group:/aws/lambda/chat:*" } ] }`

// TestChatPolicyIsTheSeed keeps chatPolicy honest when the seed is beside
// the repository.
func TestChatPolicyIsTheSeed(t *testing.T) {
	seed, err := os.ReadFile("../../../shared/seeds/000_fcf6d1f02aae72de.txt")
	if err != nil {
		t.Skip("the seed documents are not beside the repository")
	}
	space := regexp.MustCompile(`\s+`)
	if !strings.Contains(space.ReplaceAllString(string(seed), " "), space.ReplaceAllString(chatPolicy, " ")) {
		t.Error("chatPolicy is not the seed's policy")
	}
}

func benchDecide(b *testing.B, set *engine.Set, req engine.Request, want engine.Result) {
	b.Helper()
	prep, err := req.Prepare()
	if err != nil {
		b.Fatal(err)
	}
	var d engine.Decision
	set.DecideInto(prep, &d)
	if d.Result != want {
		b.Fatalf("decision %v by %v, want %v: %s", d.Result, d.DecidedBy, want, d.Message())
	}
	b.ReportAllocs()
	for b.Loop() {
		set.DecideInto(prep, &d)
	}
}

// BenchmarkChatRole: the chat Lambda's role deciding its own calls.
func BenchmarkChatRole(b *testing.B) {
	set, _ := engine.NewSet(engine.Policies{Identity: []*engine.Compiled{compile(b, chatPolicy)}})
	principal := "arn:aws:sts::111111111111:assumed-role/ChatLambdaRole/chat"
	b.Run("allowed", func(b *testing.B) {
		benchDecide(b, set, engine.Request{Principal: principal, Action: "dynamodb:Query",
			Resource: "arn:aws:dynamodb:us-east-1:111111111111:table/ChatMessage-prod/index/chatSessionId-createdAt-index"}, engine.Allowed)
	})
	b.Run("denied", func(b *testing.B) {
		benchDecide(b, set, engine.Request{Principal: principal, Action: "s3:DeleteObject",
			Resource: "arn:aws:s3:::storage-bucket/report.pdf"}, engine.ImplicitDeny)
	})
}

// managedPolicies builds n policies of 10 statements each, with
// conditions, in the shape of a team's managed policies.
func managedPolicies(b testing.TB, n int) []*engine.Compiled {
	services := []string{"s3", "dynamodb", "sqs", "sns", "logs", "kms", "lambda", "ec2", "ssm", "secretsmanager"}
	verbs := []string{"Get", "Put", "List", "Describe", "Delete", "Update", "Create", "Tag", "Send", "Receive"}
	var out []*engine.Compiled
	for p := 0; p < n; p++ {
		var stmts []string
		for s := 0; s < 10; s++ {
			svc := services[(p+s)%len(services)]
			verb := verbs[(p*7+s)%len(verbs)]
			cond := ""
			switch s % 4 {
			case 0:
				cond = `,"Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue","aws:RequestedRegion":["us-east-1","eu-west-1"]}}`
			case 1:
				cond = `,"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24"]},"Bool":{"aws:SecureTransport":"true"}}`
			case 2:
				cond = `,"Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/app-*"}}`
			}
			stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":["%s:%s*","%s:%sItem%d"],"Resource":"arn:aws:%s:*:111111111111:res-%d-%d/*"%s}`,
				s, svc, verb, svc, verb, p, svc, p, s, cond))
		}
		out = append(out, compile(b, `{"Version":"2012-10-17","Statement":[`+strings.Join(stmts, ",")+`]}`))
	}
	return out
}

// BenchmarkManagedPolicies: a role with 10 managed policies of 10
// statements each, with conditions, plus a boundary and two SCP levels.
func BenchmarkManagedPolicies(b *testing.B) {
	boundary := compile(b, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","dynamodb:*","sqs:*","logs:*"],"Resource":"*"},
		{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`)
	root := compile(b, `{"Version":"2012-10-17","Statement":[{"Sid":"FullAWSAccess","Effect":"Allow","Action":"*","Resource":"*"}]}`)
	ou := compile(b, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Sid":"Regions","Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}`)
	set, _ := engine.NewSet(engine.Policies{Identity: managedPolicies(b, 10), Boundary: boundary, SCPs: [][]*engine.Compiled{{root}, {ou}}})
	ctx := map[string][]string{"aws:PrincipalTag/team": {"blue"}, "aws:RequestedRegion": {"us-east-1"}, "aws:SourceIp": {"10.1.2.3"}, "aws:SecureTransport": {"true"}}
	b.Run("allowed", func(b *testing.B) {
		benchDecide(b, set, engine.Request{Principal: "arn:aws:sts::111111111111:assumed-role/app-worker/i-0abc", Action: "s3:GetObject",
			Resource: "arn:aws:s3:us-east-1:111111111111:res-0-0/key", Context: ctx}, engine.Allowed)
	})
	b.Run("denied", func(b *testing.B) {
		benchDecide(b, set, engine.Request{Principal: "arn:aws:sts::111111111111:assumed-role/app-worker/i-0abc", Action: "sqs:SendMessage",
			Resource: "arn:aws:sqs:us-east-1:111111111111:other-queue", Context: ctx}, engine.ImplicitDeny)
	})
}

// BenchmarkAccountSized: one set holding n policies of 10 statements; the
// request's action is one of many. The index keeps the cost from growing
// with policies that cannot match.
func BenchmarkAccountSized(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		set, _ := engine.NewSet(engine.Policies{Identity: managedPolicies(b, n)})
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			benchDecide(b, set, engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "kms:UpdateItem5",
				Resource: "arn:aws:kms:us-east-1:111111111111:res-5-0/k", Context: map[string][]string{"aws:PrincipalTag/team": {"blue"}, "aws:RequestedRegion": {"us-east-1"}}},
				engine.Allowed)
		})
	}
}

// BenchmarkCompile: parsing and compiling the chat policy, paid once per
// policy, not per decision.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		compile(b, chatPolicy)
	}
}

// BenchmarkPrepareAndDecide: the whole question, as a service using ward
// as its decision point asks it: a request with context prepared into a
// reused Prepared, then decided.
func BenchmarkPrepareAndDecide(b *testing.B) {
	set, _ := engine.NewSet(engine.Policies{Identity: []*engine.Compiled{compile(b, chatPolicy)}})
	req := engine.Request{Principal: "arn:aws:sts::111111111111:assumed-role/ChatLambdaRole/chat", Action: "dynamodb:Query",
		Resource: "arn:aws:dynamodb:us-east-1:111111111111:table/ChatMessage-prod",
		Keys: []engine.ContextKey{{Name: "aws:SourceIp", Values: []string{"10.1.2.3"}}, {Name: "aws:SecureTransport", Values: []string{"true"}},
			{Name: "aws:RequestedRegion", Values: []string{"us-east-1"}}, {Name: "aws:PrincipalTag/team", Values: []string{"chat"}}}}
	var prep engine.Prepared
	var d engine.Decision
	b.ReportAllocs()
	for b.Loop() {
		if err := req.PrepareInto(&prep); err != nil {
			b.Fatal(err)
		}
		set.DecideInto(&prep, &d)
		if d.Result != engine.Allowed {
			b.Fatal(d.Result)
		}
	}
}
