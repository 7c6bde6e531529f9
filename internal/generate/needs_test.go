package generate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/activity"
	"github.com/wardhq/ward/internal/catalog"
)

func testCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// call builds a CloudTrail call in account 111122223333, us-east-1.
func call(t *testing.T, source, name, params string, resources ...string) *activity.Call {
	t.Helper()
	c := &activity.Call{Principal: "arn:aws:sts::111122223333:assumed-role/app/s", Account: "111122223333", Region: "us-east-1", Source: source, Name: name}
	if params != "" {
		if err := json.Unmarshal([]byte(params), &c.Parameters); err != nil {
			t.Fatalf("%s %s: %v", source, name, err)
		}
	}
	for _, r := range resources {
		c.Resources = append(c.Resources, activity.Resource{ARN: r})
	}
	return c
}

func needsText(ns []need) string {
	var parts []string
	for _, n := range ns {
		s := n.Action + " " + n.Resource
		if n.Service != "" {
			s += " to " + n.Service
		}
		if n.Partial != "" {
			s += " (no " + n.Partial + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// TestEventsToPermissions holds the table of CloudTrail events whose IAM
// actions are not their names, and the reading of resources through the
// catalog's ARN formats. Each row is written from the Service
// Authorization Reference's action tables and the service's API
// reference.
func TestEventsToPermissions(t *testing.T) {
	m := mapper{cat: testCatalog(t)}
	for _, tc := range []struct {
		source, name, params string
		resources            []string
		want                 string
	}{
		// S3: the events whose actions have other names.
		{"s3.amazonaws.com", "ListBuckets", ``, nil, "s3:ListAllMyBuckets *"},
		{"s3.amazonaws.com", "ListObjects", `{"bucketName":"raw"}`, nil, "s3:ListBucket arn:aws:s3:::raw"},
		{"s3.amazonaws.com", "ListObjectsV2", `{"bucketName":"raw","list-type":"2"}`, nil, "s3:ListBucket arn:aws:s3:::raw"},
		{"s3.amazonaws.com", "HeadBucket", `{"bucketName":"raw"}`, nil, "s3:ListBucket arn:aws:s3:::raw"},
		{"s3.amazonaws.com", "HeadObject", `{"bucketName":"raw","key":"a/b.csv"}`, nil, "s3:GetObject arn:aws:s3:::raw/a/b.csv"},
		{"s3.amazonaws.com", "GetObject", `{"bucketName":"raw","key":"a/b.csv"}`,
			[]string{"arn:aws:s3:::raw/a/b.csv", "arn:aws:s3:::raw"}, "s3:GetObject arn:aws:s3:::raw/a/b.csv"},
		{"s3.amazonaws.com", "CopyObject", `{"bucketName":"out","key":"k2","x-amz-copy-source":"raw/k%201"}`, nil,
			"s3:PutObject arn:aws:s3:::out/k2; s3:GetObject arn:aws:s3:::raw/k 1"},
		{"s3.amazonaws.com", "UploadPart", `{"bucketName":"out","key":"big.bin","partNumber":"2"}`, nil, "s3:PutObject arn:aws:s3:::out/big.bin"},
		{"s3.amazonaws.com", "CompleteMultipartUpload", `{"bucketName":"out","key":"big.bin"}`, nil, "s3:PutObject arn:aws:s3:::out/big.bin"},
		{"s3.amazonaws.com", "DeleteObjects", `{"bucketName":"out"}`, nil, "s3:DeleteObject arn:aws:s3:::out/* (no object)"},
		{"s3.amazonaws.com", "ListObjectVersions", `{"bucketName":"raw"}`, nil, "s3:ListBucketVersions arn:aws:s3:::raw"},
		{"s3.amazonaws.com", "GetBucketEncryption", `{"bucketName":"raw"}`, nil, "s3:GetEncryptionConfiguration arn:aws:s3:::raw"},
		// DynamoDB: tables in the event's region and account; a query on
		// an index is authorized on the index; transactions and batches
		// on each table's item actions.
		{"dynamodb.amazonaws.com", "PutItem", `{"tableName":"ChatMessage-x1"}`, nil, "dynamodb:PutItem arn:aws:dynamodb:us-east-1:111122223333:table/ChatMessage-x1"},
		{"dynamodb.amazonaws.com", "Query", `{"tableName":"ChatMessage-x1"}`, nil, "dynamodb:Query arn:aws:dynamodb:us-east-1:111122223333:table/ChatMessage-x1"},
		{"dynamodb.amazonaws.com", "Query", `{"tableName":"ChatMessage-x1","indexName":"bySession"}`, nil,
			"dynamodb:Query arn:aws:dynamodb:us-east-1:111122223333:table/ChatMessage-x1/index/bySession"},
		{"dynamodb.amazonaws.com", "TransactWriteItems", `{"transactItems":[{"put":{"tableName":"A"}},{"update":{"tableName":"B"}}]}`, nil,
			"dynamodb:PutItem arn:aws:dynamodb:us-east-1:111122223333:table/A; dynamodb:UpdateItem arn:aws:dynamodb:us-east-1:111122223333:table/B"},
		{"dynamodb.amazonaws.com", "BatchWriteItem", `{"requestItems":{"B":[],"A":[]}}`, nil,
			"dynamodb:BatchWriteItem arn:aws:dynamodb:us-east-1:111122223333:table/A; dynamodb:BatchWriteItem arn:aws:dynamodb:us-east-1:111122223333:table/B"},
		// Lambda: the API version in event names, Invoke's action name, a
		// function named by its ARN.
		{"lambda.amazonaws.com", "Invoke", `{"functionName":"arn:aws:lambda:us-east-1:111122223333:function:chat"}`,
			[]string{"arn:aws:lambda:us-east-1:111122223333:function:chat"}, "lambda:InvokeFunction arn:aws:lambda:us-east-1:111122223333:function:chat"},
		{"lambda.amazonaws.com", "Invoke", `{"functionName":"petro"}`, nil, "lambda:InvokeFunction arn:aws:lambda:us-east-1:111122223333:function:petro"},
		{"lambda.amazonaws.com", "GetFunction20150331v2", `{"functionName":"petro"}`, nil, "lambda:GetFunction arn:aws:lambda:us-east-1:111122223333:function:petro"},
		{"lambda.amazonaws.com", "CreateFunction20150331", `{"functionName":"petro","role":"arn:aws:iam::111122223333:role/svc/petro-exec"}`, nil,
			"lambda:CreateFunction arn:aws:lambda:us-east-1:111122223333:function:petro; iam:PassRole arn:aws:iam::111122223333:role/svc/petro-exec to lambda.amazonaws.com"},
		// PassRole to the principal that uses the role.
		{"ecs.amazonaws.com", "RegisterTaskDefinition", `{"family":"train","taskRoleArn":"arn:aws:iam::111122223333:role/train-task","executionRoleArn":"arn:aws:iam::111122223333:role/exec"}`, nil,
			"ecs:RegisterTaskDefinition arn:aws:ecs:us-east-1:111122223333:task-definition/train:* (no task-definition); iam:PassRole arn:aws:iam::111122223333:role/exec to ecs-tasks.amazonaws.com; iam:PassRole arn:aws:iam::111122223333:role/train-task to ecs-tasks.amazonaws.com"},
		{"ecs.amazonaws.com", "RunTask", `{"taskDefinition":"train:7","cluster":"ml"}`, nil, "ecs:RunTask arn:aws:ecs:us-east-1:111122223333:task-definition/train:7"},
		{"ecs.amazonaws.com", "RunTask", `{"taskDefinition":"train","cluster":"ml"}`, nil, "ecs:RunTask arn:aws:ecs:us-east-1:111122223333:task-definition/train:* (no task-definition)"},
		// STS: AssumeRole's role is its resource, not a role passed on;
		// GetCallerIdentity needs no permission.
		{"sts.amazonaws.com", "AssumeRole", `{"roleArn":"arn:aws:iam::111122223333:role/deployer","roleSessionName":"x"}`, nil, "sts:AssumeRole arn:aws:iam::111122223333:role/deployer"},
		{"sts.amazonaws.com", "GetCallerIdentity", ``, nil, ""},
		// Others.
		{"monitoring.amazonaws.com", "PutMetricData", `{"namespace":"Chat"}`, nil, "cloudwatch:PutMetricData *"},
		{"sqs.amazonaws.com", "SendMessageBatch", `{"queueUrl":"https://sqs.us-east-1.amazonaws.com/111122223333/jobs"}`, nil, "sqs:SendMessage arn:aws:sqs:us-east-1:111122223333:jobs"},
		{"kms.amazonaws.com", "Decrypt", `{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`, []string{"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
			"kms:Decrypt arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
		{"kms.amazonaws.com", "Decrypt", `{"keyId":"alias/app"}`, nil, "kms:Decrypt arn:aws:kms:us-east-1:111122223333:key/* (no key)"},
		{"secretsmanager.amazonaws.com", "GetSecretValue", `{"secretId":"prod/db"}`, nil, "secretsmanager:GetSecretValue arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????"},
		{"secretsmanager.amazonaws.com", "GetSecretValue", `{"secretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"}`, nil,
			"secretsmanager:GetSecretValue arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"},
		{"bedrock.amazonaws.com", "InvokeModel", `{"modelId":"anthropic.claude-3-5-sonnet-20240620-v1:0"}`, nil,
			"bedrock:InvokeModel arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"},
		{"bedrock.amazonaws.com", "Converse", `{"modelId":"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-3-7"}`, nil,
			"bedrock:InvokeModel arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-3-7"},
		{"logs.amazonaws.com", "CreateLogStream", `{"logGroupName":"/aws/lambda/chat","logStreamName":"2026/11/30/[$LATEST]ab"}`, nil,
			"logs:CreateLogStream arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/chat:log-stream:2026/11/30/[$LATEST]ab"},
		{"ssm.amazonaws.com", "GetParameter", `{"name":"/chat/model"}`, nil, "ssm:GetParameter arn:aws:ssm:us-east-1:111122223333:parameter/chat/model"},
		{"states.amazonaws.com", "StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:111122223333:stateMachine:train"}`, nil,
			"states:StartExecution arn:aws:states:us-east-1:111122223333:stateMachine:train"},
		{"kms.amazonaws.com", "ReEncrypt", `{"sourceKeyId":"arn:aws:kms:us-east-1:111122223333:key/a","destinationKeyId":"arn:aws:kms:us-east-1:111122223333:key/b"}`, nil,
			"kms:ReEncryptFrom arn:aws:kms:us-east-1:111122223333:key/a; kms:ReEncryptTo arn:aws:kms:us-east-1:111122223333:key/b"},
	} {
		t.Run(tc.source+" "+tc.name, func(t *testing.T) {
			ns, why := m.needs(call(t, tc.source, tc.name, tc.params, tc.resources...))
			if why != "" {
				t.Fatalf("not placed: %s", why)
			}
			if got := needsText(ns); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestUnplacedEventsAreSaid: an event the catalog has no action for is
// reported with why, never granted and never dropped.
func TestUnplacedEventsAreSaid(t *testing.T) {
	m := mapper{cat: testCatalog(t)}
	for _, c := range []*activity.Call{
		call(t, "nosuch.amazonaws.com", "DoThing", ``),
		call(t, "s3.amazonaws.com", "NoSuchOperation", ``),
		{Principal: "arn:aws:iam::111122223333:user/a", Action: "s3:NoSuchAction", Resource: "*"},
	} {
		ns, why := m.needs(c)
		if len(ns) != 0 || why == "" {
			t.Errorf("%s %s %s: needs %s, why %q", c.Source, c.Name, c.Action, needsText(ns), why)
		}
		if !strings.Contains(why, "no action") {
			t.Errorf("why %q does not say the catalog has no such action", why)
		}
	}
}
