package difftest

import (
	"strings"
)

// Cause is a documented root cause of disagreements: docs/conformance.md
// has a row for each under "Differential testing", with the ID as its
// anchor, saying which side AWS's documentation supports.
type Cause struct {
	ID      string
	Summary string
	// Explains reports whether the cause accounts for a minimized
	// disagreement. It may ask both engines about a changed scenario
	// (d.Recheck), to show that removing what the cause names removes
	// the disagreement.
	Explains func(d *Disagreement) bool
}

// Causes is the table of documented root causes, in the order they are
// tried. docs/conformance.md mirrors it (TestCausesAreDocumented). It is
// filled in by init: its predicates attribute what is left after a
// Recheck, which reads the table.
var Causes []Cause

func init() {
	Causes = causes
}

var causes = []Cause{
	{
		ID:      "difftest-root-user",
		Summary: "the root user with no identity policy: ward lets it do anything its account may (no policy denying), iam-simulate denies for want of an identity policy; given an identity policy allowing everything, the two agree",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			return shapeOf(s.Request.Principal) == "root" && d.Ward.Result == "Allowed" && d.Sim.Result == "ImplicitDeny" &&
				d.Recheck(func(c *Scenario) {
					c.Identity = append(c.Identity, &Policy{Version: "2012-10-17", Statements: []*Statement{{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}}}})
				})
		},
	},
	{
		ID:      "difftest-federated-user-without-session-policy",
		Summary: "a federated user (GetFederationToken) without a session policy: ward denies, iam-simulate lets its user's identity policies allow",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			return shapeOf(s.Request.Principal) == "federated user" && s.Session == nil &&
				d.Ward.Result == "ImplicitDeny" && d.Ward.DecidedBy == "sessionPolicy"
		},
	},
	{
		ID:      "difftest-scp-service-principal",
		Summary: "SCPs given for a service principal's request: ward does not apply them, iam-simulate does",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			return shapeOf(s.Request.Principal) == "service" && s.SCPs != nil &&
				d.Recheck(func(c *Scenario) { c.SCPs = nil })
		},
	},
	{
		ID:      "difftest-derived-context-keys",
		Summary: "a condition or policy variable on a key AWS puts in every request (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username, aws:PrincipalIsAWSService, aws:ResourceAccount, aws:CurrentTime, aws:EpochTime) that the scenario's context leaves out: ward fills it in from the request, iam-simulate treats it as absent; given explicitly, the two agree",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			missing := false
			for _, k := range derivedKeys {
				if s.Request.Get(k) == nil && mentionsKey(s, k) {
					missing = true
				}
			}
			return missing && d.Recheck(fillDerived)
		},
	},
	{
		ID:      "difftest-arn-prefix-case",
		Summary: "a Resource whose arn, partition or service is not in lower case (ARN:aws:..., arn:aws:Dynamodb:...): ward matches ARNs case-sensitively, iam-simulate ignores case there",
		Explains: func(d *Disagreement) bool {
			return anyResource(d.Scenario, func(r string) bool {
				parts := strings.SplitN(r, ":", 4)
				return len(parts) == 4 && strings.Join(parts[:3], ":") != strings.ToLower(strings.Join(parts[:3], ":"))
			})
		},
	},
	{
		ID:      "difftest-wildcard-in-resource-type",
		Summary: "a Resource with * or ? in its resource type (table/?rders matches, tab?e/orders does not): ward matches the wildcard, iam-simulate never matches a wildcard in the resource type",
		Explains: func(d *Disagreement) bool {
			return anyResource(d.Scenario, func(r string) bool {
				parts := strings.SplitN(r, ":", 6)
				if len(parts) < 6 || parts[2] == "s3" {
					return false
				}
				i := strings.IndexAny(parts[5], "/:")
				return i > 0 && strings.ContainsAny(parts[5][:i], "*?")
			})
		},
	},
	{
		ID:      "difftest-notprincipal-account",
		Summary: "a Deny whose NotPrincipal leaves out one of the identities the caller acts as (its account, its role, or itself): ward applies it to the identity left out, iam-simulate exempts the caller when any of them is listed",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			if s.Resource == nil || d.Ward.Result != "ExplicitDeny" {
				return false
			}
			ids := identities(s)
			for _, st := range s.Resource.Statements {
				if !st.NotPrincipal || st.Effect != "Deny" || st.Principal == nil {
					continue
				}
				listed, missed := false, false
				for _, id := range ids {
					hit := false
					for _, v := range id {
						if contains(st.Principal.AWS, v) {
							hit = true
						}
					}
					listed = listed || hit
					missed = missed || !hit
				}
				if listed && missed {
					return true
				}
			}
			return false
		},
	},
	{
		ID:      "difftest-notresource-on-a-request-for-star",
		Summary: "an action without resource-level permissions (the request's resource is *) under a NotResource naming ARNs: ward applies the statement (* is not among those ARNs), iam-simulate does not",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			if s.Request.Resource != "*" {
				return false
			}
			for _, p := range s.Policies() {
				for _, st := range p.Policy.Statements {
					if st.NotResource && !contains(st.Resource, "*") {
						return true
					}
				}
			}
			return false
		},
	},
	{
		ID:      "difftest-multivalued-key-without-set-operator",
		Summary: "a condition without ForAllValues/ForAnyValue on a key the request gives as a list (aws:CalledVia): ward matches when a value does (a negated operator when none does), iam-simulate never matches",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			found := false
			eachCondition(s, func(op string, k *CondKey) {
				e := s.Request.Get(k.Key)
				if e != nil && (e.List || len(e.Values) > 1) && !strings.HasPrefix(op, "For") {
					found = true
				}
			})
			return found
		},
	},
	{
		ID:      "difftest-ip-family",
		Summary: "NotIpAddress with an address of the other family (an IPv6 aws:SourceIp against IPv4 ranges): ward matches (the address is not in the ranges), iam-simulate does not",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			ip := s.Request.Get("aws:SourceIp")
			if ip == nil {
				return false
			}
			v6 := strings.Contains(ip.Values[0], ":")
			found := false
			eachCondition(s, func(op string, k *CondKey) {
				if strings.Contains(op, "NotIpAddress") && strings.EqualFold(k.Key, "aws:SourceIp") {
					for _, v := range k.Values {
						if strings.Contains(v, ":") != v6 {
							found = true
						}
					}
				}
			})
			return found
		},
	},
	{
		ID:      "difftest-epoch-and-iso-dates",
		Summary: "a Date condition whose value and context value are written differently (epoch seconds against an ISO 8601 date): ward compares the times, iam-simulate does not",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			found := false
			eachCondition(s, func(op string, k *CondKey) {
				if !strings.Contains(op, "Date") {
					return
				}
				e := s.Request.Get(k.Key)
				if e == nil {
					return
				}
				for _, v := range k.Values {
					for _, cv := range e.Values {
						if isEpoch(v) != isEpoch(cv) {
							found = true
						}
					}
				}
			})
			return found
		},
	},
	{
		ID:      "difftest-variables-in-2008-policies",
		Summary: "a policy variable in a policy of Version 2008-10-17: ward reads ${...} as literal text, iam-simulate resolves it",
		Explains: func(d *Disagreement) bool {
			for _, p := range d.Scenario.Policies() {
				if p.Policy.Version != "2012-10-17" && strings.Contains(string(p.Policy.JSON()), "${") {
					return true
				}
			}
			return false
		},
	},
	{
		ID:      "difftest-zero-cidr",
		Summary: "IpAddress or NotIpAddress with 0.0.0.0/0 and an IPv4 aws:SourceIp: ward puts every IPv4 address in 0.0.0.0/0, iam-simulate none; written as 0.0.0.0/1 and 128.0.0.0/1, the two agree",
		Explains: func(d *Disagreement) bool {
			found := false
			eachCondition(d.Scenario, func(op string, k *CondKey) {
				if strings.Contains(op, "IpAddress") && contains(k.Values, "0.0.0.0/0") {
					found = true
				}
			})
			return found && d.Recheck(func(c *Scenario) {
				eachCondition(c, func(op string, k *CondKey) {
					var vals []string
					for _, v := range k.Values {
						if v == "0.0.0.0/0" {
							vals = append(vals, "0.0.0.0/1", "128.0.0.0/1")
						} else {
							vals = append(vals, v)
						}
					}
					k.Values = vals
				})
			})
		},
	},
	{
		ID:      "difftest-resource-policy-names-the-session",
		Summary: "a role session or federated user with a session policy, allowed by a resource or trust policy that names the session itself (or everyone): ward lets that statement allow on its own, iam-simulate also requires the session policy",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			sh := shapeOf(s.Request.Principal)
			if (sh != "role session" && sh != "federated user") || s.Session == nil || s.Resource == nil ||
				d.Ward.Result != "Allowed" || d.Sim.Result != "ImplicitDeny" {
				return false
			}
			for _, st := range s.Resource.Statements {
				if st.Effect == "Allow" && !st.NotPrincipal && st.Principal != nil &&
					(st.Principal.Star || contains(st.Principal.AWS, "*") || contains(st.Principal.AWS, s.Request.Principal)) {
					return true
				}
			}
			return false
		},
	},
	{
		ID:      "difftest-unresolvable-variable-in-notresource",
		Summary: "a NotResource entry with a policy variable the request cannot resolve: ward does not apply the statement, iam-simulate does",
		Explains: func(d *Disagreement) bool {
			s := d.Scenario
			for _, p := range s.Policies() {
				for _, st := range p.Policy.Statements {
					if !st.NotResource || p.Policy.Version != "2012-10-17" {
						continue
					}
					for _, r := range st.Resource {
						if unresolvable(s, r) {
							return true
						}
					}
				}
			}
			return false
		},
	},
	{
		ID:      "difftest-unresolvable-variable-under-negated-operator",
		Summary: "a negated String or ARN operator whose value holds a policy variable the request cannot resolve, its own key present: ward does not let the condition hold, iam-simulate does for some operators (ArnNotLike) and not for others",
		Explains: func(d *Disagreement) bool {
			filled := d.Scenario.Clone()
			fillDerived(filled)
			found := false
			eachCondition(d.Scenario, func(op string, k *CondKey) {
				base := strings.TrimSuffix(op[strings.IndexByte(op, ':')+1:], "IfExists")
				if !strings.Contains(base, "Not") || !(strings.HasPrefix(base, "String") || strings.HasPrefix(base, "Arn")) {
					return
				}
				if filled.Request.Get(k.Key) == nil {
					return // the absent key decides first
				}
				for _, v := range k.Values {
					if unresolvable(d.Scenario, v) {
						found = true
					}
				}
			})
			return found
		},
	},
	{
		ID:      "difftest-unparsable-condition-value",
		Summary: "a condition value that does not parse for its operator (not-a-number under Numeric, not-a-date under Date): ward makes the condition false, iam-simulate skips the value or, for an absent key, applies the operator's rule for absent keys",
		Explains: func(d *Disagreement) bool {
			// Not where the key is absent under IfExists or ForAllValues:
			// there the absent key decides (true) before the value is
			// read, and a disagreement would be ward's.
			filled := d.Scenario.Clone()
			fillDerived(filled)
			found := false
			eachCondition(d.Scenario, func(op string, k *CondKey) {
				if !contains(k.Values, "not-a-number") && !contains(k.Values, "not-a-date") {
					return
				}
				absent := filled.Request.Get(k.Key) == nil
				if absent && (strings.HasSuffix(op, "IfExists") || strings.HasPrefix(op, "ForAllValues:")) {
					return
				}
				found = true
			})
			return found
		},
	},
}

