package reason

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// space is the request space of a question: the regions of every
// dimension, and the statements of every side as boxes over them.
type space struct {
	cat   *catalog.Catalog
	opts  Options
	sides []*compiledSide
	notes []Note

	actionText    []string // action atoms: lower-cased patterns
	actionClasses []actionClass
	// actionGroup is each action pattern's group of interchangeable
	// patterns (those every statement holds all or none of), and
	// groupMembers each group's patterns, in order.
	actionGroup  []int
	groupMembers [][]int

	resourceText []string
	resourcePats []pattern
	// resourceSvc is each resource pattern's service when it names one
	// without wildcards, else "".
	resourceSvc []string
	// resourceGroup is each resource pattern's group of interchangeable
	// patterns (of one service, every statement's list holding all or none
	// of them), resourceMembers each group's; a region's signature says of
	// each member whether its group matches (closeResources).
	resourceGroup   []int
	resourceMembers [][]int
	resources       []region
	// byFormat caches the resource regions over one ARN format's ARNs;
	// fitExact says the last search for a resource of an action's type
	// walked every format to the end, fitNoted that a bound was said.
	byFormat   map[string]*formatWalk
	fits       map[[2]int]bool // class, region → holds a resource of the class's actions
	formatPats map[string][]pattern
	fitExact   bool

	keys  []*keyDim
	byKey map[string]int // lower-cased key → index in keys
	// varKeys finds the dimension of a condition element or resource
	// pattern that names a policy variable (variables.go).
	varKeys map[string]int

	// steps counts the condition search's steps against maxSteps;
	// truncated says the bound was reached, and the answer is not exact.
	steps, work               int
	truncated, truncatedNoted bool

	// deferring is the resource policy every witness is decided with.
	deferring *engine.Compiled

	// mismatches counts witnesses the engine did not decide as the search
	// claimed, in an exact question: a fault of the model, which tests
	// hold at zero.
	mismatches int

	// owner, when set, is the account the resources belong to (a
	// resource policy's question), else the principal's.
	owner string
	// trusted, when set, says which values of a key are the trusted
	// accounts' and organizations' own (a public-access question): those
	// no outside request can carry.
	trusted func(key string, values []string) bool
	// extra are more candidate values per lower-cased key, tried first
	// so a witness reads well: a pattern filled with the outside account.
	extra map[string][]string
	// fixed are the domains every solution starts from: the points a
	// principal's own keys are bound to, and the untrusted points of keys
	// that name accounts, organizations and networks.
	fixed map[int][]bool
	// given are context keys every witness carries: those the principal
	// brings that the engine does not derive.
	given map[string][]string
	// varying says the principal changes from one part of the question
	// to the next (a public-access question), so nothing of it is bound
	// when the space is built. Otherwise the keys the principal decides
	// are bound to its values (caller), and policy variables of those
	// keys read as their values (boundValues, lower-cased keys).
	varying bool
	caller  outsider
	// anyOwner says every resource's own policy allows every request,
	// whoever owns it: a question about what a statement can meet.
	anyOwner    bool
	boundValues map[string]string
	// boundRead are the lower-cased keys whose variables were read as
	// their values in a policy's text.
	boundRead map[string]bool
	// markersAdded says the markers of what a governed policy decides
	// apart are in the space; moreAccounts are the accounts of governed
	// resources other than the principal's, whose ARNs are regions too.
	markersAdded bool
	moreAccounts []string
	// protectedAdded says the markers of AWS's protected resources are in
	// the space (a policy names one); resourceAt finds a resource
	// pattern's index (regionIn).
	protectedAdded bool
	resourceAt     map[string]int
}

// compiledSide is a side's statements, and its engine set for replay.
type compiledSide struct {
	side     Side
	stmts    []*stmt
	set      *engine.Set
	policies []*policy.Policy
	// byName finds a policy by the name answers give it; gates are the
	// gates each allowed request needs an allow of.
	byName map[string]*policy.Policy
	gates  []int
	// plain is the one way a request outside the governed resources is
	// allowed: an allow of each gate. governed are the side's resource
	// policies in the question (governed.go).
	plain    []alternative
	governed []*governedRes
}

// Gates: the policy types a request needs an allow of each — identity,
// the boundary, the session policies, each SCP level — and the deny-only
// ones (RCP levels, whose RCPFullAWSAccess allows everything).
const (
	gateDenyOnly = -1
	gateIdentity = 0
	gateBoundary = 1
	gateSession  = 2
	gateSCP0     = 3
	// gateEndpoint is the VPC endpoint policy's, required like an SCP
	// level; below the governed policies' gates.
	gateEndpoint = 90
)

// actionClass is a set of actions the action patterns decide alike.
type actionClass struct {
	actions []string
	// unknown: the class is of names the catalog does not list; others:
	// of every catalog action no pattern matches (actions holds one);
	// unlisted: names the catalog does not list fall in it too.
	unknown, others, unlisted bool
	// on are the indexes of the action patterns the class matches, in
	// order.
	on []int
}

