package server_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/sigv4"
	"github.com/wardhq/ward/internal/store"
)

// rawCall sends a form body signed by hand for a scope's service, as an
// attacker's tool would, and returns the status and body.
func rawCall(t *testing.T, endpoint, id, secret, service, query, body string) (int, string) {
	t.Helper()
	u := endpoint + "/"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sigv4.Sign(req, []byte(body), id, secret, "us-east-1", service, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// TestAttackRequestShape: requests ward must refuse before any operation
// runs: a scope for another service, a parameter given twice (in the
// body, or once in the body and once in the query string, where the two
// could say different things), and a body larger than the limit, which
// is refused with its own error rather than cut short.
func TestAttackRequestShape(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	for _, tc := range []struct {
		name, service, query, body string
		status                     int
		code                       string
	}{
		{"honest", "iam", "", "Action=ListUsers&Version=2010-05-08", 200, ""},
		{"scoped to s3", "s3", "", "Action=ListUsers&Version=2010-05-08", 403, "SignatureDoesNotMatch"},
		{"scoped to a made-up service", "foo", "", "Action=ListUsers&Version=2010-05-08", 403, "SignatureDoesNotMatch"},
		{"Action twice", "iam", "", "Action=ListUsers&Action=CreateUser&UserName=x&Version=2010-05-08", 400, "MalformedQueryString"},
		{"Action in the body and the query", "iam", "Action=CreateUser", "Action=ListUsers&UserName=x&Version=2010-05-08", 400, "MalformedQueryString"},
		{"body over 1 MiB", "iam", "", "Action=ListUsers&Version=2010-05-08&Pad=" + strings.Repeat("a", 1<<20), 413, "RequestEntityTooLarge"},
	} {
		status, body := rawCall(t, ts.URL, id, secret, tc.service, tc.query, tc.body)
		if status != tc.status || (tc.code != "" && !strings.Contains(body, "<Code>"+tc.code+"</Code>")) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, body, tc.status, tc.code)
		}
	}
}

// TestAttackAuthorizeScope: /v1/authorize takes signatures scoped to
// ward's own service only, so a signed IAM or STS request cannot be
// replayed against it, nor one of its own against IAM.
func TestAttackAuthorizeScope(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	body := `{"principal":"arn:aws:iam::123456789012:root","action":"s3:GetObject","resource":"*"}`
	for service, want := range map[string]int{"ward": 200, "iam": 403, "sts": 403} {
		req, _ := http.NewRequest("POST", ts.URL+"/v1/authorize", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		sigv4.Sign(req, []byte(body), id, secret, "us-east-1", service, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("/v1/authorize signed for %s: %d, want %d", service, resp.StatusCode, want)
		}
	}
	if status, _ := rawCall(t, ts.URL, id, secret, "ward", "", "Action=ListUsers&Version=2010-05-08"); status != 403 {
		t.Errorf("the Query API signed for ward: %d, want 403", status)
	}
}

// TestAttackControlCharacterDescription: a description with a control
// character is refused, as IAM refuses it; one already stored (written
// before the check, here straight into the store) is written as U+FFFD,
// and ListPolicies still parses for every client.
func TestAttackControlCharacterDescription(t *testing.T) {
	srv, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	_, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: doc, Description: aws.String("bell \x07 here")})
	if apiCode(err) != "ValidationError" {
		t.Errorf("a description with a control character: %v, want ValidationError", err)
	}
	if _, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: doc, Description: aws.String("fine, é 日本")}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.Update(ctx, func(tx store.Tx) error {
		e, err := tx.Get("123456789012", "policy", "p")
		if err != nil {
			return err
		}
		e.Body = []byte(strings.Replace(string(e.Body), `"fine, é 日本"`, `"old \u0001 text"`, 1))
		return tx.Put(e)
	}); err != nil {
		t.Fatal(err)
	}
	srv.Service.Invalidate()
	out, err := root.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: "Local"})
	if err != nil || len(out.Policies) != 1 || aws.ToString(out.Policies[0].Description) != "old \uFFFD text" {
		t.Errorf("ListPolicies with a stored control character: %v %v", out, err)
	}
}

