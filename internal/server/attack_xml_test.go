package server_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// parsesAsXML reads a whole document with encoding/xml, as the SDKs do.
func parsesAsXML(body string) error {
	d := xml.NewDecoder(strings.NewReader(body))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// TestAttackUnparsableText: free text that XML cannot carry (control
// characters, U+FFFE, bytes that are not UTF-8), sent by hand in a
// signed request, is refused with ValidationError wherever a value is
// stored or echoed, so that no listing of the account is made
// unparseable for every client; text XML can carry is stored and listed
// back, and the listings parse.
func TestAttackUnparsableText(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	const allow = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"
	const doc = "PolicyDocument=" + allow
	const trust = "AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
	for _, tc := range []struct {
		name, service, body, code string
	}{
		{"policy description with U+0001", "iam", "Action=CreatePolicy&PolicyName=p1&" + doc + "&Description=old%01text", "ValidationError"},
		{"policy description with U+001B", "iam", "Action=CreatePolicy&PolicyName=p2&" + doc + "&Description=%1B%5B31m", "ValidationError"},
		{"policy description with U+FFFE", "iam", "Action=CreatePolicy&PolicyName=p3&" + doc + "&Description=%EF%BF%BE", "ValidationError"},
		{"policy description not UTF-8", "iam", "Action=CreatePolicy&PolicyName=p4&" + doc + "&Description=caf%E9", "ValidationError"},
		{"policy description, a surrogate's bytes", "iam", "Action=CreatePolicy&PolicyName=p5&" + doc + "&Description=%ED%A0%80", "ValidationError"},
		{"role description with U+0001", "iam", "Action=CreateRole&RoleName=r1&" + trust + "&Description=a%01", "ValidationError"},
		{"role description updated with U+000B", "iam", "Action=UpdateRole&RoleName=r1&Description=a%0B", "ValidationError"},
		{"tag value with U+0001", "iam", "Action=CreateUser&UserName=u1&Tags.member.1.Key=k&Tags.member.1.Value=a%01", "ValidationError"},
		{"tag key not UTF-8", "iam", "Action=CreateUser&UserName=u2&Tags.member.1.Key=k%FF&Tags.member.1.Value=v", "ValidationError"},
		{"provider URL with U+0001", "iam", "Action=CreateOpenIDConnectProvider&Url=https://x.example.com/%01&ClientIDList.member.1=a", "ValidationError"},
		{"client ID not UTF-8", "iam", "Action=CreateOpenIDConnectProvider&Url=https://x.example.com&ClientIDList.member.1=a%FF", "ValidationError"},
		{"simulated context value with U+0001", "iam", "Action=SimulateCustomPolicy&PolicyInputList.member.1=" + allow + "&ActionNames.member.1=s3:GetObject" +
			"&ContextEntries.member.1.ContextKeyName=aws:username&ContextEntries.member.1.ContextKeyType=string&ContextEntries.member.1.ContextKeyValues.member.1=a%01", "ValidationError"},
		{"session name with U+0001", "sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/r1&RoleSessionName=a%01b", "ValidationError"},
		{"source identity not UTF-8", "sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/r1&RoleSessionName=ab&SourceIdentity=a%FF", "ValidationError"},
		// What XML can carry is stored: tab, line feed, carriage return,
		// markup characters, Latin-1 and beyond.
		{"policy description XML can carry", "iam", "Action=CreatePolicy&PolicyName=fine&" + doc + "&Description=tab%09cr%0D%0Alf+%3C%26%3E+%C3%A9+%E6%97%A5%E6%9C%AC+%F0%9F%99%82", ""},
	} {
		body := tc.body
		if tc.service == "iam" {
			body += "&Version=2010-05-08"
		}
		status, out := rawCall(t, ts.URL, id, secret, tc.service, "", body)
		if tc.code == "" {
			if status != 200 {
				t.Errorf("%s: %d %s", tc.name, status, out)
			}
		} else if status != 400 || !strings.Contains(out, "<Code>"+tc.code+"</Code>") {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, status, out, tc.code)
		}
		if err := parsesAsXML(out); err != nil {
			t.Errorf("%s: the answer does not parse: %v\n%q", tc.name, err, out)
		}
	}
	for _, action := range []string{"ListPolicies&Scope=Local", "GetAccountAuthorizationDetails", "ListRoles", "ListUsers"} {
		status, out := rawCall(t, ts.URL, id, secret, "iam", "", "Action="+action+"&Version=2010-05-08")
		if status != 200 {
			t.Fatalf("%s: %d %s", action, status, out)
		}
		if err := parsesAsXML(out); err != nil {
			t.Errorf("%s does not parse: %v", action, err)
		}
		if bytes.ContainsAny([]byte(out), "\x01\x0b\x1b") {
			t.Errorf("%s carries a control character", action)
		}
	}
	if _, out := rawCall(t, ts.URL, id, secret, "iam", "", "Action=ListPolicies&Scope=Local&Version=2010-05-08"); !strings.Contains(out, "tab\tcr&#xD;\nlf &lt;&amp;&gt; é 日本 🙂") ||
		strings.Contains(out, "<PolicyName>p1</PolicyName>") {
		t.Errorf("ListPolicies: %s", out)
	}
}
