package reason

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

type diffCase struct {
	Name, Cite                       string
	Old, New                         json.RawMessage
	AddedIncludes, AddedExcludes     []string
	RemovedIncludes, RemovedExcludes []string
	AddedNone, RemovedNone           bool
	Approximate                      bool
	// The other policy types of each side, when the case has them.
	OldBoundary, NewBoundary json.RawMessage
	OldSession, NewSession   []json.RawMessage
	OldSCPs, NewSCPs         [][]json.RawMessage
	OldRCPs, NewRCPs         [][]json.RawMessage
	OldEndpoint, NewEndpoint json.RawMessage
}

// sidesOf are a case's two sides with all their policy types.
func sidesOf(t testing.TB, tc diffCase) (Side, Side) {
	old := withTypes(t, side(t, "old", tc.Old), tc.OldBoundary, tc.OldSession, tc.OldSCPs, tc.OldRCPs)
	nw := withTypes(t, side(t, "new", tc.New), tc.NewBoundary, tc.NewSession, tc.NewSCPs, tc.NewRCPs)
	for _, e := range []struct {
		s   *Side
		raw json.RawMessage
	}{{&old, tc.OldEndpoint}, {&nw, tc.NewEndpoint}} {
		if e.raw == nil {
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(e.raw, &doc); err != nil {
			t.Fatal(err)
		}
		doc["Version"] = policy.Version2012
		data, _ := json.Marshal(doc)
		p, err := policy.ParseKind(data, e.s.Name+"-endpoint", policy.KindVPCEndpoint)
		if err != nil {
			t.Fatalf("%s endpoint: %v", e.s.Name, err)
		}
		e.s.Endpoint = p
	}
	return old, nw
}

func loadCases(t testing.TB) []diffCase {
	t.Helper()
	data, err := os.ReadFile("testdata/diff-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []diffCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func cat(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// side reads a case's policy, with the Version the cases leave out.
func side(t testing.TB, name string, raw json.RawMessage) Side {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["Version"]; !ok {
		doc["Version"] = policy.Version2012
	}
	data, _ := json.Marshal(doc)
	p, err := policy.ParseKind(data, name, policy.KindIdentity, policy.SkipSizeLimit)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return Side{Name: name, Identity: []*policy.Policy{p}}
}

// has reports whether a change list holds an action, or "?unknown" /
// "?others" for a class of names the catalog does not list or of every
// action no pattern matches. An action is in a change when the patterns
// match it as they match the change's witness action: the class is what
// the answer is about, its example only one of it.
func has(sp *space, changes []Change, want string) bool {
	for _, c := range changes {
		switch {
		case want == "?unknown":
			if c.Unknown || c.Unlisted {
				return true
			}
		case want == "?others":
			if c.Others {
				return true
			}
		case slices.Contains(c.Actions, want):
			return true
		case !c.Unknown && onKey(sp.closed(onOf(actionSig(sp, want)))) == onKey(sp.closed(onOf(actionSig(sp, c.Witness.Action)))):
			return true
		}
	}
	return false
}

// TestDiffCases decides the corpus of questions written from AWS's
// documentation, and replays every witness.
func TestDiffCases(t *testing.T) {
	c := cat(t)
	for _, tc := range loadCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Cite == "" {
				t.Error("the case cites no page")
			}
			sp, d := compare(t, c, tc)
			d.mismatches = sp.mismatches
			has := func(got []Change, w string) bool { return has(sp, got, w) }
			checkAnswer(t, d, tc.Approximate, [2]expected{{tc.AddedIncludes, tc.AddedExcludes, tc.AddedNone}, {tc.RemovedIncludes, tc.RemovedExcludes, tc.RemovedNone}}, has, has, describe)
		})
	}
}

// expected is what a case says must and must not be in one list of an
// answer, and whether it must be empty.
type expected struct {
	includes, excludes []string
	none               bool
}

