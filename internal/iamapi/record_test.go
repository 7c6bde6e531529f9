package iamapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// recordCases are strings that exercise every escape encoding/json makes.
var recordCases = []string{
	"", "plain", `quote " and \ backslash`, "<html> & friends", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "é ü 日本 🙂", "\u2028\u2029", "bad \xff utf-8 \xc3", "\xed\xa0\x80 surrogate",
}

// TestRecordJSON: AppendJSON writes what encoding/json writes, with the
// deciding statements given as strings or as matches.
func TestRecordJSON(t *testing.T) {
	for _, s := range recordCases {
		checkRecordJSON(t, s)
	}
	// Empty optional fields are left out, as omitempty does.
	checkRecordJSON(t, "")
}

func checkRecordJSON(t *testing.T, s string) {
	t.Helper()
	r := Record{Time: time.Date(2026, 11, 22, 7, 8, 9, 123456789, time.UTC), RequestID: s, Caller: "arn:aws:iam::123456789012:user/" + s,
		Account: "123456789012", Action: s, Resource: s, Decision: "Allowed", DecidedBy: s, SourceIP: s, Message: s, Via: s}
	if s != "" {
		r.Matched = []string{s, "identityPolicy " + s}
	}
	compareRecordJSON(t, &r)
	// The same decision with its matches unformatted.
	if s != "" {
		r.Matched = nil
		r.matches = []engine.Match{{Type: engine.TypeIdentity, Policy: s, Source: &policy.Statement{Path: "Statement[0]"}},
			{Type: engine.TypeBoundary, Policy: "b", Source: &policy.Statement{Path: s}}}
		want := r
		want.matches, want.Matched = nil, matchedStrings(r.matches)
		got := r.AppendJSON(nil)
		w, _ := json.Marshal(&want)
		if !bytes.Equal(got, w) {
			t.Errorf("matches of %q:\n got %s\nwant %s", s, got, w)
		}
	}
}

func compareRecordJSON(t *testing.T, r *Record) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.AppendJSON([]byte("prefix")); !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Errorf("record with %q:\n got %s\nwant %s", r.Action, got[len("prefix"):], want)
	}
}

func FuzzRecordJSON(f *testing.F) {
	for _, s := range recordCases {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, nanos int64) {
		r := Record{Time: time.Unix(0, nanos).UTC(), RequestID: s, Caller: s, Action: s, Resource: s, Decision: s, Message: s}
		if len(s)%2 == 0 {
			r.Matched = []string{s}
		}
		compareRecordJSON(t, &r)
	})
}

func TestXMLEscape(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "",
		"plain/path-1":          "plain/path-1",
		`<a href="x">&'</a>`:    "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;",
		"é 日本 🙂":                "é 日本 🙂",
		"bad \xff end \xc3":     "bad \uFFFD end \uFFFD",
		"mixed <\xe2\x82> tail": "mixed &lt;\uFFFD\uFFFD&gt; tail",
		"tab\tand\nline":        "tab\tand\nline",
		"cr\r":                  "cr&#xD;",
		"ctl \x01\x1f\x00 end":  "ctl \uFFFD\uFFFD\uFFFD end",
		"nonchar \uFFFE\uFFFF.": "nonchar \uFFFD\uFFFD.",
	} {
		if got := string(appendXMLEscaped(nil, in)); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// TestXMLEscapeAlwaysParses: whatever a stored string holds (a
// description written before descriptions were checked, say), the
// element written from it parses as XML, and keeps every character XML
// can carry.
func TestXMLEscapeAlwaysParses(t *testing.T) {
	var every []byte
	for c := 0; c < 0x80; c++ {
		every = append(every, byte(c))
	}
	inputs := []string{string(every), "\xff\xfe\xc3", "\uFFFE\uFFFF\U0010FFFF\uD7FF\uE000", "a\r\nb"}
	for _, in := range inputs {
		var x xmlw
		x.elem("Description", in)
		var out struct {
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal(x.b, &out); err != nil {
			t.Errorf("%q: the element does not parse: %v\n%s", in, err, x.b)
			continue
		}
		for _, r := range in {
			if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != utf8.RuneError && r != 0xFFFE && r != 0xFFFF {
				if !strings.ContainsRune(out.Text, r) {
					t.Errorf("%q: %U was lost", in, r)
				}
			}
		}
	}
}

// TestAuthorizeAnswerJSON: the /v1/authorize answer is written as
// encoding/json writes AuthorizeAnswer.
func TestAuthorizeAnswerJSON(t *testing.T) {
	answers := []AuthorizeAnswer{
		{},
		{Decision: "Error", Error: "no such principal <x>", Matched: []MatchedEntry{}, MissingContextKeys: []string{}},
		{Decision: "Allowed", DecidedBy: "identityPolicy", MissingContextKeys: []string{"aws:SourceIp", "s3:prefix"},
			Matched: []MatchedEntry{{PolicyType: "identityPolicy", Policy: "read & write", Statement: 3, Sid: "S\"1", Effect: "Allow"},
				{PolicyType: "boundary", Policy: "b", Statement: 0, Effect: "Allow"}}},
		{Decision: "ImplicitDeny", Message: "User: arn:aws:iam::1:user/a\tis not authorized \u2028", Matched: []MatchedEntry{}},
	}
	for _, a := range answers {
		want, err := json.Marshal(&a)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.appendJSON(nil); !bytes.Equal(got, want) {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	}
}

// matchedStrings is what Matched holds for matches.
func matchedStrings(ms []engine.Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Type.String() + " " + m.Policy + " " + m.Source.Path
	}
	return out
}
