package glob

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// The algebra of wildcard patterns: whether two can match a common string
// (Intersects) and whether one matches every string the other does
// (Covers). The engine needs it when a request names its resource with a
// wildcard ("may alice read anything under bucket/logs/*?"); the analyzer
// and policy comparison build on the same operations.

// Kind is what one Unit of a flattened pattern is.
type Kind uint8

const (
	Lit  Kind = iota // one literal character
	Star             // '*': any run of characters, including none
	One              // '?': exactly one character
)

// Unit is one step of a flattened pattern. Units are characters, not
// bytes, as '?' matches one character. A Star may be kept from matching
// '/' or ':' (a name inside an ARN format, such as ${BucketName}).
type Unit struct {
	Kind Kind
	Char rune // Lit: the character
	// NoSlash and NoColon bar a Star from absorbing those characters.
	NoSlash, NoColon bool
}

// absorbs reports whether star s can take unit u into its run.
func absorbs(s, u Unit) bool {
	if u.Kind != Lit {
		return true
	}
	return !(s.NoSlash && u.Char == '/') && !(s.NoColon && u.Char == ':')
}

// Units flattens s, in which '*' and '?' are wildcards.
func Units(s string) []Unit {
	return AppendUnits(make([]Unit, 0, len(s)), s)
}

// AppendUnits appends the units of s ('*' and '?' wildcards) to out.
func AppendUnits(out []Unit, s string) []Unit {
	for _, c := range s {
		switch c {
		case '*':
			out = append(out, Unit{Kind: Star})
		case '?':
			out = append(out, Unit{Kind: One})
		default:
			out = append(out, Unit{Kind: Lit, Char: c})
		}
	}
	return out
}

// AppendLiteral appends the characters of text as literals, '*' and '?'
// included.
func AppendLiteral(out []Unit, text string) []Unit {
	for _, c := range text {
		out = append(out, Unit{Kind: Lit, Char: c})
	}
	return out
}

// Intersects reports whether some string matches both a and b. It walks
// the product of the two patterns: a state (i, j) means a[:i] and b[:j]
// can match the same prefix.
func Intersects(a, b []Unit) bool {
	n, m := len(a), len(b)
	return search(n, m, func(i, j int, walk func(i, j int) bool) bool {
		if i == n && j == m {
			return true
		}
		if i < n && a[i].Kind == Star {
			// a's star matches nothing more, or swallows b's next unit.
			if walk(i+1, j) || (j < m && absorbs(a[i], b[j]) && walk(i, j+1)) {
				return true
			}
		}
		if j < m && b[j].Kind == Star {
			if walk(i, j+1) || (i < n && absorbs(b[j], a[i]) && walk(i+1, j)) {
				return true
			}
		}
		if i < n && j < m && a[i].Kind != Star && b[j].Kind != Star {
			if a[i].Kind == One || b[j].Kind == One || a[i].Char == b[j].Char {
				return walk(i+1, j+1)
			}
		}
		return false
	})
}

// Covers reports whether every string b matches is matched by a. It treats
// b's wildcards as symbols that only a wildcard of a can stand for: a '*'
// of a absorbs anything, a '?' of a absorbs one literal or one '?'. That is
// exact for the patterns policies use and never claims a cover that does
// not hold.
func Covers(a, b []Unit) bool {
	n, m := len(a), len(b)
	return search(n, m, func(i, j int, walk func(i, j int) bool) bool {
		if i == n {
			return j == m
		}
		switch a[i].Kind {
		case Star:
			return walk(i+1, j) || (j < m && walk(i, j+1))
		case One:
			return j < m && b[j].Kind != Star && walk(i+1, j+1)
		}
		return j < m && b[j].Kind == Lit && b[j].Char == a[i].Char && walk(i+1, j+1)
	})
}

// search walks the states (i, j) of a pair of patterns of n and m units
// depth first from (0, 0), visiting each state once, and reports whether
// step found the goal. step decides one state and calls walk to go on.
func search(n, m int, step func(i, j int, walk func(i, j int) bool) bool) bool {
	seen := make([]bool, (n+1)*(m+1))
	var walk func(i, j int) bool
	walk = func(i, j int) bool {
		if seen[i*(m+1)+j] {
			return false
		}
		seen[i*(m+1)+j] = true
		return step(i, j, walk)
	}
	return walk(0, 0)
}

// PatternCovers reports whether every string pattern b matches, pattern a
// matches too.
func PatternCovers(a, b string) bool { return Covers(Units(a), Units(b)) }

// FormatIntersects reports whether a resource pattern can name a resource
// of a catalog ARN format such as arn:${Partition}:s3:::${BucketName}/${ObjectName}.
// A ${...} name stands for text without '/' (a bucket name), unless it is
// a path or key (ObjectName, RoleNameWithPath, LogGroupName, ...); inside
// the ARN it has no ':' either, while the last name may (a log group ARN
// written with a trailing ":*").
func FormatIntersects(format, pattern string) bool {
	return Intersects(FormatUnits(format), Units(pattern))
}

// FormatUnits is a catalog ARN format as units, each ${...} name a star
// confined as FormatIntersects says: compute it once to compare one
// format with many patterns.
func FormatUnits(format string) []Unit {
	var f []Unit
	for i := 0; i < len(format); {
		if strings.HasPrefix(format[i:], "${") {
			end := strings.IndexByte(format[i:], '}')
			if end < 0 {
				break
			}
			name := format[i+2 : i+end]
			i += end + 1
			f = append(f, Unit{Kind: Star, NoSlash: !slashyName.MatchString(name), NoColon: i < len(format)})
			continue
		}
		r, size := utf8.DecodeRuneInString(format[i:])
		f = append(f, Unit{Kind: Lit, Char: r})
		i += size
	}
	return f
}

// slashyName matches the ARN format names that can hold '/': paths, keys
// and log names, and the names AWS lets hold it (a secret's
// "prod/db/password", an ECR repository's "team/app", a KMS alias's
// "project/key", an IoT topic's "sensors/temp"). Where a service's name
// of the same spelling cannot (a CodeCommit repository), letting it is
// the side that cannot make a check cry wolf.
var slashyName = regexp.MustCompile(`(?i)(path|objectname|objectkey|^key$|loggroupname|logstreamname|parameternamewithoutleadingslash|prefix|filename|^secretid$|^repositoryname$|^alias$|^topicname$|^topicfilter$)`)
