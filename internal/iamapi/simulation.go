package iamapi

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

// simulatePrincipalPolicy decides actions for a stored user or role with
// its policies, as the IAM policy simulator does (without fetching
// resource policies; a ResourcePolicy may be given).
func simulatePrincipalPolicy(c *call) error {
	source, err := c.p.Required("PolicySourceArn")
	if err != nil {
		return err
	}
	actions := c.p.List("ActionNames")
	if len(actions) == 0 {
		return apiErr(400, "ValidationError", "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	resources := c.p.List("ResourceArns")
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	if err := c.authorize("iam:SimulatePrincipalPolicy", source, nil); err != nil {
		return err
	}
	var subject *caller
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		// The simulator evaluates a role as a session of that role.
		var err error
		subject, _, err = callerFromARN(tx, source, "simulation")
		return err
	})
	var bad notPrincipalARN
	if errors.As(err, &bad) {
		return invalidInput("Invalid ARN %s.", source)
	}
	if err != nil {
		return err
	}
	name := source[strings.LastIndexByte(source, '/')+1:]
	isSession := strings.Contains(source, ":assumed-role/")
	switch {
	case subject != nil && !isSession && (subject.kind == callerUser || subject.kind == callerSession):
	case subject == nil && strings.Contains(source, ":user/"):
		return noSuchEntity("The user with name %s cannot be found.", name)
	case subject == nil && strings.Contains(source, ":role/"):
		return noSuchEntity("The role with name %s cannot be found.", name)
	default:
		return invalidInput("PolicySourceArn must be a user or a role: %s", source)
	}
	kind := kindRole
	if subject.kind == callerUser {
		kind = kindUser
	}
	ctxKeys := c.contextEntries()
	var resourcePolicy *policyDoc
	if doc := c.p.Get("ResourcePolicy"); doc != "" {
		resourcePolicy = &policyDoc{doc}
	}
	set, err := c.s.simulationSet(c.ctx, subject, resourcePolicy)
	if err != nil {
		return err
	}
	sc := getScratch()
	defer sc.release()
	req := sc.engineRequest(subject, "", "", ctxKeys, c.s.now())
	return c.writeEvaluations(set, req, actions, resources, kind, false)
}

// contextEntries reads the simulator's ContextEntries.
func (c *call) contextEntries() map[string][]string {
	ctx := map[string][]string{}
	for i := 1; ; i++ {
		key := c.p.Get(fmt.Sprintf("ContextEntries.member.%d.ContextKeyName", i))
		if key == "" {
			return ctx
		}
		ctx[key] = c.p.List(fmt.Sprintf("ContextEntries.member.%d.ContextKeyValues", i))
	}
}

// writeEvaluations decides req for every action and resource with set
// and writes the simulator's EvaluationResults: the decision, the matched
// statements (their policies' types as the simulator names them for a
// principal of kind), the missing context keys and, when SCPs took part,
// whether they allowed it.
func (c *call) writeEvaluations(set *engine.Set, req engine.Request, actions, resources []string, kind string, scps bool) error {
	// One page of results, as IAM pages them (MaxItems, Marker): only the
	// page's evaluations are computed, so the answer and its cost are
	// bounded by MaxItems whatever the product of actions and resources
	// (each at most 1,000, by the parameter table). The Marker is bound to
	// the request it was written for (boundPage).
	total := len(actions) * len(resources)
	start, end, tail, err := c.boundPage(total)
	if err != nil {
		return err
	}
	c.x.Open("EvaluationResults")
	for k := start; k < end; k++ {
		action, res := actions[k/len(resources)], resources[k%len(resources)]
		req.Action, req.Resource = action, res
		prep, err := req.Prepare()
		if err != nil {
			return invalidInput("%v", err)
		}
		d := set.Decide(prep)
		c.x.Open("member")
		c.x.Elem("EvalActionName", action)
		c.x.Elem("EvalResourceName", res)
		c.x.Elem("EvalDecision", simDecision(d.Result.String()))
		c.x.Open("MatchedStatements")
		for _, m := range d.Matched() {
			c.x.Open("member")
			c.x.Elem("SourcePolicyId", m.Policy)
			c.x.Elem("SourcePolicyType", simPolicyType(m.Type.String(), kind))
			c.x.Close("member")
		}
		c.x.Close("MatchedStatements")
		c.x.Open("MissingContextValues")
		for _, k := range d.Missing {
			c.x.Elem("member", k)
		}
		c.x.Close("MissingContextValues")
		if scps {
			c.x.Open("OrganizationsDecisionDetail")
			c.x.Elem("AllowedByOrganizations", fmt.Sprint(d.DecidedBy != engine.TypeSCP))
			c.x.Close("OrganizationsDecisionDetail")
		}
		c.x.Close("member")
	}
	c.x.Close("EvaluationResults")
	tail()
	return nil
}

