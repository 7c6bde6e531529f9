package policy

import (
	"strings"
	"testing"
)

// TestAnyAttachmentQuota: an identity policy of unknown attachment is
// held to a role's inline quota (10,240), not a managed policy's (6,144):
// a simulation must not refuse a role policy IAM accepts.
func TestAnyAttachmentQuota(t *testing.T) {
	sized := func(size int) *Policy {
		for n := size - 120; ; n++ {
			p, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/`+strings.Repeat("k", n)+`"}]}`), "")
			if err != nil {
				t.Fatal(err)
			}
			if p.Size >= size {
				return p
			}
		}
	}
	for _, tc := range []struct {
		size      int
		opts      []Option
		overQuota bool
	}{
		{7824, nil, true},
		{7824, []Option{AnyAttachment}, false},
		{10300, []Option{AnyAttachment}, true},
		{10300, []Option{SkipSizeLimit}, false},
	} {
		err := sized(tc.size).Validate(KindIdentity, tc.opts...)
		if over := err != nil && strings.Contains(err.Error(), "LimitExceeded"); over != tc.overQuota {
			t.Errorf("%d characters, options %v: %v, want over quota %v", tc.size, tc.opts, err, tc.overQuota)
		}
	}
}
