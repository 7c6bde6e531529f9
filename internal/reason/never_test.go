package reason

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
)

// TestNeverGrants: the questions of Access Analyzer's
// CheckAccessNotGranted (IAM User Guide, "Custom policy checks"), asked
// offline: each FAIL has a witness the engine allows, each PASS finds no
// request in the question the policy allows among random ones built from
// the constants.
func TestNeverGrants(t *testing.T) {
	c := cat(t)
	r := rand.New(rand.NewPCG(3, 5))
	for _, tt := range []struct {
		name              string
		policy            string
		actions, resource []string
		fail              bool
	}{
		{"a bucket's objects may be deleted", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::prod/*"}]}`,
			[]string{"s3:DeleteObject"}, []string{"arn:aws:s3:::prod/*"}, true},
		{"only reads are granted", `{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::prod", "arn:aws:s3:::prod/*"]}]}`,
			[]string{"s3:Delete*", "s3:Put*"}, nil, false},
		{"a deny keeps it out", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::prod/*"}]}`,
			[]string{"s3:DeleteObject"}, []string{"arn:aws:s3:::prod/*"}, false},
		{"the deny covers less than the question", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::prod/logs/*"}]}`,
			[]string{"s3:DeleteObject"}, []string{"arn:aws:s3:::prod/*"}, true},
		{"iam:PassRole through NotAction", `{"Statement": [{"Effect": "Allow", "NotAction": ["s3:*", "ec2:*"], "Resource": "*"}]}`,
			[]string{"iam:PassRole"}, nil, true},
		{"a condition that can hold", `{"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}]}`,
			[]string{"kms:Decrypt"}, nil, true},
		{"other resources only", `{"Statement": [{"Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": "arn:aws:dynamodb:*:*:table/TravelGuide-*"}]}`,
			[]string{"dynamodb:DeleteItem"}, []string{"arn:aws:dynamodb:*:*:table/Billing*"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			json.Unmarshal([]byte(tt.policy), &doc)
			doc["Version"] = "2012-10-17"
			raw, _ := json.Marshal(doc)
			s := side(t, "policy", raw)
			found, notes, err := NeverGrants(s, tt.actions, tt.resource, c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if (len(found) > 0) != tt.fail {
				t.Fatalf("found %s, want fail %v", describe(found), tt.fail)
			}
			for _, ch := range found {
				if !ch.Proven && len(notes) == 0 {
					t.Errorf("unproven witness %s", ch.Witness)
				}
			}
			if tt.fail {
				return
			}
			// A PASS: random requests inside the question are never allowed.
			o := Options{}
			o.fill()
			sp, _ := newSpace([]Side{s}, c, o)
			resources := tt.resource
			if len(resources) == 0 {
				resources = []string{"*"}
			}
			for n := 0; n < 500; n++ {
				w := randomRequest(r, sp, constantsOf(sp))
				w.Action = fill(r, tt.actions[r.IntN(len(tt.actions))])
				if r.IntN(2) == 0 {
					w.Resource = fill(r, resources[r.IntN(len(resources))])
				}
				inside := false
				for _, q := range resources {
					if q == "*" || glob.Match(q, w.Resource) {
						inside = true
					}
				}
				if !inside {
					continue
				}
				if sp.replay(sp.sides[0], w).Result == engine.Allowed {
					t.Fatalf("PASS, but %s is allowed", w)
				}
			}
		})
	}
}

// TestOtherAccountsResources is the attack on a PASS: a policy whose
// grants are all on resources of accounts other than the default
// principal's. An identity policy's grants on an account's resources are
// its principal's there, so each named account's principal is asked, and
// nothing is hidden by asking from the wrong account.
func TestOtherAccountsResources(t *testing.T) {
	c := cat(t)
	doc := `{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"},
		{"Effect": "Allow", "Action": "sqs:DeleteQueue", "Resource": "arn:aws:sqs:us-east-1:444455556666:jobs"}]}`
	s := Side{Name: "p", Identity: []*policy.Policy{mustParse(t, doc)}}
	found, notes, err := NeverGrants(s, []string{"dynamodb:Delete*", "sqs:Delete*"}, nil, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ch := range found {
		if !ch.Proven {
			t.Errorf("unproven: %s", ch.Witness)
		}
		got[ch.Witness.Action] = ch.Witness.Principal
	}
	if got["dynamodb:DeleteItem"] != "arn:aws:iam::123456789012:user/ward" || got["sqs:DeleteQueue"] != "arn:aws:iam::444455556666:user/ward" {
		t.Errorf("found %v (notes %v)", got, notes)
	}
	empty := Side{Name: "old", Identity: []*policy.Policy{mustParse(t, `{"Version": "2012-10-17", "Statement": []}`)}}
	d, err := Compare(empty, Side{Name: "new", Identity: s.Identity}, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Added) != 2 || !d.Exact() {
		t.Errorf("added %s, notes %v", describe(d.Added), d.Notes)
	}
}

func mustParse(t *testing.T, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(doc), "p")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
