package reason

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// PublicOptions say whom a public-access question trusts.
type PublicOptions struct {
	// Account owns the resource. Empty: the account the policy's Resource
	// ARNs name, else the first trusted account, else 111111111111. It is
	// always trusted.
	Account string
	// TrustedAccounts and TrustedOrgs are the accounts and AWS
	// Organizations (o-…) whose principals may be granted access. Empty:
	// the ones the policy names, so the question is whether it grants
	// anything to anyone it does not name.
	TrustedAccounts, TrustedOrgs []string
	// TrustServices counts a service principal the policy names as
	// trusted whatever account it acts for, as S3's definition of a
	// public policy does. By default a service acting for an outside
	// account (its aws:SourceAccount) is outside: the confused deputy.
	TrustServices bool
	// Now is the time of the requests; the default is DefaultNow.
	Now time.Time
}

// PublicAnswer is what a resource, trust, key or endpoint policy grants
// to principals outside the trusted accounts and organizations.
type PublicAnswer struct {
	// Owner is the resource's account; Accounts and Orgs are what was
	// trusted, the owner included.
	Owner          string
	Accounts, Orgs []string
	// OwnerAssumed says nothing named the owner: Owner is made up.
	OwnerAssumed bool
	// Exposed holds one change per class of actions an outside request
	// is allowed: Gains is the policy's decision on the witness, Loses
	// the trusted-only side's (nothing).
	Exposed []Change
	Notes   []Note

	// mismatches counts witnesses of an exact answer the engine did not
	// decide as claimed (tests hold it at zero).
	mismatches int
}