// Attribute returns the first cause that explains d, or nil.
func Attribute(d *Disagreement) *Cause {
	return attribute(d)
}

func attribute(d *Disagreement) *Cause {
	base := d.tried
	for i := range Causes {
		if contains(base, Causes[i].ID) {
			continue
		}
		d.tried = append(base[:len(base):len(base)], Causes[i].ID)
		ok := Causes[i].Explains(d)
		d.tried = base
		if ok {
			return &Causes[i]
		}
	}
	return nil
}

// derivedKeys are the context keys ward fills in from the request when
// its context does not give them (docs/semantics.md, "The request
// context").
var derivedKeys = []string{
	"aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType", "aws:userid", "aws:username",
	"aws:PrincipalIsAWSService", "aws:PrincipalServiceName", "aws:ResourceAccount", "aws:CurrentTime", "aws:EpochTime",
}

// fillDerived gives the request the derived keys it leaves out, with the
// values AWS documents for its caller.
func fillDerived(s *Scenario) {
	p := s.Request.Principal
	acct := principalAccount(p)
	set := func(k, v string) {
		if v != "" && s.Request.Get(k) == nil {
			s.Request.Context = append(s.Request.Context, &Entry{Key: k, Values: []string{v}})
		}
	}
	shape := shapeOf(p)
	switch shape {
	case "user", "path user", "root", "federated user":
		set("aws:PrincipalArn", p)
	case "role session":
		role, _, _ := strings.Cut(p[strings.Index(p, "assumed-role/")+len("assumed-role/"):], "/")
		set("aws:PrincipalArn", "arn:aws:iam::"+acct+":role/"+role)
	}
	set("aws:PrincipalAccount", acct)
	switch shape {
	case "user", "path user":
		set("aws:PrincipalType", "User")
		set("aws:username", p[strings.LastIndex(p, "/")+1:])
	case "root":
		set("aws:PrincipalType", "Account")
		set("aws:userid", acct)
	case "role session":
		set("aws:PrincipalType", "AssumedRole")
	case "federated user":
		set("aws:PrincipalType", "FederatedUser")
		set("aws:userid", acct+":"+p[strings.LastIndex(p, "/")+1:])
	case "anonymous":
		set("aws:PrincipalType", "Anonymous")
		set("aws:userid", "anonymous")
	}
	if shape == "service" {
		set("aws:PrincipalIsAWSService", "true")
		set("aws:PrincipalServiceName", p)
	} else {
		set("aws:PrincipalIsAWSService", "false")
	}
	set("aws:ResourceAccount", resourceAccount(s))
	now := requestTimes[0]
	if e := s.Request.Get("aws:EpochTime"); e != nil {
		set("aws:CurrentTime", epochToISO(e.Values[0]))
	} else if e := s.Request.Get("aws:CurrentTime"); e != nil {
		set("aws:EpochTime", isoToEpoch(e.Values[0]))
	} else {
		set("aws:CurrentTime", now.Format("2006-01-02T15:04:05Z"))
		set("aws:EpochTime", isoToEpoch(now.Format("2006-01-02T15:04:05Z")))
	}
}

