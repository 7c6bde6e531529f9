package reason

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// A resource policy (a bucket, queue, topic, key or function policy, a
// role's trust policy) is compared by what it lets each principal do to
// the resources it governs. The principal is then a dimension of the
// question: the one a request comes from decides which statements name
// it, and how the engine combines the policy with the principal's own.
//
// The principals tried are the ones either side names, a principal of
// each account either side names, one of an account no one names, an
// anonymous caller, each service named, and a user and a role session of
// the resource's own account: every way a Principal or NotPrincipal
// element can tell two callers apart among those the policies mention.
//
// A principal's own identity policies are not the question's, so each
// principal is asked about in the ways the engine lets them count:
//
//   - on the resource policy alone (its own policies allow nothing): what
//     a principal of the owner's account is allowed because the policy
//     names it or its role, and everything a service or an anonymous
//     caller is allowed;
//   - with its own policies allowing every request: what a principal of
//     another account is allowed (both accounts must allow), and, in the
//     owner's account, what the policy denies, and what a trust or key
//     policy lets the account's own policies decide (a key policy that
//     names the account's root).
//
// A change found the second way says so (Change.OwnPolicies).

// ownAccountRest stands, in the owner's account, for identity policies
// that allow everything: every request but those a role's trust policy
// or a key policy must allow itself, which are the resource policy's to
// decide.
var ownAccountRest = func() *policy.Policy {
	notActions, _ := json.Marshal(append(policy.TrustActions(), "kms:*"))
	doc := `{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "NotAction": ` + string(notActions) + `, "Resource": "*"},
		{"Effect": "Allow", "Action": "kms:*", "NotResource": "arn:*:kms:*:*:key/*"}]}`
	p, err := policy.Parse([]byte(doc), outsideOwnPolicy)
	if err != nil {
		panic(err)
	}
	return p
}()

var emptyPolicy = &policy.Policy{Version: policy.Version2012}

// resourceQuestion reports whether a comparison is of resource policies,
// and refuses one that mixes them with a principal's policies.
func resourceQuestion(sides ...Side) (bool, error) {
	resource, identity := false, false
	for _, s := range sides {
		resource = resource || s.Resource != nil
		identity = identity || len(s.Identity) > 0 || s.Boundary != nil || s.Session != nil || s.SCPs != nil || s.RCPs != nil || len(s.Governed) > 0 || s.Endpoint != nil
	}
	if resource && identity {
		return false, fmt.Errorf("a resource policy is compared with a resource policy: a side with one has no identity policies, boundary, session policies or organization policies")
	}
	return resource, nil
}

// compareResource is Compare for two resource policies (nil on a side:
// none).
func compareResource(old, new Side, cat *catalog.Catalog, opts Options) (*Diff, error) {
	_, d, err := askResource(old, new, cat, opts, true)
	return d, err
}

