package difftest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The accounts of generated scenarios: callers live in Home or Other, and
// a resource in either, so a request is same-account or cross-account.
const (
	Home  = "111111111111"
	Other = "222222222222"
)

// Generator makes random valid scenarios. The same seed gives the same
// scenarios.
type Generator struct {
	r *rand.Rand
	n int
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Shape says what kind of caller a scenario has.
type Shape int

// The kinds of caller.
const (
	User Shape = iota
	PathUser
	RoleSession
	PathRoleSession
	FederatedUser
	Root
	Service
	Anonymous
)

// caller is the principal of a request and what follows from it.
type caller struct {
	shape   Shape
	account string
	arn     string // the request's principal
	entity  string // the IAM entity: user, role or root ARN ("" for others)
	name    string // user name, role name, federated user name
}

func (g *Generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *Generator) intn(n int) int { return g.r.IntN(n) }

func pick[T any](g *Generator, l ...T) T { return l[g.r.IntN(len(l))] }

func (g *Generator) caller() caller {
	acct := Home
	if g.chance(0.25) {
		acct = Other
	}
	shape := pick(g, User, User, PathUser, RoleSession, RoleSession, PathRoleSession, FederatedUser, Root, Service, Anonymous)
	c := caller{shape: shape, account: acct}
	switch shape {
	case User:
		c.name = "alice"
		c.arn = "arn:aws:iam::" + acct + ":user/alice"
		c.entity = c.arn
	case PathUser:
		c.name = "bob"
		c.arn = "arn:aws:iam::" + acct + ":user/dev/bob"
		c.entity = c.arn
	case RoleSession:
		c.name = "app"
		c.arn = "arn:aws:sts::" + acct + ":assumed-role/app/s1"
		c.entity = "arn:aws:iam::" + acct + ":role/app"
	case PathRoleSession:
		c.name = "worker"
		c.arn = "arn:aws:sts::" + acct + ":assumed-role/worker/s2"
		c.entity = "arn:aws:iam::" + acct + ":role/svc/worker"
	case FederatedUser:
		c.name = "carol"
		c.arn = "arn:aws:sts::" + acct + ":federated-user/carol"
	case Root:
		c.arn = "arn:aws:iam::" + acct + ":root"
		c.entity = c.arn
	case Service:
		c.account = ""
		c.arn = pick(g, "lambda.amazonaws.com", "sns.amazonaws.com", "cloudtrail.amazonaws.com")
	case Anonymous:
		c.account = ""
		c.arn = "anonymous"
	}
	return c
}

// target is an action and the resources it can be asked about.
type target struct {
	action string
	// resource builds the resource ARN in an account.
	resource func(acct string) string
	// others are the service's other actions, for patterns that miss.
	others []string
	// policy says which resource policy the service has: "" none,
	// "resource", "trust" or "key" (a key policy must allow by itself).
	policy string
	// account says the ARN names no account: the request must say.
	account bool
}

var targets = []target{
	{"s3:GetObject", func(string) string { return "arn:aws:s3:::bkt/home/alice/notes.txt" }, []string{"s3:PutObject", "s3:ListBucket"}, "resource", true},
	{"s3:PutObject", func(string) string { return "arn:aws:s3:::bkt/docs/readme.txt" }, []string{"s3:GetObject", "s3:DeleteObject"}, "resource", true},
	{"s3:ListBucket", func(string) string { return "arn:aws:s3:::bkt" }, []string{"s3:GetObject", "s3:ListAllMyBuckets"}, "resource", true},
	{"sqs:SendMessage", func(a string) string { return "arn:aws:sqs:us-east-1:" + a + ":queue1" }, []string{"sqs:ReceiveMessage", "sqs:DeleteMessage"}, "resource", false},
	{"sns:Publish", func(a string) string { return "arn:aws:sns:us-east-1:" + a + ":topic1" }, []string{"sns:Subscribe"}, "resource", false},
	{"lambda:InvokeFunction", func(a string) string { return "arn:aws:lambda:us-east-1:" + a + ":function:fn1" }, []string{"lambda:GetFunction"}, "resource", false},
	{"secretsmanager:GetSecretValue", func(a string) string { return "arn:aws:secretsmanager:us-east-1:" + a + ":secret:db-AbCdEf" }, []string{"secretsmanager:DescribeSecret"}, "resource", false},
	{"kms:Decrypt", func(a string) string {
		return "arn:aws:kms:us-east-1:" + a + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	}, []string{"kms:Encrypt", "kms:GenerateDataKey"}, "key", false},
	{"sts:AssumeRole", func(a string) string { return "arn:aws:iam::" + a + ":role/target" }, []string{"sts:TagSession", "sts:GetCallerIdentity"}, "trust", false},
	{"sts:TagSession", func(a string) string { return "arn:aws:iam::" + a + ":role/target" }, []string{"sts:AssumeRole"}, "trust", false},
	{"sts:SetSourceIdentity", func(a string) string { return "arn:aws:iam::" + a + ":role/target" }, []string{"sts:AssumeRole", "sts:SetContext"}, "trust", false},
	{"dynamodb:GetItem", func(a string) string { return "arn:aws:dynamodb:us-east-1:" + a + ":table/orders" }, []string{"dynamodb:PutItem", "dynamodb:Query"}, "", false},
	{"ec2:StartInstances", func(a string) string { return "arn:aws:ec2:us-east-1:" + a + ":instance/i-0abc123" }, []string{"ec2:StopInstances", "ec2:DescribeInstances"}, "", false},
	{"ec2:DescribeInstances", func(string) string { return "*" }, []string{"ec2:DescribeImages", "ec2:StartInstances"}, "", false},
	{"iam:GetUser", func(a string) string { return "arn:aws:iam::" + a + ":user/alice" }, []string{"iam:ListUsers", "iam:DeleteUser"}, "", false},
}

// world is what one scenario is built around.
type world struct {
	c      caller
	t      target
	resAcc string
	res    string
	// ctx is the request context being built.
	ctx []*Entry
}

// Scenario returns the next scenario.
func (g *Generator) Scenario() *Scenario {
	g.n++
	w := &world{c: g.caller(), t: targets[g.intn(len(targets))]}
	w.resAcc = w.c.account
	if w.resAcc == "" || g.chance(0.3) {
		w.resAcc = pick(g, Home, Other)
	}
	w.res = w.t.resource(w.resAcc)
	s := &Scenario{Name: fmt.Sprintf("difftest-%d", g.n)}
	s.Request = Request{Principal: w.c.arn, Action: w.t.action, Resource: w.res}
	if w.t.account || g.chance(0.2) {
		s.Request.ResourceAccount = w.resAcc
	}
	g.context(w)
	s.Request.Context = w.ctx

	inAccount := w.c.shape != Service && w.c.shape != Anonymous
	if inAccount {
		n := pick(g, 0, 1, 1, 1, 2, 2, 3)
		if n > 0 {
			s.Identity = make([]*Policy, n)
			for i := range s.Identity {
				s.Identity[i] = g.policy(w, kindIdentity)
			}
		}
		if (w.c.shape <= PathRoleSession) && g.chance(0.2) {
			s.Boundary = g.policy(w, kindIdentity)
		}
		if (w.c.shape == RoleSession || w.c.shape == PathRoleSession || w.c.shape == FederatedUser) && g.chance(0.3) {
			s.Session = g.policy(w, kindIdentity)
		}
	}
	switch w.t.policy {
	case "resource":
		if g.chance(0.55) {
			s.Resource = g.policy(w, kindResource)
		}
	case "key":
		if g.chance(0.9) {
			s.Resource = g.policy(w, kindResource)
		}
	case "trust":
		s.Resource = g.policy(w, kindTrust)
	}
	if g.chance(0.12) {
		s.VPCEndpoint = g.policy(w, kindVPC)
	}
	if w.c.shape != Anonymous && g.chance(0.2) {
		s.SCPs = make([][]*Policy, 1+g.intn(3))
		for i := range s.SCPs {
			n := 1 + g.intn(2)
			if g.chance(0.03) {
				n = 0
			}
			lv := make([]*Policy, n)
			for j := range lv {
				lv[j] = g.scp(w, j == 0)
			}
			s.SCPs[i] = lv
		}
	}
	if g.chance(0.12) {
		s.RCPs = make([][]*Policy, 1+g.intn(2))
		for i := range s.RCPs {
			lv := make([]*Policy, g.intn(3))
			for j := range lv {
				lv[j] = g.policy(w, kindRCP)
			}
			s.RCPs[i] = lv
		}
	}
	return s
}

type kind int

const (
	kindIdentity kind = iota // identity, boundary, session
	kindResource
	kindTrust
	kindVPC
	kindSCP
	kindRCP
)

func (g *Generator) version() string {
	if g.chance(0.08) {
		return "2008-10-17"
	}
	return "2012-10-17"
}

func (g *Generator) policy(w *world, k kind) *Policy {
	p := &Policy{Version: g.version()}
	if k == kindRCP {
		p.Version = "2012-10-17" // the only version RCPs take
	}
	n := pick(g, 1, 1, 1, 2, 2, 3)
	for i := 0; i < n; i++ {
		st := g.statement(w, k)
		if g.chance(0.3) {
			st.Sid = fmt.Sprintf("S%d", i)
		}
		p.Statements = append(p.Statements, st)
	}
	return p
}

// scp is an SCP; the first of a level often allows everything, as
// FullAWSAccess does.
func (g *Generator) scp(w *world, first bool) *Policy {
	if first && g.chance(0.6) {
		p := &Policy{Version: "2012-10-17", Statements: []*Statement{{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}}}}
		if g.chance(0.5) {
			p.Statements = append(p.Statements, g.statement(w, kindSCP))
		}
		return p
	}
	return g.policy(w, kindSCP)
}

