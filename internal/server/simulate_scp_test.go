package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestSDKSimulateCustomPolicyWithSCPs: the SDK sends SimulateCustomPolicy's
// organization levels as structures (OrderedOrganizationPolicyType, a list
// of SCPs each), root first; every level must allow, and an SCP that
// denies decides with AllowedByOrganizations false.
func TestSDKSimulateCustomPolicyWithSCPs(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	ctx := context.Background()
	root, _ := clients(ts.URL, id, secret, "")
	identity := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	fullAccess := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`
	noDeletes := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`
	out, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{identity},
		ActionNames:     []string{"s3:GetObject", "s3:PutObject", "s3:DeleteBucket"},
		OrderedOrganizationPolicyInputList: []iamtypes.OrderedOrganizationPolicyType{
			{ServiceControlPolicyInputList: []string{fullAccess, noDeletes}}, // the root
			{ServiceControlPolicyInputList: []string{readOnly, fullAccess}},  // an OU
			{ServiceControlPolicyInputList: []string{fullAccess}},            // the account
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		decision iamtypes.PolicyEvaluationDecisionType
		byOrg    bool
	}{
		"s3:GetObject":    {iamtypes.PolicyEvaluationDecisionTypeAllowed, true},
		"s3:PutObject":    {iamtypes.PolicyEvaluationDecisionTypeAllowed, true}, // the OU's FullAWSAccess allows it too
		"s3:DeleteBucket": {iamtypes.PolicyEvaluationDecisionTypeExplicitDeny, false},
	}
	if len(out.EvaluationResults) != len(want) {
		t.Fatalf("%d results", len(out.EvaluationResults))
	}
	for _, r := range out.EvaluationResults {
		w := want[aws.ToString(r.EvalActionName)]
		if r.EvalDecision != w.decision {
			t.Errorf("%s: %s, want %s", aws.ToString(r.EvalActionName), r.EvalDecision, w.decision)
		}
		if r.OrganizationsDecisionDetail == nil || r.OrganizationsDecisionDetail.AllowedByOrganizations != w.byOrg {
			t.Errorf("%s: OrganizationsDecisionDetail %+v, want AllowedByOrganizations %v", aws.ToString(r.EvalActionName), r.OrganizationsDecisionDetail, w.byOrg)
		}
	}

	// A level whose SCPs do not allow the action stops it.
	out, err = root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{identity},
		ActionNames:     []string{"s3:PutObject"},
		OrderedOrganizationPolicyInputList: []iamtypes.OrderedOrganizationPolicyType{
			{ServiceControlPolicyInputList: []string{fullAccess}},
			{ServiceControlPolicyInputList: []string{readOnly}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.EvaluationResults[0]; r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny || r.OrganizationsDecisionDetail == nil || r.OrganizationsDecisionDetail.AllowedByOrganizations {
		t.Errorf("PutObject under a read-only OU: %s %+v", r.EvalDecision, r.OrganizationsDecisionDetail)
	}

	// An SCP that is not a valid SCP is refused.
	if _, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{identity}, ActionNames: []string{"s3:GetObject"},
		OrderedOrganizationPolicyInputList: []iamtypes.OrderedOrganizationPolicyType{{ServiceControlPolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`}}},
	}); apiCode(err) != "MalformedPolicyDocument" {
		t.Errorf("an SCP with a Principal: %v, want MalformedPolicyDocument", err)
	}
}