// stmt is a statement as a box over the dimensions' atoms.
type stmt struct {
	ref       StatementRef
	effect    policy.Effect
	notAction bool
	actions   []int
	// actionBits holds actions as a set, for the classes to be matched
	// against.
	actionBits stmtSet
	// anyResource: the statement has no Resource element (it applies to
	// every resource).
	anyResource bool
	notResource bool
	// resources holds, for the statement widened and narrowed (a policy
	// variable makes the two differ), the atoms of its Resource or
	// NotResource; -1 is an atom that matches nothing.
	resources [2][]int
	conds     []condRef
	// approx says a witness may fail to show what the search found (a
	// policy variable's dimension is wider than the truth, or a pattern
	// was widened); notes say where, for an answer that ends possible.
	approx bool
	notes  []Note
	// varPattern is the Resource pattern with policy variables this box
	// of its statement stands for, "" if none.
	varPattern string
	// splits are its condition elements with variables whose operators
	// hold without their key (splitLoose); presentKeys, for a box with a
	// variable resource pattern, the keys its variables read.
	splits      []keySplit
	presentKeys []string
	// principal is the statement's Principal or NotPrincipal (notPrincipal
	// says which), for a resource policy's question; nil in an identity
	// policy.
	principal    *policy.Principal
	notPrincipal bool
	// gate is the policy type the statement is of (gateIdentity, …);
	// within, for a governed policy's statement, is 1 + the index of the
	// policy, whose resources alone it applies to.
	gate, within int
}

// widen and narrow index stmt.resources and condRef.konst.
const (
	widen  = 0
	narrow = 1
)

// condRef is one condition element of a statement: an atom of a key, or,
// where a policy variable keeps it from being decided, a constant for the
// widened and narrowed statement.
type condRef struct {
	key, atom int
	approx    bool
}

// keyDim is a condition key's dimension.
type keyDim struct {
	name   string
	atoms  []*condAtom
	points []keyPoint
	exact  bool
	// variable is set for the dimension of an element or pattern that
	// names a policy variable: its points are "holds" and "does not".
	variable *variableAtom
	// joint is set for the dimension that joins resource patterns with
	// variables one of which matches wherever another does (joinImplied).
	joint *jointDim
}

// condAtom is one condition element, decided on a value by the engine.
type condAtom struct {
	op, key string
	values  []string
	set     *engine.Set
	// everyone is the atom in a resource policy for every caller, made
	// when a public-access question first asks it.
	everyone *engine.Set
}

// keyPoint is one value of a key (absent, or a list of values) and the
// truth of each of the key's atoms on it.
type keyPoint struct {
	absent bool
	values []string
	truth  []bool
	// trusted: the values are a trusted account's or organization's own
	// (a public-access question only).
	trusted bool
}

