package glob_test

import (
	"testing"

	"github.com/wardhq/ward/internal/glob"
)

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"s3:get*", "s3:getobject", true},
		{"s3:get*", "s3express:get", false},
		{"*:list*", "ec2:listthings", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a*b*c", "axbyc", true},
		{"a*b*c", "axbyd", false},
		{"", "", true},
		{"", "a", false},
	} {
		if got := glob.Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
