package analyze

import (
	"sort"
	"strings"
	"sync"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/glob"
)

// actionSet is what one Action element's patterns reach in the catalog,
// with the facts the resource checks derive from it. An account's
// policies repeat a few pattern lists thousands of times ("*", "s3:*"),
// and each of those reaches thousands of actions, so the set and its
// facts are built once per distinct list and catalog, not per statement.
type actionSet struct {
	acts []*catalog.Action
	// formats are the distinct ARN formats of the actions' resource types,
	// sorted; whole are the same in the aws partition with every other
	// ${Name} made "*": the pattern that names every resource of the type.
	formats, whole []string
	units          [][]glob.Unit // formats as glob.FormatUnits
	// byService indexes formats by their ARN's service part, so a
	// resource naming one service is compared with that service's
	// formats only.
	byService map[string][]int
	// scoped are, for each format, the actions that always name a
	// resource (namesItsResource) and take that format; scopedAll is
	// every such action's name, sorted.
	scoped    [][]string
	scopedAll []string
	// sample is sampleFormats(acts, 3).
	sample string
}

func newActionSet(acts []*catalog.Action) *actionSet {
	set := &actionSet{acts: acts, byService: map[string][]int{}}
	index := map[string]int{}
	for _, act := range acts {
		for _, rt := range act.Resources() {
			if rt.ARN != "" {
				index[rt.ARN] = 0
			}
		}
	}
	for f := range index {
		set.formats = append(set.formats, f)
	}
	sort.Strings(set.formats)
	set.whole = make([]string, len(set.formats))
	set.units = make([][]glob.Unit, len(set.formats))
	set.scoped = make([][]string, len(set.formats))
	for i, f := range set.formats {
		index[f] = i
		set.units[i] = glob.FormatUnits(f)
		set.whole[i] = variableToStar.ReplaceAllString(strings.ReplaceAll(f, "${Partition}", "aws"), "*")
		svc := arnService(f)
		set.byService[svc] = append(set.byService[svc], i)
	}
	for _, act := range acts {
		if !namesItsResource(act) {
			continue
		}
		set.scopedAll = append(set.scopedAll, act.FullName())
		for _, rt := range act.Resources() {
			if rt.ARN != "" {
				i := index[rt.ARN]
				set.scoped[i] = append(set.scoped[i], act.FullName())
			}
		}
	}
	sort.Strings(set.scopedAll)
	set.sample = list(set.formats, 3)
	return set
}

// arnService is an ARN's service part, or "" when it has none.
func arnService(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 4 {
		return ""
	}
	return parts[2]
}

// candidates are the indexes of the formats a resource pattern could
// meet: those of the service it names, or all when its service part is
// not literal.
func (set *actionSet) candidates(pattern string) []int {
	svc := arnService(pattern)
	if svc != "" && !strings.ContainsAny(svc, "*?$") {
		return set.byService[svc]
	}
	all := make([]int, len(set.formats))
	for i := range all {
		all[i] = i
	}
	return all
}

// fits reports whether any of the actions can be authorized on a
// resource matching the pattern.
func (set *actionSet) fits(pattern string) bool {
	units := glob.Units(pattern)
	for _, i := range set.candidates(pattern) {
		if glob.Intersects(set.units[i], units) {
			return true
		}
	}
	return false
}

// scopedUnder lists, sorted, the actions that always name a resource and
// that the pattern grants on every resource of one of their types: all of
// them for "*", and for arn:aws:logs:*:*:* those of CloudWatch Logs.
func (set *actionSet) scopedUnder(pattern string) []string {
	if pattern == "*" {
		return set.scopedAll
	}
	if !strings.HasPrefix(pattern, "arn:") || !strings.Contains(pattern, "*") {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, i := range set.candidates(pattern) {
		if len(set.scoped[i]) == 0 {
			continue
		}
		if !glob.PatternCovers(pattern, set.whole[i]) {
			continue
		}
		for _, name := range set.scoped[i] {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// actionSets caches action sets by catalog and pattern list. It is
// bounded: past maxActionSets distinct lists it starts again, so a
// hostile input of endless distinct lists costs time, never memory.
var actionSets struct {
	sync.Mutex
	cat  *catalog.Catalog
	sets map[string]*actionSet
}

const maxActionSets = 4096

// actionSetFor returns the set the patterns reach in the catalog.
func actionSetFor(cat *catalog.Catalog, patterns []string, expand func(string) []*catalog.Action) *actionSet {
	key := strings.Join(patterns, "\x00")
	actionSets.Lock()
	if actionSets.cat == cat {
		if set, ok := actionSets.sets[key]; ok {
			actionSets.Unlock()
			return set
		}
	}
	actionSets.Unlock()
	seen := map[*catalog.Action]bool{}
	var acts []*catalog.Action
	for _, pat := range patterns {
		for _, act := range expand(pat) {
			if !seen[act] {
				seen[act] = true
				acts = append(acts, act)
			}
		}
	}
	set := newActionSet(acts)
	actionSets.Lock()
	if actionSets.cat != cat || len(actionSets.sets) >= maxActionSets {
		actionSets.cat, actionSets.sets = cat, map[string]*actionSet{}
	}
	actionSets.sets[key] = set
	actionSets.Unlock()
	return set
}
