package reason

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
)

// Building blocks the fuzzer combines into policies: actions, resources
// and conditions that overlap, so that differences are common.
var (
	fuzzActions   = []string{"*", "s3:*", "s3:Get*", "s3:GetObject", "S3:getobject", "s3:Get?bject", "s3:PutObject", "sqs:*", "sqs:SendMessage", "iam:PassRole", "s3:New*"}
	fuzzResources = []string{"*", "arn:aws:s3:::*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k", "arn:aws:s3:::b/?", "arn:aws:sqs:*:111111111111:q", "arn:aws:sqs:us-east-1:*:q", "arn:aws:sqs:us-*:222222222222:q",
		"arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::${aws:PrincipalTag/team}/*", "arn:aws:s3:::b/${aws:username}/k", "arn:aws:s3:::${aws:PrincipalTag/team}/k"}
	fuzzConds = []map[string]any{
		nil,
		{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-1"}},
		{"StringLike": map[string]any{"aws:SourceVpce": "vpce-*"}},
		{"StringNotEquals": map[string]any{"aws:SourceVpce": []string{"vpce-1", "vpce-2"}}},
		{"NumericLessThan": map[string]any{"s3:max-keys": "10"}},
		{"NumericGreaterThanEquals": map[string]any{"s3:max-keys": "5"}},
		{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}},
		{"NotIpAddress": map[string]any{"aws:SourceIp": "203.0.113.128/25"}},
		{"Bool": map[string]any{"aws:SecureTransport": "true"}},
		{"BoolIfExists": map[string]any{"aws:MultiFactorAuthPresent": "true"}},
		{"Null": map[string]any{"aws:SourceVpce": "true"}},
		{"ForAnyValue:StringEquals": map[string]any{"aws:TagKeys": []string{"a", "b"}}},
		{"ForAllValues:StringLike": map[string]any{"aws:TagKeys": "a*"}},
		{"DateLessThan": map[string]any{"aws:CurrentTime": "2026-06-01T00:00:00Z"}},
		{"StringEquals": map[string]any{"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
		{"StringLike": map[string]any{"s3:prefix": "${aws:PrincipalTag/team}/*"}},
		{"StringNotEquals": map[string]any{"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
		{"StringEquals": map[string]any{"aws:PrincipalTag/team": "a"}},
	}
)

// fuzzPolicy builds a policy from bytes: each statement three bytes (its
// effect and action, its resource and Not elements, its condition).
func fuzzPolicy(data []byte) *policy.Policy {
	var stmts []any
	for i := 0; i+2 < len(data) && len(stmts) < 5; i += 3 {
		a, r, c := data[i], data[i+1], data[i+2]
		st := map[string]any{"Effect": []string{"Allow", "Deny"}[a&1]}
		act := fuzzActions[int(a>>1)%len(fuzzActions)]
		if a&0x80 != 0 {
			st["NotAction"] = act
		} else {
			st["Action"] = act
		}
		res := fuzzResources[int(r)%len(fuzzResources)]
		if r&0x80 != 0 {
			st["NotResource"] = res
		} else {
			st["Resource"] = res
		}
		if cond := fuzzConds[int(c)%len(fuzzConds)]; cond != nil {
			st["Condition"] = cond
		}
		stmts = append(stmts, st)
	}
	return fuzzParse(stmts)
}

// fuzzParse makes a policy of the statements; nil when there are none or
// IAM would refuse it.
func fuzzParse(stmts []any) *policy.Policy {
	if len(stmts) == 0 {
		return nil
	}
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	p, err := policy.Parse(doc, "fuzz")
	if err != nil {
		return nil
	}
	return p
}

// checkTwice asks a comparison twice: no error, every change of an exact
// answer proved, no witness the search claimed that the engine decided
// otherwise, and the same answer both times.
func checkTwice(t *testing.T, sides []Side, c *catalog.Catalog, o Options) {
	t.Helper()
	run := func() (*space, string) {
		sp, err := newSpace(sides, c, o)
		if err != nil {
			t.Fatal(err)
		}
		added, removed := sp.changes(1, 0), sp.changes(0, 1)
		exact := len(sp.notesWith(added, removed)) == 0
		for _, ch := range append(added, removed...) {
			if !ch.Proven && exact {
				t.Errorf("unproven change in an exact answer: %s", ch.Witness)
			}
		}
		return sp, fmt.Sprint(added, removed)
	}
	sp, first := run()
	if sp.mismatches > 0 {
		t.Errorf("%d witnesses did not replay as claimed", sp.mismatches)
	}
	if _, second := run(); second != first {
		t.Errorf("two runs differ:\n%s\n%s", first, second)
	}
}

// FuzzCompare: no panic, the same answer twice, every change of an exact
// answer proved by the engine, and no witness the search claimed that the
// engine decided otherwise.
func FuzzCompare(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, 1, 1}, []byte{0, 0, 0})
	f.Add([]byte{4, 2, 3, 1, 3, 0}, []byte{4, 2, 0})
	f.Add([]byte{0x80, 0, 5, 2, 0x81, 9}, []byte{16, 1, 11, 3, 2, 12})
	c := cat(f)
	f.Fuzz(func(t *testing.T, a, b []byte) {
		old, nw := fuzzPolicy(a), fuzzPolicy(b)
		if old == nil || nw == nil {
			return
		}
		o := Options{}
		o.fill()
		checkTwice(t, []Side{{Name: "old", Identity: []*policy.Policy{old}}, {Name: "new", Identity: []*policy.Policy{nw}}}, c, o)
	})
}

var (
	fuzzPrincipals = []any{"*", map[string]any{"AWS": "*"}, map[string]any{"AWS": "111111111111"}, map[string]any{"AWS": "arn:aws:iam::222222222222:role/r"},
		map[string]any{"Service": "sns.amazonaws.com"}, map[string]any{"AWS": []string{"333333333333", "arn:aws:iam::111111111111:root"}}}
	fuzzOutsideConds = []map[string]any{
		{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-abcdefghij"}},
		{"StringLike": map[string]any{"aws:PrincipalOrgID": "o-*"}},
		{"StringEquals": map[string]any{"aws:SourceAccount": "111111111111"}},
		{"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:sns:*:*:topic"}},
		{"StringNotEquals": map[string]any{"aws:PrincipalAccount": "111111111111"}},
		{"ArnLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::*:role/r"}},
	}
)

// fuzzResourcePolicy builds a resource policy from bytes: each statement
// four bytes (effect and action, resource, principal and its Not form,
// condition).
func fuzzResourcePolicy(data []byte) *policy.Policy {
	var stmts []any
	conds := append(append([]map[string]any{}, fuzzConds...), fuzzOutsideConds...)
	for i := 0; i+3 < len(data) && len(stmts) < 5; i += 4 {
		a, r, pr, c := data[i], data[i+1], data[i+2], data[i+3]
		st := map[string]any{"Effect": []string{"Allow", "Deny"}[a&1], "Action": fuzzActions[int(a>>1)%len(fuzzActions)],
			"Resource": fuzzResources[int(r)%len(fuzzResources)]}
		if pr&0x80 != 0 {
			st["NotPrincipal"] = fuzzPrincipals[2+int(pr)%(len(fuzzPrincipals)-2)]
		} else {
			st["Principal"] = fuzzPrincipals[int(pr)%len(fuzzPrincipals)]
		}
		if cond := conds[int(c)%len(conds)]; cond != nil {
			st["Condition"] = cond
		}
		stmts = append(stmts, st)
	}
	return fuzzParse(stmts)
}

// FuzzPublic: no panic, the same answer twice, and every exposure of an
// exact answer a request from outside the trusted accounts the engine
// allows with the policy as the resource's.
func FuzzPublic(f *testing.F) {
	f.Add([]byte{0, 2, 0, 0})
	f.Add([]byte{0, 2, 0, 14, 1, 2, 1, 17})
	f.Add([]byte{6, 5, 4, 18, 0, 1, 0x82, 0})
	c := cat(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fuzzResourcePolicy(data)
		if p == nil {
			return
		}
		run := func() (*PublicAnswer, string) {
			a, err := Public("fuzz", p, c, PublicOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return a, fmt.Sprint(a.Exposed, a.Notes)
		}
		a, first := run()
		checkExposures(t, p, a)
		if _, second := run(); second != first {
			t.Errorf("two runs differ:\n%s\n%s", first, second)
		}
	})
}

// FuzzCompareResource: two resource policies compared by what each lets
// every principal do: no panic, the same answer twice, every change of an
// exact answer proved by the engine, and no witness the search claimed
// that the engine decided otherwise.
func FuzzCompareResource(f *testing.F) {
	f.Add([]byte{0, 2, 0, 0}, []byte{0, 2, 2, 0})
	f.Add([]byte{0, 2, 3, 0, 1, 2, 0x82, 8}, []byte{0, 2, 3, 19})
	f.Add([]byte{6, 5, 4, 18}, []byte{6, 5, 1, 23, 1, 0, 0, 8})
	c := cat(f)
	f.Fuzz(func(t *testing.T, a, b []byte) {
		old, nw := fuzzResourcePolicy(a), fuzzResourcePolicy(b)
		if old == nil || nw == nil {
			return
		}
		run := func() (*Diff, string) {
			_, d, err := askResource(Side{Name: "old", Resource: old}, Side{Name: "new", Resource: nw}, c, Options{}, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range append(append([]Change{}, d.Added...), d.Removed...) {
				if !ch.Proven && d.Exact() {
					t.Errorf("unproven change in an exact answer: %s from %s", ch.Witness, ch.Witness.Principal)
				}
			}
			return d, fmt.Sprint(d.Added, d.Removed, d.Notes)
		}
		d, first := run()
		if d.mismatches > 0 {
			t.Errorf("%d witnesses did not replay as claimed", d.mismatches)
		}
		if _, second := run(); second != first {
			t.Errorf("two runs differ:\n%s\n%s", first, second)
		}
	})
}

// FuzzCompareGoverned: a principal's identity policies compared with a
// bucket's policy in the question: no panic, the same answer twice, every
// change of an exact answer proved, and no witness the search claimed
// that the engine decided otherwise.
func FuzzCompareGoverned(f *testing.F) {
	f.Add([]byte{0, 2, 0}, []byte{0, 2, 3, 0}, []byte{0, 2, 0, 0})
	f.Add([]byte{4, 2, 3, 1, 3, 0}, []byte{1, 2, 0, 8}, []byte{0, 3, 3, 0, 1, 2, 0x82, 8})
	c := cat(f)
	f.Fuzz(func(t *testing.T, identity, a, b []byte) {
		id, old, nw := fuzzPolicy(identity), fuzzResourcePolicy(a), fuzzResourcePolicy(b)
		if id == nil || old == nil || nw == nil {
			return
		}
		o := Options{}
		o.fill()
		bucket := []string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"}
		sides := []Side{
			{Name: "old", Identity: []*policy.Policy{id}, Governed: []Governed{{Name: "old bucket", ARNs: bucket, Policy: old}}},
			{Name: "new", Identity: []*policy.Policy{id}, Governed: []Governed{{Name: "new bucket", ARNs: bucket, Policy: nw}}},
		}
		checkTwice(t, sides, c, o)
	})
}
