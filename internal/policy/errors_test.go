package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/policy"
)

// TestErrorCodes: every error carries the code ward check reports and the
// service maps to IAM's error code, and the list works with errors.As and
// errors.Is, so no caller need read the message to classify it.
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		kind   policy.Kind
		opts   []policy.Option
		code   policy.Code
		syntax bool
	}{
		{"not JSON", `{"Version": "2012-10-17",`, policy.KindIdentity, nil, policy.CodeInvalidPolicy, true},
		{"bad effect", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:GetObject","Resource":"*"}]}`, policy.KindIdentity, nil, policy.CodeInvalidPolicy, false},
		{"over a managed policy's quota", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["` +
			strings.Repeat("arn:aws:s3:::bucket/key-of-some-length,", 200) + `"]}]}`, policy.KindIdentity, nil, policy.CodePolicyTooLarge, false},
		{"over a user's inline quota", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["` +
			strings.Repeat("arn:aws:s3:::bucket/k,", 120) + `"]}]}`, policy.KindIdentity, []policy.Option{policy.InlineUser}, policy.CodePolicyTooLarge, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(tt.doc), "doc.json")
			if err == nil {
				err = p.Validate(tt.kind, tt.opts...)
			}
			if err == nil {
				t.Fatal("no error")
			}
			var e *policy.Error
			if !errors.As(err, &e) {
				t.Fatalf("errors.As found no *policy.Error in %T: %v", err, err)
			}
			if e.Kind() != tt.code {
				t.Errorf("code %q, want %q (%s)", e.Kind(), tt.code, e.Msg)
			}
			if got := errors.Is(err, policy.ErrSyntax); got != tt.syntax {
				t.Errorf("errors.Is(err, ErrSyntax) = %v, want %v", got, tt.syntax)
			}
		})
	}
}
