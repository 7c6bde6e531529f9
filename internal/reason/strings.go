package reason

import (
	"strconv"
	"strings"
	"unicode"
)

// A string dimension (an action name, a resource, a condition key's value)
// is cut into regions by the patterns the policies test it with. Two
// strings matched by the same patterns are decided alike, so one string
// per realizable set of matching patterns (a signature) stands for all.
// The signatures are found exactly by walking the product of the
// patterns' automata over an alphabet of the characters the patterns
// name, plus one character none of them names.

// elemKind is what one element of a compiled pattern matches.
type elemKind uint8

const (
	elemLit  elemKind = iota // one character
	elemStar                 // any run of characters
	elemOne                  // exactly one character
)

// elem is one element of a compiled pattern. noColon keeps a star or a
// '?' inside one part of an ARN, as the engine matches an ARN part by
// part; fold compares a literal without case.
type elem struct {
	kind    elemKind
	char    rune
	noColon bool
	fold    bool
}

func (e elem) accepts(c rune) bool {
	switch e.kind {
	case elemStar, elemOne:
		return !(e.noColon && c == ':')
	}
	if e.fold {
		return unicode.ToLower(c) == unicode.ToLower(e.char)
	}
	return c == e.char
}

// pattern is a compiled pattern over a string dimension.
type pattern []elem

// globPattern compiles a pattern in which '*' and '?' are wildcards.
func globPattern(s string, fold bool) pattern {
	var p pattern
	for _, c := range s {
		switch c {
		case '*':
			p = append(p, elem{kind: elemStar})
		case '?':
			p = append(p, elem{kind: elemOne})
		default:
			p = append(p, elem{kind: elemLit, char: c, fold: fold})
		}
	}
	return p
}

// literalPattern compiles a text matched exactly.
func literalPattern(s string, fold bool) pattern {
	var p pattern
	for _, c := range s {
		p = append(p, elem{kind: elemLit, char: c, fold: fold})
	}
	return p
}

// arnPattern compiles a resource pattern as the engine matches it: an ARN
// of six parts part by part, so a wildcard in the first five stays inside
// its part, while the sixth, or the last part of a shorter pattern that
// ends in '*', matches the rest of the value.
func arnPattern(s string) pattern {
	if s == "*" || !strings.HasPrefix(s, "arn:") {
		return globPattern(s, false)
	}
	parts := strings.SplitN(s, ":", 6)
	tail := len(parts) < 6 && strings.HasSuffix(parts[len(parts)-1], "*")
	if len(parts) < 6 && !tail {
		return globPattern(s, false)
	}
	var p pattern
	for i, part := range parts {
		if i > 0 {
			p = append(p, elem{kind: elemLit, char: ':'})
		}
		last := i == len(parts)-1
		for _, e := range globPattern(part, false) {
			if e.kind != elemLit && !last {
				e.noColon = true
			}
			p = append(p, e)
		}
	}
	return p
}

// nfa state for one pattern: the set of element positions reached, as a
// bit set (patterns longer than the limit are cut into words).
type posSet []uint64

