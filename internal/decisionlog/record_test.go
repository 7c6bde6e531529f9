package decisionlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

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
		r.Context = Context{{Name: "aws:SourceIp", Values: []string{"10.0.0.1"}}, {Name: s, Values: []string{s, ""}}, {Name: "empty", Values: nil}}
	}
	compareRecordJSON(t, &r)
	// The line reads back as the record, its context in its order (but
	// for strings that are not UTF-8, which JSON cannot hold).
	var back Record
	if err := json.Unmarshal(r.AppendJSON(nil), &back); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	if fmt.Sprint(back.Context) != fmt.Sprint(r.Context) && s != "bad \xff utf-8 \xc3" && s != "\xed\xa0\x80 surrogate" {
		t.Errorf("%q: context read back as %v", s, back.Context)
	}
	// The same decision with its matches unformatted.
	if s != "" {
		r.Matched = nil
		r.Matches = []engine.Match{{Type: engine.TypeIdentity, Policy: s, Source: &policy.Statement{Path: "Statement[0]"}},
			{Type: engine.TypeBoundary, Policy: "b", Source: &policy.Statement{Path: s}}}
		want := r
		want.Matches, want.Matched = nil, matchedStrings(r.Matches)
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

// matchedStrings is what Matched holds for matches.
func matchedStrings(ms []engine.Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Type.String() + " " + m.Policy + " " + m.Source.Path
	}
	return out
}

// TestContextRefused: a context that is not an object of lists of
// strings, or names a key twice, is refused with what is wrong.
func TestContextRefused(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"context":["aws:SourceIp"]}`, "context is not an object"},
		{`{"context":{"aws:SourceIp":"10.0.0.1"}}`, "aws:SourceIp: not a list of strings"},
		{`{"context":{"aws:SourceIp":["a"],"AWS:sourceip":["b"]}}`, `key "AWS:sourceip" is given twice`},
	} {
		var r Record
		if err := json.Unmarshal([]byte(tc.line), &r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.line, err, tc.want)
		}
	}
}
