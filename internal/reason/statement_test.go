package reason

import (
	"testing"

	"github.com/wardhq/ward/internal/policy"
)

// TestConditionsCanHold: conditions that contradict each other, written
// as the attack on a reviewer's eye (each looks fine alone), are found;
// conditions that only look contradictory are not.
func TestConditionsCanHold(t *testing.T) {
	c := cat(t)
	for _, tc := range []struct {
		name, cond string
		can        bool
	}{
		{"two endpoints at once", `{"StringEquals": {"aws:SourceVpce": "vpce-1"}, "StringLike": {"aws:SourceVpce": "vpce-2*"}}`, false},
		{"an empty number range", `{"NumericLessThan": {"s3:max-keys": "5"}, "NumericGreaterThan": {"s3:max-keys": "10"}}`, false},
		{"an address outside the only network", `{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "NotIpAddress": {"aws:SourceIp": "10.0.0.0/7"}}`, false},
		{"a key both absent and equal", `{"Null": {"aws:SourceVpce": "true"}, "StringEquals": {"aws:SourceVpce": "vpce-1"}}`, false},
		{"a date range that ends before it begins", `{"DateGreaterThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}`, false},
		{"a network inside another", `{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "NotIpAddress": {"aws:SourceIp": "10.1.0.0/16"}}`, true},
		{"IfExists lets an absent key through", `{"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}, "Null": {"aws:SourceVpce": "true"}}`, true},
		{"a multivalued key holds both", `{"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}, "ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}`, true},
		{"another account's principal", `{"StringEquals": {"aws:PrincipalAccount": "222222222222"}}`, true},
		{"another account's resource", `{"StringEquals": {"aws:ResourceAccount": "222222222222"}}`, true},
		{"a tag equal to the caller's", `{"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": `+tc.cond+`}]}`), "p")
			if err != nil {
				t.Fatal(err)
			}
			can, exact, err := ConditionsCanHold(p.Statements[0], c)
			if err != nil {
				t.Fatal(err)
			}
			if can != tc.can || !exact {
				t.Errorf("can %v exact %v, want can %v exact", can, exact, tc.can)
			}
		})
	}
}