// Public asks whether a resource-side policy (a bucket, queue, topic,
// function or key policy, a role's trust policy, a VPC endpoint policy)
// grants anything to a principal outside the trusted accounts and
// organizations, over every action, resource and context.
//
// Who is outside follows S3's definition of a public policy ("The meaning
// of public", S3 User Guide), made exact: a principal of any account not
// trusted, an anonymous caller, and a service acting for an outside
// account. An outside request carries its own principal's keys
// (aws:PrincipalAccount, aws:PrincipalArn, aws:userid, kms:CallerAccount
// …, bound to the principal it is from), any organization but a trusted
// one, and any value of aws:SourceArn, aws:SourceAccount, aws:SourceOwner,
// aws:SourceVpc, aws:SourceVpce, s3:DataAccessPointArn,
// s3:DataAccessPointAccount, s3:x-amz-server-side-encryption-aws-kms-key-id
// and aws:userid but the fixed values (no wildcard, no variable) the
// policy names for a trusted account, and any address outside the CIDR
// ranges the policy names for aws:SourceIp and aws:VpcSourceIp (a /0
// range limits nothing). Every other key it may carry with any value.
func Public(name string, p *policy.Policy, cat *catalog.Catalog, opts PublicOptions) (*PublicAnswer, error) {
	if opts.Now.IsZero() {
		opts.Now = DefaultNow
	}
	nm := namedIn(p)
	ans := &PublicAnswer{}
	trustAccounts := opts.TrustedAccounts
	if len(trustAccounts) == 0 {
		trustAccounts = nm.accounts
	}
	trustOrgs := opts.TrustedOrgs
	if len(trustOrgs) == 0 {
		trustOrgs = nm.orgs
	}
	owner := opts.Account
	for _, cands := range [][]string{nm.resourceAccounts, opts.TrustedAccounts} {
		if owner == "" && len(cands) > 0 {
			owner = cands[0]
		}
	}
	if owner == "" {
		owner, ans.OwnerAssumed = "111111111111", true
	}
	accounts := setOf(append([]string{owner}, trustAccounts...))
	orgs := setOf(trustOrgs)
	ans.Owner, ans.Accounts, ans.Orgs = owner, sortedKeys(accounts), sortedKeys(orgs)
	fresh := freshAccount(accounts, nm)
	trusted := func(key string, values []string) bool {
		for _, v := range values {
			if trustedValue(key, v, accounts, orgs, nm) {
				return true
			}
		}
		return false
	}
	extra := outsideValues(nm, fresh)
	sides := []Side{{Name: "the trusted accounts"}, {Name: name, Identity: []*policy.Policy{p}}}
	base := Options{Principal: "arn:aws:iam::" + owner + ":user/ward", Now: opts.Now}
	sp, err := newSpace(sides, cat, base, func(sp *space) {
		sp.owner, sp.trusted, sp.extra, sp.varying = owner, trusted, extra, true
	})
	if err != nil {
		return nil, err
	}
	checked := sp.sides[1]
	compiled := engine.Compile(p, name)
	set, err := engine.NewSet(engine.Policies{Identity: []*engine.Compiled{allowAll()}, Resource: compiled})
	if err != nil {
		return nil, err
	}
	checked.set = set
	all := checked.stmts
	matchers := make([]*engine.Set, len(all))
	for i, st := range all {
		if matchers[i], err = principalProbe(st); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, st.ref, err)
		}
	}
	cands := sp.outsiders(fresh, accounts, orgs, nm, opts.TrustServices)
	reported := map[string]int{}
	asked := map[string]bool{}
	for _, c := range cands {
		sp.opts.Principal, sp.given = c.principal, c.given
		checked.stmts = nil
		for i, st := range all {
			if sp.principalMatches(matchers[i], c) {
				checked.stmts = append(checked.stmts, st)
			}
		}
		if len(checked.stmts) == 0 {
			continue
		}
		restore := sp.bindKeys(c)
		if k := sp.askedAlike(fmt.Sprint(c.kind == engine.PrincipalAnonymous, c.kind == engine.PrincipalService)); asked[k] {
			restore()
			continue // a principal before this one was asked the same question
		} else {
			asked[k] = true
		}
		for _, ch := range sp.changes(1, 0) {
			if c.kind == engine.PrincipalAnonymous && !takesUnsigned(ch.Witness.Action) {
				continue // no one calls it unsigned; a signed caller is tried on its own
			}
			if c.kind == engine.PrincipalService && strings.HasPrefix(strings.ToLower(ch.Witness.Action), "sts:") {
				// A service assumes a role only for a resource of the
				// role's own account, one passed the role with
				// iam:PassRole there: no outside account can make it.
				continue
			}
			k := strings.Join(ch.Actions, ",")
			if ch.Unknown || ch.Others {
				k = fmt.Sprintf("%v%v%s", ch.Unknown, ch.Others, k)
			}
			// A change shown by a request replaces one only possible.
			if i, ok := reported[k]; !ok {
				reported[k] = len(ans.Exposed)
				ans.Exposed = append(ans.Exposed, ch)
			} else if ch.Proven && !ans.Exposed[i].Proven {
				ans.Exposed[i] = ch
			}
		}
		restore()
	}
	checked.stmts = all
	ans.Notes, ans.mismatches = sp.notesWith(ans.Exposed), sp.mismatches
	return ans, nil
}

// outsideValues are the values, per lower-cased key, that fill the
// policy's account and ARN patterns with the outside account: candidates
// a witness reads well with.
func outsideValues(nm *named, fresh string) map[string][]string {
	extra := map[string][]string{}
	for key, pats := range nm.patterns {
		for _, v := range pats {
			switch accountKeys[key] {
			case keyARN:
				extra[key] = append(extra[key], fillPattern(v, fresh))
			case keyAccount:
				if a, ok := fillAccount(v); ok {
					extra[key] = append(extra[key], a)
				}
			}
		}
	}
	return extra
}

// outsider is a principal a public-access question tries requests from,
// with the keys it brings that the engine does not derive.
type outsider struct {
	principal string
	kind      engine.PrincipalKind
	given     map[string][]string
}

// maxOutsiders bounds the principals tried; those a question decides
// alike are searched once (sameAsked).
const maxOutsiders = 256

