package policy

import (
	"strings"
	"testing"
)

// sizedPolicy is an identity policy of at least size characters without
// whitespace.
func sizedPolicy(t *testing.T, size int) *Policy {
	t.Helper()
	for n := max(size-120, 0); ; n++ {
		p, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/`+strings.Repeat("k", n)+`"}]}`), "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Size >= size {
			return p
		}
	}
}

// TestInlineQuotas: an identity policy said to be inline in a user, group
// or role is held to that entity's quota, not a managed policy's 6,144:
// a 7,824-character role policy passes, a 2,784-character user policy
// does not, in IAM's words. Other kinds keep their own quotas.
func TestInlineQuotas(t *testing.T) {
	for _, tc := range []struct {
		size int
		kind Kind
		opts []Option
		want string // "" when within quota
	}{
		{7824, KindIdentity, []Option{InlineRole}, ""},
		{10240, KindIdentity, []Option{InlineRole}, ""},
		{10241, KindIdentity, []Option{InlineRole}, "Maximum policy size of 10240 bytes exceeded for role"},
		{2048, KindIdentity, []Option{InlineUser}, ""},
		{2784, KindIdentity, []Option{InlineUser}, "Maximum policy size of 2048 bytes exceeded for user"},
		{5120, KindIdentity, []Option{InlineGroup}, ""},
		{5121, KindIdentity, []Option{InlineGroup}, "Maximum policy size of 5120 bytes exceeded for group"},
		{7824, KindIdentity, nil, "Cannot exceed quota for PolicySize: 6144"},
		{2784, KindIdentity, []Option{InlineUser, SkipSizeLimit}, ""},
		// A trust policy is a role's, but not an inline policy.
		{2784, KindTrust, []Option{InlineRole}, "Cannot exceed quota for ACLSizePerRole: 2048"},
	} {
		p := sizedPolicy(t, tc.size)
		if tc.kind == KindTrust {
			p = sizedTrust(t, tc.size)
		}
		err := p.Validate(tc.kind, tc.opts...)
		got := ""
		if err != nil && strings.Contains(err.Error(), "LimitExceeded") {
			got = err.Error()
		}
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%d characters, %s, options %v: %q, want %q", tc.size, tc.kind, tc.opts, got, tc.want)
		}
	}
	for entity, want := range map[string]int{"user": 2048, "group": 5120, "role": 10240, "policy": 0, "": 0} {
		if got := InlineQuota(entity); got != want {
			t.Errorf("InlineQuota(%q) = %d, want %d", entity, got, want)
		}
		if _, ok := InlineOption(entity); ok != (want > 0) {
			t.Errorf("InlineOption(%q): %v", entity, ok)
		}
	}
}

func sizedTrust(t *testing.T, size int) *Policy {
	t.Helper()
	for n := max(size-160, 0); ; n++ {
		p, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"`+strings.Repeat("1", n)+`"}}}]}`), "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Size >= size {
			return p
		}
	}
}
