// Command trail writes a synthetic CloudTrail corpus for measuring ward
// generate: the AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ tree,
// gzip-compressed files of about 1,000 records each, as CloudTrail
// delivers them. The records are those of a few dozen roles and users
// calling S3, DynamoDB, Lambda, CloudWatch Logs, KMS, SQS, Secrets Manager
// and Bedrock, with the fields CloudTrail writes (identity, session
// context, request parameters, resources, TLS details), a share of them
// refused. The corpus is written where -out says and never committed.
//
//	go run ./bench/trail -events 2000000 -out /tmp/trail
//	/usr/bin/time -v ward generate --principal arn:aws:iam::111122223333:role/svc/app-0 /tmp/trail
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

func main() {
	events := flag.Int("events", 2_000_000, "how many records to write")
	out := flag.String("out", "", "the folder to write the AWSLogs tree in (required)")
	perFile := flag.Int("per-file", 1000, "records per file")
	flag.IntVar(&principals, "principals", 40, "how many roles make the calls (app-0, app-1, ...)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "trail: -out is required")
		os.Exit(2)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var raw int64
	for file := 0; file*(*perFile) < *events; file++ {
		n := min(*perFile, *events-file*(*perFile))
		at := start.Add(time.Duration(file) * 30 * time.Second)
		dir := filepath.Join(*out, "AWSLogs", "111122223333", "CloudTrail", "us-east-1", at.Format("2006"), at.Format("01"), at.Format("02"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fail(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("111122223333_CloudTrail_us-east-1_%s_%06d.json.gz", at.Format("20060102T1504Z"), file))
		f, err := os.Create(path)
		if err != nil {
			fail(err)
		}
		zw := gzip.NewWriter(f)
		bw := bufio.NewWriter(zw)
		records := make([]map[string]any, n)
		for i := range records {
			records[i] = record(rng, at.Add(time.Duration(i)*10*time.Millisecond))
		}
		data, _ := json.Marshal(map[string]any{"Records": records})
		raw += int64(len(data))
		bw.Write(data)
		if err := bw.Flush(); err != nil {
			fail(err)
		}
		if err := zw.Close(); err != nil {
			fail(err)
		}
		if err := f.Close(); err != nil {
			fail(err)
		}
	}
	fmt.Printf("%d records, %.0f MB of JSON, in %s\n", *events, float64(raw)/1e6, *out)
}

var principals int

func fail(err error) {
	fmt.Fprintln(os.Stderr, "trail:", err)
	os.Exit(1)
}

func record(rng *rand.Rand, at time.Time) map[string]any {
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	role := fmt.Sprintf("app-%d", rng.IntN(principals))
	region := pick("us-east-1", "us-east-1", "us-east-1", "eu-west-1")
	params := map[string]any{}
	var resources []map[string]string
	var source, name string
	switch rng.IntN(8) {
	case 0, 1:
		source, name = "s3.amazonaws.com", pick("GetObject", "PutObject", "HeadObject", "ListObjectsV2")
		bucket := pick("data-lake", "artifacts", "models")
		params["bucketName"], params["Host"] = bucket, bucket+".s3.amazonaws.com"
		if name != "ListObjectsV2" {
			key := fmt.Sprintf("%s/2026/11/%02d/part-%05d.parquet", pick("raw", "curated", "tmp"), 1+rng.IntN(30), rng.IntN(100000))
			params["key"] = key
			resources = append(resources, map[string]string{"accountId": "111122223333", "type": "AWS::S3::Object", "ARN": "arn:aws:s3:::" + bucket + "/" + key})
		}
		resources = append(resources, map[string]string{"accountId": "111122223333", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::" + bucket})
	case 2, 3:
		source, name = "dynamodb.amazonaws.com", pick("PutItem", "GetItem", "Query", "UpdateItem")
		table := pick("ChatMessage-", "ChatSession-", "Orders-") + pick("x7k2-prod", "x7k2-dev")
		params["tableName"] = table
		params["key"] = map[string]any{"id": map[string]any{"S": "HIDDEN_DUE_TO_SECURITY_REASONS"}}
		resources = append(resources, map[string]string{"accountId": "111122223333", "type": "AWS::DynamoDB::Table", "ARN": "arn:aws:dynamodb:" + region + ":111122223333:table/" + table})
	case 4:
		source, name = "lambda.amazonaws.com", "Invoke"
		fn := pick("chat", "tools", "petro")
		params["functionName"] = "arn:aws:lambda:" + region + ":111122223333:function:" + fn
		params["invocationType"] = "RequestResponse"
		resources = append(resources, map[string]string{"accountId": "111122223333", "type": "AWS::Lambda::Function", "ARN": params["functionName"].(string)})
	case 5:
		source, name = "kms.amazonaws.com", pick("Decrypt", "GenerateDataKey")
		params["encryptionContext"] = map[string]any{"aws:s3:arn": "arn:aws:s3:::data-lake"}
		resources = append(resources, map[string]string{"accountId": "111122223333", "type": "AWS::KMS::Key", "ARN": "arn:aws:kms:" + region + ":111122223333:key/" + pick("1234abcd-12ab-34cd-56ef-1234567890ab", "0987dcba-09fe-87dc-65ba-ab0987654321")})
	case 6:
		source, name = pick("sqs.amazonaws.com", "secretsmanager.amazonaws.com"), ""
		if source == "sqs.amazonaws.com" {
			name = pick("SendMessage", "DeleteMessage")
			params["queueUrl"] = "https://sqs." + region + ".amazonaws.com/111122223333/" + pick("jobs", "jobs-dlq")
		} else {
			name = "GetSecretValue"
			params["secretId"] = pick("prod/db", "prod/api-key")
		}
	default:
		source, name = "bedrock.amazonaws.com", pick("InvokeModel", "Converse")
		params["modelId"] = "anthropic.claude-3-5-sonnet-20240620-v1:0"
	}
	r := map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{
			"type": "AssumedRole", "principalId": "AROAEXAMPLE" + role + ":session", "arn": "arn:aws:sts::111122223333:assumed-role/" + role + "/session",
			"accountId": "111122223333", "accessKeyId": "ASIAEXAMPLEKEY",
			"sessionContext": map[string]any{
				"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROAEXAMPLE" + role, "arn": "arn:aws:iam::111122223333:role/svc/" + role, "accountId": "111122223333", "userName": role},
				"attributes":    map[string]any{"creationDate": at.Add(-time.Hour).Format(time.RFC3339), "mfaAuthenticated": "false"},
			},
		},
		"eventTime": at.Format(time.RFC3339), "eventSource": source, "eventName": name, "awsRegion": region,
		"sourceIPAddress": "10.0." + fmt.Sprint(rng.IntN(255)) + "." + fmt.Sprint(rng.IntN(255)), "userAgent": "aws-sdk-go-v2/1.32.0 os/linux lang/go#1.23",
		"requestParameters": params, "responseElements": nil,
		"requestID": fmt.Sprintf("%016X", rng.Uint64()), "eventID": fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.IntN(65536), rng.IntN(65536), rng.IntN(65536), rng.Uint64()>>16),
		"readOnly": name == "GetObject" || name == "GetItem", "eventType": "AwsApiCall", "managementEvent": false, "recipientAccountId": "111122223333",
		"eventCategory": "Data", "tlsDetails": map[string]any{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": source},
	}
	if len(resources) > 0 {
		r["resources"] = resources
	}
	if rng.IntN(50) == 0 {
		r["errorCode"], r["errorMessage"] = "AccessDenied", "User is not authorized to perform this operation"
	}
	return r
}
