// Package totp holds the time-based one-time passwords of virtual MFA
// devices (RFC 6238 as authenticator apps use it: HMAC-SHA1, 30-second
// steps, 6 digits) and the rules IAM applies to them: a code is good for
// the current step or one either side (clock drift), each step once, and
// a device is enabled with two consecutive codes.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Period is the length of one step.
const Period = 30 * time.Second

var seedEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSeed returns a random 160-bit seed in base32, as authenticator apps
// take it.
func NewSeed() string {
	var raw [20]byte
	rand.Read(raw[:]) // never fails (crypto/rand)
	return seedEncoding.EncodeToString(raw[:])
}

// Step is the step a moment falls in.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// Code is the 6-digit code of a base32 seed at a step.
func Code(seed string, step int64) (string, error) {
	key, err := seedEncoding.DecodeString(strings.ToUpper(strings.TrimRight(seed, "=")))
	if err != nil {
		return "", fmt.Errorf("the seed is not base32: %w", err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000), nil
}

// equal compares two codes in constant time.
func equal(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// Check reports the step at which code is the seed's code: the step of
// now or one either side, and later than used (the last step accepted
// before), so that a code is good once.
func Check(seed, code string, now time.Time, used int64) (int64, bool) {
	s := Step(now)
	for _, step := range [...]int64{s, s - 1, s + 1} {
		if want, err := Code(seed, step); err == nil && step > used && equal(want, code) {
			return step, true
		}
	}
	return 0, false
}

// CheckPair reports the step of code2 when code1 and code2 are the
// seed's codes at two consecutive steps within the last five minutes (or
// one step ahead), as IAM asks to enable a device.
func CheckPair(seed, code1, code2 string, now time.Time) (int64, bool) {
	s := Step(now)
	for step := s + 1; step >= s-10; step-- {
		a, errA := Code(seed, step-1)
		b, errB := Code(seed, step)
		if errA == nil && errB == nil && equal(a, code1) && equal(b, code2) {
			return step, true
		}
	}
	return 0, false
}