// outsiders are the principals outside the trusted accounts a request may
// come from: a role of an account no one named, the outside principals
// and accounts the policy names or its patterns fit, its services acting
// for an outside account, and an anonymous caller.
func (sp *space) outsiders(fresh string, accounts, orgs map[string]bool, nm *named, trustServices bool) []outsider {
	var out []outsider
	seen := map[string]bool{}
	capped := false
	add := func(principal string, given map[string][]string) {
		if seen[principal] {
			return
		}
		if len(out) >= maxOutsiders {
			if !capped {
				capped = true
				sp.notes = append(sp.notes, Note{Where: "principals", What: fmt.Sprintf("more outside principals than ward tries (%d); some were not tried", maxOutsiders)})
			}
			return
		}
		c, err := engine.ParseCaller(principal)
		if err != nil {
			return
		}
		seen[principal] = true
		if c.Account != "" && c.Kind != engine.PrincipalService && c.Kind != engine.PrincipalAnonymous && c.Kind != engine.PrincipalWebIdentity {
			if given == nil {
				given = map[string][]string{}
			}
			given["kms:CallerAccount"] = []string{c.Account}
		}
		out = append(out, outsider{principal: principal, kind: c.Kind, given: given})
	}
	outsideAccounts := []string{fresh}
	for _, a := range nm.allAccounts {
		if !accounts[a] {
			outsideAccounts = append(outsideAccounts, a)
		}
	}
	for _, key := range []string{"aws:principalaccount", "kms:calleraccount"} {
		for _, v := range sp.extra[key] {
			if policy.IsAccountID(v) && !accounts[v] {
				outsideAccounts = append(outsideAccounts, v)
			}
		}
	}
	for i, a := range outsideAccounts {
		add("arn:aws:sts::"+a+":assumed-role/ward-outside/ward", map[string][]string{"aws:userid": {"AROAWARDOUTSIDE:ward"}})
		if i == 0 {
			add("anonymous", nil) // early, so no bound on the principals leaves it out
			if len(sp.varKeys) > 0 {
				// A user, whose name a policy variable (aws:username) can read.
				add("arn:aws:iam::"+a+":user/ward-outside", map[string][]string{"aws:userid": {"AIDAWARDOUTSIDE"}})
			}
		}
	}
	var arns []string
	arns = append(arns, nm.principalARNs...)
	arns = append(arns, sp.extra["aws:principalarn"]...)
	arns = append(arns, nm.literals["aws:principalarn"]...)
	for _, v := range arns {
		parts := strings.SplitN(v, ":", 6)
		if len(parts) != 6 || parts[2] != "iam" && parts[2] != "sts" || !policy.IsAccountID(parts[4]) || accounts[parts[4]] || strings.ContainsAny(v, "*?$") {
			continue
		}
		switch {
		case strings.HasPrefix(parts[5], "role/"):
			add(v, map[string][]string{"aws:userid": {"AROAWARDOUTSIDE:ward"}})
		case strings.HasPrefix(parts[5], "user/"):
			add(v, map[string][]string{"aws:userid": {"AIDAWARDOUTSIDE"}})
		case strings.HasPrefix(parts[5], "assumed-role/"):
			add(v, map[string][]string{"aws:userid": {"AROAWARDOUTSIDE:" + v[strings.LastIndex(v, "/")+1:]}})
		case strings.HasPrefix(parts[5], "federated-user/"):
			add(v, map[string][]string{"aws:userid": {parts[4] + ":" + strings.TrimPrefix(parts[5], "federated-user/")}})
		}
	}
	if !trustServices {
		for _, s := range nm.services {
			add(s, map[string][]string{"aws:SourceAccount": {fresh}})
		}
	}
	return out
}

// boundKeys are the keys a request's principal decides: an outside
// request carries its own principal's values, never a trusted one's.
var boundKeys = map[string]bool{
	"aws:principalarn": true, "aws:principaltype": true, "aws:username": true, "aws:userid": true,
	"aws:principalaccount": true, "aws:principalisawsservice": true, "aws:principalservicename": true,
	"aws:principalservicenameslist": true, "kms:calleraccount": true,
	// The resource is the owner's: its account is no one's to choose.
	"aws:resourceaccount": true,
}

