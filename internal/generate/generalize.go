package generate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/glob"
)

// Generalize says how observed resources become patterns, as a person
// writing the policy would: the thresholds are flags of ward generate.
type Generalize struct {
	// Keys: this many names or more under one path prefix (object keys,
	// log streams) become "prefix/*". A prefix whose last part is a number
	// (a year, a month, a day) is a partition, and the pattern climbs
	// above it. 0 keeps every name.
	Keys int
	// Names: this many names or more sharing a stack prefix
	// ("ChatMessage-a1b2", "ChatMessage-c3d4") become "ChatMessage-*".
	// 0 keeps every name.
	Names int
	// Places: an ARN seen in this many regions or more, or accounts,
	// alike otherwise, gets '*' there. 0 keeps every region and account.
	Places int
}

// DefaultGeneralize are ward generate's default thresholds.
var DefaultGeneralize = Generalize{Keys: 3, Names: 2, Places: 2}

// pathVariables are ARN variables that hold paths below a fixed root,
// whose root may itself become "*": an object key below its bucket, a log
// stream below its group.
var pathVariables = map[string]bool{"ObjectName": true, "LogStreamName": true}

var variable = regexp.MustCompile(`\$\{([A-Za-z0-9]+)\}`)

// formatRegexp reads an ARN against its format: each variable a group,
// the account-like ones stopping at ':', the last one taking the rest.
func formatRegexp(format string) (*regexp.Regexp, []string) {
	var b strings.Builder
	b.WriteByte('^')
	var names []string
	locs := variable.FindAllStringSubmatchIndex(format, -1)
	last := 0
	for i, l := range locs {
		b.WriteString(regexp.QuoteMeta(format[last:l[0]]))
		name := format[l[2]:l[3]]
		names = append(names, name)
		switch {
		case name == "Partition" || name == "Region" || name == "Account":
			b.WriteString(`([^:]*)`)
		case i == len(locs)-1:
			b.WriteString(`(.+)`)
		default:
			b.WriteString(`(.+?)`)
		}
		last = l[1]
	}
	b.WriteString(regexp.QuoteMeta(format[last:]))
	b.WriteByte('$')
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, nil
	}
	return re, names
}

// generalize turns one action's observed resources into the patterns that
// grant them, saying how each merge was made. formats gives each ARN's
// catalog format, which names the part to generalize: its last variable.
func (g Generalize) generalize(arns []string, formats map[string]string) (out []string, how []string) {
	for _, a := range arns {
		if a == "*" {
			return []string{"*"}, nil
		}
	}
	type group struct {
		prefix, suffix, variable string
		values                   []string
	}
	groups := map[string]*group{}
	var order []string
	var kept []string
	res := map[string]*regexp.Regexp{}
	vars := map[string][]string{}
	for _, arn := range arns {
		format := formats[arn]
		re, ok := res[format]
		if !ok && format != "" {
			re, vars[format] = formatRegexp(format)
			res[format] = re
		}
		var loc []int
		if re != nil {
			loc = re.FindStringSubmatchIndex(arn)
		}
		if len(loc) < 4 {
			kept = append(kept, arn)
			continue
		}
		n := len(loc)/2 - 1
		start, end := loc[2*n], loc[2*n+1]
		key := format + "\x00" + arn[:start] + "\x00" + arn[end:]
		gr := groups[key]
		if gr == nil {
			gr = &group{prefix: arn[:start], suffix: arn[end:], variable: vars[format][n-1]}
			groups[key] = gr
			order = append(order, key)
		}
		gr.values = append(gr.values, arn[start:end])
	}
	for _, key := range order {
		gr := groups[key]
		vals, h := g.values(gr.values, gr.variable, gr.prefix, gr.suffix)
		for _, v := range vals {
			kept = append(kept, gr.prefix+v+gr.suffix)
		}
		how = append(how, h...)
	}
	if g.Places > 0 {
		var h []string
		kept, h = varyingPart(kept, 3, "regions", g.Places)
		how = append(how, h...)
		kept, h = varyingPart(kept, 4, "accounts", g.Places)
		how = append(how, h...)
	}
	return covered(kept), how
}

