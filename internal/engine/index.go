package engine

import (
	"iter"
	"strings"
	"unsafe"
)

// The statement index. A request reaches only the statements whose
// action and resource patterns could match it, so the cost of a decision
// follows the statements that concern the request, not the size of the
// set.
//
// Two levels: the action ("service:name", lower-cased), then the resource.
// An action pattern without wildcards is a key of a map; one with
// wildcards sits in a radix tree at its literal prefix (what comes before
// the first wildcard), and a request walks the tree along its action,
// meeting every pattern whose prefix it starts with. Under each action
// key or tree node, statements sit in a second radix tree by the literal
// prefix of their resource patterns. NotAction and NotResource statements,
// and trust-policy statements without a Resource, sit at the roots, where
// every request meets them.

// radix is a compressed prefix tree of statement IDs.
type radix struct {
	label []byte // the edge from the parent
	first []byte // kids[i].label[0], for a fast scan
	kids  []*radix
	ids   []int32 // statements whose prefix ends here
}

// insert adds id under key.
func (n *radix) insert(key string, id int32) {
	for {
		if key == "" {
			n.ids = append(n.ids, id)
			return
		}
		i := indexByte(n.first, key[0])
		if i < 0 {
			n.first = append(n.first, key[0])
			n.kids = append(n.kids, &radix{label: []byte(key), ids: []int32{id}})
			return
		}
		kid := n.kids[i]
		common := commonPrefix(kid.label, key)
		if common < len(kid.label) {
			// Split the edge at the common prefix.
			rest := &radix{label: kid.label[common:], first: kid.first, kids: kid.kids, ids: kid.ids}
			kid.label = kid.label[:common:common]
			kid.first = []byte{rest.label[0]}
			kid.kids = []*radix{rest}
			kid.ids = nil
		}
		n = kid
		key = key[common:]
	}
}

// along yields the statement IDs of every node on the path that key
// spells, from the root: the entries whose prefix key starts with.
func (n *radix) along(key string) iter.Seq[[]int32] {
	return func(yield func([]int32) bool) {
		for {
			if len(n.ids) > 0 && !yield(n.ids) {
				return
			}
			if key == "" {
				return
			}
			i := indexByte(n.first, key[0])
			if i < 0 || !hasLabel(key, n.kids[i].label) {
				return
			}
			n = n.kids[i]
			key = key[len(n.label):]
		}
	}
}

func hasLabel(s string, label []byte) bool {
	return len(s) >= len(label) && s[:len(label)] == string(label)
}

func commonPrefix(a []byte, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// bucket holds the statements filed under one action key or prefix,
// organised by resource prefix.
type bucket struct {
	res radix
}

// actionIndex is the top level.
type actionIndex struct {
	exact map[string]*bucket
	tree  radix // of bucket numbers, by action prefix
	trees []*bucket
}

// literalPrefix is the part of a pattern before its first wildcard or
// variable: every string the pattern matches starts with it.
func literalPrefix(s string, vars bool) string {
	end := len(s)
	if i := strings.IndexAny(s, "*?"); i >= 0 {
		end = i
	}
	if vars {
		if i := strings.Index(s[:end], "${"); i >= 0 {
			end = i
		}
	}
	return s[:end]
}

// resourceKey is what a resource pattern is filed under: its service and
// the literal prefix of its resource part, skipping the region and account,
// which policies so often leave as '*' (arn:aws:dynamodb:*:*:table/...).
// Patterns of any other shape file under "", which every request meets.
func resourceKey(pattern string, vars bool) string {
	sp := splitARN(pattern)
	if !sp.isARN() || strings.ContainsAny(sp.parts[2], "*?") {
		return ""
	}
	return sp.parts[2] + "\x00" + literalPrefix(sp.parts[5], vars)
}

// requestResourceKey is the key a request's resource walks the tree with:
// resourceKey's form, service "\x00" resource. It is written into buf,
// which the Prepared owns and reuses, so preparing allocates nothing; the
// string lives as long as the Prepared is not prepared again.
func requestResourceKey(a *arnSplit, buf *[]byte) string {
	if !a.isARN() {
		return ""
	}
	b := append(append(append((*buf)[:0], a.parts[2]...), 0), a.parts[5]...)
	*buf = b
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func (x *actionIndex) bucketAt(prefix string) *bucket {
	// Walk to the node for prefix exactly, creating it; its ids hold one
	// bucket number.
	n := &x.tree
	key := prefix
	for key != "" {
		i := indexByte(n.first, key[0])
		if i >= 0 && strings.HasPrefix(key, string(n.kids[i].label)) {
			key = key[len(n.kids[i].label):]
			n = n.kids[i]
			continue
		}
		break
	}
	if key == "" && len(n.ids) > 0 {
		return x.trees[n.ids[0]]
	}
	b := &bucket{}
	x.trees = append(x.trees, b)
	x.tree.insert(prefix, int32(len(x.trees)-1))
	return b
}

// add files statement id under its action and resource patterns.
func (x *actionIndex) add(id int32, st *statement, vars bool) {
	var resPrefixes []string
	if st.notResource || st.noResource {
		resPrefixes = []string{""}
	} else {
		for _, r := range st.src.Resource.Items {
			resPrefixes = append(resPrefixes, resourceKey(r, vars))
		}
	}
	file := func(b *bucket) {
		for _, p := range resPrefixes {
			b.res.insert(p, id)
		}
	}
	if st.notAction {
		file(x.bucketAt(""))
		return
	}
	for i := range st.actions {
		a := &st.actions[i]
		if a.key != "" {
			b := x.exact[a.key]
			if b == nil {
				b = &bucket{}
				x.exact[a.key] = b
			}
			file(b)
			continue
		}
		if a.all {
			file(x.bucketAt(""))
			continue
		}
		acts, _ := st.src.Actions()
		file(x.bucketAt(literalPrefix(strings.ToLower(acts.Items[i]), false)))
	}
}
