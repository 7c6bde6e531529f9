package engine

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Glob algebra: whether two wildcard patterns can match a common string
// (intersects) and whether one matches every string the other does
// (covers). The engine needs it when a request names its resource with a
// wildcard ("may alice read anything under bucket/logs/*?"); the analyzer
// and policy comparison build on the same operations.

// unit is one step of a flattened pattern: a literal character, '?' or
// '*'. Units are characters, not bytes, as '?' matches one character. A
// star's b may hold flags that keep it from matching '/' or ':' (a name
// inside an ARN format, such as ${BucketName}).
type unit struct {
	kind tokKind // tokLit, tokOne or tokStar
	b    rune
}

const (
	noSlash rune = 1 << iota
	noColon
)

func isStar(k tokKind) bool { return k == tokStar }

// absorbs reports whether star s can take unit u into its run.
func absorbs(s, u unit) bool {
	if u.kind != tokLit {
		return true
	}
	return !(s.b&noSlash != 0 && u.b == '/') && !(s.b&noColon != 0 && u.b == ':')
}

// units flattens a pattern, resolving variables. ok is false when a
// variable cannot be resolved, in which case the pattern matches nothing.
func (p *pattern) units(r resolver) ([]unit, bool) {
	var out []unit
	for i := range p.toks {
		t := &p.toks[i]
		switch t.kind {
		case tokStar, tokOne:
			out = append(out, unit{kind: t.kind})
		default:
			text, ok := piece(t, r)
			if !ok {
				return nil, false
			}
			for _, c := range text {
				out = append(out, unit{kind: tokLit, b: c})
			}
		}
	}
	return out, true
}

// globUnits flattens request text in which '*' and '?' are wildcards.
func globUnits(s string) []unit {
	out := make([]unit, 0, len(s))
	for _, c := range s {
		switch c {
		case '*':
			out = append(out, unit{kind: tokStar})
		case '?':
			out = append(out, unit{kind: tokOne})
		default:
			out = append(out, unit{kind: tokLit, b: c})
		}
	}
	return out
}

// intersects reports whether some string matches both a and b. It walks
// the product of the two patterns: a state (i, j) means a[:i] and b[:j]
// can match the same prefix.
func intersects(a, b []unit) bool {
	n, m := len(a), len(b)
	seen := make([]bool, (n+1)*(m+1))
	var walk func(i, j int) bool
	walk = func(i, j int) bool {
		if seen[i*(m+1)+j] {
			return false
		}
		seen[i*(m+1)+j] = true
		if i == n && j == m {
			return true
		}
		if i < n && isStar(a[i].kind) {
			// a's star matches nothing more, or swallows b's next unit.
			if walk(i+1, j) || (j < m && absorbs(a[i], b[j]) && walk(i, j+1)) {
				return true
			}
		}
		if j < m && isStar(b[j].kind) {
			if walk(i, j+1) || (i < n && absorbs(b[j], a[i]) && walk(i+1, j)) {
				return true
			}
		}
		if i < n && j < m && !isStar(a[i].kind) && !isStar(b[j].kind) {
			if a[i].kind == tokOne || b[j].kind == tokOne || a[i].b == b[j].b {
				return walk(i+1, j+1)
			}
		}
		return false
	}
	return walk(0, 0)
}

// covers reports whether every string b matches is matched by a. It treats
// b's wildcards as symbols that only a wildcard of a can stand for: a '*'
// of a absorbs anything, a '?' of a absorbs one literal or one '?'. That is
// exact for the patterns policies use and never claims a cover that does
// not hold.
func covers(a, b []unit) bool {
	n, m := len(a), len(b)
	seen := make([]bool, (n+1)*(m+1))
	var walk func(i, j int) bool
	walk = func(i, j int) bool {
		if seen[i*(m+1)+j] {
			return false
		}
		seen[i*(m+1)+j] = true
		if i == n {
			return j == m
		}
		switch a[i].kind {
		case tokStar:
			return walk(i+1, j) || (j < m && walk(i, j+1))
		case tokOne:
			return j < m && b[j].kind != tokStar && walk(i+1, j+1)
		}
		return j < m && b[j].kind == tokLit && b[j].b == a[i].b && walk(i+1, j+1)
	}
	return walk(0, 0)
}

// flatten returns the pattern as units over the whole string, joining ARN
// segments with ':' (a '*' may then run across segments: a slight
// over-approximation, used only when the pattern's shape does not allow a
// segment-by-segment comparison).
func (p *arnPattern) flatten(r resolver) ([]unit, bool) {
	switch {
	case p.all:
		return []unit{{kind: tokStar}}, true
	case !p.isARN:
		return p.whole.units(r)
	}
	var out []unit
	for i := 0; i < p.n; i++ {
		if i > 0 {
			out = append(out, unit{kind: tokLit, b: ':'})
		}
		u, ok := p.segs[i].units(r)
		if !ok {
			return nil, false
		}
		out = append(out, u...)
	}
	return out, true
}

// wildRequest is a request resource written with wildcards.
type wildRequest struct {
	whole []unit
	segs  [6][]unit
	split arnSplit
}

func newWildRequest(s string) *wildRequest {
	w := &wildRequest{whole: globUnits(s), split: splitARN(s)}
	for i := 0; i < w.split.n; i++ {
		w.segs[i] = globUnits(w.split.parts[i])
	}
	return w
}

// relate applies op segment by segment when both sides are full ARNs, and
// over the whole strings otherwise.
func (p *arnPattern) relate(w *wildRequest, r resolver, op func(a, b []unit) bool) bool {
	if p.isARN && !p.tail && p.n == 6 && w.split.isARN() {
		for i := 0; i < 6; i++ {
			u, ok := p.segs[i].units(r)
			if !ok || !op(u, w.segs[i]) {
				return false
			}
		}
		return true
	}
	u, ok := p.flatten(r)
	return ok && op(u, w.whole)
}

// GlobCovers reports whether every string pattern b matches, pattern a
// matches too.
func GlobCovers(a, b string) bool { return covers(globUnits(a), globUnits(b)) }

// FormatIntersects reports whether a resource pattern can name a resource
// of a catalog ARN format such as arn:${Partition}:s3:::${BucketName}/${ObjectName}.
// A ${...} name stands for text without '/' (a bucket name), unless it is
// a path or key (ObjectName, RoleNameWithPath, LogGroupName, ...); inside
// the ARN it has no ':' either, while the last name may (a log group ARN
// written with a trailing ":*").
func FormatIntersects(format, pattern string) bool {
	var f []unit
	for i := 0; i < len(format); {
		if strings.HasPrefix(format[i:], "${") {
			end := strings.IndexByte(format[i:], '}')
			if end < 0 {
				break
			}
			name := format[i+2 : i+end]
			i += end + 1
			var flags rune
			if !slashyName.MatchString(name) {
				flags |= noSlash
			}
			if i < len(format) {
				flags |= noColon
			}
			f = append(f, unit{kind: tokStar, b: flags})
			continue
		}
		r, size := utf8.DecodeRuneInString(format[i:])
		f = append(f, unit{kind: tokLit, b: r})
		i += size
	}
	return intersects(f, globUnits(pattern))
}

// slashyName matches the ARN format names that can hold '/'.
var slashyName = regexp.MustCompile(`(?i)(path|objectname|objectkey|^key$|loggroupname|logstreamname|parameternamewithoutleadingslash|prefix|filename)`)
