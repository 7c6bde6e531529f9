package reason

import (
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

type publicCase struct {
	Name            string          `json:"name"`
	Cite            string          `json:"cite"`
	Kind            string          `json:"kind"`
	Policy          json.RawMessage `json:"policy"`
	Public          bool            `json:"public"`
	Includes        []string        `json:"includes"`
	TrustedAccounts []string        `json:"trustedAccounts"`
	TrustedOrgs     []string        `json:"trustedOrgs"`
	TrustServices   bool            `json:"trustServices"`
	Approximate     bool            `json:"approximate"`
}

func loadPublicCases(t *testing.T) []publicCase {
	t.Helper()
	data, err := os.ReadFile("testdata/public-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []publicCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func (tc publicCase) ask(t *testing.T) (*policy.Policy, *PublicAnswer) {
	t.Helper()
	p, err := policy.Parse(tc.Policy, "policy.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Public("policy.json", p, cat(t), PublicOptions{TrustedAccounts: tc.TrustedAccounts, TrustedOrgs: tc.TrustedOrgs, TrustServices: tc.TrustServices})
	if err != nil {
		t.Fatal(err)
	}
	return p, a
}

// TestPublicCases decides the corpus of public-access questions written
// from AWS's pages (S3's meaning of public, the condition keys, NotPrincipal,
// trust, key, queue, topic and function policies): each case cites its
// page. Every exposure found is a request from outside the trusted
// accounts, replayed through the engine with the policy as the resource's.
func TestPublicCases(t *testing.T) {
	cases := loadPublicCases(t)
	if len(cases) < 50 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Cite == "" {
				t.Fatal("a case cites its page")
			}
			p, a := tc.ask(t)
			if got := len(a.Exposed) > 0; got != tc.Public {
				t.Fatalf("public %v, want %v: %s (trusted %v %v, notes %v)", got, tc.Public, describe(a.Exposed), a.Accounts, a.Orgs, a.Notes)
			}
			if (len(a.Notes) > 0) != tc.Approximate {
				t.Errorf("notes %v, want approximate %v", a.Notes, tc.Approximate)
			}
			for _, w := range tc.Includes {
				if !slices.ContainsFunc(a.Exposed, func(ch Change) bool { return slices.Contains(ch.Actions, w) }) {
					t.Errorf("want %s exposed, got %s", w, describe(a.Exposed))
				}
			}
			checkExposures(t, p, a)
		})
	}
}

// checkExposures holds an answer to its claims: no witness the search
// claimed that the engine decided otherwise; every exposure of an exact
// answer proven, replayed as allowed with the policy as the resource's,
// and from outside the trusted accounts.
func checkExposures(t *testing.T, p *policy.Policy, a *PublicAnswer) {
	t.Helper()
	if a.mismatches > 0 {
		t.Errorf("%d witnesses did not replay as the search claimed", a.mismatches)
	}
	for _, ch := range a.Exposed {
		if !ch.Proven {
			if len(a.Notes) == 0 {
				t.Errorf("an exact answer reports an unproven exposure %s", ch.Witness)
			}
			continue
		}
		if d := decideAsResource(t, p, a.Owner, ch.Witness); d != engine.Allowed {
			t.Errorf("the witness %s from %s replays %v", ch.Witness, ch.Witness.Principal, d)
		}
		if outsideTrust(a, ch.Witness) {
			t.Errorf("the witness %s from %s is a trusted account's", ch.Witness, ch.Witness.Principal)
		}
	}
}

// decideAsResource decides a request on the policy as the resource's own,
// from a principal whose account grants it everything.
func decideAsResource(t *testing.T, p *policy.Policy, owner string, w Witness) engine.Result {
	t.Helper()
	set, err := engine.NewSet(engine.Policies{Identity: []*engine.Compiled{allowAll()}, Resource: engine.Compile(p, "policy.json")})
	if err != nil {
		t.Fatal(err)
	}
	req := engine.Request{Principal: w.Principal, Action: w.Action, Resource: w.Resource, ResourceAccount: owner, Context: w.Context, Now: DefaultNow, LiteralResource: true}
	prep, err := req.Prepare()
	if err != nil {
		return engine.ImplicitDeny // a made-up action that is no action
	}
	return set.Decide(prep).Result
}

