package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/israce"
	"github.com/wardhq/ward/internal/policy"
)

func compile(t testing.TB, doc string) *engine.Compiled {
	t.Helper()
	p, err := policy.Parse([]byte(doc), "test")
	if err != nil {
		t.Fatal(err)
	}
	return engine.Compile(p, "test")
}

func decide(t testing.TB, ps engine.Policies, r engine.Request) *engine.Decision {
	t.Helper()
	set, err := engine.NewSet(ps)
	if err != nil {
		t.Fatal(err)
	}
	prep, err := r.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	return set.Decide(prep)
}

// TestConditionOperators runs each operator against one request value.
func TestConditionOperators(t *testing.T) {
	tests := []struct {
		op, key, policyValue string
		ctx                  []string // nil: key absent
		want                 bool
	}{
		{"NumericLessThan", "s3:max-keys", "10", []string{"9"}, true},
		{"NumericLessThan", "s3:max-keys", "10", []string{"10"}, false},
		{"NumericLessThanEquals", "s3:max-keys", "10", []string{"10.000"}, true},
		{"NumericGreaterThan", "s3:max-keys", "-1.5", []string{"-1.25"}, true},
		{"NumericEquals", "k", "9007199254740993", []string{"9007199254740992"}, false}, // exact, not float64
		{"NumericEquals", "k", "abc", []string{"1"}, false},                             // policy value does not parse
		{"NumericNotEquals", "k", "1", []string{"abc"}, false},                          // request value does not parse
		{"NumericLessThan", "k", "5", nil, false},
		{"NumericLessThanIfExists", "k", "5", nil, true},
		{"DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", []string{"2021-06-01T12:00:00Z"}, true},
		{"DateLessThan", "aws:CurrentTime", "2020-01-01", []string{"2019-12-31T23:59:59Z"}, true},
		{"DateEquals", "aws:TokenIssueTime", "1577836800", []string{"2020-01-01T00:00:00Z"}, true}, // epoch seconds
		{"DateNotEquals", "aws:TokenIssueTime", "2020-01-01T00:00:00+02:00", []string{"2019-12-31T22:00:00Z"}, false},
		{"Bool", "aws:SecureTransport", "true", []string{"true"}, true},
		{"Bool", "aws:SecureTransport", "false", []string{"TRUE"}, false},
		{"Bool", "aws:SecureTransport", "true", []string{"yes"}, false},
		{"Bool", "aws:SecureTransport", "true", nil, false},
		{"BoolIfExists", "aws:MultiFactorAuthPresent", "false", nil, true},
		{"BinaryEquals", "k", "QmluYXJ5VmFsdWU=", []string{"QmluYXJ5VmFsdWU="}, true},
		{"BinaryEquals", "k", "QmluYXJ5VmFsdWU=", []string{"QmluYXJ5"}, false},
		{"IpAddress", "aws:SourceIp", "203.0.113.0/24", []string{"203.0.113.7"}, true},
		{"IpAddress", "aws:SourceIp", "203.0.113.0/24", []string{"203.0.114.7"}, false},
		{"IpAddress", "aws:SourceIp", "203.0.113.7", []string{"203.0.113.7"}, true}, // bare address is a /32
		{"IpAddress", "aws:SourceIp", "2001:db8::/32", []string{"2001:db8:1::5"}, true},
		{"IpAddress", "aws:SourceIp", "2001:db8::/32", []string{"203.0.113.7"}, false},
		{"IpAddress", "aws:SourceIp", "300.0.0.0/8", []string{"10.0.0.1"}, false}, // bad CIDR never matches
		{"NotIpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"203.0.113.7"}, true},
		{"NotIpAddress", "aws:SourceIp", "10.0.0.0/8", nil, true},
		{"NotIpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"not-an-ip"}, false},
		{"ArnLike", "aws:SourceArn", "arn:aws:s3:::bucket-*", []string{"arn:aws:s3:::bucket-1"}, true},
		{"ArnLike", "aws:SourceArn", "arn:aws:sns:*:111111111111:*", []string{"arn:aws:sns:us-east-1:111111111111:topic"}, true},
		{"ArnLike", "aws:SourceArn", "arn:aws:sns:*:111111111111:*", []string{"arn:aws:sns:us-east-1:222222222222:topic"}, false},
		{"ArnEquals", "aws:SourceArn", "arn:aws:iam::*:role/x", []string{"arn:aws:iam::111111111111:role/x"}, true},
		{"ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin", []string{"arn:aws:iam::111111111111:role/dev"}, true},
		{"StringLike", "aws:SourceArn", "arn:aws:*", []string{"arn:aws:s3:::x"}, true},
		{"StringEqualsIgnoreCase", "aws:PrincipalTag/Team", "BLUE", []string{"blue"}, true},
		{"StringNotEqualsIgnoreCase", "aws:PrincipalTag/Team", "BLUE", []string{"blue"}, false},
		{"StringNotEquals", "aws:PrincipalTag/Team", "blue", nil, true},
		{"StringNotEqualsIfExists", "aws:PrincipalTag/Team", "blue", nil, true},
		{"StringEquals", "aws:PrincipalTag/Team", "blue", nil, false},
		{"Null", "aws:TokenIssueTime", "true", nil, true},
		{"Null", "aws:TokenIssueTime", "false", nil, false},
		{"Null", "aws:TokenIssueTime", "false", []string{"2020-01-01T00:00:00Z"}, true},
		{"ForAnyValue:StringEquals", "aws:TagKeys", "env", []string{"team", "env"}, true},
		{"ForAnyValue:StringEquals", "aws:TagKeys", "env", []string{}, false},
		{"ForAllValues:StringEquals", "aws:TagKeys", "env", []string{"team", "env"}, false},
		{"ForAllValues:StringEquals", "aws:TagKeys", "env", nil, true},
		{"ForAllValues:StringEquals", "aws:TagKeys", "env", []string{}, true},
		{"ForAllValues:StringNotLike", "aws:TagKeys", "secret*", []string{"team", "env"}, true},
		{"ForAllValues:StringNotLike", "aws:TagKeys", "secret*", []string{"team", "secret-x"}, false},
		{"ForAnyValue:StringNotEquals", "aws:TagKeys", "env", []string{"env"}, false},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/%s=%v", tt.op, tt.policyValue, tt.ctx)
		t.Run(name, func(t *testing.T) {
			doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
				"Condition":{%q:{%q:%q}}}]}`, tt.op, tt.key, tt.policyValue)
			req := engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
			if tt.ctx != nil {
				req.Context = map[string][]string{tt.key: tt.ctx}
			}
			d := decide(t, engine.Policies{Identity: []*engine.Compiled{compile(t, doc)}}, req)
			if got := d.Result == engine.Allowed; got != tt.want {
				t.Errorf("condition %s {%s: %s} with %v: %v, want %v", tt.op, tt.key, tt.policyValue, tt.ctx, got, tt.want)
			}
		})
	}
}

func TestDerivedContext(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*",
		"Condition":{"StringEquals":{"aws:PrincipalType":"User","aws:PrincipalAccount":"111111111111","aws:ResourceAccount":"111111111111"},
		"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:user/alice"}}}]}`
	d := decide(t, engine.Policies{Identity: []*engine.Compiled{compile(t, doc)}},
		engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/alice/x"})
	if d.Result != engine.Allowed {
		t.Fatalf("derived keys: %v, %s", d.Result, d.Message())
	}
	// A role session's aws:PrincipalArn is the role's ARN.
	doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
		"Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/app"},"StringEquals":{"aws:PrincipalType":"AssumedRole"}}}]}`
	d = decide(t, engine.Policies{Identity: []*engine.Compiled{compile(t, doc)}},
		engine.Request{Principal: "arn:aws:sts::111111111111:assumed-role/app/worker-1", Action: "s3:GetObject", Resource: "*"})
	if d.Result != engine.Allowed {
		t.Fatalf("role session PrincipalArn: %v", d.Result)
	}
	// aws:CurrentTime comes from Request.Now when the context lacks it.
	doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
		"Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}, "NumericGreaterThan":{"aws:EpochTime":"1700000000"}}}]}`
	for _, tc := range []struct {
		now  time.Time
		want engine.Result
	}{{time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC), engine.Allowed}, {time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), engine.ImplicitDeny}} {
		d = decide(t, engine.Policies{Identity: []*engine.Compiled{compile(t, doc)}},
			engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "*", Now: tc.now})
		if d.Result != tc.want {
			t.Errorf("at %v: %v, want %v", tc.now, d.Result, tc.want)
		}
	}
}

