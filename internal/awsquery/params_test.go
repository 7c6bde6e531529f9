package awsquery_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/awsquery"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, body, query string
		want              map[string]string
		code              string
	}{
		{name: "body", body: "Action=GetUser&UserName=bob", want: map[string]string{"Action": "GetUser", "UserName": "bob"}},
		{name: "body and query", body: "UserName=bob", query: "Action=GetUser", want: map[string]string{"Action": "GetUser", "UserName": "bob"}},
		{name: "presigned auth parameters left out", query: "Action=GetCallerIdentity&X-Amz-Signature=ab&X-Amz-Date=1", want: map[string]string{"Action": "GetCallerIdentity"}},
		{name: "escapes", body: "PolicyDocument=%7B%22a%22%3A1%7D&Path=%2Fx%2F", want: map[string]string{"PolicyDocument": `{"a":1}`, "Path": "/x/"}},
		{name: "empty pairs", body: "&&Action=GetUser&", want: map[string]string{"Action": "GetUser"}},
		{name: "twice in the body", body: "Action=GetUser&Action=DeleteUser", code: "MalformedQueryString"},
		{name: "once in each half", body: "Action=GetUser", query: "Action=DeleteUser", code: "MalformedQueryString"},
		{name: "semicolon", body: "Action=GetUser;UserName=x", code: "MalformedQueryString"},
		{name: "bad escape", body: "Action=Get%zzUser", code: "MalformedQueryString"},
		{name: "too many", body: strings.Repeat("a=b&", 1) + manyParams(awsquery.MaxParams+1), code: "MalformedQueryString"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, aerr := awsquery.Decode([]byte(tc.body), tc.query)
			if tc.code != "" {
				if aerr == nil || aerr.Code != tc.code || aerr.Status != 400 {
					t.Fatalf("got %v %v, want %s", p, aerr, tc.code)
				}
				return
			}
			if aerr != nil {
				t.Fatal(aerr)
			}
			if len(p) != len(tc.want) {
				t.Errorf("got %v, want %v", p, tc.want)
			}
			for k, v := range tc.want {
				if got := p.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func manyParams(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("p")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(url.QueryEscape(string(rune('a' + i%26))))
		b.WriteString(strconv.Itoa(i))
		b.WriteString("=1&")
	}
	return b.String()
}

// FuzzDecode: any body and query string either decode into
// parameters that, encoded again, decode to the same, or are refused with
// a 400; never a panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("Action=CreateUser&UserName=bob&Tags.member.1.Key=team"), "")
	f.Add([]byte("PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D"), "Action=CreatePolicy")
	f.Add([]byte(""), "Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb")
	f.Add([]byte("a=1&a=2"), "")
	f.Add([]byte("%zz=1;b"), "c=%")
	f.Fuzz(func(t *testing.T, body []byte, query string) {
		p, aerr := awsquery.Decode(body, query)
		if aerr != nil {
			if aerr.Status != 400 || aerr.Code == "" || aerr.Message == "" {
				t.Fatalf("refusal without a clear 400: %+v", aerr)
			}
			return
		}
		if len(p) > awsquery.MaxParams {
			t.Fatalf("%d parameters, limit %d", len(p), awsquery.MaxParams)
		}
		again, aerr := awsquery.Decode([]byte(url.Values(p).Encode()), "")
		if aerr != nil {
			t.Fatalf("re-encoded parameters refused: %v", aerr)
		}
		if len(again) != len(p) {
			t.Fatalf("round trip: %v became %v", p, again)
		}
		for k, v := range p {
			if len(v) != 1 || again.Get(k) != v[0] {
				t.Fatalf("round trip of %q: %q became %q", k, v, again.Get(k))
			}
		}
	})
}
