package reason

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// resourceCase is a comparison of two resource or trust policies. An
// expected change is an action, or "ACTION from TEXT": the change of the
// action's class is shown by a request from a principal whose ARN holds
// TEXT.
type resourceCase struct {
	Name, Cite                       string
	Kind                             string // "resource" (the default) or "trust"
	Owner                            string
	Old, New                         json.RawMessage
	AddedIncludes, AddedExcludes     []string
	RemovedIncludes, RemovedExcludes []string
	AddedNone, RemovedNone           bool
	Approximate                      bool
}

func loadResourceCases(t testing.TB) []resourceCase {
	t.Helper()
	data, err := os.ReadFile("testdata/resource-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []resourceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func resourceSide(t testing.TB, name, kind string, raw json.RawMessage) Side {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["Version"] = policy.Version2012
	data, _ := json.Marshal(doc)
	k := policy.KindResource
	if kind == "trust" {
		k = policy.KindTrust
	}
	p, err := policy.ParseKind(data, name, k)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return Side{Name: name, Resource: p}
}

func askCase(t testing.TB, c *catalog.Catalog, tc resourceCase) (*space, *Diff) {
	t.Helper()
	sp, d, err := askResource(resourceSide(t, "old", tc.Kind, tc.Old), resourceSide(t, "new", tc.Kind, tc.New), c, Options{Owner: tc.Owner}, true)
	if err != nil {
		t.Fatal(err)
	}
	return sp, d
}

// TestResourceCases decides the corpus of resource and trust policy
// comparisons written from AWS's documentation, and replays every
// witness.
func TestResourceCases(t *testing.T) {
	c := cat(t)
	for _, tc := range loadResourceCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Cite == "" {
				t.Error("the case cites no page")
			}
			sp, d := askCase(t, c, tc)
			from := func(got []Change, w string) bool {
				action, from, _ := strings.Cut(w, " from ")
				return hasFrom(sp, got, action, from)
			}
			excluded := func(got []Change, w string) bool { return has(sp, got, w) }
			checkAnswer(t, d, tc.Approximate, [2]expected{{tc.AddedIncludes, tc.AddedExcludes, tc.AddedNone}, {tc.RemovedIncludes, tc.RemovedExcludes, tc.RemovedNone}}, from, excluded, describeFrom)
		})
	}
}

func hasFrom(sp *space, changes []Change, action, from string) bool {
	for _, ch := range changes {
		if has(sp, []Change{ch}, action) && strings.Contains(ch.Witness.Principal, from) {
			return true
		}
	}
	return false
}

func describeFrom(cs []Change) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Witness.String()+" from "+c.Witness.Principal)
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// TestResourceRandomRequests: requests from principals the question does
// not try as well as those it does, with actions, resources and context
// built from the policies' constants, decided by the engine on both sides
// with the principal's own policies allowing nothing and allowing
// everything, never show a difference the answer does not list.
func TestResourceRandomRequests(t *testing.T) {
	c := cat(t)
	r := rand.New(rand.NewPCG(3, 5))
	gained := 0
	for _, tc := range loadResourceCases(t) {
		sp, d := askCase(t, c, tc)
		if !d.Exact() {
			continue
		}
		var sets [2][2]*engine.Set
		for i, raw := range []json.RawMessage{tc.Old, tc.New} {
			p := resourceSide(t, "side", tc.Kind, raw).Resource
			for way, identity := range [2][]*engine.Compiled{nil, {allowAll()}} {
				set, err := engine.NewSet(engine.Policies{Identity: identity, Session: identity, Resource: engine.Compile(p, "side")})
				if err != nil {
					t.Fatal(err)
				}
				sets[i][way] = set
			}
		}
		pool := randomPrincipals(sp, d.Owner)
		consts := constantsOf(sp)
		for n := 0; n < 800; n++ {
			w := randomRequest(r, sp, consts)
			w.Principal = pool[r.IntN(len(pool))]
			if w.Principal == "anonymous" && !takesUnsigned(w.Action) {
				continue // no one calls it unsigned (docs/reasoning.md)
			}
			for k := range w.Context {
				if boundKeys[strings.ToLower(k)] {
					delete(w.Context, k) // AWS sets them from the principal
				}
			}
			req := engine.Request{Principal: w.Principal, Action: w.Action, Resource: w.Resource, ResourceAccount: d.Owner, Context: w.Context, Now: DefaultNow, LiteralResource: true}
			prep, err := req.Prepare()
			if err != nil {
				continue
			}
			for way := range 2 {
				for dir, changes := range map[[2]int][]Change{{1, 0}: d.Added, {0, 1}: d.Removed} {
					if sets[dir[0]][way].Decide(prep).Result != engine.Allowed || sets[dir[1]][way].Decide(prep).Result == engine.Allowed {
						continue
					}
					gained++
					if !classListed(sp, changes, w.Action) {
						t.Errorf("%s: %s from %s (own policies allowing: %v) is allowed by side %d and not by side %d, but the answer does not list its action",
							tc.Name, w, w.Principal, way == withOwn, dir[0], dir[1])
					}
				}
			}
		}
	}
	if gained < 200 {
		t.Errorf("only %d random requests fell in a difference", gained)
	}
	t.Logf("%d random requests fell in a difference, each listed", gained)
}

