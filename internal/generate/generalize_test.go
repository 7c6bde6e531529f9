package generate

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

func TestGeneralize(t *testing.T) {
	const (
		object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
		table  = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"
		stream = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}"
		group  = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}"
	)
	obj := func(keys ...string) []string {
		var out []string
		for _, k := range keys {
			out = append(out, "arn:aws:s3:::b/"+k)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		gen    Generalize
		format string
		arns   []string
		want   string
	}{
		{"keys under a prefix", DefaultGeneralize, object, obj("raw/a", "raw/b", "raw/c"), "arn:aws:s3:::b/raw/*"},
		{"too few keys", DefaultGeneralize, object, obj("raw/a", "raw/b"), "arn:aws:s3:::b/raw/a arn:aws:s3:::b/raw/b"},
		{"a merged prefix counts once above", DefaultGeneralize, object, obj("raw/x/a", "raw/x/b", "raw/x/c", "raw/y"),
			"arn:aws:s3:::b/raw/x/* arn:aws:s3:::b/raw/y"},
		{"three things in the bucket", DefaultGeneralize, object, obj("raw/x/a", "raw/x/b", "raw/x/c", "raw/y", "top"), "arn:aws:s3:::b/*"},
		{"dated prefixes climb to the first word", DefaultGeneralize, object, obj("out/2026/11/28/a", "out/2026/11/29/b", "out/2026/11/30/c"), "arn:aws:s3:::b/out/*"},
		{"keys at the bucket's root", DefaultGeneralize, object, obj("a.json", "b.json", "c.json"), "arn:aws:s3:::b/*"},
		{"keys threshold off", Generalize{Names: 2}, object, obj("raw/a", "raw/b", "raw/c"), "arn:aws:s3:::b/raw/a arn:aws:s3:::b/raw/b arn:aws:s3:::b/raw/c"},
		{"object keys are not stack names", DefaultGeneralize, object, obj("data.json", "data.csv"), "arn:aws:s3:::b/data.csv arn:aws:s3:::b/data.json"},
		{"stack names", DefaultGeneralize, table, []string{"arn:aws:dynamodb:us-east-1:1:table/ChatMessage-ab12-dev", "arn:aws:dynamodb:us-east-1:1:table/ChatMessage-ab12-prod"},
			"arn:aws:dynamodb:us-east-1:1:table/ChatMessage-ab12-*"},
		{"stack names cut at a delimiter", DefaultGeneralize, table, []string{"arn:aws:dynamodb:us-east-1:1:table/Orders_abc", "arn:aws:dynamodb:us-east-1:1:table/Orders_abd"},
			"arn:aws:dynamodb:us-east-1:1:table/Orders_*"},
		{"different words stay apart", DefaultGeneralize, table, []string{"arn:aws:dynamodb:us-east-1:1:table/ChatMessage-a", "arn:aws:dynamodb:us-east-1:1:table/ChatSession-a"},
			"arn:aws:dynamodb:us-east-1:1:table/ChatMessage-a arn:aws:dynamodb:us-east-1:1:table/ChatSession-a"},
		{"names threshold", Generalize{Names: 3}, table, []string{"arn:aws:dynamodb:us-east-1:1:table/T-a", "arn:aws:dynamodb:us-east-1:1:table/T-b"},
			"arn:aws:dynamodb:us-east-1:1:table/T-a arn:aws:dynamodb:us-east-1:1:table/T-b"},
		{"regions varied", DefaultGeneralize, table, []string{"arn:aws:dynamodb:us-east-1:1:table/Jobs", "arn:aws:dynamodb:eu-west-1:1:table/Jobs"},
			"arn:aws:dynamodb:*:1:table/Jobs"},
		{"accounts varied", DefaultGeneralize, table, []string{"arn:aws:dynamodb:us-east-1:1:table/Jobs", "arn:aws:dynamodb:us-east-1:2:table/Jobs"},
			"arn:aws:dynamodb:us-east-1:*:table/Jobs"},
		{"places off", Generalize{}, table, []string{"arn:aws:dynamodb:us-east-1:1:table/Jobs", "arn:aws:dynamodb:eu-west-1:1:table/Jobs"},
			"arn:aws:dynamodb:eu-west-1:1:table/Jobs arn:aws:dynamodb:us-east-1:1:table/Jobs"},
		{"log streams of a group", DefaultGeneralize, stream, []string{
			"arn:aws:logs:us-east-1:1:log-group:/aws/lambda/chat:log-stream:2026/11/16/[$LATEST]a",
			"arn:aws:logs:us-east-1:1:log-group:/aws/lambda/chat:log-stream:2026/11/17/[$LATEST]b",
			"arn:aws:logs:us-east-1:1:log-group:/aws/lambda/chat:log-stream:2026/11/18/[$LATEST]c"},
			"arn:aws:logs:us-east-1:1:log-group:/aws/lambda/chat:log-stream:*"},
		{"log groups do not merge to every group", DefaultGeneralize, group, []string{
			"arn:aws:logs:us-east-1:1:log-group:/aws/lambda/a", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/b", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/c"},
			"arn:aws:logs:us-east-1:1:log-group:/aws/lambda/*"},
		{"a star takes all", DefaultGeneralize, "", []string{"*", "arn:aws:s3:::b"}, "*"},
		{"a covered name goes", DefaultGeneralize, object, obj("raw/*", "raw/a"), "arn:aws:s3:::b/raw/*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			formats := map[string]string{}
			for _, a := range tc.arns {
				formats[a] = tc.format
			}
			got, how := tc.gen.generalize(tc.arns, formats)
			if strings.Join(got, " ") != tc.want {
				t.Errorf("\n got %s\nwant %s\n how %q", strings.Join(got, " "), tc.want, how)
			}
			for _, g := range got {
				if !containsString(tc.arns, g) && len(how) == 0 {
					t.Errorf("%s is new, and nothing says how", g)
				}
			}
		})
	}
}