// values generalizes the values of one ARN variable.
func (g Generalize) values(vals []string, variable, prefix, suffix string) ([]string, []string) {
	vals = uniq(vals)
	var how []string
	out := vals
	pathLike := pathVariables[variable]
	for _, v := range vals {
		if strings.Contains(v, "/") {
			pathLike = true
		}
	}
	if g.Keys > 0 && pathLike {
		out, how = g.keys(vals, pathVariables[variable], prefix, suffix)
	}
	if g.Names > 0 && !pathLike {
		var h []string
		out, h = g.names(out, prefix, suffix)
		how = append(how, h...)
	}
	return out, how
}

// keys merges names under a path prefix, deepest prefix first: a prefix
// holding at least g.Keys names becomes "prefix*", and counts as one name
// in the prefixes above it. A prefix whose last part is a number (a
// year, a month, a day) is a partition: the merge climbs above it, so
// next month's keys are granted too.
func (g Generalize) keys(vals []string, rootToo bool, prefix, suffix string) ([]string, []string) {
	// The names sorted: those under a prefix are a contiguous run, found
	// by binary search. live counts the names (or merged prefixes) still
	// standing at each position, in a Fenwick tree, so counting a prefix's
	// names costs a logarithm and not a pass over them: hostile keys of
	// hundreds of parts cannot make this quadratic.
	items := uniq(vals)
	n := len(items)
	tree := make([]int, n+1)
	addAt := func(i, d int) {
		for i++; i <= n; i += i & -i {
			tree[i] += d
		}
	}
	sumTo := func(i int) int { // positions [0, i)
		s := 0
		for ; i > 0; i -= i & -i {
			s += tree[i]
		}
		return s
	}
	live := make([]int, n)
	for i := range items {
		live[i] = 1
		addAt(i, 1)
	}
	// next skips positions already cleared, so each is cleared once.
	next := make([]int, n+1)
	for i := range next {
		next[i] = i
	}
	find := func(i int) int {
		for next[i] != i {
			next[i] = next[next[i]]
			i = next[i]
		}
		return i
	}
	merged := map[int]string{} // position → the "prefix*" standing there
	dirs := map[string]bool{}
	for _, v := range items {
		if strings.ContainsAny(v, "*?") {
			continue
		}
		for i := 0; i < len(v); i++ {
			if v[i] == '/' {
				dirs[v[:i+1]] = true
			}
		}
	}
	if rootToo {
		dirs[""] = true
	}
	type dir struct {
		path  string
		depth int
	}
	order := make([]dir, 0, len(dirs))
	for d := range dirs {
		order = append(order, dir{d, strings.Count(d, "/")})
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].depth != order[j].depth {
			return order[i].depth > order[j].depth
		}
		return order[i].path < order[j].path
	})
	under := func(d string) (lo, hi int) {
		lo = sort.SearchStrings(items, d)
		hi = lo + sort.Search(n-lo, func(k int) bool { return !strings.HasPrefix(items[lo+k], d) })
		return lo, hi
	}
	var how []string
	mergedDirs := map[string]bool{}
	inside := func(d string) bool { // d is, or is under, a merged prefix
		if mergedDirs[""] || mergedDirs[d] {
			return true
		}
		for i := 0; i < len(d)-1; i++ {
			if d[i] == '/' && mergedDirs[d[:i+1]] {
				return true
			}
		}
		return false
	}
	for _, od := range order {
		d := od.path
		if inside(d) {
			continue
		}
		lo, hi := under(d)
		if sumTo(hi)-sumTo(lo) < g.Keys {
			continue
		}
		target := d
		for target != "" && isNumber(lastSegment(target)) {
			target = parentDir(target)
		}
		if target == "" && !rootToo {
			continue
		}
		lo, hi = under(target)
		count := sumTo(hi) - sumTo(lo)
		for i := find(lo); i < hi; i = find(i) {
			if live[i] > 0 {
				addAt(i, -live[i])
				live[i] = 0
			}
			delete(merged, i)
			next[i] = i + 1
		}
		// The merged prefix stands at the first of its names' places; the
		// place is cleared of skipping so a later, wider merge finds it.
		next[lo] = lo
		live[lo] = 1
		addAt(lo, 1)
		merged[lo] = target + "*"
		mergedDirs[target] = true
		how = append(how, fmt.Sprintf("%d names under %s%s became %s%s*%s", count, prefix, target, prefix, target, suffix))
	}
	out := make([]string, 0, n)
	for i, v := range items {
		if live[i] == 0 {
			continue
		}
		if m, ok := merged[i]; ok {
			v = m
		}
		out = append(out, v)
	}
	sort.Strings(out)
	return out, how
}