// newSpace builds the space of a question; setup, when given, sets what a
// kind of question adds (an owner, what is trusted) before the dimensions
// are cut.
func newSpace(sides []Side, cat *catalog.Catalog, opts Options, setup ...func(*space)) (*space, error) {
	sp := &space{cat: cat, opts: opts, byKey: map[string]int{}}
	for _, f := range setup {
		f(sp)
	}
	// The question is what the identity policies allow, so the resource's
	// own policy is taken to leave it to them: it names the principal's
	// account, as KMS's default key policy and a role trusting its account
	// do. (With no resource policy at all, a KMS key or a role would allow
	// nothing, whatever the identity policies say.)
	// Only a resource of that account has it: another account's resource
	// allows nothing unless its own policy says so.
	doc := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::` + sp.account() + `:root"}, "Action": "*", "Resource": "*",
		"Condition": {"StringEquals": {"aws:ResourceAccount": "` + sp.account() + `"}}}]}`
	if sp.anyOwner {
		// A question about what a statement can meet, not whom it allows:
		// every resource's policy, whoever owns it, leaves the principal's
		// account to decide.
		doc = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::` + sp.account() + `:root"}, "Action": "*", "Resource": "*"}]}`
	}
	deferring, err := policy.Parse([]byte(doc), "the resource's policy")
	if err != nil {
		return nil, err
	}
	sp.deferring = engine.Compile(deferring, "the resource's policy")
	if !sp.varying {
		sp.bindCaller()
	}
	actionIndex := map[string]int{}
	resourceIndex := map[string]int{}
	atomIndex := map[string][2]int{}
	addAction := func(p string) int {
		p = strings.ToLower(p)
		if i, ok := actionIndex[p]; ok {
			return i
		}
		actionIndex[p] = len(sp.actionText)
		sp.actionText = append(sp.actionText, p)
		return actionIndex[p]
	}
	addResource := func(p string) int {
		if i, ok := resourceIndex[p]; ok {
			return i
		}
		resourceIndex[p] = len(sp.resourceText)
		sp.resourceText = append(sp.resourceText, p)
		return resourceIndex[p]
	}
	addCond := func(c *policy.Condition) ([2]int, error) {
		k := strings.ToLower(c.Key)
		id := k + "\x00" + c.Operator + "\x00" + strings.Join(c.Values.Items, "\x00")
		if ref, ok := atomIndex[id]; ok {
			return ref, nil
		}
		ki, ok := sp.byKey[k]
		if !ok {
			ki = len(sp.keys)
			sp.byKey[k] = ki
			sp.keys = append(sp.keys, &keyDim{name: c.Key, exact: true})
		}
		a, err := sp.probe(c)
		if err != nil {
			return [2]int{}, err
		}
		kd := sp.keys[ki]
		ref := [2]int{ki, len(kd.atoms)}
		kd.atoms = append(kd.atoms, a)
		atomIndex[id] = ref
		return ref, nil
	}
	for si, side := range sides {
		cs := &compiledSide{side: side, byName: map[string]*policy.Policy{}}
		// add compiles a policy's statements into the side, in a gate (an
		// allow of each required gate is needed; gateDenyOnly keeps only
		// the denies).
		add := func(p *policy.Policy, name string, gate int) (*engine.Compiled, error) {
			cs.byName[name] = p
			vars := p.SupportsVariables()
			for _, s := range p.Statements {
				if gate == gateDenyOnly && s.Effect != policy.Deny {
					continue
				}
				st := &stmt{ref: StatementRef{Policy: name, Statement: s.Index, Sid: s.Sid}, effect: s.Effect, gate: gate}
				st.principal, st.notPrincipal = s.Principals()
				sp.noteUnmatchable(name, s.Path, st.principal)
				acts, not := s.Actions()
				st.notAction = not
				if acts != nil {
					for _, a := range acts.Items {
						st.actions = append(st.actions, addAction(a))
					}
				}
				res, notRes := s.Resources()
				st.notResource = notRes
				el := "Resource"
				if notRes {
					el = "NotResource"
				}
				var varRes []varResource
				if res == nil {
					st.anyResource = true
				} else {
					for i, r := range res.Items {
						if vars {
							r = sp.bindVariables(r)
						}
						if vars && hasVariable(r) {
							where := fmt.Sprintf("%s: %s.%s[%d]", name, s.Path, el, i)
							ki, err := sp.variableKey("resource "+r, &variableAtom{pattern: r})
							if err != nil {
								return nil, fmt.Errorf("%s: %w", where, err)
							}
							varRes = append(varRes, varResource{text: r, where: where, wide: addResource(variableToStar(r)), key: ki})
							continue
						}
						i := addResource(r)
						st.resources[widen] = append(st.resources[widen], i)
						st.resources[narrow] = append(st.resources[narrow], i)
					}
				}
				for _, c := range s.Conditions {
					if vars {
						c = sp.bindCondition(c)
					}
					if vars && hasVariable(strings.Join(c.Values.Items, "")) {
						ki, err := sp.variableKey("condition "+strings.ToLower(c.Key)+"\x00"+c.Operator+"\x00"+strings.Join(c.Values.Items, "\x00"), &variableAtom{cond: c})
						if err != nil {
							return nil, fmt.Errorf("%s: %s: %w", name, c.Path, err)
						}
						st.approx = true
						st.conds = append(st.conds, condRef{key: ki, atom: variableHolds})
						st.notes = append(st.notes, variableNote(name+": "+c.Path, strings.Join(c.Values.Items, ", ")))
						// What holding implies of the keys: the variables
						// resolve (an element whose variable does not is
						// false), and, for an operator that needs its key,
						// the key is there; for one true without its key
						// (Not..., ...IfExists, ForAllValues:), the key is
						// absent or the variables resolve, a split.
						present := []string{}
						for _, v := range c.Values.Items {
							present = append(present, variablesWithoutDefault(v)...)
						}
						if op, ok := policy.ParseOperator(c.Operator); ok && (strings.Contains(op.Base, "Not") || op.IfExists || op.Set == "ForAllValues") {
							st.splits = append(st.splits, keySplit{key: c.Key, present: present})
							continue
						}
						for _, k := range append(present, c.Key) {
							ref, err := addCond(nullFalse(k))
							if err != nil {
								return nil, fmt.Errorf("%s: %s: %w", name, c.Path, err)
							}
							st.conds = append(st.conds, condRef{key: ref[0], atom: ref[1]})
						}
						continue
					}
					ref, err := addCond(c)
					if err != nil {
						return nil, fmt.Errorf("%s: %s: %w", name, c.Path, err)
					}
					st.conds = append(st.conds, condRef{key: ref[0], atom: ref[1]})
				}
				for _, b := range sp.boxes(st, varRes) {
					split, err := sp.splitLoose(b, addCond)
					if err != nil {
						return nil, fmt.Errorf("%s: %s: %w", name, s.Path, err)
					}
					cs.stmts = append(cs.stmts, split...)
				}
			}
			return engine.Compile(p, name), nil
		}
		pols := engine.Policies{Resource: sp.deferring}
		cs.gates = []int{gateIdentity}
		for pi, p := range side.Identity {
			c, err := add(p, policyName(side, pi), gateIdentity)
			if err != nil {
				return nil, err
			}
			pols.Identity = append(pols.Identity, c)
			cs.policies = append(cs.policies, p)
		}
		if side.rest != nil {
			if _, err := add(side.rest, outsideOwnPolicy, gateIdentity); err != nil {
				return nil, err
			}
		}
		if side.Boundary != nil {
			c, err := add(side.Boundary, typeName(side.Boundary, side.Name, "boundary"), gateBoundary)
			if err != nil {
				return nil, err
			}
			pols.Boundary = c
			cs.gates = append(cs.gates, gateBoundary)
		}
		if side.Session != nil {
			pols.Session = []*engine.Compiled{}
			for i, p := range side.Session {
				c, err := add(p, typeName(p, side.Name, fmt.Sprintf("session policy %d", i+1)), gateSession)
				if err != nil {
					return nil, err
				}
				pols.Session = append(pols.Session, c)
			}
			cs.gates = append(cs.gates, gateSession)
		}
		for level, ps := range side.SCPs {
			var lv []*engine.Compiled
			for i, p := range ps {
				c, err := add(p, typeName(p, side.Name, fmt.Sprintf("SCP level %d, %d", level, i+1)), gateSCP0+level)
				if err != nil {
					return nil, err
				}
				lv = append(lv, c)
			}
			pols.SCPs = append(pols.SCPs, lv)
			cs.gates = append(cs.gates, gateSCP0+level)
		}
		for level, ps := range side.RCPs {
			var lv []*engine.Compiled
			for i, p := range ps {
				c, err := add(p, typeName(p, side.Name, fmt.Sprintf("RCP level %d, %d", level, i+1)), gateDenyOnly)
				if err != nil {
					return nil, err
				}
				lv = append(lv, c)
			}
			pols.RCPs = append(pols.RCPs, lv)
		}
		if side.Endpoint != nil {
			first := len(cs.stmts)
			c, err := add(side.Endpoint, typeName(side.Endpoint, side.Name, "VPC endpoint policy"), gateEndpoint)
			if err != nil {
				return nil, err
			}
			// Only the statements that name the principal count.
			kept := cs.stmts[:first]
			for _, st := range cs.stmts[first:] {
				probe, err := principalProbe(st)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", st.ref, err)
				}
				if sp.probeGrants(probe, outsider{principal: sp.opts.Principal, given: sp.given}, true) {
					kept = append(kept, st)
				}
			}
			cs.stmts = kept
			sp.noteMadeUp(side.Endpoint, typeName(side.Endpoint, side.Name, "VPC endpoint policy"))
			pols.VPCEndpoint = c
			cs.gates = append(cs.gates, gateEndpoint)
		}
		for _, g := range cs.gates {
			if len(cs.plain) == 0 {
				cs.plain = []alternative{nil}
			}
			cs.plain[0] = append(cs.plain[0], requirement{g})
		}
		if err := sp.addGoverned(cs, side, pols, add); err != nil {
			return nil, err
		}
		set, err := engine.NewSet(pols)
		if err != nil {
			return nil, err
		}
		cs.set = set
		sp.sides = append(sp.sides, cs)
		_ = si
	}
	var inert []*policy.Statement
	if sp.namesProtected() {
		inert = append(inert, protectedMarkers.Statements...)
		sp.protectedAdded = true
	}
	if sp.varying {
		// The principal varies, anonymous callers among them: the actions
		// that take unsigned requests are set apart (takesUnsigned).
		inert = append(inert, unsignedMarkers.Statements...)
	}
	if len(inert) > 0 && len(sp.sides) > 0 {
		// Markers, as inert statements of the first side: their patterns
		// cut the dimensions for every side.
		for _, ps := range inert {
			st := &stmt{ref: StatementRef{Policy: outsideOwnPolicy, Statement: ps.Index}, effect: policy.Allow, gate: gateInert}
			acts, _ := ps.Actions()
			for _, a := range acts.Items {
				st.actions = append(st.actions, addAction(a))
			}
			res, _ := ps.Resources()
			for _, r := range res.Items {
				i := addResource(r)
				st.resources[widen] = append(st.resources[widen], i)
				st.resources[narrow] = append(st.resources[narrow], i)
			}
			sp.sides[0].stmts = append(sp.sides[0].stmts, st)
		}
	}
	sp.joinImplied()
	sp.buildActions()
	for _, cs := range sp.sides {
		for _, st := range cs.stmts {
			st.actionBits = newStmtSet(len(sp.actionText))
			for _, a := range st.actions {
				st.actionBits.set(a)
			}
		}
	}
	if err := sp.buildResources(); err != nil {
		return nil, err
	}
	sp.notes = uniqueNotes(sp.notes)
	defer func() {
		if !sp.varying {
			sp.bindKeys(sp.caller) // kept: the principal is the question's throughout
		}
	}()
	for _, kd := range sp.keys {
		if kd.variable != nil || kd.joint != nil {
			continue // its points are made with it
		}
		sp.buildKey(kd)
		if !kd.exact {
			sp.notes = append(sp.notes, Note{Where: "condition key " + kd.name, What: "more value regions than ward enumerates; some combinations of its conditions were not tried"})
		}
	}
	return sp, nil
}

