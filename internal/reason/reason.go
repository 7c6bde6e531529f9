// Package reason answers questions about every request a set of policies
// allows, not one at a time: what a new version of a policy allows that
// the old one does not, and the reverse. Each answer that finds access is
// proved by a concrete request, replayed through the engine before it is
// reported.
//
// The method needs no solver. Each thing a request is decided on is a
// dimension of its own: the action, the resource, and each condition key
// the policies test. The patterns and values the policies use on a
// dimension cut it into finitely many regions, inside which every value
// is decided alike (strings by the signature of the patterns they match,
// found by walking the patterns' automata; numbers, dates and addresses
// by the intervals the constants bound). A statement is then a box over
// regions, and a question is a search over one point per region,
// dimension by dimension, pruned as soon as a side is settled.
//
// Condition truth on a candidate value is asked of the engine itself, so
// the search and the engine cannot disagree about an operator. Where a
// construct is not decided exactly (a policy variable, which couples a
// value to the principal), the answer says so with its place and leans
// the way that cannot hide access: a difference found through it is
// reported as possible unless its witness replays.
package reason

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// Side names the policies being compared.
type Side struct {
	// Name labels the side in answers ("old.json").
	Name string
	// Identity are the identity policies of one principal.
	Identity []*policy.Policy
	// Boundary is its permissions boundary, Session the session policies
	// of the session the requests come from (nil: none), SCPs the service
	// control policies from the organization's root down to the account,
	// one slice per level (nil: no organization), RCPs the resource control
	// policies likewise (RCPFullAWSAccess implied at each level, so only
	// their denies limit). A request is allowed when an identity policy
	// allows it, the boundary, the session policies and every SCP level
	// do too, and no policy denies it, as the engine decides.
	Boundary *policy.Policy
	Session  []*policy.Policy
	SCPs     [][]*policy.Policy
	RCPs     [][]*policy.Policy
	// Endpoint is the policy of the VPC endpoint the requests come
	// through (nil: none): it must allow each request too, and its
	// statements that name the principal are the ones that count.
	Endpoint *policy.Policy
	// Names, when given, name the identity policies in answers, one for
	// each: the policies of a principal, each by its place in the input.
	Names []string
	// Governed are the policies of resources the principal's requests go
	// to (a bucket's, a key's, a role's trust policy), decided with its
	// identity policies as the engine decides them (governed.go).
	Governed []Governed
	// Resource is a resource-side policy (a bucket, queue, topic, key or
	// function policy, a role's trust policy): a side with one holds
	// nothing else, and is compared by what it lets each principal do to
	// the resources it governs (resource.go).
	Resource *policy.Policy

	// rest, set by a resource question, stands for the owner's account's
	// own identity policies: compiled into the side's statements, so the
	// search can ask with them.
	rest *policy.Policy
}

// Witness is one request, complete enough to replay.
type Witness struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	// Context holds the condition keys the request carries, by the name
	// the policies use.
	Context map[string][]string `json:"context,omitempty"`
}

// String writes the request as a person reads it.
func (w Witness) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s", w.Action, w.Resource)
	if len(w.Context) > 0 {
		keys := make([]string, 0, len(w.Context))
		for k := range w.Context {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(" with ")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			v := w.Context[k]
			switch len(v) {
			case 0:
				fmt.Fprintf(&b, "%s = []", k)
			case 1:
				fmt.Fprintf(&b, "%s = %s", k, v[0])
			default:
				fmt.Fprintf(&b, "%s = [%s]", k, strings.Join(v, ", "))
			}
		}
	}
	return b.String()
}

// Decided is a side's decision on a witness, with the statements that made
// it.
type Decided struct {
	Result     engine.Result
	Statements []StatementRef
}

// StatementRef names a statement of a side: its policy and index.
type StatementRef struct {
	Policy    string
	Statement int
	Sid       string
}

func (r StatementRef) String() string {
	s := fmt.Sprintf("%s Statement[%d]", r.Policy, r.Statement)
	if r.Sid != "" {
		s += " (" + r.Sid + ")"
	}
	return s
}