// randomPrincipals are principals of every kind the policies could tell
// apart: those they name, others of the accounts they name, the owner's,
// an account no one names, services, providers and anonymous callers.
func randomPrincipals(sp *space, owner string) []string {
	pool := []string{"anonymous", "arn:aws:iam::" + owner + ":root", "arn:aws:iam::" + owner + ":user/bob", "arn:aws:iam::" + owner + ":role/other",
		"arn:aws:sts::" + owner + ":assumed-role/other/s", "arn:aws:iam::123123123123:user/stranger", "s3.amazonaws.com", "sns.amazonaws.com",
		"arn:aws:iam::123123123123:root", "arn:aws:sts::123123123123:federated-user/fred", "arn:aws:sts::" + owner + ":federated-user/fred", "cloudtrail.amazonaws.com"}
	for _, s := range sp.sides {
		for _, st := range s.stmts {
			if st.principal == nil {
				continue
			}
			for _, e := range st.principal.Entries {
				for _, v := range e.Values.Items {
					pool = append(pool, v)
					if parts := strings.SplitN(v, ":", 6); len(parts) == 6 && policy.IsAccountID(parts[4]) {
						pool = append(pool, "arn:aws:iam::"+parts[4]+":user/someone", "arn:aws:sts::"+parts[4]+":assumed-role/r/s")
						if strings.HasPrefix(parts[5], "role/") {
							pool = append(pool, "arn:aws:sts::"+parts[4]+":assumed-role/"+strings.TrimPrefix(parts[5], "role/")+"/s2")
						}
					} else if policy.IsAccountID(v) {
						pool = append(pool, "arn:aws:iam::"+v+":user/someone")
					}
				}
			}
		}
	}
	return pool
}

// TestNeverGrantsResource asks what resource and trust policies never
// grant: to any principal, on the policy alone or with the principal's own
// policies allowing. Every access found is shown by a replayed request.
func TestNeverGrantsResource(t *testing.T) {
	c := cat(t)
	const media = "arn:aws:s3:::travel-guide-media"
	for _, tc := range []struct {
		name, kind, doc    string
		actions, resources []string
		want               bool // access is found
		fromText           string
	}{
		{"a public prefix is not the private one", "resource",
			`{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "` + media + `/public/*"}]}`,
			[]string{"s3:GetObject"}, []string{media + "/private/*"}, false, ""},
		{"a partner reads the private prefix", "resource",
			`{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "` + media + `/public/*"},
			{"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "s3:GetObject", "Resource": "` + media + `/*"}]}`,
			[]string{"s3:GetObject"}, []string{media + "/private/*"}, true, "222222222222"},
		{"a deny keeps deletes out", "resource",
			`{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "s3:*", "Resource": "` + media + `/*"},
			{"Effect": "Deny", "Principal": "*", "Action": "s3:Delete*", "Resource": "` + media + `/*"}]}`,
			[]string{"s3:DeleteObject"}, nil, false, ""},
		{"a key policy's delegation grants deletion to the account", "resource",
			`{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}`,
			[]string{"kms:ScheduleKeyDeletion"}, nil, true, "111122223333"},
		{"a key policy that grants use only", "resource",
			`{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/App"}, "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"}]}`,
			[]string{"kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"}, nil, false, ""},
		{"a service may assume the role", "trust",
			`{"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}`,
			[]string{"sts:AssumeRole"}, nil, true, "lambda.amazonaws.com"},
		{"no one may tag the session", "trust",
			`{"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}`,
			[]string{"sts:TagSession"}, nil, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := resourceSide(t, "policy", tc.kind, json.RawMessage(tc.doc))
			found, notes, err := NeverGrants(s, tc.actions, tc.resources, c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(notes) > 0 {
				t.Errorf("notes %v", notes)
			}
			if (len(found) > 0) != tc.want {
				t.Fatalf("found %s, want access %v", describeFrom(found), tc.want)
			}
			for _, ch := range found {
				if !ch.Proven {
					t.Errorf("not shown: %s", ch.Witness)
				}
				if !strings.Contains(ch.Witness.Principal, tc.fromText) {
					t.Errorf("from %s, want a principal with %q", ch.Witness.Principal, tc.fromText)
				}
			}
		})
	}
}