// namesProtected reports whether a side's policy names a resource AWS
// protects (namesProtected).
func (sp *space) namesProtected() bool {
	for _, t := range sp.resourceText {
		if namesProtected(t) {
			return true
		}
	}
	return false
}

// noteMadeUp says, of a policy that tells principals apart (one it names,
// or a condition on a key the principal decides), that the question is
// asked from a made-up principal: what it lets others do is not decided.
func (sp *space) noteMadeUp(p *policy.Policy, name string) {
	if !sp.opts.madeUp {
		return
	}
	for _, st := range p.Statements {
		pr, _ := st.Principals()
		specific := pr != nil && !pr.Wildcard
		if specific {
			specific = false
			for _, e := range pr.Entries {
				for _, v := range e.Values.Items {
					specific = specific || v != "*"
				}
			}
		}
		for _, c := range st.Conditions {
			specific = specific || boundKeys[strings.ToLower(c.Key)] || strings.HasPrefix(strings.ToLower(c.Key), "aws:principal")
		}
		if specific {
			sp.notes = append(sp.notes, Note{Where: name, What: fmt.Sprintf("it tells principals apart, and the question is asked from a made-up one (%s): what it lets others do is not decided; an input that defines the principal gives it", sp.opts.Principal)})
			return
		}
	}
}

