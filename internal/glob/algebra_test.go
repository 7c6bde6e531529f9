package glob_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wardhq/ward/internal/glob"
)

func TestIntersectsAndCovers(t *testing.T) {
	tests := []struct {
		a, b              string
		intersect, covers bool
	}{
		{"a*", "*b", true, false},
		{"*", "abc", true, true},
		{"abc", "*", true, false},
		{"a*c", "ab*c", true, true},
		{"*/AWSLogs/*", "bucket/*", true, false},
		{"bucket/*", "other/*", false, false},
		{"a?c", "abc", true, true},
		{"a?c", "a*c", true, false},
		{"*.iso", "*.ISO", false, false},
		{"", "", true, true},
		{"", "*", true, false},
		{"?", "", false, false},
		{"é?", "éa", true, true}, // '?' is one character, not one byte
	}
	for _, tt := range tests {
		a, b := glob.Units(tt.a), glob.Units(tt.b)
		if got := glob.Intersects(a, b); got != tt.intersect {
			t.Errorf("Intersects(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.intersect)
		}
		if got := glob.Intersects(b, a); got != tt.intersect {
			t.Errorf("Intersects(%q, %q) = %v, want %v (symmetric)", tt.b, tt.a, got, tt.intersect)
		}
		if got := glob.PatternCovers(tt.a, tt.b); got != tt.covers {
			t.Errorf("PatternCovers(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.covers)
		}
	}
}

func TestFormatIntersects(t *testing.T) {
	const object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
	const bucket = "arn:${Partition}:s3:::${BucketName}"
	const logGroup = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}"
	tests := []struct {
		format, pattern string
		want            bool
	}{
		{object, "arn:aws:s3:::b/k", true},
		{object, "arn:aws:s3:::b/deep/key", true}, // ObjectName holds '/'
		{bucket, "arn:aws:s3:::b/k", false},       // BucketName does not
		{bucket, "arn:aws:s3:::b", true},
		{bucket, "*", true},
		{object, "arn:aws:dynamodb:*:*:table/t", false},
		{logGroup, "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/f:*", true},
		{logGroup, "arn:aws:logs:us-east-1:111111111111:log-group:g", true},
		{"arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}", "arn:aws:iam::111111111111:role/svc/deploy", true},
		{object, "arn:aws:s3:::b:x/k", false}, // a name inside the ARN has no ':'
		{"arn:${Partition}:sqs:${Region}:${Account}:${QueueName}", "arn:aws:sqs:us-east-1:111111111111:q:*", true}, // the last may
		// Names AWS lets hold '/': secrets, ECR repositories, KMS aliases,
		// IoT topics.
		{"arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}", "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db/password-AbCdEf", true},
		{"arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}", "arn:aws:ecr:us-east-1:111111111111:repository/team/app", true},
		{"arn:${Partition}:kms:${Region}:${Account}:alias/${Alias}", "arn:aws:kms:us-east-1:111111111111:alias/project/key", true},
		{"arn:${Partition}:iot:${Region}:${Account}:topic/${TopicName}", "arn:aws:iot:us-east-1:111111111111:topic/sensors/temp", true},
		{"arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}", "arn:aws:dynamodb:us-east-1:111111111111:table/t/index/i", false},
	}
	for _, tt := range tests {
		if got := glob.FormatIntersects(tt.format, tt.pattern); got != tt.want {
			t.Errorf("FormatIntersects(%q, %q) = %v, want %v", tt.format, tt.pattern, got, tt.want)
		}
	}
}

// globRegexp is an independent reference for one pattern.
func globRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

// FuzzAlgebra checks the algebra against regexp: a pattern meets and
// covers a literal exactly when it matches it; a cover is never claimed
// that a witness refutes; a witness of a match proves an intersection.
func FuzzAlgebra(f *testing.F) {
	f.Add("a*b?c", "a*bXc", "aXbYc")
	f.Add("*/AWSLogs/*", "bucket/*", "bucket/AWSLogs/x")
	f.Fuzz(func(t *testing.T, a, b, s string) {
		if len(a) > 32 || len(b) > 32 || len(s) > 32 || !utf8.ValidString(a) || !utf8.ValidString(b) || !utf8.ValidString(s) {
			return
		}
		ra, rb := globRegexp(a), globRegexp(b)
		ua, ub := glob.Units(a), glob.Units(b)
		if !strings.ContainsAny(s, "*?") {
			us := glob.Units(s)
			m := ra.MatchString(s)
			if glob.Intersects(ua, us) != m || glob.Covers(ua, us) != m {
				t.Fatalf("%q vs literal %q: regexp %v, Intersects %v, Covers %v", a, s, m, glob.Intersects(ua, us), glob.Covers(ua, us))
			}
			if m && rb.MatchString(s) && !glob.Intersects(ua, ub) {
				t.Fatalf("%q and %q both match %q, yet Intersects is false", a, b, s)
			}
			if glob.Covers(ua, ub) && rb.MatchString(s) && !m {
				t.Fatalf("Covers(%q, %q), yet %q matches only the second", a, b, s)
			}
		}
	})
}