// askResource answers compareResource's question, and gives its space to
// tests. withRest says whether the owner's account's own policies are
// taken to allow what a resource policy leaves to them: so in a
// comparison, where both sides have them and only what the policies
// themselves change shows; not in a question of what the policy grants.
func askResource(old, new Side, cat *catalog.Catalog, opts Options, withRest bool) (*space, *Diff, error) {
	if opts.Now.IsZero() {
		opts.Now = DefaultNow
	}
	pols := [2]*policy.Policy{old.Resource, new.Resource}
	both := &policy.Policy{}
	for i, p := range pols {
		if p == nil {
			pols[i] = emptyPolicy
		}
		both.Statements = append(both.Statements, pols[i].Statements...)
	}
	nm := namedIn(both)
	d := &Diff{Owner: opts.Owner}
	if d.Owner == "" && len(nm.resourceAccounts) > 0 {
		d.Owner = nm.resourceAccounts[0]
	}
	for _, f := range nm.federated {
		// An identity provider a trust policy names is of the role's own
		// account: IAM creates providers per account.
		if a := accountOf(f); d.Owner == "" && policy.IsAccountID(a) {
			d.Owner = a
		}
	}
	if d.Owner == "" {
		d.Owner, d.OwnerAssumed = "111111111111", true
	}
	owner := d.Owner
	fresh := freshAccount(map[string]bool{owner: true}, nm)
	sides := []Side{{Name: old.Name, Identity: []*policy.Policy{pols[0]}}, {Name: new.Name, Identity: []*policy.Policy{pols[1]}}}
	if withRest {
		sides[0].rest, sides[1].rest = ownAccountRest, ownAccountRest
	}
	base := Options{Principal: "arn:aws:iam::" + owner + ":user/ward", Now: opts.Now}
	sp, err := newSpace(sides, cat, base, func(sp *space) {
		sp.owner, sp.extra, sp.varying = owner, outsideValues(nm, fresh), true
	})
	if err != nil {
		return nil, nil, err
	}
	// Each side's statements, with the probes that say whom each names, and
	// its engine sets for the two ways a principal is asked about.
	type probed struct {
		st         *stmt
		any, alone *engine.Set // nil for the stand-in's statements
	}
	var all [2][]probed
	var sets [2][2]*engine.Set
	for i, cs := range sp.sides {
		for _, st := range cs.stmts {
			pr := probed{st: st}
			if st.ref.Policy != outsideOwnPolicy {
				if pr.any, pr.alone, err = principalProbes(st); err != nil {
					return nil, nil, fmt.Errorf("%s: %s: %w", sides[i].Name, st.ref, err)
				}
			}
			all[i] = append(all[i], pr)
		}
		compiled := engine.Compile(pols[i], PolicyName(sides[i], 0))
		cs.byName = map[string]*policy.Policy{compiled.Name: pols[i]}
		for way, identity := range [2][]*engine.Compiled{nil, {allowAll()}} {
			// With its own policies allowing, a federated user's session
			// policy does too: without one it could do nothing.
			if sets[i][way], err = engine.NewSet(engine.Policies{Identity: identity, Session: identity, Resource: compiled}); err != nil {
				return nil, nil, err
			}
		}
	}
	asked := map[string]bool{}
	for _, c := range sp.resourceCallers(owner, fresh, nm) {
		iam := c.kind >= engine.PrincipalUser && c.kind <= engine.PrincipalRoot
		ways := []int{alone}
		own := iam && accountOf(c.principal) == owner
		switch {
		case c.kind == engine.PrincipalRoot:
			ways = []int{withOwn} // the root user needs no identity policy
		case own:
			ways = []int{alone, withOwn}
		case iam:
			ways = []int{withOwn}
		}
		sp.opts.Principal, sp.given = c.principal, c.given
		for _, way := range ways {
			for i, cs := range sp.sides {
				cs.stmts, cs.set = nil, sets[i][way]
				for _, pr := range all[i] {
					in := false
					switch {
					case pr.any == nil:
						in = own && way == withOwn // the owner's account's own policies, allowing
					case pr.st.effect == policy.Deny || way == withOwn:
						in = sp.probeGrants(pr.any, c, true)
					default:
						in = sp.probeGrants(pr.alone, c, false)
					}
					if in {
						cs.stmts = append(cs.stmts, pr.st)
					}
				}
			}
			restore := sp.bindKeys(c)
			if k := sp.askedAlike(fmt.Sprint(way, c.kind == engine.PrincipalAnonymous)); asked[k] {
				restore()
				continue // a principal before this one was asked the same question
			} else {
				asked[k] = true
			}
			added, removed := sp.changes(1, 0), sp.changes(0, 1)
			restore()
			if c.kind == engine.PrincipalAnonymous {
				added, removed = signedOnly(added), signedOnly(removed)
			}
			for _, list := range [][]Change{added, removed} {
				for k := range list {
					list[k].OwnPolicies = way == withOwn
				}
			}
			d.Added, d.Removed = mergeChanges(d.Added, added), mergeChanges(d.Removed, removed)
		}
	}
	d.Notes, d.mismatches = sp.notesWith(d.Added, d.Removed), sp.mismatches
	return sp, d, nil
}