// noteUnmatchable says which principals of a statement name no one ward
// can match: a template's reference (ward-ref-Role.Arn for !GetAtt, a
// parameter's !Ref) or a value that is no principal. The engine matches
// them to no one, as IAM would refuse them; what they would name once
// deployed is not decided, and the answer says so.
func (sp *space) noteUnmatchable(policyName, path string, pr *policy.Principal) {
	if pr == nil || pr.Wildcard {
		return
	}
	for _, e := range pr.Entries {
		for _, v := range e.Values.Items {
			bad := strings.Contains(v, "ward-ref-") || strings.Contains(v, "${")
			if !bad && e.Type == policy.PrincipalAWS && v != "*" && !policy.IsAccountID(v) {
				_, err := engine.ParseCaller(v)
				bad = err != nil
			}
			if bad {
				sp.notes = append(sp.notes, Note{Where: policyName + ": " + path + ".Principal", What: fmt.Sprintf("%q is not a principal ward can match (a template's reference is filled in only when deployed): whom it names is not decided", v)})
			}
		}
	}
}

// uniqueNotes drops repeated notes: the same policy on both sides says
// the same thing once.
func uniqueNotes(ns []Note) []Note {
	seen := map[Note]bool{}
	var out []Note
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func policyName(side Side, i int) string { return PolicyName(side, i) }

// typeName names a boundary, session policy or organization policy in
// answers: its file and what it is, else the side's name and what it is.
func typeName(p *policy.Policy, side, what string) string {
	if p.File != "" {
		return p.File + " (" + strings.SplitN(what, " level", 2)[0] + ")"
	}
	return side + " (" + what + ")"
}

// PolicyName is how answers name a side's i-th policy (StatementRef.Policy):
// the side's name and the policy's own (Side.Names) when it has one, else
// the side's name when it has one policy, else the name and #i+1.
func PolicyName(side Side, i int) string {
	if i < len(side.Names) && side.Names[i] != "" {
		return side.Name + ": " + side.Names[i]
	}
	if len(side.Identity) == 1 {
		return side.Name
	}
	return fmt.Sprintf("%s#%d", side.Name, i+1)
}

// variableToStar widens a pattern's policy variables to "*".
func variableToStar(s string) string { return variableRE.ReplaceAllString(s, "*") }

// probe compiles a condition element alone, for the engine to decide it on
// candidate values: as an identity policy and as a resource policy for
// everyone, so that whose the resource is changes nothing.
func (sp *space) probe(c *policy.Condition) (*condAtom, error) {
	set, err := probeSet(map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*",
		"Condition": map[string]any{c.Operator: map[string]any{c.Key: c.Values.Items}}})
	if err != nil {
		return nil, err
	}
	return &condAtom{op: c.Operator, key: c.Key, values: c.Values.Items, set: set}, nil
}

// buildActions groups the catalog's actions by the action patterns they
// match, and adds a class for each way a name the catalog does not list
// could match them. The actions no pattern matches are one class, kept
// as one of them: every other action. A class is the list of the
// patterns it matches (one or two of a policy's thousands, for most).
func (sp *space) buildActions() {
	n := len(sp.actionText)
	sp.groupActions()
	hits := map[string][]int{}
	var matched []string
	// A pattern of every action is in every name's hits: kept aside, so
	// that a policy with Action "*" does not map each of the catalog's
	// thousands of actions.
	var stars []int
	for i, pat := range sp.actionText {
		if pat == "*" || pat == "*:*" {
			stars = append(stars, i)
			continue
		}
		acts, err := sp.cat.Expand(pat)
		if err != nil {
			continue
		}
		for _, a := range acts {
			name := a.FullName()
			h, ok := hits[name]
			if !ok {
				matched = append(matched, name)
			}
			if len(h) == 0 || h[len(h)-1] != i {
				hits[name] = append(h, i)
			}
		}
	}
	if len(stars) > 0 {
		matched = sortedActionNames(sp.cat)
	} else if !slices.IsSorted(matched) { // the catalog's order, for one pattern
		sort.Strings(matched)
	}
	classOf := map[string]int{}
	starsOnly := sp.closed(stars)
	starsKey := onKey(starsOnly)
	for _, name := range matched {
		h := hits[name]
		on, k := starsOnly, starsKey
		if len(h) > 0 {
			on = sp.closed(append(append([]int(nil), h...), stars...))
			k = onKey(on)
		}
		ci, ok := classOf[k]
		if !ok {
			ci = len(sp.actionClasses)
			classOf[k] = ci
			sp.actionClasses = append(sp.actionClasses, actionClass{on: on})
		}
		sp.actionClasses[ci].actions = append(sp.actionClasses[ci].actions, name)
	}
	other := "" // a pattern of every action leaves none unmatched
	if len(stars) == 0 {
		other = sp.unmatchedAction(hits)
	}
	if other != "" {
		classOf[onKey(nil)] = len(sp.actionClasses)
		sp.actionClasses = append(sp.actionClasses, actionClass{actions: []string{other}, others: true})
	}
	pats := make([]pattern, n)
	for i, t := range sp.actionText {
		pats[i] = globPattern(t, true)
	}
	sp.markUnlisted(pats)
	groupOf := make([]string, n)
	literal := map[string]bool{}
	for i, t := range sp.actionText {
		svc, _, _ := strings.Cut(t, ":")
		if !strings.ContainsAny(svc, "*?") {
			groupOf[i] = svc
			literal[svc] = true
		}
	}
	regs, exact := groupedRegions(pats, groupOf, ":", func(svc string) []pattern {
		if svc != "" {
			return []pattern{append(literalPattern(svc+":", true), elem{kind: elemOne}, elem{kind: elemStar})}
		}
		// A service no pattern names: one the catalog lacks, and one shaped
		// like each wildcard service part.
		var out []pattern
		for _, name := range unseenNames(sp.actionText, groupOf, literal) {
			out = append(out, append(literalPattern(name+":", true), elem{kind: elemOne}, elem{kind: elemStar}))
		}
		return out
	}, sp.actionGroup)
	if !exact {
		sp.notes = append(sp.notes, Note{Where: "actions", What: "the action patterns have more combinations than ward walks; actions the catalog does not list were not all tried"})
	}
	for _, r := range regs {
		if !actionShaped(r.example) {
			continue
		}
		on := sp.closed(onOf(r.matches))
		k := onKey(on)
		if _, ok := classOf[k]; ok {
			continue
		}
		classOf[k] = len(sp.actionClasses)
		sp.actionClasses = append(sp.actionClasses, actionClass{actions: []string{r.example}, unknown: true, unlisted: true, on: on})
	}
}