func (s posSet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
func (s posSet) add(i int)      { s[i/64] |= 1 << (i % 64) }

// closure adds the positions reachable without reading: past stars.
func (p pattern) closure(s posSet) {
	for i := 0; i < len(p); i++ {
		if s.has(i) && p[i].kind == elemStar {
			s.add(i + 1)
		}
	}
}

func (p pattern) start() posSet {
	s := make(posSet, (len(p)+1+63)/64)
	s.add(0)
	p.closure(s)
	return s
}

func (p pattern) step(s posSet, c rune) posSet {
	if s.empty() {
		return s // a dead pattern stays dead: no state to copy
	}
	next := make(posSet, len(s))
	for i := 0; i < len(p); i++ {
		if !s.has(i) || !p[i].accepts(c) {
			continue
		}
		if p[i].kind == elemStar {
			next.add(i)
		} else {
			next.add(i + 1)
		}
	}
	p.closure(next)
	return next
}

func (p pattern) accepting(s posSet) bool { return s.has(len(p)) }

func (s posSet) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

// region is one realizable signature of a string dimension: which of the
// patterns match, and the shortest string found that they match so.
type region struct {
	matches []bool
	example string
}

// maxStates bounds the product walk: beyond it the regions found so far
// are returned, marked inexact.
const maxStates = 20000

// regions finds every realizable signature of the patterns over strings,
// with an example of each: the walk visits each reachable product state
// once, breadth first, so examples are shortest. extra are characters to
// try besides those the patterns name (a separator the dimension's values
// hold, say). shape, when not nil, is what every value of the dimension
// looks like (an action is service:name): it walks with the patterns, and
// only strings it matches count. exact is false when the walk stopped at
// maxStates.
func regions(pats []pattern, extra string, shape pattern) (out []region, exact bool) {
	return regionsExcept(pats, extra, shape, nil)
}

// regionsExcept is regions over the strings other than the words of a
// set: the set walks with the patterns as a trie.
func regionsExcept(pats []pattern, extra string, shape pattern, except *wordSet) (out []region, exact bool) {
	alphabet := alphabetOf(pats, extra)
	n := len(pats)
	if shape != nil {
		pats = append(append([]pattern{}, pats...), shape)
	}
	type node struct {
		states []posSet
		word   int // the node of except's trie the text reached, -1 off it
		text   string
	}
	// A state's key names the live patterns and their positions; the
	// dead ones, most of them in a large product, add nothing.
	key := func(states []posSet, word int) string {
		var b strings.Builder
		b.WriteString(strconv.Itoa(word))
		b.WriteByte(0xfe)
		for i, s := range states {
			if s.empty() {
				continue
			}
			b.WriteString(strconv.Itoa(i))
			b.WriteByte(':')
			for _, w := range s {
				for k := 0; k < 8; k++ {
					b.WriteByte(byte(w >> (8 * k)))
				}
			}
			b.WriteByte(0xff)
		}
		return b.String()
	}
	seenSig := map[string]bool{}
	record := func(nd node) {
		if shape != nil && !shape.accepting(nd.states[n]) {
			return
		}
		if except != nil && nd.word >= 0 && except.end[nd.word] {
			return
		}
		m := make([]bool, n)
		var sig strings.Builder
		for i, p := range pats[:n] {
			m[i] = p.accepting(nd.states[i])
			if m[i] {
				sig.WriteByte('1')
			} else {
				sig.WriteByte('0')
			}
		}
		if !seenSig[sig.String()] {
			seenSig[sig.String()] = true
			out = append(out, region{matches: m, example: nd.text})
		}
	}
	first := node{states: make([]posSet, len(pats)), word: -1}
	if except != nil {
		first.word = 0
	}
	for i, p := range pats {
		first.states[i] = p.start()
	}
	seen := map[string]bool{key(first.states, first.word): true}
	queue := []node{first}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		record(n)
		for _, c := range alphabet {
			next := node{states: make([]posSet, len(pats)), word: except.step(n.word, c), text: n.text + string(c)}
			for i, p := range pats {
				next.states[i] = p.step(n.states[i], c)
			}
			k := key(next.states, next.word)
			if seen[k] {
				continue
			}
			if len(seen) >= maxStates {
				return out, false
			}
			seen[k] = true
			queue = append(queue, next)
		}
	}
	return out, true
}

// alphabetOf is the characters that tell the patterns' strings apart: each
// literal the patterns name (both cases where one compares without case),
// the extra ones, and one character none of them names.
func alphabetOf(pats []pattern, extra string) []rune {
	seen := map[rune]bool{}
	var out []rune
	add := func(c rune) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, p := range pats {
		for _, e := range p {
			if e.kind == elemLit {
				add(e.char)
				if e.fold {
					add(unicode.ToLower(e.char))
					add(unicode.ToUpper(e.char))
				}
			}
		}
	}
	for _, c := range extra {
		add(c)
	}
	for _, c := range "zqxj0795" {
		if !seen[c] {
			add(c)
			break
		}
	}
	return out
}