// names merges names sharing a stack prefix: the common prefix of names
// that start with the same word, cut after its last '-', '_' or '.'.
func (g Generalize) names(vals []string, prefix, suffix string) ([]string, []string) {
	clusters := map[string][]string{}
	var out []string
	for _, v := range vals {
		i := strings.IndexAny(v, "-_.")
		if i < 2 || strings.ContainsAny(v, "*?/") {
			out = append(out, v)
			continue
		}
		clusters[v[:i+1]] = append(clusters[v[:i+1]], v)
	}
	var how []string
	for _, word := range sortedKeysOf(clusters) {
		names := clusters[word]
		if len(names) < g.Names {
			out = append(out, names...)
			continue
		}
		common := names[0]
		for _, n := range names[1:] {
			common = commonPrefix(common, n)
		}
		common = common[:strings.LastIndexAny(common, "-_.")+1]
		out = append(out, common+"*")
		how = append(how, fmt.Sprintf("%d names %s%s… became %s%s*%s", len(names), prefix, common, prefix, common, suffix))
	}
	return out, how
}

// varyingPart merges ARNs that differ only in one part (the region, the
// account) into one with '*' there: the part varied, so it is not fixed.
func varyingPart(arns []string, part int, what string, min int) ([]string, []string) {
	groups := map[string][]string{}
	var order []string
	var out []string
	for _, a := range arns {
		parts := strings.SplitN(a, ":", 6)
		if len(parts) != 6 || parts[part] == "" || parts[part] == "*" {
			out = append(out, a)
			continue
		}
		seen := parts[part]
		parts[part] = "\x00"
		key := strings.Join(parts, ":")
		if groups[key] == nil {
			order = append(order, key)
		}
		groups[key] = append(groups[key], seen)
	}
	var how []string
	for _, key := range order {
		seen := uniq(groups[key])
		if len(seen) < min {
			for _, v := range seen {
				out = append(out, strings.Replace(key, "\x00", v, 1))
			}
			continue
		}
		if len(seen) == 1 {
			out = append(out, strings.Replace(key, "\x00", seen[0], 1))
			continue
		}
		merged := strings.Replace(key, "\x00", "*", 1)
		out = append(out, merged)
		how = append(how, fmt.Sprintf("%s varied (%s): %s", what, strings.Join(seen, ", "), merged))
	}
	return out, how
}

// covered drops each pattern another one covers, and sorts the rest.
func covered(pats []string) []string {
	pats = uniq(pats)
	var out []string
	for i, p := range pats {
		drop := false
		for j, q := range pats {
			if i != j && glob.PatternCovers(q, p) && !(glob.PatternCovers(p, q) && j > i) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, p)
		}
	}
	return out
}

func uniq(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	n := 0
	for i, v := range out {
		if i == 0 || v != out[n-1] {
			out[n] = v
			n++
		}
	}
	return out[:n]
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// lastSegment is a directory's last part: "raw/2026/" → "2026".
func lastSegment(dir string) string {
	d := strings.TrimSuffix(dir, "/")
	return d[strings.LastIndexByte(d, '/')+1:]
}

// parentDir: "raw/2026/" → "raw/", "raw/" → "".
func parentDir(dir string) string {
	d := strings.TrimSuffix(dir, "/")
	return d[:strings.LastIndexByte(d, '/')+1]
}

func commonPrefix(a, b string) string {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return a[:i]
		}
	}
	return a[:n]
}

func sortedKeysOf(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
