package reason

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
)

// BenchmarkDiffSeed diffs seed 004's Lambda role against the same role
// with its DynamoDB tables widened from TravelGuide-* to *.
func BenchmarkDiffSeed(b *testing.B) {
	c := cat(b)
	var tc diffCase
	for _, x := range loadCases(b) {
		if x.Name == "seed 004's Lambda role widened from TravelGuide-* to *" {
			tc = x
		}
	}
	old, nw := side(b, "old", tc.Old), side(b, "new", tc.New)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare(old, nw, c, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiffCases diffs every pair of the reasoning corpus (policies
// of a seed's size: a handful of statements, with boundaries, session
// policies, SCPs and RCPs where a case has them) and reports the median,
// 99th percentile and slowest.
func BenchmarkDiffCases(b *testing.B) {
	c := cat(b)
	var pairs [][2]Side
	for _, tc := range loadCases(b) {
		old, nw := sidesOf(b, tc)
		pairs = append(pairs, [2]Side{old, nw})
	}
	timeCompares(b, c, pairs, nil)
}

// timeCompares times each comparison (with its options, when given) and
// reports their median, 99th percentile and slowest, every catalog
// service inflated first so that what is timed is the comparisons.
func timeCompares(b *testing.B, c *catalog.Catalog, pairs [][2]Side, opts []Options) {
	if _, err := c.Expand("*"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var times []time.Duration
	for b.Loop() {
		times = times[:0]
		for i, p := range pairs {
			o := Options{}
			if opts != nil {
				o = opts[i]
			}
			start := time.Now()
			if _, err := Compare(p[0], p[1], c, o); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
	}
	reportTimes(b, times, "pairs")
}

// BenchmarkDiffResourceCases times the resource and trust policy
// comparisons of testdata/resource-cases.json, each asked from every
// principal it tries.
func BenchmarkDiffResourceCases(b *testing.B) {
	c := cat(b)
	var pairs [][2]Side
	var opts []Options
	for _, tc := range loadResourceCases(b) {
		pairs = append(pairs, [2]Side{resourceSide(b, "old", tc.Kind, tc.Old), resourceSide(b, "new", tc.Kind, tc.New)})
		opts = append(opts, Options{Owner: tc.Owner})
	}
	timeCompares(b, c, pairs, opts)
}

// reportTimes reports how many questions were timed, and their median,
// 99th percentile and slowest.
func reportTimes(b *testing.B, times []time.Duration, what string) {
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(float64(len(times)), what)
	b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
	b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
	b.ReportMetric(ms(times[len(times)-1]), "max-ms")
}

// BenchmarkDiffManagedPolicies diffs every AWS managed policy against
// itself and against a copy with one change: an action added to its
// first statement that has an Action list, its first resource pattern
// that is not "*" widened (cut after its last ':' or '/', and '*'
// appended), its first condition element removed. Policies without such
// a place are left out of that variant. Each reports the median, 99th
// percentile and slowest diff, and how many answers are exact.
func BenchmarkDiffManagedPolicies(b *testing.B) {
	c := cat(b)
	variants := managedVariants(b)
	for _, name := range []string{"self", "action-added", "resource-widened", "condition-removed"} {
		b.Run(name, func(b *testing.B) { benchPairs(b, c, variants[name]) })
	}
}

// BenchmarkDiffRandomPairs diffs pairs of different AWS managed policies,
// drawn with a fixed seed.
func BenchmarkDiffRandomPairs(b *testing.B) {
	c := cat(b)
	var pols []*policy.Policy
	for _, arn := range c.ManagedPolicyARNs() {
		mp, _ := c.ManagedPolicy(arn)
		if p, err := policy.Parse(mp.Document, arn); err == nil {
			pols = append(pols, p)
		}
	}
	r := rand.New(rand.NewPCG(3, 5))
	var pairs []policyPair
	for len(pairs) < randomPairs {
		i, j := r.IntN(len(pols)), r.IntN(len(pols))
		if i != j {
			pairs = append(pairs, policyPair{pols[i], pols[j]})
		}
	}
	benchPairs(b, c, pairs)
}

// randomPairs is how many pairs BenchmarkDiffRandomPairs diffs.
const randomPairs = 400

type policyPair struct{ old, new *policy.Policy }

// managedVariants are the managed policies paired with themselves and
// with each one-change copy.
func managedVariants(tb testing.TB) map[string][]policyPair {
	c := cat(tb)
	out := map[string][]policyPair{}
	for _, arn := range c.ManagedPolicyARNs() {
		mp, _ := c.ManagedPolicy(arn)
		old, err := policy.Parse(mp.Document, arn)
		if err != nil {
			continue
		}
		out["self"] = append(out["self"], policyPair{old, old})
		for name, change := range map[string]func([]any) bool{
			"action-added":      addAction,
			"resource-widened":  widenResource,
			"condition-removed": removeCondition,
		} {
			var doc map[string]any
			json.Unmarshal(mp.Document, &doc)
			stmts, _ := doc["Statement"].([]any)
			if _, one := doc["Statement"].(map[string]any); one {
				stmts = []any{doc["Statement"]}
				doc["Statement"] = stmts
			}
			if !change(stmts) {
				continue
			}
			data, _ := json.Marshal(doc)
			nw, err := policy.Parse(data, arn)
			if err != nil {
				continue
			}
			out[name] = append(out[name], policyPair{old, nw})
		}
	}
	return out
}

func addAction(stmts []any) bool {
	for _, x := range stmts {
		st, _ := x.(map[string]any)
		switch a := st["Action"].(type) {
		case []any:
			st["Action"] = append(a, "ec2:TerminateInstances")
			return true
		case string:
			st["Action"] = []any{a, "ec2:TerminateInstances"}
			return true
		}
	}
	return false
}

func widenResource(stmts []any) bool {
	widen := func(r string) (string, bool) {
		if r == "*" {
			return "", false
		}
		// The last ':' or '/' outside a policy variable: cutting inside
		// "${aws:PrincipalTag/team}" would leave a broken one.
		t := strings.TrimRight(r, "*")
		for i := len(t) - 1; i >= 0; i-- {
			if t[i] != ':' && t[i] != '/' || strings.Count(t[:i], "${") != strings.Count(t[:i], "}") {
				continue
			}
			return r[:i+1] + "*", r[:i+1]+"*" != r
		}
		return "", false
	}
	for _, x := range stmts {
		st, _ := x.(map[string]any)
		switch rs := st["Resource"].(type) {
		case string:
			if w, ok := widen(rs); ok {
				st["Resource"] = w
				return true
			}
		case []any:
			for i, r := range rs {
				if s, _ := r.(string); s != "" {
					if w, ok := widen(s); ok {
						rs[i] = w
						return true
					}
				}
			}
		}
	}
	return false
}

func removeCondition(stmts []any) bool {
	for _, x := range stmts {
		st, _ := x.(map[string]any)
		cond, _ := st["Condition"].(map[string]any)
		ops := make([]string, 0, len(cond))
		for op := range cond {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		for _, op := range ops {
			keys, _ := cond[op].(map[string]any)
			names := make([]string, 0, len(keys))
			for k := range keys {
				names = append(names, k)
			}
			sort.Strings(names)
			if len(names) == 0 {
				continue
			}
			delete(keys, names[0])
			if len(keys) == 0 {
				delete(cond, op)
			}
			if len(cond) == 0 {
				delete(st, "Condition")
			}
			return true
		}
	}
	return false
}

// benchPairs diffs each pair and reports the median, 99th percentile and
// slowest diff, and the share of exact answers.
func benchPairs(b *testing.B, c *catalog.Catalog, pairs []policyPair) {
	// Every service inflated from the embedded catalog first: what is
	// timed is the diffs, not the catalog's one-time loading.
	if _, err := c.Expand("*"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var times []time.Duration
	exact := 0
	for b.Loop() {
		times, exact = times[:0], 0
		for _, p := range pairs {
			start := time.Now()
			d, err := Compare(Side{Name: "old", Identity: []*policy.Policy{p.old}}, Side{Name: "new", Identity: []*policy.Policy{p.new}}, c, Options{})
			if err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
			if d.Exact() {
				exact++
			}
		}
	}
	reportTimes(b, times, "policies")
	b.ReportMetric(100*float64(exact)/float64(len(pairs)), "exact-%")
}

// BenchmarkPublicCases asks every public-access question of the corpus
// (bucket, queue, topic, function, key and trust policies) and reports
// the median and slowest.
func BenchmarkPublicCases(b *testing.B) {
	c := cat(b)
	data, err := os.ReadFile("testdata/public-cases.json")
	if err != nil {
		b.Fatal(err)
	}
	var cases []publicCase
	if err := json.Unmarshal(data, &cases); err != nil {
		b.Fatal(err)
	}
	var pols []*policy.Policy
	var opts []PublicOptions
	for _, tc := range cases {
		p, err := policy.Parse(tc.Policy, tc.Name)
		if err != nil {
			b.Fatal(err)
		}
		pols = append(pols, p)
		opts = append(opts, PublicOptions{TrustedAccounts: tc.TrustedAccounts, TrustedOrgs: tc.TrustedOrgs, TrustServices: tc.TrustServices})
	}
	b.ReportAllocs()
	var times []time.Duration
	for b.Loop() {
		times = times[:0]
		for i, p := range pols {
			start := time.Now()
			if _, err := Public(p.File, p, c, opts[i]); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
	}
	reportTimes(b, times, "policies")
}
