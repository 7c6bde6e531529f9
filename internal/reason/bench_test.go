package reason

import (
	"encoding/json"
	"os"
	"sort"
	"testing"
	"time"

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

// BenchmarkDiffManagedPolicies diffs every AWS managed policy against a
// copy with one action added to its first statement, and reports the
// median, 99th percentile and slowest diff, and how many answers are
// exact.
func BenchmarkDiffManagedPolicies(b *testing.B) {
	c := cat(b)
	type pair struct{ old, new *policy.Policy }
	var pairs []pair
	for _, arn := range c.ManagedPolicyARNs() {
		mp, _ := c.ManagedPolicy(arn)
		old, err := policy.Parse(mp.Document, arn)
		if err != nil {
			continue
		}
		var doc map[string]any
		json.Unmarshal(mp.Document, &doc)
		stmts, _ := doc["Statement"].([]any)
		if len(stmts) == 0 {
			continue
		}
		st, _ := stmts[0].(map[string]any)
		if acts, ok := st["Action"].([]any); ok {
			st["Action"] = append(acts, "ec2:TerminateInstances")
		} else if a, ok := st["Action"].(string); ok {
			st["Action"] = []any{a, "ec2:TerminateInstances"}
		} else {
			continue
		}
		data, _ := json.Marshal(doc)
		nw, err := policy.Parse(data, arn)
		if err != nil {
			continue
		}
		pairs = append(pairs, pair{old, nw})
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
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(float64(len(pairs)), "policies")
	b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
	b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
	b.ReportMetric(ms(times[len(times)-1]), "max-ms")
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
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(len(pols)), "policies")
	b.ReportMetric(float64(times[len(times)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(times[len(times)-1])/1e6, "max-ms")
}
