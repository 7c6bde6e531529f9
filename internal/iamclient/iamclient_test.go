package iamclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestSignMatchesSDK: a request signed here carries the Authorization
// header the AWS SDK for Go v2's signer writes for it, with and without a
// session token, on a path and on the root.
func TestSignMatchesSDK(t *testing.T) {
	now := time.Date(2026, 12, 3, 7, 8, 9, 0, time.UTC)
	for _, tc := range []struct {
		url   string
		creds Credentials
	}{
		{"http://127.0.0.1:8080/", Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}},
		{"https://iam.amazonaws.com", Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token/with+chars="}},
		{"http://localhost:9000/ward/iam", Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}},
	} {
		body := []byte("Action=GetAccountAuthorizationDetails&Version=2010-05-08&Marker=a%2Fb")
		mine, _ := http.NewRequest(http.MethodPost, tc.url, bytes.NewReader(body))
		mine.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		theirs := mine.Clone(context.Background())
		sign(mine, body, tc.creds, "us-east-1", "iam", now)
		hash := sha256.Sum256(body)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: tc.creds.AccessKeyID, SecretAccessKey: tc.creds.SecretAccessKey,
			SessionToken: tc.creds.SessionToken}, theirs, hex.EncodeToString(hash[:]), "iam", "us-east-1", now)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := mine.Header.Get("Authorization"), theirs.Header.Get("Authorization"); got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.url, got, want)
		}
	}
}

// TestLoadCredentials: the environment, then the profile named, then
// AWS_PROFILE, then default; a missing profile or key is an error that
// says which.
func TestLoadCredentials(t *testing.T) {
	file := filepath.Join(t.TempDir(), "credentials")
	os.WriteFile(file, []byte("# ward\n[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = s1\n\n[ward]\naws_access_key_id=AKWARD\naws_secret_access_key=s2\naws_session_token = tok\n[broken]\naws_access_key_id = x\n"), 0o600)
	for _, tc := range []struct {
		name, profile string
		env           map[string]string
		want, err     string
	}{
		{"environment", "", map[string]string{"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "e", "AWS_SHARED_CREDENTIALS_FILE": file}, "AKENV e ", ""},
		{"profile-over-env", "ward", map[string]string{"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "e", "AWS_SHARED_CREDENTIALS_FILE": file}, "AKWARD s2 tok", ""},
		{"aws-profile", "", map[string]string{"AWS_PROFILE": "ward", "AWS_SHARED_CREDENTIALS_FILE": file}, "AKWARD s2 tok", ""},
		{"default", "", map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file}, "AKDEFAULT s1 ", ""},
		{"missing", "nope", map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file}, "", `no profile "nope"`},
		{"incomplete", "broken", map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file}, "", `profile "broken" has no aws_access_key_id and aws_secret_access_key`},
		{"no-file", "", map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file + ".none"}, "", "no credentials"},
	} {
		creds, _, err := LoadCredentials(tc.profile, func(k string) string { return tc.env[k] })
		got := creds.AccessKeyID + " " + creds.SecretAccessKey + " " + creds.SessionToken
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
}

// TestValueShape: IAM's XML becomes the CLI's JSON shape: members as
// lists, empty lists as lists, fields as objects.
func TestValueShape(t *testing.T) {
	root, err := parseXML([]byte(`<R><Result><UserDetailList><member><UserName>a</UserName><GroupList/><Tags></Tags><UserPolicyList><member><PolicyName>p</PolicyName></member></UserPolicyList></member></UserDetailList><IsTruncated>false</IsTruncated></Result></R>`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := jsonOf(root.child("Result").value())
	want := `{"IsTruncated":"false","UserDetailList":[{"GroupList":[],"Tags":[],"UserName":"a","UserPolicyList":[{"PolicyName":"p"}]}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, bad := range []string{``, `<a>`, `<a/><b/>`, strings.Repeat("<a>", maxXMLDepth+1)} {
		if _, err := parseXML([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func jsonOf(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// FuzzParseXML: any answer is read or refused, never a panic, and what is
// read has the same JSON shape each time.
func FuzzParseXML(f *testing.F) {
	f.Add([]byte(`<R><Result><UserDetailList><member><UserName>a</UserName><GroupList/></member></UserDetailList></Result></R>`))
	f.Add([]byte(`<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>`))
	f.Add([]byte(`<a><member>1</member><b>2</b></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := parseXML(data)
		if err != nil {
			return
		}
		first, err := jsonOf(root.value())
		if err != nil {
			t.Fatal(err)
		}
		if second, _ := jsonOf(root.value()); second != first {
			t.Fatalf("two readings differ: %s, %s", first, second)
		}
	})
}