// neverGrantsResource is NeverGrants for a resource policy: a comparison
// with one that lets everyone do everything outside the question.
func neverGrantsResource(s Side, actions, resources []string, cat *catalog.Catalog, opts Options) ([]Change, []Note, error) {
	if _, err := resourceQuestion(s); err != nil {
		return nil, nil, err
	}
	doc, _ := json.Marshal(map[string]any{"Version": policy.Version2012, "Statement": []any{
		map[string]any{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
		map[string]any{"Effect": "Deny", "Principal": "*", "Action": actions, "Resource": resources},
	}})
	outside, err := policy.Parse(doc, "the question")
	if err != nil {
		return nil, nil, fmt.Errorf("the question: %w", err)
	}
	_, d, err := askResource(Side{Name: "the question", Resource: outside}, s, cat, opts, false)
	if err != nil {
		return nil, nil, err
	}
	return d.Added, d.Notes, nil
}

// The two ways a principal is asked about: on the resource policy alone,
// and with its own identity policies allowing everything.
const (
	alone   = 0
	withOwn = 1
)

// resourceCallers are the principals a resource policy question is asked
// from: those outsiders finds when no account is trusted (an account no
// one names, an anonymous caller, every account and principal named, a
// role as its session), each service and identity provider named, and a
// user and a role session of the owner's account.
func (sp *space) resourceCallers(owner, fresh string, nm *named) []outsider {
	found := sp.outsiders(fresh, map[string]bool{}, nil, nm, true)
	// An anonymous caller first: where everyone is let in, its witness
	// says so. A role is asked about as its session, the principal that
	// signs its requests.
	var out []outsider
	seen := map[string]bool{}
	for _, first := range []bool{true, false} {
		for _, c := range found {
			if (c.kind == engine.PrincipalAnonymous) != first {
				continue
			}
			if c.kind == engine.PrincipalRole {
				// The session of a role with a path carries its role's ARN as
				// aws:PrincipalArn: a session's own ARN drops the path.
				role := c.principal
				parts := strings.SplitN(role, ":", 6)
				name := parts[5][strings.LastIndex(parts[5], "/")+1:]
				c.principal, c.kind = "arn:"+parts[1]+":sts::"+parts[4]+":assumed-role/"+name+"/ward", engine.PrincipalRoleSession
				c.given = map[string][]string{"aws:userid": {"AROAWARDOUTSIDE:ward"}, "kms:CallerAccount": {parts[4]}}
				if strings.Count(parts[5], "/") > 1 {
					c.given["aws:PrincipalArn"] = []string{role}
				}
			}
			if !seen[c.principal] {
				seen[c.principal] = true
				out = append(out, c)
			}
		}
	}
	capped := false
	add := func(principal, userid string) {
		if seen[principal] {
			return
		}
		if len(out) >= maxOutsiders {
			if !capped {
				capped = true
				sp.notes = append(sp.notes, Note{Where: "principals", What: fmt.Sprintf("more principals than ward tries (%d); %s and others were not tried", maxOutsiders, principal)})
			}
			return
		}
		c, err := engine.ParseCaller(principal)
		if err != nil {
			return
		}
		seen[principal] = true
		o := outsider{principal: principal, kind: c.Kind}
		switch {
		case userid != "":
			o.given = map[string][]string{"aws:userid": {userid}, "kms:CallerAccount": {c.Account}}
		case c.Account != "":
			o.given = map[string][]string{"kms:CallerAccount": {c.Account}}
		}
		out = append(out, o)
	}
	// Principals of kinds the named ones may leave out, which conditions
	// on the principal's own keys tell apart: an account's root user, a
	// user, a federated user, users of the names and unique IDs the
	// policies test, and services, named or not.
	accounts := append([]string{fresh}, nm.allAccounts...)
	for _, a := range accounts {
		add("arn:aws:iam::"+a+":root", "")
		add("arn:aws:sts::"+a+":federated-user/ward", a+":ward")
	}
	add("arn:aws:iam::"+fresh+":user/ward-outside", "AIDAWARDOUTSIDE")
	for _, v := range append(append([]string{}, nm.literals["aws:username"]...), nm.patterns["aws:username"]...) {
		if name := fillName(v); name != "" {
			add("arn:aws:iam::"+fresh+":user/"+name, "AIDAWARDOUTSIDE")
		}
	}
	for _, v := range append(append([]string{}, nm.literals["aws:userid"]...), nm.patterns["aws:userid"]...) {
		id := strings.NewReplacer("*", "ward", "?", "x").Replace(v)
		if strings.Contains(id, "${") {
			continue
		}
		if _, session, ok := strings.Cut(id, ":"); ok && fillName(session) != "" {
			add("arn:aws:sts::"+fresh+":assumed-role/ward-outside/"+fillName(session), id)
		} else {
			add("arn:aws:iam::"+fresh+":user/ward-"+strings.ToLower(fillName(id)), id)
		}
	}
	services := append([]string{}, nm.services...)
	for _, key := range []string{"aws:principalservicename", "aws:principalservicenameslist"} {
		for _, v := range append(append([]string{}, nm.literals[key]...), nm.patterns[key]...) {
			services = append(services, strings.ToLower(strings.NewReplacer("*", "example", "?", "x").Replace(v)))
		}
	}
	services = append(services, "example.amazonaws.com") // a service no policy names
	for _, s := range services {
		add(s, "")
	}
	for _, f := range nm.federated {
		add(f, "") // a web identity or SAML provider's user
	}
	if nm.canonical {
		// S3's canonical user IDs name accounts ward cannot tell from
		// their IDs: what they are granted is not decided.
		sp.notes = append(sp.notes, Note{Where: "principals", What: "a CanonicalUser principal is not tried: the account its ID stands for is not known"})
	}
	add("arn:aws:iam::"+owner+":user/ward", "AIDAWARDEXAMPLE")
	add("arn:aws:sts::"+owner+":assumed-role/ward/ward", "AROAWARDEXAMPLE:ward")
	return out
}

// askedAlike is what decides the search for the principal the space is
// bound to: the statements in play on each side and the points each key
// it fixes is held to (with more that the caller says matter). Two
// principals with the same are asked the same question, and the second
// is not asked.
func (sp *space) askedAlike(more string) string {
	var b strings.Builder
	b.WriteString(more)
	for _, cs := range sp.sides {
		b.WriteByte('|')
		for _, st := range cs.stmts {
			fmt.Fprintf(&b, "%p,", st)
		}
	}
	keys := make([]int, 0, len(sp.fixed))
	for ki := range sp.fixed {
		keys = append(keys, ki)
	}
	sort.Ints(keys)
	for _, ki := range keys {
		fmt.Fprintf(&b, "|%d:", ki)
		for pi, ok := range sp.fixed[ki] {
			if ok {
				pt := sp.keys[ki].points[pi]
				fmt.Fprintf(&b, "%v%s,", pt.absent, sigKey(pt.truth))
			}
		}
	}
	return b.String()
}

// signedOnly drops the changes of actions that take no unsigned
// request: an anonymous caller's access is only to S3's objects and
// buckets, SQS queues, APIs of API Gateway and Lambda function URLs. A
// policy may let "*" call sts:AssumeRole or kms:Decrypt, but no one can
// without signing, and every signer is a principal tried on its own.
func signedOnly(cs []Change) []Change {
	out := cs[:0]
	for _, c := range cs {
		if takesUnsigned(c.Witness.Action) {
			out = append(out, c)
		}
	}
	return out
}

// unsignedMarkers are the patterns of the actions takesUnsigned lets
// through, each a statement of its own so classes fall on one side.
var unsignedMarkers = func() *policy.Policy {
	var stmts []string
	for _, a := range []string{"s3:*", "s3-object-lambda:*", "sqs:*", "execute-api:*", "lambda:InvokeFunctionUrl"} {
		stmts = append(stmts, `{"Effect": "Allow", "Action": "`+a+`", "Resource": "*"}`)
	}
	p, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [`+strings.Join(stmts, ",")+`]}`), outsideOwnPolicy)
	if err != nil {
		panic(err)
	}
	return p
}()

// takesUnsigned reports whether an action can be called without
// signing the request.
func takesUnsigned(action string) bool {
	svc, name, _ := strings.Cut(strings.ToLower(action), ":")
	switch svc {
	case "s3", "s3-object-lambda", "sqs", "execute-api":
		return true
	case "lambda":
		return name == "invokefunctionurl"
	}
	return false
}

// fillName makes a name from a value a policy tests: its wildcards filled,
// "" when what is left cannot name an IAM user or session.
func fillName(v string) string {
	name := strings.NewReplacer("*", "ward", "?", "x").Replace(v)
	if name == "" || strings.ContainsAny(name, "${}/: ") {
		return ""
	}
	return name
}

func accountOf(principal string) string {
	if parts := strings.SplitN(principal, ":", 6); len(parts) == 6 {
		return parts[4]
	}
	return ""
}

// principalProbes are a statement's Principal or NotPrincipal alone in a
// resource policy that allows everything else: with the caller's own
// policies allowing everything (any says whether it names the caller at
// all), and with none (alone says whether it lets the caller in on its
// own, as it does a principal or role it names, not an account it leaves
// to the account's policies).
func principalProbes(st *stmt) (any, alone *engine.Set, err error) {
	any, err = principalProbe(st)
	if err != nil {
		return nil, nil, err
	}
	p, err := probePolicy(st)
	if err != nil {
		return nil, nil, err
	}
	alone, err = engine.NewSet(engine.Policies{Resource: engine.Compile(p, "principal probe")})
	return any, alone, err
}

// probeGrants asks a probe about a caller: across accounts (the caller's
// own policies allowing, so that only whether the statement names it
// counts), or in its own account on the resource policy alone.
func (sp *space) probeGrants(probe *engine.Set, c outsider, across bool) bool {
	account := accountOf(c.principal)
	resourceAccount := account
	if across || account == "" {
		resourceAccount = "000000000001"
		if account == resourceAccount {
			resourceAccount = "000000000002"
		}
	}
	req := engine.Request{Principal: c.principal, Action: "s3:GetObject", Resource: "*", ResourceAccount: resourceAccount, Context: c.given, Now: sp.opts.Now}
	prep, err := req.Prepare()
	if err != nil {
		return false
	}
	return probe.Decide(prep).Result == engine.Allowed
}