// TestAttackSimulationIsPaged: a simulation of many actions on many
// resources is answered a page at a time (MaxItems, Marker), as IAM
// answers it: one request can no longer ask for an answer of hundreds of
// megabytes. Over its pages every result comes exactly once.
func TestAttackSimulationIsPaged(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sim")}); err != nil {
		t.Fatal(err)
	}
	var actions, resources []string
	for i := range 60 {
		actions = append(actions, "s3:GetObject"+strings.Repeat("x", i%3))
		resources = append(resources, "arn:aws:s3:::bucket/key-"+strconv.Itoa(i))
	}
	seen := map[string]int{}
	pages := iam.NewSimulatePrincipalPolicyPaginator(root, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/sim"), ActionNames: actions, ResourceArns: resources, MaxItems: aws.Int32(500)})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.EvaluationResults) > 500 {
			t.Fatalf("a page of %d results, MaxItems 500", len(page.EvaluationResults))
		}
		for _, r := range page.EvaluationResults {
			seen[aws.ToString(r.EvalActionName)+" "+aws.ToString(r.EvalResourceName)]++
		}
		n++
	}
	if want := len(actions) * len(resources); n != (want+499)/500 || len(seen) != 3*len(resources) {
		t.Errorf("%d pages, %d distinct results; want %d pages of the %d evaluations", n, len(seen), (want+499)/500, want)
	}
	for k, v := range seen {
		if want := 20; v != want { // 60 actions of 3 distinct names
			t.Errorf("%s came %d times, want %d", k, v, want)
			break
		}
	}
	// Without MaxItems, a page is IAM's default of 100.
	out, err := root.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/sim"), ActionNames: actions, ResourceArns: resources})
	if err != nil || len(out.EvaluationResults) != 100 || !out.IsTruncated {
		t.Errorf("the default page: %d results, truncated %v, %v", len(out.EvaluationResults), out != nil && out.IsTruncated, err)
	}
	if _, err := root.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/sim"),
		ActionNames: actions, Marker: aws.String("ward-99999999")}); apiCode(err) != "InvalidInput" {
		t.Errorf("a marker past the end: %v", err)
	}
}

// TestAttackSimulateUnparsableBoundary: SimulateCustomPolicy with a
// boundary (or SCP, or resource policy) that does not parse is refused;
// it used to be left out, and the simulation said "allowed".
func TestAttackSimulateUnparsableBoundary(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	broken := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow"`
	for name, in := range map[string]*iam.SimulateCustomPolicyInput{
		"boundary": {PermissionsBoundaryPolicyInputList: []string{broken}},
		"resource": {ResourcePolicy: aws.String(broken)},
	} {
		in.PolicyInputList, in.ActionNames = []string{allow}, []string{"s3:DeleteBucket"}
		out, err := root.SimulateCustomPolicy(ctx, in)
		if apiCode(err) != "MalformedPolicyDocument" {
			t.Errorf("an unparsable %s: %v, want MalformedPolicyDocument", name, err)
			if err == nil && len(out.EvaluationResults) > 0 {
				t.Errorf("  and it said %s", out.EvaluationResults[0].EvalDecision)
			}
		}
	}
}

// sizedPolicy is an identity policy of about size characters without
// whitespace, as IAM counts them.
func sizedPolicy(t *testing.T, size int) string {
	t.Helper()
	for n := 1; ; n++ {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/` + strings.Repeat("k", n) + `"}]}`
		p, err := policy.Parse([]byte(doc), "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Size >= size {
			return doc
		}
	}
}

// TestInlinePolicyQuotas: inline policies are bound by their entity's
// quota for all of them together (users 2,048, groups 5,120, roles
// 10,240 characters), not by a managed policy's 6,144 each.
func TestInlinePolicyQuotas(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	put := func(kind, policyName string, size int) error {
		doc := aws.String(sizedPolicy(t, size))
		var err error
		switch kind {
		case "user":
			_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String(policyName), PolicyDocument: doc})
		case "group":
			_, err = root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String(policyName), PolicyDocument: doc})
		case "role":
			_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String(policyName), PolicyDocument: doc})
		}
		return err
	}
	for _, tc := range []struct {
		kind, name string
		size       int
		code       string
	}{
		{"role", "big", 7824, ""}, // over 6,144, within the role's 10,240
		{"role", "more", 3000, "LimitExceeded"},
		{"role", "big", 9000, ""}, // replacing counts the new size, not both
		{"user", "big", 2784, "LimitExceeded"},
		{"user", "a", 1500, ""},
		{"user", "b", 600, "LimitExceeded"},
		{"group", "a", 3000, ""},
		{"group", "b", 3000, "LimitExceeded"},
	} {
		err := put(tc.kind, tc.name, tc.size)
		if apiCode(err) != tc.code {
			t.Errorf("%s policy %s of %d characters: %v, want %q", tc.kind, tc.name, tc.size, err, tc.code)
		}
		if tc.code == "LimitExceeded" && !strings.Contains(apiMessage(err), "Maximum policy size of") {
			t.Errorf("message: %s", apiMessage(err))
		}
	}
}