// naiveKeys is the rule of Generalize.keys written plainly, quadratic:
// the reference the indexed one is held to.
func naiveKeys(g Generalize, vals []string, rootToo bool) []string {
	items := map[string]bool{}
	dirs := map[string]bool{}
	for _, v := range vals {
		items[v] = true
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
	var order []string
	for d := range dirs {
		order = append(order, d)
	}
	sort.Slice(order, func(i, j int) bool {
		di, dj := strings.Count(order[i], "/"), strings.Count(order[j], "/")
		if di != dj {
			return di > dj
		}
		return order[i] < order[j]
	})
	for _, d := range order {
		n := 0
		for it := range items {
			if strings.HasPrefix(it, d) {
				n++
			}
		}
		if n < g.Keys || n == 1 && items[d+"*"] {
			continue
		}
		target := d
		for target != "" && isNumber(lastSegment(target)) {
			target = parentDir(target)
		}
		if target == "" && !rootToo {
			continue
		}
		for it := range items {
			if strings.HasPrefix(it, target) {
				delete(items, it)
			}
		}
		items[target+"*"] = true
	}
	var out []string
	for it := range items {
		out = append(out, it)
	}
	sort.Strings(out)
	return out
}

// TestKeysMatchesTheRule: on random trees of names, with every threshold,
// the indexed merge gives what the plain rule gives.
func TestKeysMatchesTheRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	parts := []string{"raw", "out", "2026", "11", "a", "b", "x.csv", "y.json", "12"}
	for trial := 0; trial < 3000; trial++ {
		var vals []string
		for i := rng.IntN(12); i >= 0; i-- {
			var segs []string
			for d := rng.IntN(5); d >= 0; d-- {
				segs = append(segs, parts[rng.IntN(len(parts))])
			}
			v := strings.Join(segs, "/")
			if rng.IntN(8) == 0 {
				v += "/*"
			}
			vals = append(vals, v)
		}
		g := Generalize{Keys: 1 + rng.IntN(4)}
		root := rng.IntN(2) == 0
		got, _ := g.keys(vals, root, "", "")
		want := naiveKeys(g, vals, root)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("keys=%d root=%v %q:\n got %q\nwant %q", g.Keys, root, vals, got, want)
		}
	}
}

// TestKeysHostileDepth: object keys are chosen by whoever writes them.
// 2,000 keys of 100 parts each are merged through the index; a pass over
// the names for every prefix (the plain rule) would do 400 million prefix
// comparisons here.
func TestKeysHostileDepth(t *testing.T) {
	var vals []string
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		for d := 0; d < 100; d++ {
			b.WriteString("p")
			b.WriteByte(byte('a' + (i>>(d%12))&1))
			b.WriteByte('/')
		}
		b.WriteString("leaf")
		vals = append(vals, b.String())
	}
	got, how := DefaultGeneralize.keys(vals, true, "arn:aws:s3:::b/", "")
	if len(got) == 0 || len(got) >= len(vals) || len(how) == 0 {
		t.Fatalf("%d patterns from %d keys", len(got), len(vals))
	}
	for _, v := range vals {
		covered := false
		for _, p := range got {
			if strings.HasPrefix(v, strings.TrimSuffix(p, "*")) {
				covered = true
			}
		}
		if !covered {
			t.Fatalf("%s is not covered", v)
		}
	}
}
