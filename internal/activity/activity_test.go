package activity

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readAll(t *testing.T, name, data string) ([]*Call, error) {
	t.Helper()
	var calls []*Call
	err := ReadFrom(strings.NewReader(data), name, func(c *Call) error { calls = append(calls, c); return nil })
	return calls, err
}

const oneRecord = `{"eventTime":"2026-11-30T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1",
 "eventType":"AwsApiCall","recipientAccountId":"111122223333","requestParameters":{"bucketName":"b","key":"k"},
 "resources":[{"ARN":"arn:aws:s3:::b/k","accountId":"111122223333","type":"AWS::S3::Object"}],
 "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s","accountId":"111122223333",
  "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/svc/app"}}}}`

// TestFormats: the three inputs give the same call, whatever the order of
// a file's keys, compressed or not.
func TestFormats(t *testing.T) {
	event, _ := json.Marshal(oneRecord)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"Records":[` + oneRecord + `]}`))
	zw.Close()
	for name, data := range map[string]string{
		"trail":          `{"Records":[` + oneRecord + `]}`,
		"trail-gz":       gz.String(),
		"lookup-events":  `{"Events":[{"EventId":"e1","EventName":"GetObject","CloudTrailEvent":` + string(event) + `}],"NextToken":"x"}`,
		"token-first":    `{"NextToken":"x","Events":[{"EventId":"e1","CloudTrailEvent":` + string(event) + `}]}`,
		"other-keys-too": `{"Other":{"a":[1,2]},"Records":[` + oneRecord + `]}`,
	} {
		calls, err := readAll(t, name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(calls) != 1 {
			t.Fatalf("%s: %d calls", name, len(calls))
		}
		c := calls[0]
		if err := c.Decode(); err != nil {
			t.Fatal(err)
		}
		if c.Entity != "arn:aws:iam::111122223333:role/svc/app" || c.Principal != "arn:aws:sts::111122223333:assumed-role/app/s" ||
			c.Region != "eu-west-1" || c.Account != "111122223333" || c.Source != "s3.amazonaws.com" || c.Name != "GetObject" ||
			len(c.Resources) != 1 || c.Resources[0].ARN != "arn:aws:s3:::b/k" || c.Parameters["key"] != "k" || c.Denied {
			t.Errorf("%s: %+v", name, c)
		}
	}
}

func TestDecisionLog(t *testing.T) {
	calls, err := readAll(t, "decisions.log", `{"time":"2026-11-30T10:00:00Z","requestId":"1","caller":"arn:aws:sts::111111111111:assumed-role/deployer/d","account":"111111111111","action":"iam:ListUsers","resource":"*","decision":"Allowed"}

{"time":"2026-11-30T10:00:01Z","requestId":"2","caller":"arn:aws:iam::111111111111:user/dev","account":"111111111111","action":"iam:CreateUser","resource":"arn:aws:iam::111111111111:user/m","decision":"ImplicitDeny","context":{"aws:SourceIp":["10.0.0.1"],"aws:PrincipalTag/team":["blue","red"]}}
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	if c := calls[0]; c.Entity != "arn:aws:iam::111111111111:role/deployer" || c.Action != "iam:ListUsers" || c.Denied || c.Where() != "decisions.log:1" {
		t.Errorf("%+v", c)
	}
	if c := calls[1]; c.Entity != "arn:aws:iam::111111111111:user/dev" || !c.Denied || c.Error != "ImplicitDeny" || c.Where() != "decisions.log:3" ||
		fmt.Sprint(c.Context) != "[{aws:SourceIp [10.0.0.1]} {aws:PrincipalTag/team [blue red]}]" {
		t.Errorf("%+v", c)
	}
}

