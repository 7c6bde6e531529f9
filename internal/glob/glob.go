// Package glob handles the '*' and '?' wildcards of IAM patterns. Match is
// the plain, byte-wise matcher of names (action names, service prefixes,
// condition key templates) for validation and lookups; the engine compiles
// its own patterns for deciding. The algebra (algebra.go) relates two
// patterns: whether they meet, whether one covers the other.
package glob

// Match reports whether s matches pattern, where '*' matches any run of
// bytes (also none) and '?' exactly one. Callers fold case first when the
// comparison is case-insensitive.
func Match(pattern, s string) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && (pattern[pi] == '?' || pattern[pi] == s[si]):
			pi++
			si++
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}
