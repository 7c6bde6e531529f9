package generate

import (
	"fmt"
	"sort"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/reason"
)

// Current compares the generated policy with what the principal has today.
type Current struct {
	// Statements are the current policies' Allow statements, each with
	// what of it the calls used.
	Statements []CurrentStatement `json:"statements"`
	// NotGranted are permissions the calls used that the current policies
	// do not grant: another policy (a resource policy, a group's) must
	// have.
	NotGranted []Permission `json:"notGranted,omitempty"`
	// Tightening is the proof: Added is what the generated policy allows
	// that the current one does not (nothing, for a PASS); Removed is what
	// the generated policy no longer allows.
	Tightening *reason.Diff `json:"-"`
}

// CurrentStatement is one Allow statement of a current policy and its use.
type CurrentStatement struct {
	Policy    string `json:"policy"`
	Statement int    `json:"statement"`
	Sid       string `json:"sid,omitempty"`
	// Calls counts the calls whose permissions it allowed; 0: unused.
	Calls int `json:"calls"`
	// UsedActions are the actions the calls used through it;
	// UnusedActions the ones it grants that none used (for an Action
	// list, expanded through the catalog), UnusedActionCount their number
	// (the list stops at 50).
	UsedActions       []string `json:"usedActions,omitempty"`
	UnusedActions     []string `json:"unusedActions,omitempty"`
	UnusedActionCount int      `json:"unusedActionCount"`
	// UnusedResources are its Resource patterns no used permission fell in.
	UnusedResources []string `json:"unusedResources,omitempty"`
}

const maxUnusedListed = 50

// CompareCurrent says what the current identity policies grant that the
// calls did not use, and proves that the generated policy grants nothing
// they do not.
func (r *Result) CompareCurrent(current []*policy.Policy, names []string, cat *catalog.Catalog) (*Current, error) {
	var compiled []*engine.Compiled
	for i, p := range current {
		compiled = append(compiled, engine.Compile(p, names[i]))
	}
	set, err := identitySet(compiled, r.principal)
	if err != nil {
		return nil, err
	}
	type stmtUse struct {
		calls     int
		actions   map[string]bool
		resources map[string]bool
	}
	uses := map[[2]int]*stmtUse{}
	r.notGrantedList = nil
	for _, n := range r.needs {
		// Decided with each context its calls came with: a statement any
		// of them matched was used; a permission one of them is refused
		// is not granted by the current policies alone.
		matched := map[[2]int]*policy.Statement{}
		granted := true
		for _, ctx := range r.contextsOf(n) {
			req := requestFor(r.principal, n, ctx)
			p, err := req.Prepare()
			if err != nil {
				return nil, err
			}
			d := set.Decide(p)
			if d.Result != engine.Allowed {
				granted = false
				break
			}
			for _, m := range d.Matched() {
				if m.Type == engine.TypeIdentity {
					matched[[2]int{m.Index, m.Statement}] = m.Source
				}
			}
		}
		if !granted {
			r.notGranted(n)
			continue
		}
		calls := r.callsOf(n)
		for k, src := range matched {
			u := uses[k]
			if u == nil {
				u = &stmtUse{actions: map[string]bool{}, resources: map[string]bool{}}
				uses[k] = u
			}
			u.calls += calls
			u.actions[n.Action] = true
			if src.Resource != nil {
				for _, pat := range src.Resource.Items {
					if glob.Match(pat, n.Resource) {
						u.resources[pat] = true
					}
				}
			}
		}
	}
	c := &Current{NotGranted: r.notGrantedList}
	for pi, p := range current {
		for si, s := range p.Statements {
			if s.Effect != policy.Allow {
				continue
			}
			cs := CurrentStatement{Policy: names[pi], Statement: si, Sid: s.Sid}
			u := uses[[2]int{pi, si}]
			if u == nil {
				u = &stmtUse{}
			}
			cs.Calls = u.calls
			for a := range u.actions {
				cs.UsedActions = append(cs.UsedActions, a)
			}
			sort.Strings(cs.UsedActions)
			if s.Action != nil {
				granted := map[string]bool{}
				for _, pat := range s.Action.Items {
					acts, err := cat.Expand(pat)
					if err != nil {
						return nil, err
					}
					for _, a := range acts {
						granted[a.FullName()] = true
					}
				}
				var unused []string
				for a := range granted {
					if !u.actions[a] {
						unused = append(unused, a)
					}
				}
				sort.Strings(unused)
				cs.UnusedActionCount = len(unused)
				if len(unused) > maxUnusedListed {
					unused = unused[:maxUnusedListed]
				}
				cs.UnusedActions = unused
			}
			if s.Resource != nil {
				for _, pat := range s.Resource.Items {
					if !u.resources[pat] {
						cs.UnusedResources = append(cs.UnusedResources, pat)
					}
				}
			}
			c.Statements = append(c.Statements, cs)
		}
	}
	gen, err := policy.ParseKind(r.Policy.JSON(), "generated", policy.KindIdentity, policy.SkipSizeLimit)
	if err != nil {
		return nil, fmt.Errorf("the generated policy does not parse: %v", err)
	}
	c.Tightening, err = reason.Compare(
		reason.Side{Name: "current", Identity: current},
		reason.Side{Name: "generated", Identity: []*policy.Policy{gen}},
		cat, reason.Options{Principal: r.principal})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (r *Result) callsOf(n need) int {
	if u := r.uses[n]; u != nil {
		return u.Calls
	}
	return 0
}

func (r *Result) notGranted(n need) {
	if u := r.uses[n]; u != nil {
		r.notGrantedList = append(r.notGrantedList, Permission{Action: n.Action, Resource: n.Resource, Use: *u})
	}
}
