package totp_test

import (
	"encoding/base32"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/totp"
)

var rfcSeed = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))

// TestCode checks the generator against RFC 6238's SHA-1 test vectors
// (Appendix B), truncated to the 6 digits authenticator apps show.
func TestCode(t *testing.T) {
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
		got, err := totp.Code(rfcSeed, totp.Step(time.Unix(tc.unix, 0)))
		if err != nil || got != tc.want {
			t.Errorf("T=%d: got %q %v, want %q", tc.unix, got, err, tc.want)
		}
	}
	if _, err := totp.Code("not base32!", 1); err == nil {
		t.Error("a seed that is not base32 was accepted")
	}
}

func code(t *testing.T, step int64) string {
	t.Helper()
	c, err := totp.Code(rfcSeed, step)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheck(t *testing.T) {
	now := time.Unix(1111111111, 0)
	s := totp.Step(now)
	tests := []struct {
		name string
		code string
		used int64
		want int64
		ok   bool
	}{
		{"current step", code(t, s), 0, s, true},
		{"one step behind (drift)", code(t, s-1), 0, s - 1, true},
		{"one step ahead (drift)", code(t, s+1), 0, s + 1, true},
		{"two steps behind", code(t, s-2), 0, 0, false},
		{"already used", code(t, s), s, 0, false},
		{"an earlier step than the one used", code(t, s-1), s, 0, false},
		{"wrong code", "000000", 0, 0, false},
	}
	for _, tt := range tests {
		step, ok := totp.Check(rfcSeed, tt.code, now, tt.used)
		if ok != tt.ok || step != tt.want {
			t.Errorf("%s: (%d, %v), want (%d, %v)", tt.name, step, ok, tt.want, tt.ok)
		}
	}
	if _, ok := totp.Check("not base32!", code(t, s), now, 0); ok {
		t.Error("a bad seed accepted a code")
	}
}

func TestCheckPair(t *testing.T) {
	now := time.Unix(1111111111, 0)
	s := totp.Step(now)
	if step, ok := totp.CheckPair(rfcSeed, code(t, s-1), code(t, s), now); !ok || step != s {
		t.Errorf("the last two codes: (%d, %v)", step, ok)
	}
	if step, ok := totp.CheckPair(rfcSeed, code(t, s-10), code(t, s-9), now); !ok || step != s-9 {
		t.Errorf("codes from four and a half minutes ago: (%d, %v)", step, ok)
	}
	if _, ok := totp.CheckPair(rfcSeed, code(t, s-12), code(t, s-11), now); ok {
		t.Error("codes from over five minutes ago were accepted")
	}
	if _, ok := totp.CheckPair(rfcSeed, code(t, s), code(t, s-1), now); ok {
		t.Error("two codes in the wrong order were accepted")
	}
	if _, ok := totp.CheckPair(rfcSeed, code(t, s), code(t, s), now); ok {
		t.Error("the same code twice was accepted")
	}
}

func TestNewSeed(t *testing.T) {
	a, b := totp.NewSeed(), totp.NewSeed()
	if a == b || len(a) != 32 {
		t.Errorf("seeds %q and %q: want two different 32-character base32 seeds", a, b)
	}
	if _, err := totp.Code(a, 1); err != nil {
		t.Errorf("a new seed does not decode: %v", err)
	}
}
