package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// simulationInput is n distinct actions and m distinct resources.
func simulationInput(n, m int) (actions, resources []string) {
	for i := range n {
		actions = append(actions, "s3:Action"+strconv.Itoa(i))
	}
	for i := range m {
		resources = append(resources, "arn:aws:s3:::bucket/key-"+strconv.Itoa(i))
	}
	return actions, resources
}

// simulationForm is a SimulatePrincipalPolicy request as a form body.
func simulationForm(source string, actions, resources []string, extra map[string]string) string {
	v := url.Values{"Action": {"SimulatePrincipalPolicy"}, "Version": {"2010-05-08"}, "PolicySourceArn": {source}}
	for i, a := range actions {
		v.Set(fmt.Sprintf("ActionNames.member.%d", i+1), a)
	}
	for i, r := range resources {
		v.Set(fmt.Sprintf("ResourceArns.member.%d", i+1), r)
	}
	for k, x := range extra {
		v.Set(k, x)
	}
	return v.Encode()
}

// TestAttackSimulationPagesEveryResultOnce: both simulators, read with
// the SDK's paginators at an odd page size, give every (action,
// resource) pair exactly once, in pages no larger than MaxItems.
func TestAttackSimulationPagesEveryResultOnce(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sim")}); err != nil {
		t.Fatal(err)
	}
	actions, resources := simulationInput(40, 31)
	const pageSize = 7
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("sim"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(allow)}); err != nil {
		t.Fatal(err)
	}
	principal := iam.NewSimulatePrincipalPolicyPaginator(root, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/sim"), ActionNames: actions, ResourceArns: resources,
		MaxItems: aws.Int32(pageSize)})
	custom := iam.NewSimulateCustomPolicyPaginator(root, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{allow}, ActionNames: actions, ResourceArns: resources, MaxItems: aws.Int32(pageSize)})
	for _, tc := range []struct {
		name string
		more func() bool
		next func() ([]iamtypes.EvaluationResult, error)
	}{
		{"SimulatePrincipalPolicy", principal.HasMorePages, func() ([]iamtypes.EvaluationResult, error) {
			out, err := principal.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			return out.EvaluationResults, nil
		}},
		{"SimulateCustomPolicy", custom.HasMorePages, func() ([]iamtypes.EvaluationResult, error) {
			out, err := custom.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			return out.EvaluationResults, nil
		}},
	} {
		seen := map[string]int{}
		pages := 0
		for tc.more() && pages < 1000 {
			got, err := tc.next()
			if err != nil {
				t.Fatalf("%s: page %d: %v", tc.name, pages+1, err)
			}
			if len(got) > pageSize {
				t.Errorf("%s: a page of %d results, MaxItems %d", tc.name, len(got), pageSize)
			}
			for _, r := range got {
				if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed {
					t.Errorf("%s: %s on %s: %s", tc.name, aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName), r.EvalDecision)
				}
				seen[aws.ToString(r.EvalActionName)+" on "+aws.ToString(r.EvalResourceName)]++
			}
			pages++
		}
		want := len(actions) * len(resources)
		if pages != (want+pageSize-1)/pageSize || len(seen) != want {
			t.Errorf("%s: %d pages, %d distinct results; want %d pages of the %d", tc.name, pages, len(seen), (want+pageSize-1)/pageSize, want)
		}
		for _, a := range actions {
			for _, r := range resources {
				if n := seen[a+" on "+r]; n != 1 {
					t.Errorf("%s: %s on %s came %d times", tc.name, a, r, n)
				}
			}
		}
	}
}

// TestAttackSimulationAnswerIsBounded: the largest simulation ward takes,
// 1,000 actions on 1,000 resources (a million results, some hundreds of
// megabytes in one answer before answers were paged), costs one page:
// the answer is MaxItems results, whatever the product.
func TestAttackSimulationAnswerIsBounded(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	root, _ := clients(ts.URL, id, secret, "")
	if _, err := root.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("sim")}); err != nil {
		t.Fatal(err)
	}
	actions, resources := simulationInput(1000, 1000)
	source := "arn:aws:iam::123456789012:user/sim"
	for _, tc := range []struct {
		maxItems string
		results  int
		maxBytes int
	}{
		{"", 100, 64 << 10},
		{"1000", 1000, 512 << 10},
		{"1", 1, 4 << 10},
	} {
		extra := map[string]string{}
		if tc.maxItems != "" {
			extra["MaxItems"] = tc.maxItems
		}
		status, body := rawCall(t, ts.URL, id, secret, "iam", "", simulationForm(source, actions, resources, extra))
		if status != 200 {
			t.Fatalf("MaxItems %q: %d %.300s", tc.maxItems, status, body)
		}
		if n := strings.Count(body, "<EvalActionName>"); n != tc.results || len(body) > tc.maxBytes ||
			!strings.Contains(body, "<IsTruncated>true</IsTruncated>") {
			t.Errorf("MaxItems %q: %d results in %d bytes; want %d in at most %d, truncated", tc.maxItems, n, len(body), tc.results, tc.maxBytes)
		}
	}
}