// outsideTrust reports whether a witness is, after all, from inside: its
// principal of a trusted account, or a trust-bearing key of a trusted
// account, organization or fixed value.
func outsideTrust(a *PublicAnswer, w Witness) bool {
	c, err := engine.ParseCaller(w.Principal)
	if err == nil && c.Account != "" && slices.Contains(a.Accounts, c.Account) {
		return true
	}
	for k, vals := range w.Context {
		switch accountKeys[strings.ToLower(k)] {
		case keyAccount:
			for _, v := range vals {
				if slices.Contains(a.Accounts, v) {
					return true
				}
			}
		case keyOrg:
			for _, v := range vals {
				if slices.Contains(a.Orgs, v) {
					return true
				}
			}
		}
	}
	return false
}

// TestPublicRandomOutsiders: for every case answered "not public",
// random requests from outside, built from the policy's own constants
// (principals of untrusted accounts, anonymous, the named services acting
// for an outside account; context values filled from the conditions,
// never a trusted one's), are never allowed; for the public ones the same
// requests reach an exposure often enough to show they could.
func TestPublicRandomOutsiders(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 17))
	reached := 0
	for _, tc := range loadPublicCases(t) {
		if tc.Approximate {
			continue
		}
		p, a := tc.ask(t)
		nm := namedIn(p)
		accounts, orgs := setOf(a.Accounts), setOf(a.Orgs)
		var actions, resources []string
		keys := map[string][]string{}
		for _, s := range p.Statements {
			if v, _ := s.Actions(); v != nil {
				actions = append(actions, v.Items...)
			}
			if v, _ := s.Resources(); v != nil {
				resources = append(resources, v.Items...)
			}
			for _, c := range s.Conditions {
				keys[c.Key] = append(keys[c.Key], c.Values.Items...)
			}
		}
		if len(resources) == 0 {
			resources = []string{"arn:aws:iam::" + a.Owner + ":role/example"}
		}
		principals := []string{"arn:aws:sts::999999999999:assumed-role/r/s", "arn:aws:iam::999999999999:user/u", "anonymous"}
		if !tc.TrustServices {
			principals = append(principals, nm.services...)
		}
		principals = append(principals, nm.principalARNs...)
		allowed := 0
		for n := 0; n < 400; n++ {
			pr := principals[r.IntN(len(principals))]
			if c, err := engine.ParseCaller(pr); err != nil || c.Account != "" && accounts[c.Account] {
				continue
			}
			action := fill(r, actions[r.IntN(len(actions))])
			if strings.HasPrefix(strings.ToLower(action), "sts:") && !strings.Contains(pr, ":") && pr != "anonymous" {
				continue // a service assumes roles only for its own account
			}
			w := Witness{Principal: pr, Action: action, Resource: fillPattern(resources[r.IntN(len(resources))], a.Owner)}
			for k, vals := range keys {
				lower := strings.ToLower(k)
				if boundKeys[lower] || r.IntN(3) == 0 {
					continue
				}
				v := fill(r, vals[r.IntN(len(vals))])
				if pfx, err := netip.ParsePrefix(v); err == nil {
					v = pfx.Addr().String() // a request comes from an address
				}
				if lower == "aws:sourceaccount" || lower == "aws:principalorgid" && r.IntN(2) == 0 {
					v = fill(r, v)
				}
				if trustedValue(lower, v, accounts, orgs, nm) {
					continue
				}
				if w.Context == nil {
					w.Context = map[string][]string{}
				}
				w.Context[k] = []string{v}
			}
			if !strings.Contains(pr, ":") && pr != "anonymous" {
				if w.Context == nil {
					w.Context = map[string][]string{}
				}
				if v, ok := w.Context["aws:SourceAccount"]; !ok || accounts[v[0]] {
					w.Context["aws:SourceAccount"] = []string{"999999999999"}
				}
			}
			if decideAsResource(t, p, a.Owner, w) == engine.Allowed {
				allowed++
				if !tc.Public {
					t.Errorf("%s: answered not public, but %s from %s is allowed", tc.Name, w, pr)
				}
			}
		}
		if tc.Public && allowed > 0 {
			reached++
		}
	}
	if reached < 15 {
		t.Errorf("random outside requests reached only %d public cases", reached)
	}
	t.Logf("random outside requests reached %d public cases", reached)
}