// TestNotCallsTheyAreNot: service events, console sign-ins and a service
// acting as itself are no principal's calls.
func TestNotCallsTheyAreNot(t *testing.T) {
	calls, err := readAll(t, "t", `{"Records":[
	 {"eventType":"AwsServiceEvent","eventSource":"kms.amazonaws.com","eventName":"RotateKey","userIdentity":{"type":"AWSService"}},
	 {"eventType":"AwsConsoleSignIn","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}},
	 {"eventType":"AwsApiCall","eventSource":"kms.amazonaws.com","eventName":"Decrypt","userIdentity":{"type":"AWSService","invokedBy":"s3.amazonaws.com"}},
	 {"eventType":"AwsApiCall","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}
	]}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || !calls[0].Denied || calls[0].Entity != "arn:aws:iam::1:user/a" {
		t.Errorf("%+v", calls)
	}
}

// TestBadInput: each is refused with where and what, never skipped.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"empty", ``, "empty file"},
		{"not-json", `hello`, "does not start with a JSON object"},
		{"array", `[1,2]`, "does not start with a JSON object"},
		{"records-not-list", `{"Records":{"a":1}}`, "Records is not a list"},
		{"bad-record", `{"Records":[{"eventTime":"yesterday"}]}`, "bad-record: Records[0]"},
		{"truncated", `{"Records":[` + oneRecord, "truncated"},
		{"lookup-no-event", `{"Events":[{"EventId":"e"}]}`, "Events[0]: no CloudTrailEvent"},
		{"lookup-bad-event", `{"Events":[{"CloudTrailEvent":"{"}]}`, "Events[0].CloudTrailEvent"},
		{"log-not-json", "{\"time\":\"2026-11-30T10:00:00Z\",\"caller\":\"a\"}\nnot json\n", "log-not-json:1: not a decision log record: it has no caller, action or decision"},
		{"log-bad-line", "{\"time\":\"2026-11-30T10:00:00Z\",\"caller\":\"arn:aws:iam::1:user/a\",\"action\":\"s3:GetObject\",\"decision\":\"Allowed\"}\n{oops\n", "log-bad-line:2: not a decision log record"},
		{"log-bad-decision", `{"time":"2026-11-30T10:00:00Z","caller":"arn:aws:iam::1:user/a","action":"s3:GetObject","decision":"Maybe"}`, `decision "Maybe"`},
		{"log-long-line", `{"time":"2026-11-30T10:00:00Z","caller":"` + strings.Repeat("a", maxDecisionLine) + `"}`, "longer than"},
		{"huge-record", `{"Records":[{"eventName":"` + strings.Repeat("a", maxRecord) + `"}]}`, "larger than 8 MiB"},
		{"huge-skipped", `{"Other":"` + strings.Repeat("a", maxRecord) + `","Records":[]}`, "larger than 8 MiB"},
		{"other-object", `{"awsAccountId":"1","digestStartTime":"x"}`, "not a CloudTrail log (no Records)"},
		{"params-not-object", `{"Records":[{"eventType":"AwsApiCall","requestParameters":[1],"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}]}`, "requestParameters is not an object"},
		{"bad-gzip", "\x1f\x8b\x08\x00garbage", "bad-gzip"},
	} {
		calls, err := readAll(t, tc.name, tc.data)
		for _, c := range calls {
			if err == nil {
				err = c.Decode()
			}
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// TestTree: a folder is read in name order, digests and other files left
// out; a folder with no log files is an error.
func TestTree(t *testing.T) {
	root := t.TempDir()
	day := filepath.Join(root, "AWSLogs", "1", "CloudTrail", "us-east-1", "2026", "11", "30")
	dig := filepath.Join(root, "AWSLogs", "1", "CloudTrail-Digest", "us-east-1", "2026", "11", "30")
	os.MkdirAll(day, 0o755)
	os.MkdirAll(dig, 0o755)
	rec := func(name string) string {
		return `{"Records":[{"eventType":"AwsApiCall","eventSource":"s3.amazonaws.com","eventName":"` + name + `","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}]}`
	}
	os.WriteFile(filepath.Join(day, "b.json"), []byte(rec("Second")), 0o644)
	os.WriteFile(filepath.Join(day, "a.json"), []byte(rec("First")), 0o644)
	os.WriteFile(filepath.Join(day, "README.txt"), []byte("not a log"), 0o644)
	os.WriteFile(filepath.Join(dig, "d.json"), []byte(`{"digest":true}`), 0o644)
	var names []string
	if err := Read(root, func(c *Call) error { names = append(names, c.Name); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "First,Second" {
		t.Errorf("read %v", names)
	}
	if err := Read(t.TempDir(), func(*Call) error { return nil }); err == nil || !strings.Contains(err.Error(), "no .json") {
		t.Errorf("an empty folder: %v", err)
	}
}

// TestParallelFiles: files read by several workers reach fn in file
// order, every call once; an error in one file stops the reading with
// that file's error after the calls before it; an error from fn stops it
// too.
func TestParallelFiles(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := 0; i < 40; i++ {
		var recs []string
		for j := 0; j < 700; j++ { // more than a chunk
			recs = append(recs, `{"eventType":"AwsApiCall","eventSource":"s3.amazonaws.com","eventName":"E`+
				strings.Repeat("x", i%3)+`","requestParameters":{"n":"`+filepath.Base(dir)+`"},"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/u`+string(rune('a'+i%26))+`"}}`)
		}
		f := filepath.Join(dir, "f"+string(rune('a'+i/26))+string(rune('a'+i%26))+".json")
		os.WriteFile(f, []byte(`{"Records":[`+strings.Join(recs, ",")+`]}`), 0o644)
		files = append(files, f)
	}
	sequential := collect(t, files, 1)
	for _, workers := range []int{2, 3, 8} {
		got := collect(t, files, workers)
		if strings.Join(got, "\n") != strings.Join(sequential, "\n") {
			t.Errorf("%d workers: the calls differ from one worker's", workers)
		}
	}
	if len(sequential) != 40*700 {
		t.Errorf("%d calls", len(sequential))
	}
	os.WriteFile(files[20], []byte(`{"Records":[{"eventTime":"never"}]}`), 0o644)
	n := 0
	err := Reader{}.readFiles(files, 4, func(*Call) error { n++; return nil })
	if err == nil || !strings.Contains(err.Error(), files[20]) || n != 20*700 {
		t.Errorf("a bad file: %v after %d calls, want its error after %d", err, n, 20*700)
	}
	stop := errors.New("enough")
	n = 0
	err = Reader{}.readFiles(files, 4, func(*Call) error {
		n++
		if n == 1000 {
			return stop
		}
		return nil
	})
	if err != stop || n != 1000 {
		t.Errorf("fn's error: %v after %d calls", err, n)
	}
}

func collect(t *testing.T, files []string, workers int) []string {
	t.Helper()
	var out []string
	err := Reader{}.readFiles(files, workers, func(c *Call) error {
		out = append(out, c.Where()+" "+c.Name+" "+c.Entity)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTrailContext: the context keys a CloudTrail record tells of, by the
// global condition keys' rules: through a VPC endpoint aws:SourceVpce and
// aws:VpcSourceIp and no aws:SourceIp; a service's name in
// sourceIPAddress is no address; TLS details mean aws:SecureTransport.
func TestTrailContext(t *testing.T) {
	id := `"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}`
	for _, tc := range []struct{ name, fields, want string }{
		{"direct", `"awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7","tlsDetails":{"tlsVersion":"TLSv1.3"}`,
			"[{aws:RequestedRegion [eu-west-1]} {aws:SecureTransport [true]} {aws:SourceIp [203.0.113.7]}]"},
		{"endpoint", `"awsRegion":"us-east-1","sourceIPAddress":"10.0.1.2","vpcEndpointId":"vpce-1a2b"`,
			"[{aws:RequestedRegion [us-east-1]} {aws:SourceVpce [vpce-1a2b]} {aws:VpcSourceIp [10.0.1.2]}]"},
		{"ipv6", `"sourceIPAddress":"2001:db8::1","tlsDetails":null`, "[{aws:SourceIp [2001:db8::1]}]"},
		{"service", `"awsRegion":"us-east-1","sourceIPAddress":"lambda.amazonaws.com"`, "[{aws:RequestedRegion [us-east-1]}]"},
		{"nothing", ``, "[]"},
	} {
		sep := ""
		if tc.fields != "" {
			sep = ","
		}
		calls, err := readAll(t, tc.name, `{"Records":[{`+id+sep+tc.fields+`}]}`)
		if err != nil || len(calls) != 1 {
			t.Fatalf("%s: %v %d", tc.name, err, len(calls))
		}
		if got := fmt.Sprint(calls[0].Context); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestKeepDecodes: a Reader with Keep passes on only the calls it keeps,
// their parameters decoded, and a call whose parameters do not decode
// still reaches fn, its Decode returning the error with its place.
func TestKeepDecodes(t *testing.T) {
	data := `{"Records":[` + oneRecord + `,{"eventType":"AwsApiCall","requestParameters":[1],"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}},` +
		`{"eventType":"AwsApiCall","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/other"}}]}`
	var calls []*Call
	rd := Reader{Keep: func(c *Call) bool { return !strings.HasSuffix(c.Principal, "/other") }}
	if err := rd.ReadStream(strings.NewReader(data), "k", func(c *Call) error { calls = append(calls, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("%d calls kept, want 2", len(calls))
	}
	if calls[0].RawParameters != nil || calls[0].Parameters["key"] != "k" || calls[0].Decode() != nil {
		t.Errorf("the first call's parameters are not decoded: %+v", calls[0])
	}
	if err := calls[1].Decode(); err == nil || err.Error() != "k: Records[1]: requestParameters is not an object" {
		t.Errorf("the second call's Decode: %v", err)
	}
}
