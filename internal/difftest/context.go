package difftest

import (
	"strconv"
	"strings"
	"time"
)

// The times of generated requests.
var requestTimes = []time.Time{
	time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC),
	time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC),
}

// context builds the request context: keys AWS would send for this
// caller, each present or absent at random, with values consistent with
// the caller (AWS never sends an aws:username that is not the caller's).
func (g *Generator) context(w *world) {
	c := w.c
	set := func(key string, vals ...string) {
		if g.chance(0.04) {
			// Key names are case-insensitive.
			key = strings.ToUpper(key[:1]) + key[1:]
		}
		w.ctx = append(w.ctx, &Entry{Key: key, Values: vals})
	}
	maybe := func(p float64, key string, vals ...string) {
		if g.chance(p) {
			set(key, vals...)
		}
	}
	inAccount := c.shape != Service && c.shape != Anonymous
	if g.chance(0.85) {
		t := pick(g, requestTimes...)
		switch g.intn(3) {
		case 0:
			set("aws:CurrentTime", t.Format(time.RFC3339))
		case 1:
			set("aws:EpochTime", strconv.FormatInt(t.Unix(), 10))
		default:
			set("aws:CurrentTime", t.Format(time.RFC3339))
			set("aws:EpochTime", strconv.FormatInt(t.Unix(), 10))
		}
	}
	maybe(0.5, "aws:SecureTransport", pick(g, "true", "false"))
	if c.shape != Service {
		maybe(0.5, "aws:SourceIp", pick(g, "203.0.113.7", "198.51.100.4", "2001:db8::1", "10.1.2.3"))
	}
	maybe(0.25, "aws:RequestedRegion", pick(g, "us-east-1", "eu-west-1"))
	if inAccount {
		switch c.shape {
		case PathRoleSession:
			// A session's ARN does not carry its role's path: AWS sends
			// the role's ARN as aws:PrincipalArn.
			set("aws:PrincipalArn", c.entity)
		case FederatedUser:
			maybe(0.3, "aws:PrincipalArn", c.arn)
		default:
			maybe(0.3, "aws:PrincipalArn", c.entity)
		}
		maybe(0.2, "aws:PrincipalAccount", c.account)
		if c.shape == User || c.shape == PathUser {
			maybe(0.2, "aws:username", c.name)
		}
		maybe(0.3, "aws:PrincipalOrgID", pick(g, "o-abc123", "o-zzz999"))
		if c.shape != Root {
			maybe(0.4, "aws:PrincipalTag/team", pick(g, "red", "blue", "Red"))
			maybe(0.1, "aws:PrincipalTag/cert", pick(g, "QmluYXJ5", "b3RoZXI="))
		}
		if c.shape != FederatedUser {
			maybe(0.3, "aws:MultiFactorAuthPresent", pick(g, "true", "false"))
			maybe(0.2, "aws:MultiFactorAuthAge", pick(g, "300", "7200"))
		}
		if c.shape == RoleSession || c.shape == PathRoleSession {
			maybe(0.15, "aws:TokenIssueTime", pick(g, "2026-03-15T11:00:00Z", "2025-01-01T00:00:00Z"))
		}
		if g.chance(0.15) {
			set("aws:CalledVia", pick(g, []string{"cloudformation.amazonaws.com"}, []string{"cloudformation.amazonaws.com", "athena.amazonaws.com"}, []string{"athena.amazonaws.com"})...)
			w.ctx[len(w.ctx)-1].List = true
			maybe(0.7, "aws:ViaAWSService", "true")
		} else {
			maybe(0.1, "aws:ViaAWSService", "false")
		}
	}
	if c.shape == Service {
		maybe(0.5, "aws:SourceArn", pick(g, "arn:aws:sns:us-east-1:"+w.resAcc+":topic1", "arn:aws:s3:::bkt", "arn:aws:lambda:us-east-1:"+Other+":function:fn1"))
		maybe(0.5, "aws:SourceAccount", pick(g, Home, Other))
		maybe(0.3, "aws:PrincipalIsAWSService", "true")
	} else {
		maybe(0.1, "aws:PrincipalIsAWSService", "false")
	}
	maybe(0.15, "aws:SourceVpce", pick(g, "vpce-1a2b3c4d", "vpce-9f9f9f9f"))
	maybe(0.1, "aws:SourceVpc", "vpc-11112222")
	maybe(0.1, "aws:ResourceAccount", w.resAcc)
}

// operator families and the keys they are asked about.
type family struct {
	ops  []string
	keys []string
	vals func(g *Generator, w *world, key string) string
	set  bool // may take ForAllValues: / ForAnyValue:
}