func (g *Generator) statement(w *world, k kind) *Statement {
	st := &Statement{Effect: "Allow"}
	deny := 0.25
	switch k {
	case kindRCP:
		deny = 1
	case kindSCP:
		deny = 0.5
	case kindVPC:
		deny = 0.2
	}
	if g.chance(deny) {
		st.Effect = "Deny"
	}
	// Principal.
	switch k {
	case kindVPC:
		// Endpoint policies name everyone and narrow with conditions
		// (iam-simulate refuses any other principal there).
		st.Principal = &Principal{Star: true}
	case kindResource:
		st.Principal = g.principal(w)
		if k == kindResource && st.Effect == "Deny" && g.chance(0.25) && !st.Principal.Star {
			st.NotPrincipal = true
		}
	case kindTrust:
		st.Principal = g.principal(w)
	case kindRCP:
		st.Principal = &Principal{Star: true}
	}
	// Action.
	if k == kindTrust {
		st.Action = []string{pick(g, w.t.action, w.t.action, "sts:AssumeRole", "sts:*", "sts:Assume*", "sts:TagSession", "sts:SetSourceIdentity")}
		if g.chance(0.3) {
			st.Action = append(st.Action, pick(g, "sts:TagSession", "sts:SetContext", "sts:AssumeRole"))
		}
		st.Action = dedupe(st.Action)
	} else {
		n := pick(g, 1, 1, 1, 2, 3)
		for i := 0; i < n; i++ {
			st.Action = append(st.Action, g.actionPattern(w))
		}
		st.Action = dedupe(st.Action)
		st.NotAction = g.chance(0.1)
		if k == kindRCP {
			// RCPs take neither NotAction nor a bare "*".
			st.NotAction = false
			for i, a := range st.Action {
				if a == "*" {
					st.Action[i] = strings.SplitN(w.t.action, ":", 2)[0] + ":*"
				}
			}
			st.Action = dedupe(st.Action)
		}
	}
	// Resource.
	if k != kindTrust {
		n := pick(g, 1, 1, 1, 2, 3)
		for i := 0; i < n; i++ {
			st.Resource = append(st.Resource, g.resourcePattern(w))
		}
		st.Resource = dedupe(st.Resource)
		st.NotResource = g.chance(0.1)
	}
	// Conditions.
	nc := pick(g, 0, 0, 0, 1, 1, 2)
	if k == kindRCP {
		nc = pick(g, 0, 1, 1, 2)
	}
	seen := map[string]bool{}
	for i := 0; i < nc; i++ {
		c := g.condition(w)
		if seen[c.Op] {
			continue
		}
		seen[c.Op] = true
		st.Conditions = append(st.Conditions, c)
	}
	return st
}

