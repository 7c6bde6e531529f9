package authorizeapi

import (
	"strings"
	"testing"
)

// TestDecodeAuthorizeBody: a /v1/authorize body is a batch when, and only
// when, its one top-level member is "requests"; the word elsewhere (a
// resource named requests/x) does not make one, and unknown members are
// refused.
func TestDecodeAuthorizeBody(t *testing.T) {
	one, batch, err := decodeAuthorizeBody([]byte(`{"principal":"arn:aws:iam::123456789012:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::requests/x","context":{"s3:prefix":"\"requests\""}}`))
	if err != nil || batch != nil || one == nil || one.Resource != "arn:aws:s3:::requests/x" {
		t.Errorf("a single request naming requests: %+v %v %v", one, batch, err)
	}
	one, batch, err = decodeAuthorizeBody([]byte(`{"requests":[{"principal":"p","action":"a:b"},{"principal":"q","action":"c:d"}]}`))
	if err != nil || one != nil || len(batch) != 2 || batch[1].Principal != "q" {
		t.Errorf("a batch: %+v %v %v", one, batch, err)
	}
	if _, batch, err := decodeAuthorizeBody([]byte(`{"requests":[]}`)); err != nil || batch == nil {
		t.Errorf("an empty batch: %v %v", batch, err)
	}
	for _, bad := range []string{
		`{"principal":"p","action":"a:b","resorce":"x"}`,
		`{"requests":[{"principal":"p","action":"a:b"}],"principal":"p"}`,
		`{"requests":[{"principal":"p","actoin":"a:b"}]}`,
		`{"requests":` + "[" + strings.Repeat(`{"principal":"p","action":"a:b"},`, maxAuthorizeBatch) + `{"principal":"p","action":"a:b"}]}`,
		`[1,2]`, `"requests"`, ``,
	} {
		if _, _, err := decodeAuthorizeBody([]byte(bad)); err == nil {
			t.Errorf("accepted %.80s", bad)
		}
	}
}