// groupActions finds the groups of interchangeable action patterns: a
// class is decided by which statements hold a pattern it matches, so two
// patterns in the same statements tell no classes apart.
func (sp *space) groupActions() {
	in := make([][]byte, len(sp.actionText))
	for si, cs := range sp.sides {
		for ti, st := range cs.stmts {
			for _, a := range st.actions {
				in[a] = append(in[a], byte(si), byte(ti), byte(ti>>8), byte(ti>>16))
			}
		}
	}
	byKey := map[string]int{}
	sp.actionGroup = make([]int, len(sp.actionText))
	sp.groupMembers = nil
	for i := range sp.actionText {
		g, ok := byKey[string(in[i])]
		if !ok {
			g = len(sp.groupMembers)
			byKey[string(in[i])] = g
			sp.groupMembers = append(sp.groupMembers, nil)
		}
		sp.actionGroup[i] = g
		sp.groupMembers[g] = append(sp.groupMembers[g], i)
	}
}

// closed is a class's patterns with each group of interchangeable ones
// by its first, in order: the form classes are told apart by, and as
// good as the whole group to match statements against.
func (sp *space) closed(on []int) []int {
	if len(on) == 0 {
		return nil
	}
	out := make([]int, 0, len(on))
	for _, p := range on {
		out = append(out, sp.groupMembers[sp.actionGroup[p]][0])
	}
	sort.Ints(out)
	return slices.Compact(out)
}

// sortedNames caches, per catalog, every action's name in order.
var sortedNames sync.Map // *catalog.Catalog → []string

// sortedActionNames are the catalog's actions' names, sorted; shared,
// not to be changed.
func sortedActionNames(cat *catalog.Catalog) []string {
	if v, ok := sortedNames.Load(cat); ok {
		return v.([]string)
	}
	acts, _ := cat.Expand("*")
	names := make([]string, 0, len(acts))
	for _, a := range acts {
		names = append(names, a.FullName())
	}
	sort.Strings(names)
	names = slices.Compact(names)
	v, _ := sortedNames.LoadOrStore(cat, names)
	return v.([]string)
}

// onKey is a class's patterns as a map key.
func onKey(on []int) string {
	b := make([]byte, 0, 4*len(on))
	for _, i := range on {
		b = append(b, byte(i), byte(i>>8), byte(i>>16), byte(i>>24))
	}
	return string(b)
}

// onOf is the indexes set in a signature.
func onOf(m []bool) []int {
	var on []int
	for i, v := range m {
		if v {
			on = append(on, i)
		}
	}
	return on
}

// unmatchedAction is a catalog action no pattern matches, or "" when the
// patterns match them all; services are read one at a time until one has
// such an action.
func (sp *space) unmatchedAction(mark map[string][]int) string {
	if slices.Contains(sp.actionText, "*") {
		return "" // "*" matches every action
	}
	for _, prefix := range sp.cat.Prefixes() {
		svc, err := sp.cat.Service(prefix)
		if err != nil || svc == nil {
			continue
		}
		names := make([]string, 0, len(svc.Actions))
		for _, a := range svc.Actions {
			names = append(names, a.FullName())
		}
		sort.Strings(names)
		for _, name := range names {
			if _, ok := mark[name]; !ok {
				return name
			}
		}
	}
	return ""
}