// bindKeys restricts, for one outsider, each key its principal decides to
// the point of its own value (decided by the engine as the replay will
// be), and every key to its untrusted points; it returns the undo.
func (sp *space) bindKeys(c outsider) func() {
	lens := make([]int, len(sp.keys))
	sp.fixed = map[int][]bool{}
	for ki, kd := range sp.keys {
		lens[ki] = len(kd.points)
		lower := strings.ToLower(kd.name)
		_, given := lookupFold(c.given, lower)
		anonymousOrg := c.kind == engine.PrincipalAnonymous && strings.HasPrefix(lower, "aws:principalorg")
		if boundKeys[lower] || given || anonymousOrg {
			pt := keyPoint{absent: true, truth: make([]bool, len(kd.atoms))}
			if v, ok := lookupFold(c.given, lower); ok {
				pt = keyPoint{values: v, truth: pt.truth}
			}
			for ai, a := range kd.atoms {
				pt.truth[ai] = sp.holdsAs(a, lower, c)
			}
			kd.points = append(kd.points, pt)
			d := make([]bool, len(kd.points))
			d[len(d)-1] = true
			sp.fixed[ki] = d
			continue
		}
		d := make([]bool, len(kd.points))
		any := false
		for pi, pt := range kd.points {
			d[pi] = !pt.trusted
			any = any || pt.trusted
		}
		if any {
			sp.fixed[ki] = d
		}
	}
	return func() {
		for ki, kd := range sp.keys {
			kd.points = kd.points[:lens[ki]]
		}
		sp.fixed, sp.given = nil, nil
	}
}

func lookupFold(m map[string][]string, lower string) ([]string, bool) {
	for k, v := range m {
		if strings.ToLower(k) == lower {
			return v, true
		}
	}
	return nil, false
}

// holdsAs asks the engine whether an atom holds on a request from the
// outsider, with the keys it brings and the ones the engine derives.
//
// The atom is asked as a resource policy for everyone, which decides for
// every kind of caller (an identity policy says nothing to an anonymous
// one or a service), on a key of the caller's own account, where the key
// policy alone allows and must; the owner's account is given as
// aws:ResourceAccount when that is the key asked about.
func (sp *space) holdsAs(a *condAtom, key string, c outsider) bool {
	ctx := map[string][]string{}
	if key == "aws:resourceaccount" {
		ctx[key] = []string{sp.account()}
	}
	for k, v := range c.given {
		ctx[k] = v
	}
	// A KMS key of the caller's own account: its policy must allow the
	// request whoever asks, the root user too, whose own account's
	// policies otherwise allow it everything on its own resources.
	account := sp.account()
	if a := accountOf(c.principal); policy.IsAccountID(a) {
		account = a
	}
	req := engine.Request{Principal: c.principal, Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:" + account + ":key/ward", ResourceAccount: account, Context: ctx, Now: sp.opts.Now}
	prep, err := req.Prepare()
	if err != nil {
		return false
	}
	if a.everyone == nil {
		doc, _ := json.Marshal(map[string]any{"Version": policy.Version2012, "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
			"Condition": map[string]any{a.op: map[string]any{a.key: a.values}}}}})
		p, err := policy.Parse(doc, "probe")
		if err != nil {
			return false
		}
		if a.everyone, err = engine.NewSet(engine.Policies{Resource: engine.Compile(p, "probe")}); err != nil {
			return false
		}
	}
	return a.everyone.Decide(prep).Result == engine.Allowed
}

// principalProbe is a statement's Principal or NotPrincipal alone in a
// resource policy that allows everything else, for the engine to say
// whether it names a caller.
func principalProbe(st *stmt) (*engine.Set, error) {
	p, err := probePolicy(st)
	if err != nil {
		return nil, err
	}
	all := []*engine.Compiled{allowAll()}
	// A federated user's session policy allows too: without one it could
	// do nothing, and the probe asks only whether the statement names it.
	return engine.NewSet(engine.Policies{Identity: all, Session: all, Resource: engine.Compile(p, "principal probe")})
}

// probePolicy is a statement's Principal or NotPrincipal in a policy
// that allows every request.
func probePolicy(st *stmt) (*policy.Policy, error) {
	s := map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}
	if st.principal != nil {
		el := "Principal"
		if st.notPrincipal {
			el = "NotPrincipal"
		}
		if st.principal.Wildcard {
			s[el] = "*"
		} else {
			m := map[string][]string{}
			for _, e := range st.principal.Entries {
				m[e.Type] = append(m[e.Type], e.Values.Items...)
			}
			s[el] = m
		}
	}
	doc, _ := json.Marshal(map[string]any{"Version": policy.Version2012, "Statement": []any{s}})
	return policy.Parse(doc, "principal probe")
}