// pageBounds reads MaxItems (default 100) and Marker for a list of total
// items and returns the page's range. A Marker is one this service wrote
// (ward-N, N within the list); any other is InvalidInput.
func (c *call) pageBounds(total int) (start, end int, err error) {
	max, err := c.p.IntOr("MaxItems", 100)
	if err != nil {
		return 0, 0, err
	}
	if m := c.p.Get("Marker"); m != "" {
		n, ok := strings.CutPrefix(m, "ward-")
		start, err = strconv.Atoi(n)
		if !ok || err != nil || start <= 0 || start >= total || strconv.Itoa(start) != n {
			return 0, 0, invalidInput("Invalid Marker.")
		}
	}
	return start, min(start+max, total), nil
}

// writePageEnd writes IsTruncated, and the Marker of the next page when
// there is one.
func (c *call) writePageEnd(end, total int) {
	if end < total {
		c.x.Elem("IsTruncated", "true")
		c.x.Elem("Marker", "ward-"+strconv.Itoa(end))
		return
	}
	c.x.Elem("IsTruncated", "false")
}

func simDecision(r string) string {
	switch r {
	case "Allowed":
		return "allowed"
	case "ExplicitDeny":
		return "explicitDeny"
	}
	return "implicitDeny"
}

func simPolicyType(t, kind string) string {
	switch t {
	case "identityPolicy":
		return kind
	case "resourcePolicy", "roleTrustPolicy", "keyPolicy":
		return "resource"
	}
	return "none"
}

// simulateCustomPolicy decides actions against policies given in the
// request, as a stand-in user of the caller's account, with optional SCPs
// (ordered root to account), a boundary and a resource policy.
func simulateCustomPolicy(c *call) error {
	docs := c.p.List("PolicyInputList")
	actions := c.p.List("ActionNames")
	if len(docs) == 0 || len(actions) == 0 {
		return apiErr(400, "ValidationError", "PolicyInputList and ActionNames are required")
	}
	if err := c.authorize("iam:SimulateCustomPolicy", "*", nil); err != nil {
		return err
	}
	var ps engine.Policies
	for i, d := range docs {
		if err := checkDocument(d, policy.KindIdentity); err != nil {
			return err
		}
		ps.Identity = append(ps.Identity, compileStored(d, fmt.Sprintf("PolicyInputList.%d", i+1)))
	}
	// Every document is checked as IAM checks its kind: one that does not
	// parse is MalformedPolicyDocument, never left out of the decision.
	if b := c.p.List("PermissionsBoundaryPolicyInputList"); len(b) > 0 {
		if err := checkDocument(b[0], policy.KindBoundary); err != nil {
			return err
		}
		ps.Boundary = compileStored(b[0], "PermissionsBoundaryPolicyInputList.1")
	}
	// One level of the organization per member, root first, each a list
	// of SCPs: OrderedOrganizationPolicyInputList.member.N.
	// ServiceControlPolicyInputList.member.M (OrderedOrganizationPolicyType).
	for level := 1; ; level++ {
		docs := c.p.List(fmt.Sprintf("OrderedOrganizationPolicyInputList.member.%d.ServiceControlPolicyInputList", level))
		if len(docs) == 0 {
			break
		}
		scps := make([]*engine.Compiled, len(docs))
		for j, d := range docs {
			if err := checkDocument(d, policy.KindSCP); err != nil {
				return err
			}
			scps[j] = compileStored(d, fmt.Sprintf("OrderedOrganizationPolicyInputList.%d.%d", level, j+1))
		}
		ps.SCPs = append(ps.SCPs, scps)
	}
	if rp := c.p.Get("ResourcePolicy"); rp != "" {
		if err := checkDocument(rp, policy.KindResource); err != nil {
			return err
		}
		ps.Resource = compileStored(rp, "ResourcePolicy")
	}
	set, err := engine.NewSet(ps)
	if err != nil {
		return invalidInput("%v", err)
	}
	callerArn := c.p.Get("CallerArn")
	if callerArn == "" {
		callerArn = arnOf(c.who.account, "user", "/", "SimulatedUser")
	}
	resources := c.p.List("ResourceArns")
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	req := engine.Request{Principal: callerArn, ResourceAccount: c.p.Get("ResourceOwner"), Context: c.contextEntries(), Now: c.s.now()}
	return c.writeEvaluations(set, req, actions, resources, "user", len(ps.SCPs) > 0)
}