// checkAnswer holds an answer to a case: what its added and removed lists
// must and must not hold (includes and excludes say whether a list holds
// an entry), its exactness, and every witness replayed as claimed.
func checkAnswer(t *testing.T, d *Diff, approximate bool, want [2]expected, includes, excludes func([]Change, string) bool, describe func([]Change) string) {
	t.Helper()
	for i, got := range [2][]Change{d.Added, d.Removed} {
		what, w := [2]string{"added", "removed"}[i], want[i]
		if w.none && len(got) > 0 {
			t.Errorf("%s: want none, got %s", what, describe(got))
		}
		for _, e := range w.includes {
			if !includes(got, e) {
				t.Errorf("%s: want %s, got %s", what, e, describe(got))
			}
		}
		for _, e := range w.excludes {
			if excludes(got, e) {
				t.Errorf("%s: want no %s, got %s", what, e, describe(got))
			}
		}
	}
	if d.Exact() == approximate {
		t.Errorf("exact %v, want %v (notes %v)", d.Exact(), !approximate, d.Notes)
	}
	if d.mismatches > 0 {
		t.Errorf("%d witnesses did not replay as the search claimed", d.mismatches)
	}
	for _, ch := range append(append([]Change{}, d.Added...), d.Removed...) {
		if !ch.Proven && d.Exact() {
			t.Errorf("an exact answer reports an unproven change: %s", ch.Witness)
		}
	}
}

// withTypes adds a case's boundary, session policies, SCPs and RCPs to a
// side.
func withTypes(t testing.TB, s Side, boundary json.RawMessage, session []json.RawMessage, scps, rcps [][]json.RawMessage) Side {
	one := func(name string, raw json.RawMessage) *policy.Policy { return side(t, name, raw).Identity[0] }
	if boundary != nil {
		s.Boundary = one(s.Name+"-boundary", boundary)
	}
	if session != nil {
		s.Session = []*policy.Policy{}
		for i, raw := range session {
			s.Session = append(s.Session, one(fmt.Sprintf("%s-session-%d", s.Name, i), raw))
		}
	}
	levels := func(kind string, in [][]json.RawMessage) [][]*policy.Policy {
		var out [][]*policy.Policy
		for l, lv := range in {
			var ps []*policy.Policy
			for i, raw := range lv {
				ps = append(ps, one(fmt.Sprintf("%s-%s-%d-%d", s.Name, kind, l, i), raw))
			}
			out = append(out, ps)
		}
		return out
	}
	s.SCPs, s.RCPs = levels("scp", scps), levels("rcp", rcps)
	return s
}

func compare(t testing.TB, c *catalog.Catalog, tc diffCase) (*space, *Diff) {
	old, nw := sidesOf(t, tc)
	sp, err := newSpace([]Side{old, nw}, c, func() Options { o := Options{}; o.forSides(old, nw); o.fill(); return o }())
	if err != nil {
		t.Fatal(err)
	}
	d := &Diff{Added: sp.changes(1, 0), Removed: sp.changes(0, 1)}
	d.Notes = sp.notesWith(d.Added, d.Removed)
	return sp, d
}

func describe(cs []Change) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Witness.String())
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// TestRandomRequestsFindNothingMore: requests built from the policies'
// own constants, decided by the engine on both sides, never show access
// gained that the answer does not list: a class the engine says one side
// allows and the other does not is a change the search found.
func TestRandomRequestsFindNothingMore(t *testing.T) {
	c := cat(t)
	r := rand.New(rand.NewPCG(7, 11))
	gained := 0
	for _, tc := range loadCases(t) {
		sp, d := compare(t, c, tc)
		if !d.Exact() {
			continue
		}
		consts := constantsOf(sp)
		for n := 0; n < 300; n++ {
			w := randomRequest(r, sp, consts)
			for dir, changes := range map[[2]int][]Change{{1, 0}: d.Added, {0, 1}: d.Removed} {
				g := sp.replay(sp.sides[dir[0]], w)
				l := sp.replay(sp.sides[dir[1]], w)
				if g.Result != engine.Allowed || l.Result == engine.Allowed {
					continue
				}
				gained++
				if !classListed(sp, changes, w.Action) {
					t.Errorf("%s: %s is allowed by %s and not by %s, but the answer does not list its action",
						tc.Name, w, sp.sides[dir[0]].side.Name, sp.sides[dir[1]].side.Name)
				}
			}
		}
	}
	// The requests must reach the differences, or the test proves nothing.
	if gained < 200 {
		t.Errorf("only %d random requests fell in a difference", gained)
	}
	t.Logf("%d random requests fell in a difference, each listed", gained)
}

// classListed reports whether a change of the action's class is listed.
func classListed(sp *space, changes []Change, action string) bool {
	for _, ch := range changes {
		if slices.Contains(ch.Actions, action) && !ch.Unknown {
			return true
		}
		// Same class: the action matches the same patterns as the
		// change's witness action, up to patterns every statement holds
		// together.
		if onKey(sp.closed(onOf(actionSig(sp, action)))) == onKey(sp.closed(onOf(actionSig(sp, ch.Witness.Action)))) {
			return true
		}
	}
	return false
}