// Change is access one side allows and the other does not, for a class
// of actions decided alike.
type Change struct {
	// Actions are the catalog actions of the class, sorted. Unknown is set
	// instead when the class is of actions the catalog does not list (one
	// AWS adds later, matched by a wildcard): Actions then holds the
	// witness's made-up action.
	Actions []string
	Unknown bool
	// Others is set when the class is every catalog action none of the
	// policies' action patterns matches (what a NotAction grants):
	// Actions then holds the witness's one.
	Others bool
	// Unlisted says the class also holds names the catalog does not list
	// (actions AWS may add), which the same patterns match.
	Unlisted bool
	Witness  Witness
	// On and When are where and when the gaining side's statement that
	// the search found allows it, as a person reads a change: its
	// Resource patterns that hold the witness's resource ("every
	// resource but …" for a NotResource), and its condition elements.
	On   []string
	When []*policy.Condition
	// Gains and Loses are the two sides' decisions on the witness: the
	// side that allows it and the side that does not.
	Gains, Loses Decided
	// Proven says the engine decided the witness as claimed. A change
	// found through an approximation (Notes) may not be: it is possible,
	// not shown.
	Proven bool
	// OwnPolicies says, for a resource policy's change, that the
	// witness's principal was taken to be allowed everything by its own
	// identity policies: the change is what the resource policy grants a
	// principal of another account, or leaves to the owner's account.
	OwnPolicies bool
	// through are the notes of the approximations a change that is not
	// proven was found through.
	through []Note
}

// Note is a construct the answer does not decide exactly, where it is.
type Note struct {
	Where string `json:"where"` // policy and JSON path
	What  string `json:"what"`
}

// Diff is what changes between two sides.
type Diff struct {
	// Added is what New allows that Old does not; Removed the reverse.
	Added, Removed []Change
	Notes          []Note
	// Owner is, for resource policies, the account the resources belong
	// to; OwnerAssumed says nothing named it, so it is made up.
	Owner        string
	OwnerAssumed bool

	// mismatches counts witnesses of an exact answer the engine did not
	// decide as claimed (tests hold it at zero).
	mismatches int
}

// Exact reports whether the answer holds for every request: nothing was
// approximated.
func (d *Diff) Exact() bool { return len(d.Notes) == 0 }

// Options adjust a question.
type Options struct {
	// Principal is the caller the requests come from; the default is a
	// user of account 111111111111. RoleARN, for a role's session, is the
	// role's ARN when it has a path, which the session's ARN drops: the
	// requests carry it as aws:PrincipalArn, as AWS's do.
	Principal, RoleARN string
	// Now is the time of the requests; the default is a fixed moment, so
	// answers do not change with the day.
	Now time.Time
	// Owner is the account the resources of a resource policy belong to;
	// the default is the account its Resource ARNs name, else that of an
	// identity provider it trusts, else 111111111111.
	Owner string

	// madeUp says the principal was made up (callers), not given.
	madeUp bool
}

const defaultPrincipal = "arn:aws:iam::111111111111:user/ward"

// sessionPrincipal asks about a role's session: session policies apply
// to sessions only.
const sessionPrincipal = "arn:aws:sts::111111111111:assumed-role/ward/session"

// forSides chooses a session as the default caller when a side has
// session policies.
func (o *Options) forSides(sides ...Side) {
	for _, s := range sides {
		if o.Principal == "" && s.Session != nil {
			o.Principal = sessionPrincipal
		}
	}
}

// maxAccounts bounds the accounts a question is asked from.
const maxAccounts = 32

// callers are the principals a question is asked from when Options name
// none: an identity policy allows nothing in another account on its own,
// so its grants on a named account's resources are a principal's of that
// account. The question is asked from a user (a role's session, when a
// side has session policies) of each account the sides' resource ARNs
// name, and of 111111111111 when they name none; past maxAccounts, the
// rest are said not to have been asked.
func callers(opts Options, sides ...Side) ([]string, []Note) {
	if opts.Principal != "" {
		return []string{opts.Principal}, nil
	}
	session := false
	for _, s := range sides {
		session = session || s.Session != nil
	}
	accounts := namedAccounts(sides)
	var notes []Note
	if len(accounts) > maxAccounts {
		notes = append(notes, Note{Where: "accounts", What: fmt.Sprintf("the policies name %d accounts; access was asked from the first %d (%s …)", len(accounts), maxAccounts, strings.Join(accounts[:maxAccounts], ", "))})
		accounts = accounts[:maxAccounts]
	}
	if len(accounts) == 0 {
		accounts = []string{"111111111111"}
	}
	var out []string
	for _, a := range accounts {
		if session {
			out = append(out, "arn:aws:sts::"+a+":assumed-role/ward/session")
		} else {
			out = append(out, "arn:aws:iam::"+a+":user/ward")
		}
	}
	return out, notes
}