// principalAccount is the account of an IAM or STS principal ARN.
func principalAccount(p string) string {
	parts := strings.SplitN(p, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" {
		return parts[4]
	}
	return ""
}

// resourceAccount is the request's resource account as ward reads it.
func resourceAccount(s *Scenario) string {
	if s.Request.ResourceAccount != "" {
		return s.Request.ResourceAccount
	}
	if a := principalAccount(s.Request.Resource); a != "" {
		return a
	}
	return principalAccount(s.Request.Principal)
}

// anyResource reports whether f holds for a Resource or NotResource entry
// of some policy.
func anyResource(s *Scenario, f func(string) bool) bool {
	for _, p := range s.Policies() {
		for _, st := range p.Policy.Statements {
			for _, r := range st.Resource {
				if f(r) {
					return true
				}
			}
		}
	}
	return false
}

// eachCondition calls f for every condition key of every statement.
func eachCondition(s *Scenario, f func(op string, k *CondKey)) {
	for _, p := range s.Policies() {
		for _, st := range p.Policy.Statements {
			for _, c := range st.Conditions {
				for _, k := range c.Keys {
					f(c.Op, k)
				}
			}
		}
	}
}

// mentionsKey reports whether a policy asks for key, as a condition key
// or in a policy variable.
func mentionsKey(s *Scenario, key string) bool {
	lk := strings.ToLower(key)
	for _, p := range s.Policies() {
		if strings.Contains(strings.ToLower(string(p.Policy.JSON())), "${"+lk) {
			return true
		}
	}
	found := false
	eachCondition(s, func(_ string, k *CondKey) {
		if strings.EqualFold(k.Key, key) {
			found = true
		}
	})
	return found
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

func isEpoch(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// unresolvable reports whether text holds a policy variable without a
// default whose key the request does not give (or gives several values
// of) and ward does not fill in.
func unresolvable(s *Scenario, text string) bool {
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			return false
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return false
		}
		v := text[i+2 : i+j]
		text = text[i+j+1:]
		if v == "*" || v == "?" || v == "$" || strings.Contains(v, ",") {
			continue
		}
		e := s.Request.Get(v)
		if e == nil {
			c := s.Clone()
			fillDerived(c)
			e = c.Request.Get(v)
		}
		if e == nil || len(e.Values) != 1 {
			return true
		}
	}
}

// identities lists the identities the caller acts as, each with the ways
// a Principal can name it: itself, its role (for a session) and its
// account.
func identities(s *Scenario) [][]string {
	p := s.Request.Principal
	acct := principalAccount(p)
	if acct == "" {
		return nil
	}
	account := []string{acct, "arn:aws:iam::" + acct + ":root"}
	switch shapeOf(p) {
	case "root":
		return [][]string{account}
	case "role session":
		role := "arn:aws:iam::" + acct + ":role/app"
		if e := s.Request.Get("aws:PrincipalArn"); e != nil {
			role = e.Values[0]
		}
		return [][]string{{p}, {role}, account}
	}
	return [][]string{{p}, account}
}
