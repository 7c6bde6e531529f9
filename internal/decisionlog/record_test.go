package decisionlog

import (
	"bytes"
	"encoding/json"
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
	}
	compareRecordJSON(t, &r)
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
