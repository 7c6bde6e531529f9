package reason

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// governedCase is a principal's question with the policies of the
// resources its requests go to: each side its identity policy (and
// boundary) and the resource's policy.
type governedCase struct {
	name, cite      string
	principal       string
	boundary        string
	identity        [2]string // old, new; "" for none
	arns            []string
	account         string
	resource        [2]string // old, new; "" for none
	added, removed  []string
	addedNone, same bool
}

func parseKind(t testing.TB, name, doc string, kind policy.Kind) *policy.Policy {
	t.Helper()
	p, err := policy.ParseKind([]byte(`{"Version": "2012-10-17", "Statement": [`+doc+`]}`), name, kind)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

func governedSides(t testing.TB, tc governedCase) [2]Side {
	var out [2]Side
	for i, name := range []string{"old", "new"} {
		s := Side{Name: name, Identity: []*policy.Policy{}}
		if tc.identity[i] != "" {
			s.Identity = append(s.Identity, parseKind(t, name, tc.identity[i], policy.KindIdentity))
		}
		if tc.boundary != "" {
			s.Boundary = parseKind(t, name+" boundary", tc.boundary, policy.KindBoundary)
		}
		if tc.resource[i] != "" {
			kind := policy.KindResource
			if strings.Contains(tc.resource[i], "sts:") {
				kind = policy.KindTrust
			}
			s.Governed = []Governed{{Name: name + " resource policy", ARNs: tc.arns, Account: tc.account, Policy: parseKind(t, name+" resource policy", tc.resource[i], kind)}}
		}
		out[i] = s
	}
	return out
}

var governedCases = []governedCase{
	{name: "the same policies", cite: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html",
		principal: "arn:aws:sts::111122223333:assumed-role/app/s",
		identity:  [2]string{`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"}`, `{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"}`},
		arns:      []string{"arn:aws:s3:::media", "arn:aws:s3:::media/*"},
		resource:  [2]string{`{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::media/*"}`, `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::media/*"}`},
		same:      true},
	{name: "a bucket policy naming the role grants what its identity policies do not", cite: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html",
		principal: "arn:aws:sts::111122223333:assumed-role/app/s",
		identity:  [2]string{`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"}`, `{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"}`},
		arns:      []string{"arn:aws:s3:::media", "arn:aws:s3:::media/*"},
		resource:  [2]string{"", `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::media/*"}`},
		added:     []string{"s3:PutObject"}, removed: nil},
	{name: "a bucket policy's deny takes away what the identity policy allows", cite: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
		principal: "arn:aws:sts::111122223333:assumed-role/app/s",
		identity:  [2]string{`{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::media/*"}`, `{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::media/*"}`},
		arns:      []string{"arn:aws:s3:::media", "arn:aws:s3:::media/*"},
		resource:  [2]string{"", `{"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::media/*"}`},
		addedNone: true, removed: []string{"s3:DeleteObject"}},
	{name: "a key policy without the account: the identity policy no longer counts", cite: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
		principal: "arn:aws:sts::111122223333:assumed-role/app/s",
		identity:  [2]string{`{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:111122223333:key/*"}`, `{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:111122223333:key/*"}`},
		arns:      []string{"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
		resource:  [2]string{`{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}`, `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/KeyAdmin"}, "Action": "kms:*", "Resource": "*"}`},
		addedNone: true, removed: []string{"kms:Decrypt"}},
	{name: "another account's bucket: both accounts must allow", cite: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html",
		principal: "arn:aws:sts::111122223333:assumed-role/app/s",
		identity:  [2]string{`{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::partner-media/*"}`, `{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::partner-media/*"}`},
		arns:      []string{"arn:aws:s3:::partner-media", "arn:aws:s3:::partner-media/*"}, account: "444455556666",
		resource: [2]string{`{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::partner-media"}`, `{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": ["arn:aws:s3:::partner-media", "arn:aws:s3:::partner-media/*"]}`},
		added:    []string{"s3:GetObject"}, removed: nil},
	{name: "a grant to the user is not limited by its boundary; one to the account is", cite: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html",
		principal: "arn:aws:iam::111122223333:user/alice",
		boundary:  `{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}`,
		identity:  [2]string{`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}`, `{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}`},
		arns:      []string{"arn:aws:s3:::media", "arn:aws:s3:::media/*"},
		resource:  [2]string{`{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"}`, `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"}`},
		added:     []string{"s3:GetObject"}, removed: nil},
	{name: "a trust policy that no longer trusts the account", cite: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user.html",
		principal: "arn:aws:iam::111122223333:user/alice",
		identity:  [2]string{`{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111122223333:role/deploy"}`, `{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111122223333:role/deploy"}`},
		arns:      []string{"arn:aws:iam::111122223333:role/deploy"},
		resource:  [2]string{`{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}`, `{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}`},
		addedNone: true, removed: []string{"sts:AssumeRole"}},
	{name: "a trust policy naming the user: no identity permission needed", cite: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user.html",
		principal: "arn:aws:iam::111122223333:user/alice",
		identity:  [2]string{"", ""},
		arns:      []string{"arn:aws:iam::111122223333:role/deploy"},
		resource:  [2]string{`{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}`, `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "sts:AssumeRole"}`},
		added:     []string{"sts:AssumeRole"}, removed: nil},
	{name: "outside the governed bucket the identity policy alone decides", cite: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html",
		principal: "arn:aws:sts::111122223333:assumed-role/app/s",
		identity:  [2]string{`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"}`, `{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*/*"}`},
		arns:      []string{"arn:aws:s3:::media", "arn:aws:s3:::media/*"},
		resource:  [2]string{`{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::media/*"}`, `{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::media/*"}`},
		added:     []string{"s3:PutObject"}, removed: nil},
}

// askGoverned asks a case's question from its principal, with the space
// it was asked in.
func askGoverned(t *testing.T, tc governedCase) ([2]Side, *space, *Diff) {
	t.Helper()
	sides := governedSides(t, tc)
	o := Options{Principal: tc.principal}
	o.fill()
	sp, err := newSpace(sides[:], cat(t), o)
	if err != nil {
		t.Fatal(err)
	}
	d := &Diff{Added: sp.changes(1, 0), Removed: sp.changes(0, 1)}
	d.Notes, d.mismatches = sp.notesWith(d.Added, d.Removed), sp.mismatches
	return sides, sp, d
}

// TestGovernedCases asks principals' questions with the policies of the
// resources their requests go to, and replays every witness: the added
// and removed access, each shown, and on a governed resource where the
// resource's policy decides.
func TestGovernedCases(t *testing.T) {
	c := cat(t)
	for _, tc := range governedCases {
		t.Run(tc.name, func(t *testing.T) {
			sides, sp, d := askGoverned(t, tc)
			has := func(got []Change, w string) bool { return has(sp, got, w) }
			want := [2]expected{{includes: tc.added, none: tc.addedNone || tc.same}, {includes: tc.removed, none: tc.same}}
			checkAnswer(t, d, false, want, has, has, describe)
			if tc.same || tc.addedNone {
				return
			}
			// Public API: Compare asks the same.
			got, err := Compare(sides[0], sides[1], c, Options{Principal: tc.principal})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Added) == 0 {
				t.Errorf("Compare found nothing added")
			}
		})
	}
}

// TestGovernedRandomRequests: requests built from each case's constants,
// decided by the engine on both sides with the resource's policy for its
// resources and none elsewhere, never show a difference the answer does
// not list.
func TestGovernedRandomRequests(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	gained := 0
	for _, tc := range governedCases {
		sides, sp, d := askGoverned(t, tc)
		if !d.Exact() {
			continue
		}
		// The engine's sets, built here from the case: the resource's policy
		// on its own resources (a bucket and its objects), the stand-in for
		// its account's other resources.
		decide := func(i int, w Witness) engine.Result {
			s := sides[i]
			pols := engine.Policies{}
			for k, p := range s.Identity {
				pols.Identity = append(pols.Identity, engine.Compile(p, PolicyName(s, k)))
			}
			if s.Boundary != nil {
				pols.Boundary = engine.Compile(s.Boundary, "boundary")
			}
			account := ""
			governed := false
			for _, a := range tc.arns {
				if arnPattern(a).match(w.Resource) {
					governed = true
				}
			}
			if governed && len(s.Governed) > 0 {
				pols.Resource = engine.Compile(s.Governed[0].Policy, "resource")
				account = s.Governed[0].Account
			} else {
				pols.Resource = sp.deferring // a side with no policy for it: the stand-in
			}
			set, err := engine.NewSet(pols)
			if err != nil {
				t.Fatal(err)
			}
			prep, err := (&engine.Request{Principal: w.Principal, Action: w.Action, Resource: w.Resource, ResourceAccount: account, Context: w.Context, Now: DefaultNow, LiteralResource: true}).Prepare()
			if err != nil {
				return engine.ImplicitDeny
			}
			return set.Decide(prep).Result
		}
		consts := constantsOf(sp)
		for n := 0; n < 400; n++ {
			w := randomRequest(r, sp, consts)
			if r.IntN(2) == 0 {
				w.Resource = fill(r, tc.arns[r.IntN(len(tc.arns))])
			}
			for k := range w.Context {
				if boundKeys[strings.ToLower(k)] {
					delete(w.Context, k)
				}
			}
			for dir, changes := range map[[2]int][]Change{{1, 0}: d.Added, {0, 1}: d.Removed} {
				if decide(dir[0], w) != engine.Allowed || decide(dir[1], w) == engine.Allowed {
					continue
				}
				gained++
				if !classListed(sp, changes, w.Action) {
					t.Errorf("%s: %s is allowed by side %d and not by side %d, but the answer does not list its action", tc.name, w, dir[0], dir[1])
				}
			}
		}
	}
	if gained < 100 {
		t.Errorf("only %d random requests fell in a difference", gained)
	}
	t.Logf("%d random requests fell in a difference, each listed", gained)
}