func actionSig(sp *space, action string) []bool {
	m := make([]bool, len(sp.actionText))
	for i, t := range sp.actionText {
		m[i] = globPattern(t, true).match(action)
	}
	return m
}

type constants struct {
	actions, resources []string
	keys               map[string][]string
}

func constantsOf(sp *space) constants {
	cs := constants{keys: map[string][]string{}}
	cs.actions = append(cs.actions, sp.actionText...)
	cs.resources = append(cs.resources, sp.resourceText...)
	for _, kd := range sp.keys {
		for _, a := range kd.atoms {
			cs.keys[kd.name] = append(cs.keys[kd.name], a.values...)
		}
	}
	return cs
}

// fill makes a concrete string from a pattern: each wildcard becomes a
// short random run.
func fill(r *rand.Rand, p string) string {
	var b strings.Builder
	for _, ch := range p {
		switch ch {
		case '*':
			b.WriteString([]string{"", "a", "x/y", "Get", "1"}[r.IntN(5)])
		case '?':
			b.WriteByte("abz1"[r.IntN(4)])
		default:
			b.WriteRune(ch)
		}
	}
	return b.String()
}

func randomRequest(r *rand.Rand, sp *space, cs constants) Witness {
	w := Witness{Principal: sp.opts.Principal}
	// Actions: a catalog action of a random class, or a filled pattern.
	if r.IntN(3) > 0 && len(sp.actionClasses) > 0 {
		ac := sp.actionClasses[r.IntN(len(sp.actionClasses))]
		w.Action = ac.actions[r.IntN(len(ac.actions))]
	} else {
		w.Action = fill(r, cs.actions[r.IntN(len(cs.actions))])
	}
	if len(cs.resources) > 0 && r.IntN(5) > 0 {
		w.Resource = fill(r, cs.resources[r.IntN(len(cs.resources))])
	} else {
		w.Resource = "arn:aws:s3:::other/x"
	}
	for k, vals := range cs.keys {
		switch r.IntN(3) {
		case 0:
			continue // absent
		case 1:
			if w.Context == nil {
				w.Context = map[string][]string{}
			}
			w.Context[k] = []string{fill(r, vals[r.IntN(len(vals))])}
		default:
			if w.Context == nil {
				w.Context = map[string][]string{}
			}
			w.Context[k] = []string{fill(r, vals[r.IntN(len(vals))]), fill(r, vals[r.IntN(len(vals))])}
		}
	}
	return w
}

// TestSearchBoundIsSaid: when the condition search reaches its bound, the
// answer says it is not exact, rather than reporting no change.
func TestSearchBoundIsSaid(t *testing.T) {
	c := cat(t)
	saved := maxSteps
	maxSteps = 1
	defer func() { maxSteps = saved }()
	old := side(t, "old", json.RawMessage(`{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}]}`))
	nw := side(t, "new", json.RawMessage(`{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"aws:SourceVpce": "vpce-*"}}}]}`))
	d, err := Compare(old, nw, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Exact() {
		t.Fatalf("the search stopped at its bound, but the answer says it is exact: %+v", d)
	}
	if !strings.Contains(fmt.Sprint(d.Notes), "combinations of conditions") {
		t.Errorf("notes %v", d.Notes)
	}
}

// TestSymbolicallyInside: a pattern with policy variables is inside
// another only when it is for every value of the variables.
func TestSymbolicallyInside(t *testing.T) {
	for _, tc := range []struct {
		p, q string
		in   bool
	}{
		{"arn:aws:s3:::b/${aws:username}/x", "arn:aws:s3:::b/${aws:username}/*", true},
		{"arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/*", true},
		{"arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/${aws:username}/x", false},
		{"arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/${aws:PrincipalTag/team}/*", false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/${aws:username}/*", false},
		{"arn:aws:s3:::b/${aws:username}/?", "arn:aws:s3:::b/${aws:username}/*", false}, // '?' is one character, a value any length
		{"arn:aws:s3:::b/${aws:username, 'x'}/*", "arn:aws:s3:::b/${aws:username}/*", false},
		{"arn:aws:sqs:*:${aws:PrincipalAccount}:q", "arn:aws:sqs:*:${aws:PrincipalAccount}:*", false}, // a variable in an ARN part
		{"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", true},
	} {
		if got := symbolicallyInside(tc.p, tc.q); got != tc.in {
			t.Errorf("%s inside %s: %v, want %v", tc.p, tc.q, got, tc.in)
		}
	}
}
