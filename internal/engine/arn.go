package engine

import "strings"

// arnSplit is an ARN cut at its first five colons:
// arn:partition:service:region:account:resource. The resource part keeps
// any further colons. n is how many parts the string had (1 to 6).
type arnSplit struct {
	parts  [6]string
	starts [6]int
	n      int
}

func splitARN(s string) arnSplit {
	var a arnSplit
	start := 0
	for a.n < 5 {
		i := strings.IndexByte(s[start:], ':')
		if i < 0 {
			break
		}
		a.parts[a.n], a.starts[a.n] = s[start:start+i], start
		a.n++
		start += i + 1
	}
	a.parts[a.n], a.starts[a.n] = s[start:], start
	a.n++
	return a
}

// isARN reports whether the split has all six parts and starts with "arn".
func (a *arnSplit) isARN() bool { return a.n == 6 && a.parts[0] == "arn" }

// arnPattern matches ARNs segment by segment, as IAM matches Resource
// elements and the Arn condition operators: wildcards stay inside their
// segment among the first five, case-sensitively; in the resource part a
// '*' also matches ':' and '/'. A pattern with fewer than six parts whose
// last part ends in '*' lets that '*' run on across the colons (AWS: "a
// wildcard that is the last character of a segment can expand into the
// next segment").
type arnPattern struct {
	all   bool    // "*"
	whole pattern // non-ARN text: one glob over the whole value
	isARN bool
	segs  [6]pattern
	n     int
	// tail: the pattern has fewer than six parts and its last one ends in
	// '*', so that part matches the rest of the value.
	tail bool
}

func compileARNPattern(s string, vars bool) arnPattern {
	if s == "*" {
		return arnPattern{all: true}
	}
	sp := splitARN(s)
	if sp.parts[0] != "arn" || sp.n < 2 {
		return arnPattern{whole: compilePattern(s, true, vars)}
	}
	p := arnPattern{isARN: true, n: sp.n}
	for i := 0; i < sp.n; i++ {
		// Variables are allowed only in the resource part.
		p.segs[i] = compilePattern(sp.parts[i], true, vars && i == 5)
	}
	if sp.n < 6 && strings.HasSuffix(sp.parts[sp.n-1], "*") {
		p.tail = true
	}
	return p
}

// hasVar reports whether the pattern holds a policy variable.
func (p *arnPattern) hasVar() bool {
	if !p.isARN {
		return p.whole.hasVar
	}
	for i := 0; i < p.n; i++ {
		if p.segs[i].hasVar {
			return true
		}
	}
	return false
}

// resolves reports whether every variable in the pattern has a value in
// this request (or a default).
func (p *arnPattern) resolves(r resolver) bool {
	if !p.isARN {
		return p.whole.resolves(r)
	}
	for i := 0; i < p.n; i++ {
		if !p.segs[i].resolves(r) {
			return false
		}
	}
	return true
}

// match reports whether value (already split into v) matches.
func (p *arnPattern) match(value string, v *arnSplit, r resolver) (matched, unresolved bool) {
	switch {
	case p.all:
		return true, false
	case !p.isARN:
		return p.whole.match(value, r, false)
	}
	if p.tail {
		if v.n < p.n {
			return false, false
		}
		last := p.n - 1
		for i := 0; i < last; i++ {
			if m, u := p.segs[i].match(v.parts[i], r, false); !m {
				return false, u
			}
		}
		return p.segs[last].match(value[v.starts[last]:], r, false)
	}
	if v.n != p.n {
		return false, false
	}
	for i := 0; i < p.n; i++ {
		if m, u := p.segs[i].match(v.parts[i], r, false); !m {
			return false, u
		}
	}
	return true, false
}
