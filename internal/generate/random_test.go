package generate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/activity"
	"github.com/wardhq/ward/internal/glob"
)

// randomTrail writes a CloudTrail file of n random calls by one role's
// sessions: objects under nested and dated prefixes, tables sharing stack
// prefixes, regions and accounts that vary, roles passed to services, and
// calls refused with AccessDenied.
func randomTrail(t *testing.T, rng *rand.Rand, n int) string {
	t.Helper()
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	var recs []map[string]any
	for i := 0; i < n; i++ {
		region := pick("us-east-1", "us-east-1", "eu-west-1")
		account := pick("111122223333", "111122223333", "444455556666")
		var source, name string
		params := map[string]any{}
		var resources []map[string]string
		switch rng.IntN(9) {
		case 0, 1:
			source, name = "s3.amazonaws.com", pick("GetObject", "PutObject", "HeadObject", "DeleteObject", "CopyObject")
			key := pick("raw/", "raw/2026/", "out/") + pick("", "11/", "12/") + fmt.Sprintf("f%d.csv", rng.IntN(6))
			params["bucketName"], params["key"] = pick("data", "logs-archive"), key
			if name == "CopyObject" {
				params["x-amz-copy-source"] = "data/" + pick("raw/a.csv", "raw/b.csv")
			}
		case 2:
			source, name = "s3.amazonaws.com", pick("ListObjectsV2", "ListBuckets", "HeadBucket")
			params["bucketName"] = pick("data", "logs-archive")
		case 3, 4:
			source, name = "dynamodb.amazonaws.com", pick("PutItem", "GetItem", "Query", "UpdateItem", "BatchWriteItem")
			table := pick("ChatMessage-", "ChatSession-", "Orders_") + pick("ab12-dev", "ab12-prod", "cd34-prod")
			params["tableName"] = table
			if name == "Query" && rng.IntN(2) == 0 {
				params["indexName"] = pick("byUser", "byTime")
			}
			if name == "BatchWriteItem" {
				params = map[string]any{"requestItems": map[string]any{table: []any{}, pick("Audit-a", "Audit-b"): []any{}}}
			}
			if rng.IntN(3) == 0 {
				resources = append(resources, map[string]string{"ARN": fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, table), "type": "AWS::DynamoDB::Table"})
			}
		case 5:
			source, name = "lambda.amazonaws.com", pick("Invoke", "GetFunction20150331v2")
			fn := pick("chat", "chat-tools", "petro")
			params["functionName"] = fn
			if rng.IntN(2) == 0 {
				params["functionName"] = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, fn)
			}
		case 6:
			source, name = "logs.amazonaws.com", pick("CreateLogStream", "CreateLogGroup")
			params["logGroupName"] = pick("/aws/lambda/chat", "/aws/lambda/petro")
			params["logStreamName"] = fmt.Sprintf("2026/%02d/%02d/[$LATEST]%x", 11+rng.IntN(2), 1+rng.IntN(28), rng.Uint32())
		case 7:
			source, name = "ecs.amazonaws.com", pick("RegisterTaskDefinition", "RunTask")
			params["family"] = pick("train", "infer")
			params["taskDefinition"] = pick("train:3", "infer:1", "train")
			params["taskRoleArn"] = "arn:aws:iam::111122223333:role/" + pick("train-task", "ml/infer-task")
		default:
			source, name = pick("sqs.amazonaws.com", "kms.amazonaws.com", "secretsmanager.amazonaws.com", "monitoring.amazonaws.com"), ""
			switch source {
			case "sqs.amazonaws.com":
				name = pick("SendMessage", "SendMessageBatch", "DeleteMessage")
				params["queueUrl"] = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, account, pick("jobs", "jobs-dlq"))
			case "kms.amazonaws.com":
				name = pick("Decrypt", "GenerateDataKey")
				resources = append(resources, map[string]string{"ARN": fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, account, pick("k1", "k2")), "type": "AWS::KMS::Key"})
			case "secretsmanager.amazonaws.com":
				name = "GetSecretValue"
				params["secretId"] = pick("prod/db", "prod/api", "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf")
			default:
				name = "PutMetricData"
			}
		}
		rec := map[string]any{
			"eventTime": fmt.Sprintf("2026-11-%02dT%02d:00:00Z", 1+rng.IntN(28), rng.IntN(24)), "eventSource": source, "eventName": name,
			"awsRegion": region, "recipientAccountId": "111122223333", "eventType": "AwsApiCall", "requestParameters": params,
			"userIdentity": map[string]any{"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app/" + pick("s1", "s2"),
				"accountId": "111122223333", "sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": "arn:aws:iam::111122223333:role/svc/app"}}},
		}
		if len(resources) > 0 {
			rec["resources"] = resources
		}
		if rng.IntN(8) == 0 {
			rec["errorCode"] = pick("AccessDenied", "AccessDeniedException")
		} else if rng.IntN(10) == 0 {
			rec["errorCode"] = "ResourceNotFoundException" // authorized, then not found: used
		}
		recs = append(recs, rec)
	}
	data, _ := json.Marshal(map[string]any{"Records": recs})
	path := filepath.Join(t.TempDir(), "trail.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRandomTrails: over random trails and every kind of generalization,
// every call that was not refused replays as allowed; every resource
// pattern of the policy holds at least one used permission, so nothing is
// granted that no call used except through the generalizations said; and
// every refused permission the policy allows is named in a note.
func TestRandomTrails(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	settings := []Generalize{{}, DefaultGeneralize, {Keys: 1, Names: 1, Places: 1}, {Keys: 2, Names: 3, Places: 0}}
	const principal = "arn:aws:iam::111122223333:role/app"
	trails := 120
	if testing.Short() {
		trails = 30
	}
	for i := 0; i < trails; i++ {
		path := randomTrail(t, rng, 10+rng.IntN(60))
		gen := settings[i%len(settings)]
		r := generateFrom(t, Options{Principal: principal, Generalize: gen}, path)
		allowed, calls := decideAll(t, r, principal, path)
		if allowed != calls {
			t.Fatalf("trail %d (%+v): %d of %d calls allowed", i, gen, allowed, calls)
		}
		for _, s := range r.Policy.Statement {
			for _, res := range s.Resource {
				used := false
				for _, n := range r.needs {
					if containsString(s.Action, n.Action) && glob.Match(res, n.Resource) {
						used = true
						break
					}
				}
				if !used {
					t.Errorf("trail %d: %s grants %s on %s, which no call used", i, s.Sid, strings.Join(s.Action, ","), res)
				}
			}
		}
		_, set, err := r.Policy.compiled("generated", r.principal)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Refused {
			req := requestFor(r.principal, need{Action: p.Action, Resource: p.Resource, Service: p.Service}, nil)
			pr, err := req.Prepare()
			if err != nil {
				continue
			}
			if set.Decide(pr).Result.String() == "Allowed" && !noted(r.Notes, p.Action+" on "+p.Resource) {
				t.Errorf("trail %d: refused %s on %s is allowed and no note says so", i, p.Action, p.Resource)
			}
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func noted(notes []string, what string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n, what) {
			return true
		}
	}
	return false
}

// TestCompactionWhileReading: with compaction early and often, memory
// holds few permissions, and every call still replays as allowed.
func TestCompactionWhileReading(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	const principal = "arn:aws:iam::111122223333:role/app"
	path := randomTrail(t, rng, 2500)
	for _, gen := range []Generalize{DefaultGeneralize, {Keys: 3}, {Keys: 2, Places: 2}} {
		g := New(testCatalog(t), Options{Principal: principal, Generalize: gen})
		g.compactAt = 16
		most := 0
		err := activity.Read(path, func(c *activity.Call) error {
			g.Add(c)
			for _, o := range g.entities {
				most = max(most, len(o.uses))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		r, err := g.Result()
		if err != nil {
			t.Fatal(err)
		}
		allowed, calls := decideAll(t, r, principal, path)
		if allowed != calls || calls < 1500 {
			t.Errorf("%+v: %d of %d calls allowed", gen, allowed, calls)
		}
		exact := generateFrom(t, Options{Principal: principal}, path)
		if most >= len(exact.needs) {
			t.Errorf("%+v: compaction kept %d permissions at most, of %d distinct", gen, most, len(exact.needs))
		}
	}
}