func TestMissingContextKeys(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
		"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:PrincipalTag/Team":"blue"}}}]}`
	d := decide(t, engine.Policies{Identity: []*engine.Compiled{compile(t, doc)}},
		engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "*"})
	if d.Result != engine.ImplicitDeny {
		t.Fatalf("got %v", d.Result)
	}
	if got := strings.Join(d.Missing, ","); got != "aws:SourceIp" {
		// Conditions stop at the first false one: only SourceIp was asked.
		t.Errorf("missing = %q, want aws:SourceIp", got)
	}
}

func TestMessages(t *testing.T) {
	allow := compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	deny := compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"codecommit:*","Resource":"*"}]}`)
	tests := []struct {
		name string
		ps   engine.Policies
		req  engine.Request
		want string
	}{
		{"implicit", engine.Policies{}, engine.Request{Principal: "arn:aws:iam::123456789012:user/JohnDoe", Action: "codecommit:ListRepositories", Resource: "*"},
			"User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: codecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action"},
		{"scp", engine.Policies{Identity: []*engine.Compiled{allow}, SCPs: [][]*engine.Compiled{{allow, deny}}},
			engine.Request{Principal: "arn:aws:iam::123456789012:user/JohnDoe", Action: "codecommit:GetRepository", Resource: "arn:aws:codecommit:us-east-1:123456789012:repo"},
			"User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: codecommit:GetRepository on resource: arn:aws:codecommit:us-east-1:123456789012:repo with an explicit deny in a service control policy"},
		{"boundary", engine.Policies{Identity: []*engine.Compiled{allow}, Boundary: deny},
			engine.Request{Principal: "arn:aws:iam::123456789012:user/JohnDoe", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"},
			`User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/k" because no permissions boundary allows the s3:GetObject action`},
		{"trust", engine.Policies{Identity: []*engine.Compiled{allow}},
			engine.Request{Principal: "arn:aws:iam::123456789012:user/JohnDoe", Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/admin"},
			"User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/admin because no role trust policy allows the sts:AssumeRole action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decide(t, tt.ps, tt.req).Message(); got != tt.want {
				t.Errorf("message\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestPrepareErrors(t *testing.T) {
	tests := []struct {
		req  engine.Request
		want string
	}{
		{engine.Request{Principal: "", Action: "s3:GetObject", Resource: "*"}, "no principal"},
		{engine.Request{Principal: "bob", Action: "s3:GetObject", Resource: "*"}, "is not an ARN"},
		{engine.Request{Principal: "arn:aws:iam::12345:user/bob", Action: "s3:GetObject", Resource: "*"}, "12-digit"},
		{engine.Request{Principal: "arn:aws:sts::111111111111:assumed-role/onlyrole", Action: "s3:GetObject", Resource: "*"}, "assumed-role/ROLE/SESSION"},
		{engine.Request{Principal: "anonymous", Action: "GetObject", Resource: "*"}, "service:ActionName"},
		{engine.Request{Principal: "anonymous", Action: "s3:GetObject"}, "no resource"},
		{engine.Request{Principal: "anonymous", Action: "s3:GetObject", Resource: "*", Context: map[string][]string{"aws:SourceIp": {"a"}, "AWS:SOURCEIP": {"b"}}}, "twice"},
	}
	for _, tt := range tests {
		_, err := tt.req.Prepare()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Prepare(%+v) = %v, want an error containing %q", tt.req, err, tt.want)
		}
	}
}

// TestDecideAllocatesNothing guards the hot path: once the Decision has
// grown, deciding allocates nothing, with conditions, variables and
// several policy types involved.
func TestDecideAllocatesNothing(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector allocates: counts are checked without it")
	}
	identity := compile(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bucket/${aws:username}/*",
		 "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"StringLike":{"aws:PrincipalTag/team":"blue*"},
		 "NumericLessThan":{"s3:max-keys":"100"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}},
		{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}`)
	boundary := compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	scp := compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1"]}}}]}`)
	set, err := engine.NewSet(engine.Policies{Identity: []*engine.Compiled{identity}, Boundary: boundary, SCPs: [][]*engine.Compiled{{scp}}})
	if err != nil {
		t.Fatal(err)
	}
	prep, err := (&engine.Request{
		Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/alice/report.csv",
		Context: map[string][]string{"aws:SourceIp": {"10.1.2.3"}, "aws:PrincipalTag/team": {"blue-1"}, "s3:max-keys": {"10"}, "aws:RequestedRegion": {"us-east-1"}},
	}).Prepare()
	if err != nil {
		t.Fatal(err)
	}
	var d engine.Decision
	set.DecideInto(prep, &d)
	if d.Result != engine.Allowed {
		t.Fatalf("setup: %v %s", d.Result, d.Message())
	}
	allocs := testing.AllocsPerRun(100, func() { set.DecideInto(prep, &d) })
	if allocs != 0 {
		t.Errorf("DecideInto allocates %.1f times per decision, want 0", allocs)
	}
}

// TestPrepareIntoAllocatesNothing prepares requests from several kinds of
// principal, with context in Request.Keys, into one reused Prepared: once
// it has grown, preparing and deciding allocate nothing.
func TestPrepareIntoAllocatesNothing(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector allocates: counts are checked without it")
	}
	set, err := engine.NewSet(engine.Policies{Identity: []*engine.Compiled{compile(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*",
		 "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:PrincipalTag/Team":"blue"}}}]}`)}})
	if err != nil {
		t.Fatal(err)
	}
	ip, team := []string{"10.1.2.3"}, []string{"blue"}
	requests := []engine.Request{
		{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/k",
			Keys: []engine.ContextKey{{Name: "aws:SourceIp", Values: ip}, {Name: "aws:PrincipalTag/team", Values: team}}},
		{Principal: "arn:aws:sts::111111111111:assumed-role/app/worker-1", Action: "S3:GetObject", Resource: "arn:aws:s3:::bucket/k",
			Keys: []engine.ContextKey{{Name: "AWS:SOURCEIP", Values: ip}, {Name: "aws:principaltag/TEAM", Values: team}}},
		{Principal: "arn:aws:iam::111111111111:root", Action: "s3:getobject", Resource: "arn:aws:s3:::bucket/k",
			Keys: []engine.ContextKey{{Name: "aws:SourceIp", Values: ip}, {Name: "aws:PrincipalTag/Team", Values: team}},
			Now:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	var prep engine.Prepared
	var d engine.Decision
	for i := range requests {
		if err := requests[i].PrepareInto(&prep); err != nil {
			t.Fatal(err)
		}
		set.DecideInto(&prep, &d)
		if d.Result != engine.Allowed {
			t.Fatalf("request %d: %v %s", i, d.Result, d.Message())
		}
	}
	for i := range requests {
		r := &requests[i]
		allocs := testing.AllocsPerRun(100, func() {
			if err := r.PrepareInto(&prep); err != nil {
				t.Fatal(err)
			}
			set.DecideInto(&prep, &d)
		})
		if allocs != 0 {
			t.Errorf("request %d (%s): PrepareInto and DecideInto allocate %.1f times, want 0", i, r.Principal, allocs)
		}
	}
}

// TestPrepareIntoForgets reuses one Prepared for a request with context
// and then one without: nothing of the first may reach the second.
func TestPrepareIntoForgets(t *testing.T) {
	set, err := engine.NewSet(engine.Policies{Identity: []*engine.Compiled{compile(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}`)}})
	if err != nil {
		t.Fatal(err)
	}
	var prep engine.Prepared
	var d engine.Decision
	steps := []struct {
		r    engine.Request
		want engine.Result
	}{
		{engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "*",
			Context: map[string][]string{"aws:PrincipalTag/team": {"blue"}}}, engine.Allowed},
		{engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "*"}, engine.ImplicitDeny},
		{engine.Request{Principal: "arn:aws:iam::111111111111:user/bob", Action: "s3:GetObject", Resource: "*",
			Keys: []engine.ContextKey{{Name: "aws:PrincipalTag/Team", Values: []string{"blue"}}}}, engine.Allowed},
	}
	for i, st := range steps {
		if err := st.r.PrepareInto(&prep); err != nil {
			t.Fatal(err)
		}
		set.DecideInto(&prep, &d)
		if d.Result != st.want {
			t.Errorf("step %d: %v, want %v", i, d.Result, st.want)
		}
		if got, want := prep.Given("AWS:PRINCIPALTAG/TEAM"), st.want == engine.Allowed; got != want {
			t.Errorf("step %d: Given = %v, want %v", i, got, want)
		}
	}
	if prep.Caller.Name != "bob" {
		t.Errorf("the caller is not the last request's: %+v", prep.Caller)
	}
}

// TestContextKeyCase: key names match whatever their case, non-ASCII ones
// included; a key given twice, in Context and Keys or in two spellings,
// is an error.
func TestContextKeyCase(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
		"Condition":{"StringEquals":{"aws:RequestTag/Équipe":"bleu"}}}]}`
	for _, key := range []string{"aws:RequestTag/Équipe", "aws:requesttag/équipe", "AWS:REQUESTTAG/ÉQUIPE"} {
		d := decide(t, engine.Policies{Identity: []*engine.Compiled{compile(t, doc)}},
			engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "*",
				Keys: []engine.ContextKey{{Name: key, Values: []string{"bleu"}}}})
		if d.Result != engine.Allowed {
			t.Errorf("%s: %v", key, d.Result)
		}
	}
	r := engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "*",
		Context: map[string][]string{"aws:SourceIp": {"10.0.0.1"}},
		Keys:    []engine.ContextKey{{Name: "AWS:SourceIP", Values: []string{"10.0.0.2"}}}}
	if _, err := r.Prepare(); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("a key in Context and Keys: %v", err)
	}
}
