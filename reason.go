package ward

import (
	"sync"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/reason"
)

// Access is access that one set of identity policies allows and another
// does not: a class of actions the policies decide alike, and one request
// that shows it, decided by the engine on both sides.
type Access struct {
	// Actions are the catalog actions of the class. When Others is set the
	// class is every action the policies' patterns do not name, and
	// Actions holds one of them.
	Actions []string
	Others  bool
	// Unlisted says names the catalog does not list (actions AWS may add)
	// fall in the class too, matched by the same wildcards. When Actions
	// holds only such a name, the class has no catalog action.
	Unlisted bool
	// Witness is the request that shows the access: allowed on one side,
	// not on the other. Its time is fixed, so answers do not change with
	// the day.
	Witness Request
	// Proven says the engine decided Witness as claimed. An access found
	// through an approximation (Notes) may not be proven.
	Proven bool
	// OwnPolicies says, for a resource policy's access, that the
	// witness's principal was taken to be allowed everything by its own
	// identity policies (a principal of another account, or of the
	// owner's where the policy leaves the request to them).
	OwnPolicies bool
}

// Difference is what changes between two sets of identity policies of
// one principal, for every request.
type Difference struct {
	// Added is what New allows that Old does not; Removed the reverse.
	Added, Removed []Access
	// Notes name the constructs decided approximately, where they are
	// (a policy variable): empty when the answer is exact.
	Notes []string
}

// Diff compares two versions of a principal's identity policies over
// every request, one Access per class of actions, each with its witness.
// The requests come from a principal of each account the policies'
// resource ARNs name (an identity policy grants on an account's resources
// to that account's principals), or of 111111111111 when they name none;
// the keys a principal decides (aws:username, aws:PrincipalAccount, …) are
// its own, and policy variables of them read as their values.
func Diff(old, new []*Policy) (*Difference, error) {
	cat, err := defaultCatalog()
	if err != nil {
		return nil, err
	}
	d, err := reason.Compare(side("old", old), side("new", new), cat, reason.Options{})
	if err != nil {
		return nil, err
	}
	return &Difference{Added: accessList(d.Added), Removed: accessList(d.Removed), Notes: noteList(d.Notes)}, nil
}

// DiffResource compares two versions of a resource or trust policy (a
// bucket, queue, topic, key or function policy, a role's trust policy; nil
// for none) by what each lets every principal do to the resources it
// governs, one Access per class of actions, each with its witness:
// Witness.Principal is whom from, and Witness.ResourceAccount the owner,
// account when given, else the account the policies' Resource ARNs name,
// else 111111111111. The principals tried are set out in
// docs/reasoning.md.
func DiffResource(old, new *Policy, account string) (*Difference, error) {
	cat, err := defaultCatalog()
	if err != nil {
		return nil, err
	}
	sideOf := func(name string, p *Policy) reason.Side {
		s := reason.Side{Name: name, Resource: emptyResource}
		if p != nil {
			s.Resource = p.c.Policy
		}
		return s
	}
	d, err := reason.Compare(sideOf("old", old), sideOf("new", new), cat, reason.Options{Owner: account})
	if err != nil {
		return nil, err
	}
	out := &Difference{Added: accessList(d.Added), Removed: accessList(d.Removed), Notes: noteList(d.Notes)}
	for _, list := range [][]Access{out.Added, out.Removed} {
		for i := range list {
			list[i].Witness.ResourceAccount = d.Owner
		}
	}
	return out, nil
}

// emptyResource is the policy of a resource that has none.
var emptyResource = &policy.Policy{Version: policy.Version2012}

// NeverAllows asks whether identity policies allow any of the actions
// (wildcards allowed) on any of the resources (every resource when none
// are given). It returns the access found, one per class of actions,
// empty when they never do; notes as Difference's.
func NeverAllows(policies []*Policy, actions, resources []string) ([]Access, []string, error) {
	cat, err := defaultCatalog()
	if err != nil {
		return nil, nil, err
	}
	found, notes, err := reason.NeverGrants(side("policies", policies), actions, resources, cat, reason.Options{})
	if err != nil {
		return nil, nil, err
	}
	return accessList(found), noteList(notes), nil
}

// Within asks whether identity policies allow nothing a reference does
// not (Access Analyzer's CheckNoNewAccess, against a reference policy): the
// access found beyond it, one per class of actions, empty when none;
// notes as Difference's.
func Within(policies, reference []*Policy) ([]Access, []string, error) {
	d, err := Diff(reference, policies)
	if err != nil {
		return nil, nil, err
	}
	return d.Added, d.Notes, nil
}

// PublicOptions say whom a public-access question trusts.
type PublicOptions struct {
	// Account owns the resource; empty: the account the policy's
	// resource ARNs name.
	Account string
	// TrustedAccounts and TrustedOrgs may be granted access; empty: the
	// accounts and organizations the policy names.
	TrustedAccounts, TrustedOrgs []string
	// TrustServices counts a named service principal as trusted whatever
	// account it acts for, as S3's definition of public does.
	TrustServices bool
}

// PublicAccess asks whether a resource, trust, key or VPC endpoint policy
// grants anything to a principal outside the trusted accounts and
// organizations, over every action, resource and context: the access
// found, each shown by a request from outside (Witness.Principal) that the
// engine allows with the policy as the resource's; empty when it grants
// nothing to an outsider. Who is outside is set out in docs/reasoning.md.
func PublicAccess(p *Policy, opts PublicOptions) ([]Access, []string, error) {
	cat, err := defaultCatalog()
	if err != nil {
		return nil, nil, err
	}
	a, err := reason.Public(p.c.Name, p.c.Policy, cat, reason.PublicOptions{Account: opts.Account,
		TrustedAccounts: opts.TrustedAccounts, TrustedOrgs: opts.TrustedOrgs, TrustServices: opts.TrustServices})
	if err != nil {
		return nil, nil, err
	}
	found := accessList(a.Exposed)
	for i := range found {
		found[i].Witness.ResourceAccount = a.Owner // the request is to the owner's resource
	}
	return found, noteList(a.Notes), nil
}

var (
	catOnce sync.Once
	cat     *catalog.Catalog
	catErr  error
)

func defaultCatalog() (*catalog.Catalog, error) {
	catOnce.Do(func() { cat, catErr = catalog.Default() })
	return cat, catErr
}

func side(name string, ps []*Policy) reason.Side {
	s := reason.Side{Name: name}
	for _, p := range ps {
		if p != nil {
			s.Identity = append(s.Identity, p.c.Policy)
		}
	}
	return s
}

func accessList(cs []reason.Change) []Access {
	var out []Access
	for _, c := range cs {
		out = append(out, Access{Actions: c.Actions, Others: c.Others, Unlisted: c.Unlisted || c.Unknown, Proven: c.Proven, OwnPolicies: c.OwnPolicies,
			Witness: Request{Principal: c.Witness.Principal, Action: c.Witness.Action, Resource: c.Witness.Resource,
				Context: c.Witness.Context, Now: reason.DefaultNow, LiteralResource: true}})
	}
	return out
}

func noteList(ns []reason.Note) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Where+": "+n.What)
	}
	return out
}
