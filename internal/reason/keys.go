package reason

import (
	"math/big"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// alwaysPresent are keys every request from an IAM principal carries,
// derived by the engine when the request does not give them: they are
// never absent, so their points always give a value.
var alwaysPresent = map[string]bool{
	"aws:principalarn": true, "aws:principaltype": true, "aws:username": true, "aws:userid": true,
	"aws:principalaccount": true, "aws:principalisawsservice": true, "aws:resourceaccount": true,
	"aws:currenttime": true, "aws:epochtime": true,
}

// maxSetRegions bounds the value regions whose every combination is
// tried as the values of a multivalued key (2^n lists); past it, a key
// tested by set operators only is walked by signature, up to
// maxSetPoints lists.
const (
	maxSetRegions = 8
	maxSetPoints  = 4096
)

// setOperatorsOnly reports whether every atom is ForAllValues:,
// ForAnyValue: or Null: those whose truth on a list grows value by value.
func setOperatorsOnly(atoms []*condAtom) bool {
	for _, a := range atoms {
		op, ok := policy.ParseOperator(a.op)
		if !ok || op.Set == "" && op.Base != "Null" {
			return false
		}
	}
	return true
}

// buildKey finds a key's points: absent (where a request can lack the
// key), and one value per region its conditions cut the values into. A
// key tested with a set operator holds a list: its points are then the
// combinations of regions.
func (sp *space) buildKey(kd *keyDim) {
	lower := strings.ToLower(kd.name)
	multi := false
	for _, a := range kd.atoms {
		if op, ok := policy.ParseOperator(a.op); ok && op.Set != "" {
			multi = true
		}
	}
	if sp.cat != nil {
		if k, err := sp.cat.ConditionKey(kd.name); err == nil && k != nil && k.Multivalued() {
			multi = true
		}
	}
	values := append(append([]string(nil), sp.extra[lower]...), candidateValues(kd.atoms)...)
	// One value per truth signature (and, in a public-access question, per
	// trust: a trusted account's value and an outsider's may be decided
	// alike, and only the outsider's may be tried).
	var singles []keyPoint
	seen := map[string]bool{}
	for _, v := range values {
		pt := keyPoint{values: []string{v}}
		pt.truth = sp.truthOf(kd, pt)
		if k := sp.pointKey(kd, &pt); !seen[k] {
			seen[k] = true
			singles = append(singles, pt)
		}
	}
	var points []keyPoint
	if !alwaysPresent[lower] {
		pt := keyPoint{absent: true}
		pt.truth = sp.truthOf(kd, pt)
		points = append(points, pt)
	}
	if !multi {
		kd.points = append(points, singles...)
		return
	}
	// A list holds values of any regions: every combination, while there
	// are few enough; else each region alone and in pairs.
	empty := keyPoint{values: []string{}}
	empty.truth = sp.truthOf(kd, empty)
	points = append(points, empty)
	var lists [][]string
	if len(singles) <= maxSetRegions {
		for mask := 1; mask < 1<<len(singles); mask++ {
			var l []string
			for i, s := range singles {
				if mask&(1<<i) != 0 {
					l = append(l, s.values[0])
				}
			}
			lists = append(lists, l)
		}
	} else if setOperatorsOnly(kd.atoms) {
		// Under ForAllValues:, ForAnyValue: and Null, a list's truth with
		// one more value follows from its truth without it and that
		// value's: every list's signature is reached by adding one region
		// at a time to a list of each signature found, far fewer than
		// every combination.
		seen := map[string]bool{sp.pointKey(kd, &empty): true}
		points = append(points, singles...)
		for i := range singles {
			seen[sp.pointKey(kd, &singles[i])] = true
		}
		frontier := append([]keyPoint{}, singles...)
		// How an atom's truth on a list joins its truths on two parts:
		// ForAnyValue: either, ForAllValues: both, Null the same (a list is
		// present either way).
		anyOf, null := make([]bool, len(kd.atoms)), make([]bool, len(kd.atoms))
		for i, a := range kd.atoms {
			op, _ := policy.ParseOperator(a.op)
			anyOf[i], null[i] = op.Set == "ForAnyValue", op.Base == "Null"
		}
		for f := 0; f < len(frontier); f++ {
			for _, s := range singles {
				l := append(append([]string(nil), frontier[f].values...), s.values[0])
				// The list's signature follows from the two it joins: only
				// a new one is asked of the engine, which decides the point.
				pt := keyPoint{values: l, truth: make([]bool, len(kd.atoms))}
				for i := range pt.truth {
					if anyOf[i] {
						pt.truth[i] = frontier[f].truth[i] || s.truth[i]
					} else if null[i] {
						pt.truth[i] = frontier[f].truth[i]
					} else {
						pt.truth[i] = frontier[f].truth[i] && s.truth[i]
					}
				}
				k := sp.pointKey(kd, &pt)
				if seen[k] {
					continue
				}
				if decided := sp.truthOf(kd, pt); sigKey(decided) != sigKey(pt.truth) {
					kd.exact = false // the engine and the rule disagree: the engine's truth is kept, and the answer is not exact
					pt.truth = decided
					k = sp.pointKey(kd, &pt)
					if seen[k] {
						continue
					}
				}
				if len(points) >= maxSetPoints {
					kd.exact = false
					kd.points = points
					return
				}
				seen[k] = true
				points = append(points, pt)
				frontier = append(frontier, pt)
			}
		}
		kd.points = points
		return
	} else {
		kd.exact = false
		for i := range singles {
			lists = append(lists, singles[i].values)
			for j := i + 1; j < len(singles); j++ {
				lists = append(lists, []string{singles[i].values[0], singles[j].values[0]})
			}
		}
	}
	seen = map[string]bool{}
	for i := range points {
		seen[sp.pointKey(kd, &points[i])] = true
	}
	for _, l := range lists {
		pt := keyPoint{values: l}
		pt.truth = sp.truthOf(kd, pt)
		if k := sp.pointKey(kd, &pt); !seen[k] {
			seen[k] = true
			points = append(points, pt)
		}
	}
	kd.points = points
}

// pointKey is what tells a point from the others: its truth signature,
// and whether its values are trusted, which it sets.
func (sp *space) pointKey(kd *keyDim, pt *keyPoint) string {
	k := sigKey(pt.truth)
	if sp.trusted != nil && !pt.absent {
		pt.trusted = sp.trusted(strings.ToLower(kd.name), pt.values)
		if pt.trusted {
			k += "t"
		}
	}
	return k
}

// truthOf is each of the key's atoms decided by the engine on one
// point: the request prepared once, each atom's probe deciding it.
func (sp *space) truthOf(kd *keyDim, pt keyPoint) []bool {
	t := make([]bool, len(kd.atoms))
	req := engine.Request{Principal: sp.opts.Principal, Action: "s3:GetObject", Resource: "*", Now: sp.opts.Now}
	if !pt.absent {
		req.Context = map[string][]string{kd.name: pt.values}
	}
	prep, err := req.Prepare()
	if err != nil {
		return t
	}
	var d engine.Decision
	for i, a := range kd.atoms {
		a.set.DecideInto(prep, &d)
		t[i] = d.Result == engine.Allowed
	}
	return t
}

// candidateValues are values that reach every region the atoms cut a
// key's values into: for strings, one per signature of the patterns and
// texts compared; for numbers, dates and addresses, the constants, the
// points between and beyond them; both booleans.
func candidateValues(atoms []*condAtom) []string {
	var strs []pattern
	var nums []*big.Rat
	var dates []time.Time
	var addrs []netip.Addr
	var out []string
	add := func(v string) { out = append(out, v) }
	for _, a := range atoms {
		op, ok := policy.ParseOperator(a.op)
		if !ok {
			continue
		}
		fold := strings.Contains(op.Base, "IgnoreCase")
		for _, v := range a.values {
			switch {
			case strings.HasPrefix(op.Base, "StringLike"), strings.HasPrefix(op.Base, "StringNotLike"):
				strs = append(strs, globPattern(v, false))
			case strings.HasPrefix(op.Base, "String"):
				strs = append(strs, literalPattern(v, fold))
			case strings.HasPrefix(op.Base, "Arn"):
				strs = append(strs, arnPattern(v))
			case strings.HasPrefix(op.Base, "Numeric"):
				if r, ok := new(big.Rat).SetString(v); ok {
					nums = append(nums, r)
				}
				add(v)
			case strings.HasPrefix(op.Base, "Date"):
				if t, ok := parseTime(v); ok {
					dates = append(dates, t)
				}
				add(v)
			case strings.Contains(op.Base, "IpAddress"):
				if p, err := netip.ParsePrefix(v); err == nil {
					p = p.Masked()
					addrs = append(addrs, p.Addr(), lastAddr(p))
				} else if ad, err := netip.ParseAddr(v); err == nil {
					addrs = append(addrs, ad)
				}
			case op.Base == "Bool":
				add("true")
				add("false")
			case strings.HasPrefix(op.Base, "Binary"):
				add(v)
				add("AAAA")
			}
		}
		if op.Base == "Null" {
			add("zq")
		}
	}
	if len(strs) > 0 {
		regs, _ := regions(strs, ":/", nil)
		for _, r := range regs {
			add(r.example)
		}
	}
	// Numbers: each constant, one between each two, one below and above.
	sort.Slice(nums, func(i, j int) bool { return nums[i].Cmp(nums[j]) < 0 })
	for i, r := range nums {
		if i == 0 {
			add(new(big.Rat).Sub(r, big.NewRat(1, 1)).FloatString(3))
		}
		add(r.FloatString(3))
		if i+1 < len(nums) {
			mid := new(big.Rat).Add(r, nums[i+1])
			add(mid.Quo(mid, big.NewRat(2, 1)).FloatString(6))
		} else {
			add(new(big.Rat).Add(r, big.NewRat(1, 1)).FloatString(3))
		}
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	for i, t := range dates {
		if i == 0 {
			add(t.Add(-time.Second).UTC().Format(time.RFC3339))
		}
		add(t.UTC().Format(time.RFC3339))
		add(t.Add(time.Second).UTC().Format(time.RFC3339))
		if i+1 < len(dates) {
			add(t.Add(dates[i+1].Sub(t) / 2).UTC().Format(time.RFC3339))
		}
	}
	for _, ad := range addrs {
		add(ad.String())
		if p := ad.Prev(); p.IsValid() {
			add(p.String())
		}
		if n := ad.Next(); n.IsValid() {
			add(n.String())
		}
	}
	if len(addrs) > 0 {
		add("192.0.2.1")
		add("2001:db8::1")
	}
	add("zq")
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr()
	b := a.AsSlice()
	bits := p.Bits()
	for i := range b {
		for k := 0; k < 8; k++ {
			if i*8+k >= bits {
				b[i] |= 1 << (7 - k)
			}
		}
	}
	out, _ := netip.AddrFromSlice(b)
	if a.Is4() {
		out = out.Unmap()
	}
	return out
}

// parseTime reads a date as policies write one: ISO 8601 forms or epoch
// seconds.
func parseTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z", "2006-01-02T15:04Z", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}