// groupedRegions is regions for patterns that each name a group of
// strings by a part of them (the service of an action or of an ARN): a
// string of one group can only match that group's patterns and those
// whose group part has a wildcard, so each group is walked alone, which
// keeps the product small. groupOf says a pattern's group, "" for a
// wildcard one; shapes gives, for a group, the shapes of its strings
// ("" for a group no pattern names literally, whose strings only
// wildcard patterns match). Signatures are over all the patterns.
func groupedRegions(pats []pattern, groupOf []string, extra string, shapes func(group string) []pattern) (out []region, exact bool) {
	exact = true
	byGroup := map[string][]int{}
	var groups []string
	var wild []int
	for i, g := range groupOf {
		if g == "" {
			wild = append(wild, i)
			continue
		}
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
		}
		byGroup[g] = append(byGroup[g], i)
	}
	seen := map[string]bool{}
	walkExcept := func(idx []int, shape pattern, except *wordSet) {
		sub := make([]pattern, len(idx))
		for j, i := range idx {
			sub[j] = pats[i]
		}
		rs, ok := regionsExcept(sub, extra, shape, except)
		exact = exact && ok
		for _, r := range rs {
			m := make([]bool, len(pats))
			for j, i := range idx {
				m[i] = r.matches[j]
			}
			if k := sigKey(m); !seen[k] {
				seen[k] = true
				out = append(out, region{matches: m, example: r.example})
			}
		}
	}
	for _, g := range groups {
		// The group's patterns without wildcards each match one string
		// (its case variants, for actions): those strings' signatures are
		// read off them, and the walk covers every other string, keeping
		// the product as small as the wildcard patterns make it.
		var words []string
		var walkIdx []int
		fold := false
		for _, i := range byGroup[g] {
			if text, ok := pats[i].literalText(); ok {
				words = append(words, text)
				fold = fold || (len(pats[i]) > 0 && pats[i][0].fold)
				continue
			}
			walkIdx = append(walkIdx, i)
		}
		walkIdx = append(walkIdx, wild...)
		for _, shape := range shapes(g) {
			for _, w := range words {
				if !shape.match(w) {
					continue
				}
				m := make([]bool, len(pats))
				for _, i := range walkIdx {
					m[i] = pats[i].match(w)
				}
				for _, i := range byGroup[g] {
					if text, ok := pats[i].literalText(); ok {
						m[i] = text == w || fold && strings.EqualFold(text, w)
					}
				}
				if k := sigKey(m); !seen[k] {
					seen[k] = true
					out = append(out, region{matches: m, example: w})
				}
			}
			walkExcept(walkIdx, shape, newWordSet(words, fold))
		}
	}
	for _, shape := range shapes("") {
		walkExcept(wild, shape, nil)
	}
	return out, exact
}

// wordSet is a set of words as a trie, compared without case when fold.
type wordSet struct {
	next []map[rune]int
	end  []bool
	fold bool
}

func newWordSet(words []string, fold bool) *wordSet {
	ws := &wordSet{next: []map[rune]int{{}}, end: []bool{false}, fold: fold}
	for _, w := range words {
		n := 0
		for _, c := range w {
			if fold {
				c = unicode.ToLower(c)
			}
			m, ok := ws.next[n][c]
			if !ok {
				m = len(ws.next)
				ws.next = append(ws.next, map[rune]int{})
				ws.end = append(ws.end, false)
				ws.next[n][c] = m
			}
			n = m
		}
		ws.end[n] = true
	}
	return ws
}

// step follows c from trie node n; -1 is off the trie (and stays so).
func (ws *wordSet) step(n int, c rune) int {
	if ws == nil || n < 0 {
		return -1
	}
	if ws.fold {
		c = unicode.ToLower(c)
	}
	if m, ok := ws.next[n][c]; ok {
		return m
	}
	return -1
}

// literalText is the text a pattern without wildcards matches, and
// whether it has none.
func (p pattern) literalText() (string, bool) {
	var b strings.Builder
	for _, e := range p {
		if e.kind != elemLit || e.noColon {
			return "", false
		}
		b.WriteRune(e.char)
	}
	return b.String(), true
}
