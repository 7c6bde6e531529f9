package engine_test

import (
	"testing"
	"time"

	"github.com/wardhq/ward/internal/engine"
)

// TestWhereTheDocsAreSilent holds ward's choice in each case AWS's
// documentation does not settle (docs/semantics.md, "Where AWS's
// documentation is silent"). Each row is the choice; changing one is a
// decision to write down there first.
func TestWhereTheDocsAreSilent(t *testing.T) {
	const user = "arn:aws:iam::111111111111:user/alice"
	allowIf := func(cond string) []*engine.Compiled {
		return []*engine.Compiled{compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":`+cond+`}]}`)}
	}
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		ps     engine.Policies
		req    engine.Request
		want   engine.Result
		wantBy engine.PolicyType
	}{
		{"explicit deny on an AWS-managed policy names the deny",
			engine.Policies{Identity: []*engine.Compiled{compile(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeletePolicy","Resource":"*"}]}`)}},
			engine.Request{Principal: user, Action: "iam:DeletePolicy", Resource: "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			engine.ExplicitDeny, engine.TypeIdentity},
		{"multivalued key without a set operator: any value matches",
			engine.Policies{Identity: allowIf(`{"StringEquals":{"aws:TagKeys":"team"}}`)},
			engine.Request{Principal: user, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: map[string][]string{"aws:TagKeys": {"cost", "team"}}},
			engine.Allowed, engine.TypeIdentity},
		{"multivalued key without a set operator: negated matches when none does",
			engine.Policies{Identity: allowIf(`{"StringNotEquals":{"aws:TagKeys":"team"}}`)},
			engine.Request{Principal: user, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: map[string][]string{"aws:TagKeys": {"cost", "team"}}},
			engine.ImplicitDeny, engine.TypeIdentity},
		{"a request value of another type, key present: false, negated too",
			engine.Policies{Identity: allowIf(`{"NumericNotEquals":{"s3:max-keys":"10"}}`)},
			engine.Request{Principal: user, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: map[string][]string{"s3:max-keys": {"ten"}}},
			engine.ImplicitDeny, engine.TypeIdentity},
		{"Null on an empty list: the key counts as absent",
			engine.Policies{Identity: allowIf(`{"Null":{"aws:TagKeys":"true"}}`)},
			engine.Request{Principal: user, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: map[string][]string{"aws:TagKeys": {}}},
			engine.Allowed, engine.TypeIdentity},
		{"absent time keys come from the request's time",
			engine.Policies{Identity: allowIf(`{"DateLessThan":{"aws:CurrentTime":"2026-06-01T12:00:01Z"},"NumericGreaterThanEquals":{"aws:EpochTime":"` + "1780315200" + `"}}`)},
			engine.Request{Principal: user, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Now: at},
			engine.Allowed, engine.TypeIdentity},
		{"absent time keys: a moment later the same policy does not hold",
			engine.Policies{Identity: allowIf(`{"DateLessThan":{"aws:CurrentTime":"2026-06-01T12:00:01Z"}}`)},
			engine.Request{Principal: user, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Now: at.Add(2 * time.Second)},
			engine.ImplicitDeny, engine.TypeIdentity},
	}
	if at.Unix() != 1780315200 {
		t.Fatalf("the epoch of %v is %d", at, at.Unix())
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, tt.ps, tt.req)
			if d.Result != tt.want || d.DecidedBy != tt.wantBy {
				t.Errorf("%v by %v, want %v by %v", d.Result, d.DecidedBy, tt.want, tt.wantBy)
			}
		})
	}
}