// TestAttackSimulationLimits: what a simulation may ask is bounded, and
// its Marker is opaque and bound to the request it was written for: a
// made-up one, one altered, or one another simulation wrote (other
// actions, other resources, another principal) is refused, never read as
// an offset into this one.
func TestAttackSimulationLimits(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	for _, u := range []string{"sim", "other"} {
		if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	source := "arn:aws:iam::123456789012:user/sim"
	actions, resources := simulationInput(20, 20)
	first, err := root.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source),
		ActionNames: actions, ResourceArns: resources, MaxItems: aws.Int32(50)})
	if err != nil || !first.IsTruncated || aws.ToString(first.Marker) == "" {
		t.Fatalf("first page: %v %v", first, err)
	}
	marker := aws.ToString(first.Marker)
	if strings.Contains(marker, "50") {
		t.Errorf("the Marker %q shows its offset", marker)
	}
	altered := []byte(marker)
	altered[len(altered)/2] ^= 1
	otherActions, _ := simulationInput(21, 0)
	many, _ := simulationInput(1001, 0)
	for _, tc := range []struct {
		name string
		in   iam.SimulatePrincipalPolicyInput
		code string
	}{
		{"the Marker as written", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: actions, ResourceArns: resources,
			Marker: aws.String(marker)}, ""},
		{"the Marker with another MaxItems", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: actions, ResourceArns: resources,
			Marker: aws.String(marker), MaxItems: aws.Int32(1000)}, ""},
		{"a made-up Marker", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: actions, ResourceArns: resources,
			Marker: aws.String("ward-50")}, "InvalidInput"},
		{"an altered Marker", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: actions, ResourceArns: resources,
			Marker: aws.String(string(altered))}, "InvalidInput"},
		{"the Marker for other actions", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: otherActions, ResourceArns: resources,
			Marker: aws.String(marker)}, "InvalidInput"},
		{"the Marker for fewer resources", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: actions, ResourceArns: resources[:3],
			Marker: aws.String(marker)}, "InvalidInput"},
		{"the Marker for another principal", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/other"),
			ActionNames: actions, ResourceArns: resources, Marker: aws.String(marker)}, "InvalidInput"},
		{"MaxItems 0", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: actions, MaxItems: aws.Int32(0)}, "ValidationError"},
		{"MaxItems 1001", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: actions, MaxItems: aws.Int32(1001)}, "ValidationError"},
		{"1,001 actions", iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: many}, "ValidationError"},
	} {
		out, err := root.SimulatePrincipalPolicy(ctx, &tc.in)
		if apiCode(err) != tc.code || (tc.code == "" && err != nil) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
			continue
		}
		if tc.code == "" && (len(out.EvaluationResults) == 0 || aws.ToString(out.EvaluationResults[0].EvalActionName) != actions[2] ||
			aws.ToString(out.EvaluationResults[0].EvalResourceName) != resources[10]) {
			t.Errorf("%s: the next page does not start at the 51st result: %+v", tc.name, out.EvaluationResults[:min(1, len(out.EvaluationResults))])
		}
	}
	// The same bounds hold for SimulateCustomPolicy.
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	if _, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allow}, ActionNames: actions,
		Marker: aws.String(marker)}); apiCode(err) != "InvalidInput" {
		t.Errorf("SimulateCustomPolicy with another simulation's Marker: %v", err)
	}
	if _, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allow}, ActionNames: actions,
		ResourceArns: append(resources, many...)}); apiCode(err) != "ValidationError" {
		t.Errorf("SimulateCustomPolicy with 1,021 resources: %v", err)
	}
}