var families = []family{
	{[]string{"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"},
		[]string{"aws:PrincipalTag/team", "aws:username", "aws:RequestedRegion", "aws:PrincipalOrgID", "aws:SourceVpce", "aws:SourceVpc", "aws:PrincipalAccount", "aws:CalledVia", "aws:SourceAccount", "aws:ResourceAccount", "aws:PrincipalType", "aws:userid"},
		stringValue, true},
	{[]string{"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"},
		[]string{"aws:MultiFactorAuthAge", "aws:EpochTime"},
		numericValue, false},
	{[]string{"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"},
		[]string{"aws:CurrentTime", "aws:EpochTime", "aws:TokenIssueTime"},
		dateValue, false},
	{[]string{"Bool"},
		[]string{"aws:SecureTransport", "aws:MultiFactorAuthPresent", "aws:ViaAWSService", "aws:PrincipalIsAWSService"},
		func(g *Generator, _ *world, _ string) string { return pick(g, "true", "false") }, false},
	{[]string{"BinaryEquals"},
		[]string{"aws:PrincipalTag/cert"},
		func(g *Generator, _ *world, _ string) string { return pick(g, "QmluYXJ5", "b3RoZXI=") }, false},
	{[]string{"IpAddress", "NotIpAddress"},
		[]string{"aws:SourceIp"},
		func(g *Generator, _ *world, _ string) string {
			return pick(g, "203.0.113.0/24", "203.0.113.7", "203.0.113.7/32", "0.0.0.0/0", "2001:db8::/32", "10.0.0.0/8", "198.51.100.0/25")
		}, false},
	{[]string{"ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"},
		[]string{"aws:PrincipalArn", "aws:SourceArn"},
		arnValue, true},
	{[]string{"Null"},
		[]string{"aws:PrincipalTag/team", "aws:SourceIp", "aws:SourceVpce", "aws:MultiFactorAuthAge", "aws:PrincipalOrgID", "aws:CalledVia", "aws:SourceArn", "aws:TokenIssueTime"},
		func(g *Generator, _ *world, _ string) string { return pick(g, "true", "false") }, false},
}

func (g *Generator) condition(w *world) *Condition {
	f := families[g.intn(len(families))]
	if g.chance(0.2) {
		f = families[0] // strings are the most common
	}
	op := pick(g, f.ops...)
	if op != "Null" && g.chance(0.2) {
		op += "IfExists"
	}
	if f.set && g.chance(0.3) || !f.set && op != "Null" && g.chance(0.05) {
		op = pick(g, "ForAllValues:", "ForAnyValue:") + op
	}
	c := &Condition{Op: op}
	nk := pick(g, 1, 1, 1, 2)
	seen := map[string]bool{}
	for i := 0; i < nk; i++ {
		key := pick(g, f.keys...)
		if seen[strings.ToLower(key)] {
			continue
		}
		seen[strings.ToLower(key)] = true
		nv := pick(g, 1, 1, 1, 2, 3)
		if op == "Null" {
			nv = 1
		}
		var vals []string
		for j := 0; j < nv; j++ {
			vals = append(vals, f.vals(g, w, key))
		}
		c.Keys = append(c.Keys, &CondKey{Key: key, Values: dedupe(vals)})
	}
	return c
}

func stringValue(g *Generator, w *world, key string) string {
	switch strings.ToLower(key) {
	case "aws:principaltag/team":
		return pick(g, "red", "blue", "RED", "r*", "${aws:username}")
	case "aws:username":
		return pick(g, "alice", "bob", "Alice", "a*", "${aws:PrincipalTag/team}")
	case "aws:requestedregion":
		return pick(g, "us-east-1", "eu-west-1", "us-*", "*-west-?")
	case "aws:principalorgid":
		return pick(g, "o-abc123", "o-zzz999", "o-*")
	case "aws:sourcevpce":
		return pick(g, "vpce-1a2b3c4d", "vpce-9f9f9f9f", "vpce-*")
	case "aws:sourcevpc":
		return pick(g, "vpc-11112222", "vpc-*")
	case "aws:principalaccount", "aws:sourceaccount", "aws:resourceaccount":
		return pick(g, Home, Other, "${aws:PrincipalAccount}", "1111*")
	case "aws:calledvia":
		return pick(g, "cloudformation.amazonaws.com", "athena.amazonaws.com", "*.amazonaws.com")
	case "aws:principaltype":
		return pick(g, "User", "AssumedRole", "FederatedUser", "Account")
	case "aws:userid":
		return pick(g, Home, Home+":carol", "AIDA*", "*:s1", "${aws:username}")
	}
	return "x"
}

func numericValue(g *Generator, _ *world, key string) string {
	if g.chance(0.02) {
		return "not-a-number"
	}
	if strings.EqualFold(key, "aws:EpochTime") {
		return pick(g, "1773576000", "1767225599", "1800000000")
	}
	return pick(g, "300", "3600", "7200", "0", "300.0")
}

func dateValue(g *Generator, _ *world, key string) string {
	if g.chance(0.02) {
		return "not-a-date"
	}
	return pick(g, "2026-03-15T12:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01", "1773576000", "2025-12-31T23:59:59Z", "2027-01-01T00:00:00.000Z")
}

func arnValue(g *Generator, w *world, key string) string {
	a := pick(g, Home, Other, "*")
	if strings.EqualFold(key, "aws:SourceArn") {
		return pick(g, "arn:aws:sns:us-east-1:"+a+":topic1", "arn:aws:s3:::bkt", "arn:aws:lambda:*:*:function:*", "arn:aws:sns:*:"+a+":*")
	}
	v := pick(g, "arn:aws:iam::"+a+":user/alice", "arn:aws:iam::"+a+":user/dev/*", "arn:aws:iam::"+a+":role/app", "arn:aws:iam::"+a+":role/svc/*",
		"arn:aws:iam::"+a+":role/*", "arn:aws:sts::"+a+":assumed-role/app/*", "arn:aws:iam::"+a+":root", "arn:aws:iam::"+a+":user/${aws:username}",
		"arn:aws:sts::"+a+":federated-user/carol", "arn:aws:iam::"+a+":ROLE/app")
	if w.c.entity != "" && g.chance(0.3) {
		v = w.c.entity
	}
	return v
}

func epochToISO(v string) string {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return ""
	}
	return time.Unix(n, 0).UTC().Format(time.RFC3339)
}

func isoToEpoch(v string) string {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return ""
	}
	return strconv.FormatInt(t.Unix(), 10)
}