// markUnlisted sets unlisted on the catalog classes that hold a name the
// catalog does not list: a wildcard of one of the patterns they match
// filled with a made-up word, matched exactly as the class is. A name
// of one service can only match that service's patterns and those whose
// service part has a wildcard, so only those are run.
func (sp *space) markUnlisted(pats []pattern) {
	byService := map[string][]int{}
	var wild []int
	for i, t := range sp.actionText {
		svc, _, _ := strings.Cut(t, ":")
		if strings.ContainsAny(svc, "*?") {
			wild = append(wild, i)
		} else {
			byService[svc] = append(byService[svc], i)
		}
	}
	// sameOn reports whether exactly the patterns of on match name.
	sameOn := func(name string, on []int) bool {
		svc, _, _ := strings.Cut(strings.ToLower(name), ":")
		cands := append(append([]int(nil), byService[svc]...), wild...)
		sort.Ints(cands)
		var got []int
		for _, i := range cands {
			if pats[i].match(name) {
				got = append(got, i)
			}
		}
		return slices.Equal(sp.closed(got), on)
	}
	for i := range sp.actionClasses {
		ac := &sp.actionClasses[i]
		if ac.unknown {
			continue
		}
		if ac.others {
			// A service the catalog does not know matches no pattern
			// unless one matches every service.
			ac.unlisted = sameOn("zqward:Zqward", nil)
			continue
		}
		for _, j := range ac.on {
			if !strings.ContainsAny(sp.actionText[j], "*?") {
				continue
			}
			// The pattern's wildcards filled, or a service no catalog has
			// (for a pattern whose service part is a wildcard, "*" itself).
			for _, name := range []string{strings.NewReplacer("*", "Zqward", "?", "Z").Replace(sp.actionText[j]), "zqward:Zqward"} {
				if a, err := sp.cat.Action(name); err == nil && a != nil || !actionShaped(name) {
					continue
				}
				if sameOn(name, ac.on) {
					ac.unlisted = true
					break
				}
			}
			if ac.unlisted {
				break
			}
		}
	}
}

