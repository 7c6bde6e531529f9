package reason

import (
	"math/bits"
	"slices"
	"sort"
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
	// In position order, so a run of stars closes in one pass.
	for wi := 0; wi < len(s); wi++ {
		for w := s[wi]; w != 0; {
			b := bits.TrailingZeros64(w)
			w &= w - 1
			i := wi*64 + b
			if i < len(p) && p[i].kind == elemStar && !s.has(i+1) {
				s.add(i + 1)
				if (i+1)/64 == wi {
					w |= 1 << ((i + 1) % 64) // visit the new position too
				}
			}
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
	next := make(posSet, len(s))
	p.stepInto(next, s, c)
	return next
}

// stepInto writes into next (zeroed, of s's length) the positions s
// reaches by reading c.
func (p pattern) stepInto(next, s posSet, c rune) {
	if s.empty() {
		return // a dead pattern stays dead
	}
	// Only the positions set are visited: a pattern's state holds one or
	// two of its many positions.
	for wi, w := range s {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			w &= w - 1
			i := wi*64 + b
			if i >= len(p) || !p[i].accepts(c) {
				continue
			}
			if p[i].kind == elemStar {
				next.add(i)
			} else {
				next.add(i + 1)
			}
		}
	}
	p.closure(next)
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
// are returned, marked inexact. maxWalkBytes bounds the memory its
// states take (each is a position set per pattern, kept twice: as a key
// and until it is expanded), so a policy of thousands of wildcard
// patterns stops sooner rather than taking gigabytes.
const (
	maxStates    = 100000
	maxWalkBytes = 96 << 20
)

// regions finds every realizable signature of the patterns over strings,
// with an example of each: the walk visits each reachable product state
// once, breadth first, so examples are shortest. extra are characters to
// try besides those the patterns name (a separator the dimension's values
// hold, say). shape, when not nil, is what every value of the dimension
// looks like (an action is service:name): it walks with the patterns, and
// only strings it matches count. exact is false when the walk stopped at
// maxStates.
func regions(pats []pattern, extra string, shape pattern) (out []region, exact bool) {
	return regionsExcept(pats, extra, shape, nil, nil)
}

// regionsExcept is regions over the strings other than the words of a
// set: the set walks with the patterns as a trie.
//
// groups, when given, says for each pattern the group of patterns it is
// interchangeable with (-1: none): the patterns every statement holds
// all or none of, so that only whether one of them matches decides. A
// region's signature then says of each member whether the group
// matches, and once a member will match whatever follows (it is in its
// trailing stars), the group's state is that alone: the other members'
// progress no longer tells strings apart. Infix patterns of one
// statement ("*model*", "*job*", "*endpoint*") walk as one.
func regionsExcept(pats []pattern, extra string, shape pattern, except *wordSet, groups []int) (out []region, exact bool) {
	alphabet := alphabetOf(pats, extra)
	n := len(pats)
	// tails[i] is where pattern i's trailing run of plain stars begins
	// (len when it has none).
	tails := make([]int, n)
	members := map[int][]int{}
	for i, p := range pats {
		t := len(p)
		for t > 0 && p[t-1].kind == elemStar && !p[t-1].noColon {
			t--
		}
		tails[i] = t
		if groups != nil && groups[i] >= 0 {
			members[groups[i]] = append(members[groups[i]], i)
		}
	}
	if shape != nil {
		pats = append(append([]pattern{}, pats...), shape)
	}
	// A product state is every pattern's position set, laid end to end in
	// one slice of words, and the trie node of except the text reached
	// (-1 off it). Nodes keep their parent and last character, so the text
	// is spelled only for the states that give a new signature.
	offs := make([]int, len(pats)+1)
	for i, p := range pats {
		offs[i+1] = offs[i] + (len(p)+1+63)/64
	}
	width := offs[len(pats)]
	type node struct {
		parent int
		char   rune
		word   int
		states []uint64
	}
	at := func(nd *node, i int) posSet { return posSet(nd.states[offs[i]:offs[i+1]]) }
	var buf []byte
	keyOf := func(nd *node) []byte {
		buf = buf[:0]
		w := uint32(nd.word + 1)
		buf = append(buf, byte(w), byte(w>>8), byte(w>>16), byte(w>>24))
		for _, x := range nd.states {
			for k := 0; k < 8; k++ {
				buf = append(buf, byte(x>>(8*k)))
			}
		}
		return buf
	}
	// collapse reduces a group whose member will match whatever follows
	// to that member's trailing stars alone, the first such member's.
	collapse := func(nd *node, ms []int) {
		for _, j := range ms {
			st := at(nd, j)
			p := pats[j]
			if tails[j] == len(p) {
				continue
			}
			all := false
			for q := tails[j]; q <= len(p) && !all; q++ {
				all = st.has(q)
			}
			if !all {
				continue
			}
			for _, o := range ms {
				clear(at(nd, o))
			}
			for q := tails[j]; q <= len(p); q++ {
				st.add(q)
			}
			return
		}
	}
	var nodes []node
	textOf := func(i int) string {
		var rs []rune
		for ; i > 0; i = nodes[i].parent {
			rs = append(rs, nodes[i].char)
		}
		for l, r := 0, len(rs)-1; l < r; l, r = l+1, r-1 {
			rs[l], rs[r] = rs[r], rs[l]
		}
		return string(rs)
	}
	seenSig := map[string]bool{}
	sig := make([]byte, n)
	record := func(i int) {
		nd := &nodes[i]
		if shape != nil && !shape.accepting(at(nd, n)) {
			return
		}
		if except != nil && nd.word >= 0 && except.end[nd.word] {
			return
		}
		for j, p := range pats[:n] {
			sig[j] = '0'
			if p.accepting(at(nd, j)) {
				sig[j] = '1'
			}
		}
		for _, ms := range members {
			any := false
			for _, j := range ms {
				any = any || sig[j] == '1'
			}
			if any {
				for _, j := range ms {
					sig[j] = '1'
				}
			}
		}
		if seenSig[string(sig)] {
			return
		}
		seenSig[string(sig)] = true
		m := make([]bool, n)
		for j := range m {
			m[j] = sig[j] == '1'
		}
		out = append(out, region{matches: m, example: textOf(i)})
	}
	first := node{word: -1, states: make([]uint64, width)}
	if except != nil {
		first.word = 0
	}
	for i, p := range pats {
		st := p.start()
		copy(first.states[offs[i]:offs[i+1]], st)
	}
	nodes = append(nodes, first)
	seen := map[string]bool{string(keyOf(&nodes[0])): true}
	// From a state, a character no live position reads as a literal (and
	// that the word trie does not follow) goes where every other such
	// character goes: only stars and '?' take it. So only the first of
	// them in the alphabet's order is followed, which visits the states
	// the whole alphabet would, in the same order, at a fraction of the
	// cost. ':' is always read: a star inside an ARN part refuses it.
	index := make(map[rune]int, len(alphabet))
	folded := map[rune][]int{} // lower case → the alphabet's characters that fold to it
	for i, c := range alphabet {
		index[c] = i
		folded[unicode.ToLower(c)] = append(folded[unicode.ToLower(c)], i)
	}
	reads := make([]bool, len(alphabet))
	mark := func(c rune) {
		if i, ok := index[c]; ok {
			reads[i] = true
		}
	}
	markFolded := func(c rune) {
		for _, i := range folded[unicode.ToLower(c)] {
			reads[i] = true
		}
	}
	for head := 0; head < len(nodes); head++ {
		record(head)
		for i := range reads {
			reads[i] = false
		}
		mark(':')
		cur := &nodes[head]
		for i, p := range pats {
			st := at(cur, i)
			for wi, w := range st {
				for w != 0 {
					b := bits.TrailingZeros64(w)
					w &= w - 1
					if pos := wi*64 + b; pos < len(p) && p[pos].kind == elemLit {
						if p[pos].fold {
							markFolded(p[pos].char)
						} else {
							mark(p[pos].char)
						}
					}
				}
			}
		}
		if except != nil && cur.word >= 0 {
			for c := range except.next[cur.word] {
				if except.fold {
					markFolded(c)
				} else {
					mark(c)
				}
			}
		}
		other := false
		for ci, c := range alphabet {
			if !reads[ci] {
				if other {
					continue
				}
				other = true
			}
			cur := &nodes[head]
			next := node{parent: head, char: c, word: except.step(cur.word, c), states: make([]uint64, width)}
			for i, p := range pats {
				p.stepInto(posSet(next.states[offs[i]:offs[i+1]]), at(cur, i), c)
			}
			for _, ms := range members {
				collapse(&next, ms)
			}
			k := keyOf(&next)
			if seen[string(k)] {
				continue
			}
			if len(seen) >= maxStates || len(seen)*2*len(k) >= maxWalkBytes {
				return out, false
			}
			seen[string(k)] = true
			nodes = append(nodes, next)
		}
		nodes[head].states = nil // expanded: only its place in the tree is read again
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
//
// interchangeable, when given, is regionsExcept's groups over pats.
func groupedRegions(pats []pattern, groupOf []string, extra string, shapes func(group string) []pattern, interchangeable []int) (out []region, exact bool) {
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
	var members [][]int
	for i, g := range interchangeable {
		if g < 0 {
			continue
		}
		for len(members) <= g {
			members = append(members, nil)
		}
		members[g] = append(members[g], i)
	}
	// A signature is told from the others by the patterns that match,
	// each group of interchangeable ones by its first: a key as long as
	// the matches, not as the patterns (a policy of thousands of actions
	// has as many literal words).
	canonical := func(idx []int) string {
		reps := make([]int, 0, len(idx))
		for _, i := range idx {
			if interchangeable != nil && interchangeable[i] >= 0 {
				i = members[interchangeable[i]][0]
			}
			reps = append(reps, i)
		}
		sort.Ints(reps)
		return onKey(slices.Compact(reps))
	}
	seen := map[string]bool{}
	walkExcept := func(idx []int, shape pattern, except *wordSet) {
		sub := make([]pattern, len(idx))
		for j, i := range idx {
			sub[j] = pats[i]
		}
		var subGroups []int
		if interchangeable != nil {
			subGroups = make([]int, len(idx))
			for j, i := range idx {
				subGroups[j] = interchangeable[i]
			}
		}
		rs, ok := regionsExcept(sub, extra, shape, except, subGroups)
		exact = exact && ok
		for _, r := range rs {
			m := make([]bool, len(pats))
			for j, i := range idx {
				m[i] = r.matches[j]
			}
			if k := canonical(onOf(m)); !seen[k] {
				seen[k] = true
				closeGroups(m, members)
				out = append(out, region{matches: m, example: r.example})
			}
		}
	}
	// Each literal pattern's text, once.
	litText := make([]string, len(pats))
	isLit := make([]bool, len(pats))
	for i, p := range pats {
		litText[i], isLit[i] = p.literalText()
	}
	for _, g := range groups {
		// The group's patterns without wildcards each match one string
		// (its case variants, for actions): those strings' signatures are
		// read off them, and the walk covers every other string, keeping
		// the product as small as the wildcard patterns make it.
		var words []string
		var walkIdx []int
		fold := false
		byWord := map[string][]int{} // a literal text (lower-cased when fold) → its patterns
		for _, i := range byGroup[g] {
			if isLit[i] {
				words = append(words, litText[i])
				fold = fold || (len(pats[i]) > 0 && pats[i][0].fold)
				continue
			}
			walkIdx = append(walkIdx, i)
		}
		for _, i := range byGroup[g] {
			if isLit[i] {
				k := litText[i]
				if fold {
					k = strings.ToLower(k)
				}
				byWord[k] = append(byWord[k], i)
			}
		}
		walkIdx = append(walkIdx, wild...)
		for _, shape := range shapes(g) {
			for _, w := range words {
				if !shape.match(w) {
					continue
				}
				var idx []int
				for _, i := range walkIdx {
					if pats[i].match(w) {
						idx = append(idx, i)
					}
				}
				k := w
				if fold {
					k = strings.ToLower(k)
				}
				for _, i := range byWord[k] {
					// Without fold a literal matches its own case only.
					if fold || litText[i] == w {
						idx = append(idx, i)
					}
				}
				key := canonical(idx)
				if seen[key] {
					continue
				}
				seen[key] = true
				m := make([]bool, len(pats))
				for _, i := range idx {
					m[i] = true
				}
				closeGroups(m, members)
				out = append(out, region{matches: m, example: w})
			}
			walkExcept(walkIdx, shape, newWordSet(words, fold))
		}
	}
	for _, shape := range shapes("") {
		walkExcept(wild, shape, nil)
	}
	return out, exact
}

// closeGroups sets every member of a group one member of which is set.
func closeGroups(m []bool, members [][]int) {
	for _, ms := range members {
		if len(ms) < 2 {
			continue
		}
		any := false
		for _, j := range ms {
			any = any || m[j]
		}
		if any {
			for _, j := range ms {
				m[j] = true
			}
		}
	}
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