func (sp *space) principalMatches(probe *engine.Set, c outsider) bool {
	req := engine.Request{Principal: c.principal, Action: "s3:GetObject", Resource: "*", ResourceAccount: sp.owner, Context: c.given, Now: sp.opts.Now}
	prep, err := req.Prepare()
	if err != nil {
		return false
	}
	return probe.Decide(prep).Result == engine.Allowed
}

var allowAllPolicy = func() *policy.Policy {
	p, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`), outsideOwnPolicy)
	if err != nil {
		panic(err)
	}
	return p
}()

// allowAll is the identity policy of an outside principal: its account
// grants it everything, so the resource's policy alone decides.
func allowAll() *engine.Compiled { return engine.Compile(allowAllPolicy, outsideOwnPolicy) }

const outsideOwnPolicy = "the outside account's own policy"

// keyKind is what a trust-bearing key's values name.
type keyKind uint8

const (
	keyFixed   keyKind = iota + 1 // a value trusted when the policy names it fixed
	keyAccount                    // an account ID
	keyARN                        // an ARN, trusted by its account
	keyOrg                        // an organization ID
	keyOrgPath                    // an organization path, trusted by its first part
	keyAddress                    // an IP address, trusted inside a named range
)

// accountKeys are the keys whose fixed values make a policy non-public
// (S3's list, with the organization keys), by what they hold.
var accountKeys = map[string]keyKind{
	"aws:sourceaccount": keyAccount, "aws:sourceowner": keyAccount, "s3:dataaccesspointaccount": keyAccount,
	"aws:principalaccount": keyAccount, "kms:calleraccount": keyAccount,
	"aws:sourcearn": keyARN, "s3:dataaccesspointarn": keyARN, "aws:principalarn": keyARN,
	"aws:principalorgid": keyOrg, "aws:sourceorgid": keyOrg,
	"aws:principalorgpaths": keyOrgPath, "aws:sourceorgpaths": keyOrgPath,
	"aws:sourcevpcarn": keyARN, "lambda:functionarn": keyARN,
	"aws:vpceaccount": keyAccount, "aws:vpceorgid": keyOrg, "aws:vpceorgpaths": keyOrgPath,
	"aws:sourcevpc": keyFixed, "aws:sourcevpce": keyFixed, "aws:userid": keyFixed,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": keyFixed,
	"aws:sourceip": keyAddress, "aws:vpcsourceip": keyAddress,
}

func trustedValue(key, v string, accounts, orgs map[string]bool, nm *named) bool {
	switch accountKeys[key] {
	case keyAccount:
		return accounts[v]
	case keyARN:
		parts := strings.SplitN(v, ":", 6)
		if len(parts) == 6 && parts[4] != "" {
			return accounts[parts[4]]
		}
		return nm.isLiteral(key, v)
	case keyOrg:
		return orgs[v]
	case keyOrgPath:
		first, _, _ := strings.Cut(v, "/")
		return orgs[first]
	case keyFixed:
		return nm.isLiteral(key, v)
	case keyAddress:
		ad, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		for _, r := range nm.ranges[key] {
			if r.Bits() > 0 && r.Contains(ad) {
				return true
			}
		}
	}
	return false
}

// named is what a policy names: the constants a public-access question
// trusts by default and builds its outside requests from.
type named struct {
	accounts, orgs                      []string // every account and organization named
	allAccounts                         []string
	resourceAccounts, principalAccounts []string
	principalARNs, services, federated  []string
	canonical                           bool                // a CanonicalUser principal is named
	literals                            map[string][]string // lower-cased key → fixed values
	patterns                            map[string][]string // lower-cased key → values with wildcards
	ranges                              map[string][]netip.Prefix
	literalSet                          map[string]bool
}

func (nm *named) isLiteral(key, v string) bool { return nm.literalSet[key+"\x00"+v] }

func namedIn(p *policy.Policy) *named {
	nm := &named{literals: map[string][]string{}, patterns: map[string][]string{}, ranges: map[string][]netip.Prefix{}, literalSet: map[string]bool{}}
	acct := map[string]bool{}
	org := map[string]bool{}
	addAccount := func(list *[]string, a string) {
		if !policy.IsAccountID(a) {
			return
		}
		*list = append(*list, a)
		if !acct[a] {
			acct[a] = true
			nm.accounts = append(nm.accounts, a)
		}
	}
	arnAccount := func(v string) string {
		if parts := strings.SplitN(v, ":", 6); len(parts) == 6 && parts[0] == "arn" {
			return parts[4]
		}
		return ""
	}
	for _, s := range p.Statements {
		if pr, _ := s.Principals(); pr != nil {
			for _, e := range pr.Entries {
				for _, v := range e.Values.Items {
					switch e.Type {
					case policy.PrincipalAWS:
						if policy.IsAccountID(v) {
							addAccount(&nm.principalAccounts, v)
						} else if a := arnAccount(v); a != "" {
							addAccount(&nm.principalAccounts, a)
							if !strings.HasSuffix(v, ":root") {
								nm.principalARNs = append(nm.principalARNs, v)
							}
						}
					case policy.PrincipalService:
						nm.services = append(nm.services, strings.ToLower(v))
					case policy.PrincipalFederated:
						nm.federated = append(nm.federated, v)
					case policy.PrincipalCanonicalUser:
						nm.canonical = true
					}
				}
			}
		}
		if res, _ := s.Resources(); res != nil {
			for _, r := range res.Items {
				if a := arnAccount(r); !strings.ContainsAny(a, "*?$") {
					addAccount(&nm.resourceAccounts, a)
				}
			}
		}
		for _, c := range s.Conditions {
			key := strings.ToLower(c.Key)
			op, _ := policy.ParseOperator(c.Operator)
			for _, v := range c.Values.Items {
				if strings.Contains(op.Base, "IpAddress") {
					if r, err := netip.ParsePrefix(v); err == nil {
						nm.ranges[key] = append(nm.ranges[key], r.Masked())
					} else if ad, err := netip.ParseAddr(v); err == nil {
						nm.ranges[key] = append(nm.ranges[key], netip.PrefixFrom(ad, ad.BitLen()))
					}
					continue
				}
				// A value named under any operator is fixed: the one an Allow
				// with StringEquals lets in, or a Deny with StringNotEquals
				// leaves in; an Allow with StringNotEquals lets in the others,
				// which stay untrusted.
				wild := strings.ContainsAny(v, "*?") && (strings.Contains(op.Base, "Like") || strings.HasPrefix(op.Base, "Arn")) || strings.Contains(v, "${")
				if wild {
					nm.patterns[key] = append(nm.patterns[key], v)
					if first, _, _ := strings.Cut(v, "/"); accountKeys[key] == keyOrgPath && strings.HasPrefix(first, "o-") && !strings.ContainsAny(first, "*?$") && !org[first] {
						org[first] = true
						nm.orgs = append(nm.orgs, first)
					}
					continue
				}
				nm.literals[key] = append(nm.literals[key], v)
				nm.literalSet[key+"\x00"+v] = true
				switch accountKeys[key] {
				case keyAccount:
					var l []string
					addAccount(&l, v)
				case keyARN:
					var l []string
					addAccount(&l, arnAccount(v))
				case keyOrg:
					if !org[v] {
						org[v] = true
						nm.orgs = append(nm.orgs, v)
					}
				case keyOrgPath:
					if first, _, _ := strings.Cut(v, "/"); strings.HasPrefix(first, "o-") && !org[first] {
						org[first] = true
						nm.orgs = append(nm.orgs, first)
					}
				}
			}
		}
	}
	nm.allAccounts = append([]string(nil), nm.accounts...)
	return nm
}

// freshAccount is an account no one named: the outside account of the
// question.
func freshAccount(trusted map[string]bool, nm *named) string {
	usedBy := setOf(nm.allAccounts)
	for n := int64(999999999999); ; n-- {
		a := fmt.Sprintf("%012d", n)
		if !trusted[a] && !usedBy[a] {
			return a
		}
	}
}

// fillAccount fills an account pattern with digits ("12*" is
// 120000000000); false when no account fits it.
func fillAccount(p string) (string, bool) {
	fixed := len(strings.ReplaceAll(p, "*", ""))
	if fixed > 12 {
		return "", false
	}
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(strings.Repeat("0", 12-fixed))
			fixed = 12
		case '?':
			b.WriteByte('0')
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	return out, policy.IsAccountID(out)
}

func setOf(list []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range list {
		m[v] = true
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
