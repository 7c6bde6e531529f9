package iamapi

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestBoundedMap(t *testing.T) {
	b := boundedMap[int, int]{max: 3}
	for i := range 100 {
		b.put(i, i*i)
		if b.len() > 3 {
			t.Fatalf("after %d puts: %d entries, bound 3", i+1, b.len())
		}
		if v, ok := b.get(i); !ok || v != i*i {
			t.Fatalf("the entry just put is %d %v", v, ok)
		}
	}
	b.put(99, 1) // replacing keeps the others
	if b.len() != 3 {
		t.Errorf("replacing an entry: %d entries", b.len())
	}
	b.remove(99)
	if _, ok := b.get(99); ok || b.len() != 2 {
		t.Errorf("after remove: %d entries", b.len())
	}
}

// TestAttackAuthorizeFillsNoCache: /v1/authorize questions about
// principals that do not exist, or about endless session names of one
// role, do not grow the principal cache past its bound, and a caller
// with no permissions learns nothing of what exists.
func TestAttackAuthorizeFillsNoCache(t *testing.T) {
	ts := newTestService(t)
	root := func(form url.Values) { ts.do(t, ts.id, ts.secret, "", "iam", form, nil) }
	root(url.Values{"Action": {"CreateRole"}, "RoleName": {"app"}, "Path": {"/svc/"}, "AssumeRolePolicyDocument": {
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`}})
	root(url.Values{"Action": {"CreateUser"}, "UserName": {"nobody"}})
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	ts.do(t, ts.id, ts.secret, "", "iam", url.Values{"Action": {"CreateAccessKey"}, "UserName": {"nobody"}}, &key)

	ctx := context.Background()
	rootAsker := &Asker{who: ts.caller(t, ts.id, ""), requestID: "r"}
	for i := range maxCachedPrincipals + 500 {
		q := &AuthorizeRequest{Principal: fmt.Sprintf("arn:aws:sts::123456789012:assumed-role/app/s-%d", i), Action: "s3:GetObject", Resource: "*"}
		if a := ts.s.Authorize(ctx, rootAsker, q); a.Error != "" {
			t.Fatalf("session %d: %s", i, a.Error)
		}
		ts.s.Authorize(ctx, rootAsker, &AuthorizeRequest{Principal: fmt.Sprintf("arn:aws:iam::123456789012:user/ghost-%d", i), Action: "s3:GetObject"})
	}
	if n := ts.s.principals.len(); n > maxCachedPrincipals {
		t.Errorf("principal cache: %d entries, bound %d", n, maxCachedPrincipals)
	}

	nobody := &Asker{who: ts.caller(t, key.ID, ""), requestID: "r"}
	for _, pair := range [][2]string{
		{"arn:aws:iam::123456789012:role/svc/app", "arn:aws:iam::123456789012:role/svc/gone"},
		{"arn:aws:iam::123456789012:user/nobody", "arn:aws:iam::123456789012:user/ghost"},
		{"arn:aws:sts::123456789012:assumed-role/app/x", "arn:aws:sts::123456789012:assumed-role/gone/x"},
	} {
		real := ts.s.Authorize(ctx, nobody, &AuthorizeRequest{Principal: pair[0], Action: "s3:GetObject"})
		missing := ts.s.Authorize(ctx, nobody, &AuthorizeRequest{Principal: pair[1], Action: "s3:GetObject"})
		if !strings.Contains(real.Error, "AccessDenied") || !strings.Contains(missing.Error, "AccessDenied") {
			t.Errorf("%s: %q; %s: %q; want AccessDenied for both", pair[0], real.Error, pair[1], missing.Error)
		}
	}
	// The path counts: a role is named by its full ARN.
	if a := ts.s.Authorize(ctx, rootAsker, &AuthorizeRequest{Principal: "arn:aws:iam::123456789012:role/app", Action: "s3:GetObject"}); !strings.Contains(a.Error, "NoSuchEntity") {
		t.Errorf("role/app without its path /svc/: %+v", a)
	}
}

// TestPurgeExpired: expired sessions leave the store; live ones stay and
// keep working.
func TestPurgeExpired(t *testing.T) {
	ts := newTestService(t)
	var sess struct {
		ID     string `xml:"GetSessionTokenResult>Credentials>AccessKeyId"`
		Secret string `xml:"GetSessionTokenResult>Credentials>SecretAccessKey"`
		Token  string `xml:"GetSessionTokenResult>Credentials>SessionToken"`
	}
	for range 3 {
		ts.do(t, ts.id, ts.secret, "", "sts", url.Values{"Action": {"GetSessionToken"}, "DurationSeconds": {"900"}}, nil)
	}
	ts.do(t, ts.id, ts.secret, "", "sts", url.Values{"Action": {"GetSessionToken"}, "DurationSeconds": {"3600"}}, &sess)
	ts.s.Now = func() time.Time { return time.Now().Add(20 * time.Minute) }
	n, err := ts.s.PurgeExpired(context.Background())
	ts.s.Now = nil
	if err != nil || n != 3 {
		t.Fatalf("purged %d, %v; want the 3 expired sessions", n, err)
	}
	if n, err := ts.s.PurgeExpired(context.Background()); err != nil || n != 0 {
		t.Errorf("a second purge: %d, %v", n, err)
	}
	var who struct {
		Arn string `xml:"GetCallerIdentityResult>Arn"`
	}
	ts.do(t, sess.ID, sess.Secret, sess.Token, "sts", url.Values{"Action": {"GetCallerIdentity"}}, &who)
	if who.Arn != "arn:aws:iam::123456789012:root" {
		t.Errorf("the live session after a purge: %q", who.Arn)
	}
}