// unseenNames are service names no pattern names literally, for the
// strings only wildcard patterns match: a made-up one, and one shaped
// like each wildcard service part ("s3*" gives "s3zq").
func unseenNames(texts, groupOf []string, literal map[string]bool) []string {
	out := []string{"zqward"}
	seen := map[string]bool{"zqward": true}
	for i, t := range texts {
		if groupOf[i] != "" {
			continue
		}
		part := t
		if strings.HasPrefix(t, "arn:") {
			if parts := strings.SplitN(t, ":", 4); len(parts) >= 3 {
				part = parts[2]
			}
		} else if svc, _, ok := strings.Cut(t, ":"); ok {
			part = svc
		}
		name := strings.NewReplacer("*", "zq", "?", "z").Replace(part)
		if name != "" && !literal[name] && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// signature is which of the patterns match s.
func signature(pats []pattern, s string) []bool {
	m := make([]bool, len(pats))
	for i, p := range pats {
		m[i] = p.match(s)
	}
	return m
}

func actionShaped(s string) bool {
	svc, name, ok := strings.Cut(s, ":")
	return ok && svc != "" && name != "" && !strings.ContainsAny(s, " *?")
}

func sigKey(m []bool) string {
	b := make([]byte, len(m))
	for i, v := range m {
		if v {
			b[i] = '1'
		} else {
			b[i] = '0'
		}
	}
	return string(b)
}

// buildResources finds the resource regions.
func (sp *space) buildResources() error {
	pats := make([]pattern, len(sp.resourceText))
	for i, t := range sp.resourceText {
		pats[i] = arnPattern(t)
	}
	sp.resourcePats = pats
	sp.resourceSvc = make([]string, len(pats))
	for i, t := range sp.resourceText {
		if parts := strings.SplitN(t, ":", 4); len(parts) >= 3 && parts[0] == "arn" && !strings.ContainsAny(parts[2], "*?") {
			sp.resourceSvc[i] = parts[2]
		}
	}
	// The identity policies of a principal allow nothing in another
	// account on their own, so the resources that matter are ARNs of the
	// principal's account or of none (S3's), and "*" for the actions that
	// take no resource.
	account := sp.account()
	groupOf := make([]string, len(pats))
	literal := map[string]bool{}
	for i, t := range sp.resourceText {
		if parts := strings.SplitN(t, ":", 4); len(parts) >= 3 && parts[0] == "arn" && !strings.ContainsAny(parts[2], "*?") {
			groupOf[i] = parts[2]
			literal[parts[2]] = true
		}
	}
	shapesOf := func(svc string) []pattern {
		out := []pattern{arnPattern("arn:*:" + svc + ":*:" + account + ":*"), arnPattern("arn:*:" + svc + ":*::*")}
		for _, a := range sp.moreAccounts {
			out = append(out, arnPattern("arn:*:"+svc+":*:"+a+":*")) // a governed resource's own account
		}
		if svc == "iam" {
			out = append(out, arnPattern("arn:*:iam::aws:*")) // AWS managed policies, which every account reads
		}
		return out
	}
	sp.groupResources()
	regs, exact := groupedRegions(pats, groupOf, ":/", func(svc string) []pattern {
		if svc != "" {
			return shapesOf(svc)
		}
		var out []pattern
		for _, name := range unseenNames(sp.resourceText, groupOf, literal) {
			out = append(out, shapesOf(name)...)
		}
		// A pattern that is no ARN (a template's reference filled in as a
		// name) matches strings no ARN shape holds: it is its own shape.
		for i, t := range sp.resourceText {
			if t != "*" && !strings.HasPrefix(t, "arn:") {
				out = append(out, pats[i])
			}
		}
		return out
	}, sp.resourceGroup)
	if !exact {
		sp.notes = append(sp.notes, Note{Where: "resources", What: "the resource patterns have more combinations than ward walks; some were not tried"})
	}
	seen := map[string]bool{}
	for _, r := range regs {
		seen[sigKey(r.matches)] = true
	}
	if star := (region{matches: sp.closeResources(signature(pats, "*")), example: "*"}); !seen[sigKey(star.matches)] {
		regs = append(regs, star)
	}
	sp.resources = regs
	return nil
}

// resourceFor is a resource of one of the action's types, matched by the
// resource patterns as the region is, for a witness a person can read:
// its ARN format with the principal's account, us-east-1 and "example"
// for names. "" when none is.
func (sp *space) resourceFor(action string, r *region) string {
	act, err := sp.cat.Action(action)
	if err != nil || act == nil {
		return ""
	}
	if len(act.Resources()) == 0 && sp.inRegion("*", r) {
		return "*" // an action that takes no resource is asked on "*"
	}
	best := ""
	for _, rt := range act.Resources() {
		if rt.ARN == "" {
			continue
		}
		cand := sp.fillFormat(rt.ARN)
		if (best == "" || len(cand) < len(best)) && sp.inRegion(cand, r) {
			best = cand // the shortest reads best: a bucket's object, not an access point's
		}
	}
	return best
}

// fillFormat is an ARN of a format: the owner's account, us-east-1 and
// "example" for names (an account ID elsewhere in it is the owner's too).
func (sp *space) fillFormat(format string) string {
	if parts := strings.SplitN(format, ":", 6); len(parts) == 6 && strings.HasPrefix(parts[4], "${") {
		// The account part, whatever the format calls it (${Account},
		// ${AccountId}, ${ManagementAccountId}, …), is the owner's.
		parts[4] = sp.account()
		format = strings.Join(parts, ":")
	}
	cand := strings.NewReplacer("${Partition}", "aws", "${Region}", "us-east-1", "${Account}", sp.account(), "${AccountId}", sp.account()).Replace(format)
	return variableRE.ReplaceAllString(cand, "example")
}

// account is the account of the resources asked about: the owner's, or
// the principal's.
func (sp *space) account() string {
	if sp.owner != "" {
		return sp.owner
	}
	if parts := strings.SplitN(sp.opts.Principal, ":", 6); len(parts) == 6 && parts[4] != "" {
		return parts[4]
	}
	return "111111111111"
}

// fillPattern makes a resource a person reads from a pattern: its
// wildcards filled in, a wildcard Region as us-east-1 and a wildcard
// account as the principal's.
func fillPattern(p, account string) string {
	fill := strings.NewReplacer("*", "example", "?", "x")
	if !strings.HasPrefix(p, "arn:") {
		return fill.Replace(p)
	}
	parts := strings.SplitN(p, ":", 6)
	for i := range parts {
		switch {
		case i == 3 && strings.ContainsAny(parts[i], "*?"):
			parts[i] = "us-east-1"
		case i == 4 && strings.ContainsAny(parts[i], "*?"):
			parts[i] = account
		default:
			parts[i] = fill.Replace(parts[i])
		}
	}
	return strings.Join(parts, ":")
}

var variableRE = regexp.MustCompile(`\$\{[^}]*\}`)

// inRegion reports whether a resource is in a region: matched by the
// resource patterns as the region is. A pattern of another service (its
// service part literal) matches no ARN of this one, so it is not run:
// the region must not be one it matches.
func (sp *space) inRegion(res string, r *region) bool {
	svc, arn := "", false
	if parts := strings.SplitN(res, ":", 4); len(parts) >= 3 && parts[0] == "arn" {
		svc, arn = parts[2], true
	}
	got := make([]bool, len(sp.resourcePats))
	for i, p := range sp.resourcePats {
		if other := sp.resourceSvc[i]; arn && other != "" && other != svc {
			if r.matches[i] {
				return false
			}
			continue
		}
		got[i] = p.match(res)
	}
	for i, m := range sp.closeResources(got) {
		if m != r.matches[i] {
			return false
		}
	}
	return true
}

// groupResources finds the groups of interchangeable resource patterns:
// of one service (or none), in the same statements' lists, widened and
// narrowed alike. A statement applies to a region by whether one of its
// patterns matches, so such patterns tell no regions apart.
func (sp *space) groupResources() {
	in := make([][]byte, len(sp.resourceText))
	for si, cs := range sp.sides {
		for ti, st := range cs.stmts {
			for mode, list := range st.resources {
				for _, a := range list {
					if a >= 0 {
						in[a] = append(in[a], byte(si), byte(mode), byte(ti), byte(ti>>8), byte(ti>>16))
					}
				}
			}
		}
	}
	byKey := map[string]int{}
	sp.resourceGroup = make([]int, len(sp.resourceText))
	sp.resourceMembers = nil
	for i := range sp.resourceText {
		k := sp.resourceSvc[i] + "\x00" + string(in[i])
		g, ok := byKey[k]
		if !ok {
			g = len(sp.resourceMembers)
			byKey[k] = g
			sp.resourceMembers = append(sp.resourceMembers, nil)
		}
		sp.resourceGroup[i] = g
		sp.resourceMembers[g] = append(sp.resourceMembers[g], i)
	}
}

// closeResources sets, in a signature over the resource patterns, every
// member of a group one member of which matches; it returns m.
func (sp *space) closeResources(m []bool) []bool {
	closeGroups(m, sp.resourceMembers)
	return m
}

// match runs the pattern over s.
func (p pattern) match(s string) bool {
	st := p.start()
	for _, c := range s {
		st = p.step(st, c)
		if st.empty() {
			return false
		}
	}
	return p.accepting(st)
}
