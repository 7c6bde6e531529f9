package activity

import (
	"bytes"
	"testing"
)

// FuzzReadFrom: any input is read or refused with an error, never a
// panic, and every call read has a place it was read from.
func FuzzReadFrom(f *testing.F) {
	f.Add([]byte(`{"Records":[` + oneRecord + `]}`))
	f.Add([]byte(`{"Events":[{"CloudTrailEvent":"{\"eventSource\":\"s3.amazonaws.com\",\"userIdentity\":{\"type\":\"IAMUser\"}}"}]}`))
	f.Add([]byte(`{"time":"2026-11-30T10:00:00Z","caller":"arn:aws:iam::1:user/a","action":"s3:GetObject","resource":"*","decision":"Allowed"}` + "\n"))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"))
	f.Add([]byte(`{"Records":[{"requestParameters":"x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ReadFrom(bytes.NewReader(data), "fuzz", func(c *Call) error {
			if c.Where() == "" {
				t.Fatalf("a call with no place: %+v", c)
			}
			_ = c.Decode()
			return nil
		})
	})
}