// contextKeys lists the condition keys policies use, as IAM does: each
// once, in first-seen spelling.
func contextKeys(docs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range docs {
		p, err := policy.Parse([]byte(d), "")
		if err != nil {
			continue
		}
		for _, s := range p.Statements {
			for _, cond := range s.Conditions {
				if lk := strings.ToLower(cond.Key); !seen[lk] {
					seen[lk] = true
					out = append(out, cond.Key)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func writeContextKeys(c *call, keys []string) {
	c.x.Open("ContextKeyNames")
	for _, k := range keys {
		c.x.Elem("member", k)
	}
	c.x.Close("ContextKeyNames")
}

func getContextKeysForCustomPolicy(c *call) error {
	docs := c.p.List("PolicyInputList")
	if len(docs) == 0 {
		return apiErr(400, "ValidationError", "PolicyInputList is required")
	}
	if err := c.authorize("iam:GetContextKeysForCustomPolicy", "*", nil); err != nil {
		return err
	}
	writeContextKeys(c, contextKeys(docs))
	return nil
}

func getContextKeysForPrincipalPolicy(c *call) error {
	source, err := c.p.Required("PolicySourceArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:GetContextKeysForPrincipalPolicy", source, nil); err != nil {
		return err
	}
	who, _, err := c.s.principalByARN(c.ctx, source)
	if err == nil && who == nil {
		err = fmt.Errorf("%s does not exist", source)
	}
	if err != nil {
		return noSuchEntity("%v", err)
	}
	docs := c.p.List("PolicyInputList")
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		var attached []string
		var inline []NamedPolicy
		switch {
		case who.user != nil:
			attached, inline = who.user.Attached, who.user.Inline
		case who.session != nil:
			r, err := loadRole(tx, who.account, who.session.RoleName)
			if err != nil {
				return err
			}
			attached, inline = r.Attached, r.Inline
		}
		for _, in := range inline {
			docs = append(docs, in.Document)
		}
		for _, a := range attached {
			if d, err := c.s.managedDocument(tx, who.account, a); err == nil {
				docs = append(docs, d)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeContextKeys(c, contextKeys(docs))
	return nil
}

// simulationSet is the policy set of a simulated principal, with an
// optional resource policy.
func (s *Service) simulationSet(ctx context.Context, who *caller, rp *policyDoc) (*engine.Set, error) {
	if rp == nil {
		return s.policySet(ctx, who, nil)
	}
	resource := compileStored(rp.text, "ResourcePolicy")
	if resource == nil {
		return nil, apiErr(400, "MalformedPolicyDocument", "ResourcePolicy is not a valid policy document")
	}
	ps, err := s.loadPolicies(ctx, who)
	if err != nil {
		return nil, mapStoreError(err)
	}
	ps.Resource = resource
	return engine.NewSet(ps)
}
