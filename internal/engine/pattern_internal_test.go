package engine

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wardhq/ward/internal/glob"
)

type fixedVars map[string]string

func (f fixedVars) variable(key string) (string, bool) {
	v, ok := f[key]
	return v, ok
}

func TestPatternMatch(t *testing.T) {
	vars := fixedVars{"aws:username": "alice", "aws:principaltag/team": "blue"}
	tests := []struct {
		pattern   string
		wildcards bool
		s         string
		want      bool
	}{
		{"s3:Get*", true, "s3:GetObject", true},
		{"s3:Get*", true, "s3:PutObject", false},
		{"*", true, "", true},
		{"a*b*c", true, "abc", true},
		{"a*b*c", true, "aXXbYYc", true},
		{"a*b*c", true, "aXXbYY", false},
		{"a?c", true, "abc", true},
		{"a?c", true, "ac", false},
		{"a?c", true, "aéc", true}, // '?' is one character, not one byte
		{"a*", false, "a*", true},  // Equals operators: '*' is literal
		{"a*", false, "ab", false},
		{"home/${aws:username}/*", true, "home/alice/notes.txt", true},
		{"home/${aws:username}/*", true, "home/bob/notes.txt", false},
		{"home/${aws:nosuchkey}/*", true, "home//x", false},
		{"team/${aws:PrincipalTag/team, 'none'}", true, "team/blue", true},
		{"team/${aws:sourcevpc, 'none'}", true, "team/none", true},
		{"literal-${*}-${?}-${$}", true, "literal-*-?-$", true},
		{"literal-${*}", true, "literal-x", false},
		{"${unterminated", true, "${unterminated", true},
		{"**", true, "anything", true},
	}
	for _, tt := range tests {
		p := compilePattern(tt.pattern, tt.wildcards, true)
		got, _ := p.match(tt.s, vars, false)
		if got != tt.want {
			t.Errorf("%q (wildcards %v) matching %q = %v, want %v", tt.pattern, tt.wildcards, tt.s, got, tt.want)
		}
	}
}

func TestUnresolvedVariable(t *testing.T) {
	p := compilePattern("home/${aws:username}/*", true, true)
	m, unresolved := p.match("home/x/y", fixedVars{}, false)
	if m || !unresolved {
		t.Errorf("match = %v, unresolved = %v; want false, true", m, unresolved)
	}
	// In a 2008-10-17 policy, ${...} is literal text.
	lit := compilePattern("home/${aws:username}", true, false)
	if m, _ := lit.match("home/${aws:username}", nil, false); !m {
		t.Error("a pattern without variables must match its ${...} literally")
	}
}

func TestARNPattern(t *testing.T) {
	tests := []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false},
		{"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-2", true},
		{"arn:aws:logs:*:*:log-group:/aws/lambda/chat:*", "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/chat:log-stream:abc", true},
		{"arn:aws:dynamodb:*:*:table/ChatMessage-*", "arn:aws:dynamodb:us-east-1:111111111111:table/ChatMessage-dev/index/by-session", true},
		{"arn:aws:dynamodb:*:*:table/ChatMessage-*", "arn:aws:dynamodb:us-east-1:111111111111:table/chatmessage-dev", false},
		{"arn:aws:ec2:us-east-1:*", "arn:aws:ec2:us-east-1:111111111111:instance/i-1", true}, // a final '*' runs on past ':'
		{"arn:aws:ec2:*:instance/i-1", "arn:aws:ec2:us-east-1:111111111111:instance/i-1", false},
		{"arn:aws:iam::*:role/app", "arn:aws:iam::111111111111:role/app", true},
		{"arn:aws:iam::1111*:role/app", "arn:aws:iam::111111111111:role/app", true},
		{"arn:aws:iam::*:role/app", "arn:aws:iam::111111111111:role/path/app", false},
		{"arn:aws:s*:::b", "arn:aws:sqs:::b", true},
		{"*", "anything at all", true},
		{"arn:aws:s3:::b", "*", false},
	}
	for _, tt := range tests {
		p := compileARNPattern(tt.pattern, true)
		split := splitARN(tt.arn)
		got, _ := p.match(tt.arn, &split, nil)
		if got != tt.want {
			t.Errorf("%q matching %q = %v, want %v", tt.pattern, tt.arn, got, tt.want)
		}
	}
}

// FuzzPattern checks the compiled matcher against the glob algebra, which
// FuzzAlgebra (internal/glob) checks against regexp: a pattern matches a
// literal string exactly when the two intersect, and exactly when it
// covers it.
func FuzzPattern(f *testing.F) {
	f.Add("a*b?c", "aXbYc")
	f.Add("*/AWSLogs/*", "bucket/x/AWSLogs/y")
	f.Add("arn:aws:s3:::*", "arn:aws:s3:::b/k")
	f.Fuzz(func(t *testing.T, pat, s string) {
		// Policies and requests are UTF-8 (the JSON reader insists).
		if len(pat) > 64 || len(s) > 64 || strings.Contains(pat, "${") || strings.ContainsAny(s, "*?") || !utf8.ValidString(pat) || !utf8.ValidString(s) {
			return
		}
		p := compilePattern(pat, true, false)
		got, _ := p.match(s, nil, false)
		a, b := glob.Units(pat), glob.Units(s)
		if glob.Intersects(a, b) != got || glob.Covers(a, b) != got {
			t.Fatalf("%q vs literal %q: match %v, intersects %v, covers %v", pat, s, got, glob.Intersects(a, b), glob.Covers(a, b))
		}
	})
}