// namedAccounts are the accounts the sides' resource patterns name, in
// order.
func namedAccounts(sides []Side) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range sides {
		pols := append(append([]*policy.Policy{s.Boundary}, s.Identity...), s.Session...)
		for _, p := range pols {
			if p == nil {
				continue
			}
			for _, st := range p.Statements {
				res, _ := st.Resources()
				if res == nil {
					continue
				}
				for _, r := range res.Items {
					parts := strings.SplitN(r, ":", 6)
					if len(parts) < 6 || parts[0] != "arn" || !policy.IsAccountID(parts[4]) || seen[parts[4]] {
						continue
					}
					seen[parts[4]] = true
					out = append(out, parts[4])
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// mergeChanges adds to a list the changes of classes it does not hold
// yet; a proven change replaces a possible one of the same class.
func mergeChanges(into, more []Change) []Change {
	if len(into) == 0 {
		return more
	}
	key := func(c Change) string {
		return fmt.Sprint(c.Unknown, c.Others, strings.Join(c.Actions, ","))
	}
	at := map[string]int{}
	for i, c := range into {
		at[key(c)] = i
	}
	for _, c := range more {
		if i, ok := at[key(c)]; !ok {
			at[key(c)] = len(into)
			into = append(into, c)
		} else if c.Proven && !into[i].Proven {
			into[i] = c
		}
	}
	return into
}

// DefaultNow is the time of the requests a question asks about, unless
// Options say: fixed, so answers do not change with the day.
var DefaultNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (o *Options) fill() {
	if o.Principal == "" {
		o.Principal = defaultPrincipal
	}
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
}

// Compare finds what New allows that Old does not and the reverse, one
// change per class of actions, each with a witness. Without a principal
// in Options, it is asked from each account the policies name (callers).
func Compare(old, new Side, cat *catalog.Catalog, opts Options) (*Diff, error) {
	if resource, err := resourceQuestion(old, new); err != nil || resource {
		if err != nil {
			return nil, err
		}
		return compareResource(old, new, cat, opts)
	}
	opts.forSides(old, new)
	d := &Diff{}
	notes, err := fromEachCaller(opts, []Side{old, new}, cat, func(sp *space) []Change {
		added, removed := sp.changes(1, 0), sp.changes(0, 1)
		d.Added, d.Removed = mergeChanges(d.Added, added), mergeChanges(d.Removed, removed)
		return append(added, removed...)
	})
	d.Notes = notes
	return d, err
}

// fromEachCaller builds the space of a question from each of its callers
// and asks it; the answer's notes are the spaces' and those of the
// changes ask found.
func fromEachCaller(opts Options, sides []Side, cat *catalog.Catalog, ask func(*space) []Change) ([]Note, error) {
	who, notes := callers(opts, sides...)
	for _, principal := range who {
		o := opts
		o.Principal, o.madeUp = principal, opts.Principal == ""
		o.fill()
		sp, err := newSpace(sides, cat, o)
		if err != nil {
			return nil, err
		}
		found := ask(sp)
		notes = append(notes, sp.notesWith(found)...) // after the search, which may add one
	}
	return uniqueNotes(notes), nil
}

// NeverGrants asks whether a side allows any of the actions (patterns,
// wildcards allowed) on any of the resources ("*" when none are given),
// from each account the policies name as Compare does:
// the first access it finds, one per class of actions, each with its
// witness; none means never. A resource policy (Side.Resource) is asked
// what it grants any principal (resource.go). It is a comparison with a side that allows
// every request outside the question, so a request the checked side
// allows and that side does not is one inside it.
func NeverGrants(s Side, actions, resources []string, cat *catalog.Catalog, opts Options) ([]Change, []Note, error) {
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	if s.Resource != nil {
		return neverGrantsResource(s, actions, resources, cat, opts)
	}
	doc, _ := json.Marshal(map[string]any{"Version": policy.Version2012, "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"},
		map[string]any{"Effect": "Deny", "Action": actions, "Resource": resources},
	}})
	outside, err := policy.Parse(doc, "the question")
	if err != nil {
		return nil, nil, fmt.Errorf("the question: %w", err)
	}
	opts.forSides(s)
	question := Side{Name: "the question", Identity: []*policy.Policy{outside}}
	// The accounts the question's resources name are asked from too.
	var found []Change
	notes, err := fromEachCaller(opts, []Side{question, s}, cat, func(sp *space) []Change {
		more := sp.changes(1, 0)
		found = mergeChanges(found, more)
		return more
	})
	return found, notes, err
}
