package iamapi

import (
	"encoding/base32"
	"testing"
)

// TestTOTP checks the code generator against RFC 6238's SHA-1 test
// vectors (Appendix B), truncated to the 6 digits authenticator apps show.
func TestTOTP(t *testing.T) {
	seed := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for _, tc := range []struct {
		unix int64
		want string // the last 6 of the RFC's 8 digits
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		got, err := totp(seed, tc.unix/30)
		if err != nil || got != tc.want {
			t.Errorf("T=%d: got %q %v, want %q", tc.unix, got, err, tc.want)
		}
	}
	if _, err := totp("not base32!", 1); err == nil {
		t.Error("a seed that is not base32 was accepted")
	}
}
