package iamapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/sigv4"
)

// Authorization questions about the principals ward stores, asked by a
// service that uses ward as its decision point (POST /v1/authorize,
// internal/authorizeapi): the principal's stored policies, groups,
// boundary and tags decide, with an optional resource policy.

// AuthorizeRequest is one question to POST /v1/authorize: may this
// principal, known to ward, perform the action on the resource in this
// context? The principal's stored policies, groups, boundary and tags
// decide, with an optional resource policy.
type AuthorizeRequest struct {
	Principal      string          `json:"principal"`
	Action         string          `json:"action"`
	Resource       string          `json:"resource"`
	Context        map[string]any  `json:"context,omitempty"`
	ResourcePolicy json.RawMessage `json:"resourcePolicy,omitempty"`
}

// AuthorizeAnswer is the engine's full answer.
type AuthorizeAnswer struct {
	Decision           string         `json:"decision"`
	DecidedBy          string         `json:"decidedBy,omitempty"`
	Matched            []MatchedEntry `json:"matched"`
	Message            string         `json:"message,omitempty"`
	MissingContextKeys []string       `json:"missingContextKeys"`
	Error              string         `json:"error,omitempty"`
}

// MatchedEntry is a statement that matched.
type MatchedEntry struct {
	PolicyType string `json:"policyType"`
	Policy     string `json:"policy"`
	Statement  int    `json:"statement"`
	Sid        string `json:"sid,omitempty"`
	Effect     string `json:"effect"`
}

// Asker is an authenticated caller of the decision point.
type Asker struct {
	who                 *caller
	requestID, sourceIP string
	secure              bool
}

// AuthorizeServices are the services a decision point request may be
// signed for: ward's own, so that a signature made for IAM or STS cannot
// be replayed there, nor one made there against IAM or STS.
var AuthorizeServices = []string{"ward"}

// Authenticate checks a decision point request's signature over its
// body, scoped to AuthorizeServices, and finds the caller.
func (s *Service) Authenticate(r *http.Request, body []byte, requestID string) (Asker, *awsquery.Error) {
	var signed sigv4.Signed
	if err := sigv4.VerifyScoped(r, body, AuthorizeServices, s.secretOf, s.now(), &signed); err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			return Asker{}, &awsquery.Error{Status: se.Status, Code: se.Code, Message: se.Message}
		}
		return Asker{}, apiErr(500, "ServiceFailure", "the request could not be verified")
	}
	who, aerr := s.resolveCaller(r.Context(), &signed)
	if aerr != nil {
		return Asker{}, aerr
	}
	return Asker{who: who, requestID: requestID, sourceIP: remoteIP(r), secure: r.TLS != nil}, nil
}

// Authorize answers one question of an asker; errors are reported in the
// answer so one bad question does not fail a batch.
func (s *Service) Authorize(reqCtx context.Context, asker *Asker, q *AuthorizeRequest) *AuthorizeAnswer {
	c := &call{s: s, ctx: reqCtx, op: "Authorize", who: asker.who, requestID: asker.requestID, sourceIP: asker.sourceIP, secure: asker.secure}
	fail := func(format string, args ...any) *AuthorizeAnswer {
		return &AuthorizeAnswer{Decision: "Error", Error: fmt.Sprintf(format, args...), Matched: []MatchedEntry{}, MissingContextKeys: []string{}}
	}
	if q.Principal == "" || q.Action == "" {
		return fail("principal and action are required")
	}
	resource := q.Resource
	if resource == "" {
		resource = "*"
	}
	subject, subjectResource, err := c.s.principalByARN(c.ctx, q.Principal)
	if err != nil {
		return fail("%v", err)
	}
	// The caller must be allowed to ask about this principal, whether or
	// not it exists. That decision is logged with the answer's, in one
	// write.
	c.holdRecord = true
	defer c.flushHeld()
	if err := c.authorize("iam:SimulatePrincipalPolicy", subjectResource, nil); err != nil {
		return fail("%v", err)
	}
	if subject == nil {
		return fail("NoSuchEntity: %s is not a user, role or role session of this account", q.Principal)
	}
	var ctx map[string][]string
	if len(q.Context) > 0 {
		ctx = make(map[string][]string, len(q.Context))
	}
	for k, v := range q.Context {
		switch x := v.(type) {
		case string:
			ctx[k] = []string{x}
		case []any:
			for _, it := range x {
				ctx[k] = append(ctx[k], fmt.Sprint(it))
			}
		default:
			ctx[k] = []string{fmt.Sprint(x)}
		}
	}
	var rp *policyDoc
	if len(q.ResourcePolicy) > 0 {
		rp = &policyDoc{string(q.ResourcePolicy)}
	}
	set, err := c.s.simulationSet(c.ctx, subject, rp)
	if err != nil {
		return fail("%v", err)
	}
	now := c.s.now()
	sc := getScratch()
	defer sc.release()
	req := sc.engineRequest(subject, q.Action, resource, ctx, now)
	if err := req.PrepareInto(&sc.prep); err != nil {
		return fail("%v", err)
	}
	set.DecideInto(&sc.prep, &sc.dec)
	d := &sc.dec
	a := &AuthorizeAnswer{Decision: d.Result.String(), DecidedBy: d.DecidedBy.String(), Message: d.Message(),
		Matched: []MatchedEntry{}, MissingContextKeys: append([]string{}, d.Missing...)}
	rec := sc.record(c, subject, q.Action, resource, ctx, now)
	for _, m := range rec.Matches {
		a.Matched = append(a.Matched, MatchedEntry{PolicyType: m.Type.String(), Policy: m.Policy, Statement: m.Statement, Sid: m.Sid, Effect: m.Effect.String()})
	}
	if c.s.Decisions != nil {
		rec.Via = "authorize:" + c.who.arn
		sc.logs[0], sc.logs[1] = rec, nil
		logs := sc.logs[:1]
		if c.held != nil {
			sc.logs[0], sc.logs[1] = &c.held.rec, rec
			logs = sc.logs[:2]
		}
		err := c.s.Decisions(logs)
		if c.held != nil {
			c.held.release()
			c.held = nil
		}
		if err != nil {
			return fail("%v", errLogFailed)
		}
	}
	return a
}