func dedupe(l []string) []string {
	seen := map[string]bool{}
	out := l[:0]
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (g *Generator) actionPattern(w *world) string {
	a := w.t.action
	svc, name, _ := strings.Cut(a, ":")
	switch g.intn(12) {
	case 0, 1, 2, 3:
		return a
	case 4:
		return svc + ":*"
	case 5:
		return "*"
	case 6:
		return svc + ":" + name[:3] + "*"
	case 7:
		return strings.ToLower(a)
	case 8:
		return svc + ":?" + name[1:]
	case 9:
		return pick(g, w.t.others...)
	case 10:
		return pick(g, "iam:PassRole", "s3:GetObject", "ec2:*", "s3express:CreateSession")
	default:
		return strings.ToUpper(svc[:1]) + svc[1:] + ":" + name
	}
}

func (g *Generator) resourcePattern(w *world) string {
	res := w.res
	if res == "*" {
		switch g.intn(4) {
		case 0, 1:
			return "*"
		case 2:
			return "arn:aws:ec2:us-east-1:" + w.resAcc + ":instance/*"
		default:
			return "arn:aws:ec2:*"
		}
	}
	parts := strings.SplitN(res, ":", 6)
	other := w.resAcc
	if other == Home {
		other = Other
	} else {
		other = Home
	}
	withAcct := func(a string) string {
		p := append([]string{}, parts...)
		p[4] = a
		return strings.Join(p, ":")
	}
	switch g.intn(16) {
	case 0, 1, 2:
		return res
	case 3:
		return "*"
	case 4:
		// Everything under the resource's first segment.
		if i := strings.IndexAny(parts[5], "/:"); i >= 0 {
			return strings.Join(parts[:5], ":") + ":" + parts[5][:i+1] + "*"
		}
		return strings.Join(parts[:5], ":") + ":*"
	case 5:
		if parts[4] != "" {
			return withAcct("*")
		}
		return "arn:aws:s3:::bkt*"
	case 6:
		if parts[4] != "" {
			return withAcct(other)
		}
		return "arn:aws:s3:::other-bkt/*"
	case 7:
		// A policy variable in the resource part.
		switch parts[2] {
		case "s3":
			return pick(g, "arn:aws:s3:::bkt/home/${aws:username}/*", "arn:aws:s3:::bkt/home/${aws:PrincipalTag/team}/*", "arn:aws:s3:::${aws:PrincipalTag/team}*", "arn:aws:s3:::bkt/home/${aws:username, 'alice'}/*")
		case "iam":
			return "arn:aws:iam::" + w.resAcc + ":user/${aws:username}"
		}
		return strings.Join(parts[:5], ":") + ":" + pick(g, "${aws:PrincipalTag/team}*", "*${aws:username}*", "queue1${aws:PrincipalTag/nope}")
	case 8:
		// Wildcards in the region or service segment.
		p := append([]string{}, parts...)
		if g.chance(0.5) && p[3] != "" {
			p[3] = "*"
		} else {
			p[2] = p[2][:1] + "*"
		}
		return strings.Join(p, ":")
	case 9:
		// A case change: resource matching is case-sensitive.
		if g.chance(0.5) {
			return strings.ToUpper(res[:3]) + res[3:]
		}
		return strings.Join(parts[:5], ":") + ":" + strings.ToUpper(parts[5][:1]) + parts[5][1:]
	case 10:
		// A '?' in the resource part.
		r := parts[5]
		i := g.intn(len(r))
		return strings.Join(parts[:5], ":") + ":" + r[:i] + "?" + r[i+1:]
	case 11:
		return "arn:aws:*:*:" + w.resAcc + ":*"
	case 12:
		return pick(g, "arn:aws:s3:::bkt/*", "arn:aws:sqs:us-east-1:"+w.resAcc+":*", "arn:aws:dynamodb:*:*:table/*")
	case 13:
		return "arn:aws:" + parts[2] + ":*:*:*"
	default:
		return res
	}
}

// principal is a Principal element for a resource, trust or endpoint
// policy: often naming the caller, its role or account, sometimes others.
func (g *Generator) principal(w *world) *Principal {
	if g.chance(0.15) {
		if g.chance(0.5) {
			return &Principal{Star: true}
		}
		return &Principal{AWS: []string{"*"}}
	}
	pr := &Principal{}
	n := pick(g, 1, 1, 1, 2)
	for i := 0; i < n; i++ {
		c := w.c
		acct := c.account
		if acct == "" || g.chance(0.15) {
			acct = pick(g, Home, Other)
		}
		switch g.intn(10) {
		case 0:
			pr.AWS = append(pr.AWS, acct)
		case 1:
			pr.AWS = append(pr.AWS, "arn:aws:iam::"+acct+":root")
		case 2, 3:
			if c.entity != "" {
				pr.AWS = append(pr.AWS, c.entity)
			} else if c.shape == Service {
				pr.Service = append(pr.Service, c.arn)
			} else if c.shape == FederatedUser {
				pr.AWS = append(pr.AWS, c.arn)
			} else {
				pr.AWS = append(pr.AWS, acct)
			}
		case 4:
			if c.shape != Anonymous && c.shape != Service {
				pr.AWS = append(pr.AWS, c.arn)
			} else {
				pr.Service = append(pr.Service, pick(g, "lambda.amazonaws.com", "sns.amazonaws.com"))
			}
		case 5:
			pr.Service = append(pr.Service, pick(g, "lambda.amazonaws.com", "sns.amazonaws.com", "cloudtrail.amazonaws.com"))
		case 6:
			// Role names are unique in an account whatever their path:
			// role/worker cannot be named beside role/svc/worker.
			pr.AWS = append(pr.AWS, "arn:aws:iam::"+acct+":role/app")
		case 7:
			pr.AWS = append(pr.AWS, pick(g, "arn:aws:iam::"+acct+":user/alice", "arn:aws:iam::"+acct+":user/dev/bob", "arn:aws:sts::"+acct+":assumed-role/app/s1"))
		case 8:
			pr.AWS = append(pr.AWS, "arn:aws:sts::"+acct+":federated-user/carol")
		default:
			pr.AWS = append(pr.AWS, "arn:aws:iam::"+acct+":role/svc/worker")
		}
	}
	pr.AWS = dedupeNil(pr.AWS)
	pr.Service = dedupeNil(pr.Service)
	return pr
}

func dedupeNil(l []string) []string {
	if l == nil {
		return nil
	}
	return dedupe(l)
}

// shapeOf names the kind of caller a principal is.
func shapeOf(principal string) string {
	switch {
	case principal == "anonymous":
		return "anonymous"
	case !strings.HasPrefix(principal, "arn:"):
		return "service"
	case strings.HasSuffix(principal, ":root"):
		return "root"
	case strings.Contains(principal, ":assumed-role/"):
		return "role session"
	case strings.Contains(principal, ":federated-user/"):
		return "federated user"
	case strings.Count(principal, "/") > 1:
		return "path user"
	}
	return "user"
}

// Coherent reports whether a scenario is one AWS could see: a session of
// a role with a path comes with aws:PrincipalArn, which AWS always sends
// and without which the session's ARN does not say the path. The
// generator makes only coherent scenarios; the minimizer keeps them so.
//
// A role always has a trust policy and a KMS key a key policy, so an
// sts: or kms: request keeps its resource policy.
func Coherent(s *Scenario) bool {
	p := s.Request.Principal
	if s.Resource == nil && (strings.HasPrefix(s.Request.Action, "sts:") || strings.HasPrefix(s.Request.Action, "kms:")) {
		return false
	}
	if strings.Contains(p, ":assumed-role/worker/") {
		e := s.Request.Get("aws:PrincipalArn")
		return e != nil && len(e.Values) == 1
	}
	return true
}
