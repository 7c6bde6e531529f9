package iamapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wardhq/ward/internal/sigv4"
	"github.com/wardhq/ward/internal/store"
)

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

// AuthorizeHandler serves POST /v1/authorize: one request as a JSON
// object, or {"requests": [...]} for a batch, answered in order. The call
// is signed with SigV4 like any other, and the caller needs
// iam:SimulatePrincipalPolicy on each principal it asks about: asking
// what someone may do is what that permission grants in IAM.
func (s *Service) AuthorizeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := newRequestID()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", requestID)
		writeErr := func(status int, code, msg string) {
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg, "requestId": requestID})
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			writeErr(400, "InvalidRequest", "the request body could not be read")
			return
		}
		signed, err := sigv4.Verify(r, body, s.secretOf, s.now())
		if err != nil {
			var se *sigv4.Error
			if errors.As(err, &se) {
				writeErr(se.Status, se.Code, se.Message)
			} else {
				writeErr(500, "ServiceFailure", "the request could not be verified")
			}
			return
		}
		who, aerr := s.resolveCaller(r.Context(), signed)
		if aerr != nil {
			writeErr(aerr.Status, aerr.Code, aerr.Message)
			return
		}
		var batch struct {
			Requests []AuthorizeRequest `json:"requests"`
		}
		var one AuthorizeRequest
		single := !strings.Contains(string(body), `"requests"`)
		if single {
			err = json.Unmarshal(body, &one)
			batch.Requests = []AuthorizeRequest{one}
		} else {
			err = json.Unmarshal(body, &batch)
		}
		if err != nil {
			writeErr(400, "InvalidRequest", "the body must be an authorization request or {\"requests\": [...]}: "+err.Error())
			return
		}
		c := &call{s: s, ctx: r.Context(), op: "Authorize", who: who, requestID: requestID, sourceIP: remoteIP(r), secure: r.TLS != nil}
		answers := make([]AuthorizeAnswer, len(batch.Requests))
		for i, q := range batch.Requests {
			answers[i] = c.authorizeOne(q)
		}
		if single {
			json.NewEncoder(w).Encode(answers[0])
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"results": answers})
	})
}

// authorizeOne answers one request; errors are reported in the answer so
// one bad request does not fail a batch.
func (c *call) authorizeOne(q AuthorizeRequest) AuthorizeAnswer {
	fail := func(format string, args ...any) AuthorizeAnswer {
		return AuthorizeAnswer{Decision: "Error", Error: fmt.Sprintf(format, args...), Matched: []MatchedEntry{}, MissingContextKeys: []string{}}
	}
	if q.Principal == "" || q.Action == "" {
		return fail("principal and action are required")
	}
	if q.Resource == "" {
		q.Resource = "*"
	}
	subject, err := c.s.principalByARN(c.ctx, q.Principal)
	if err != nil {
		return fail("%v", err)
	}
	// The caller must be allowed to ask about this principal.
	if err := c.authorize("iam:SimulatePrincipalPolicy", subjectARN(subject), nil); err != nil {
		return fail("%v", err)
	}
	ctx := map[string][]string{}
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
	req := engineRequest(subject, q.Action, q.Resource, ctx, c.s.now())
	prep, err := req.Prepare()
	if err != nil {
		return fail("%v", err)
	}
	d := set.Decide(prep)
	a := AuthorizeAnswer{Decision: d.Result.String(), DecidedBy: d.DecidedBy.String(), Message: d.Message(),
		Matched: []MatchedEntry{}, MissingContextKeys: append([]string{}, d.Missing...)}
	var matched []string
	for _, m := range d.Matched() {
		a.Matched = append(a.Matched, MatchedEntry{PolicyType: m.Type.String(), Policy: m.Policy, Statement: m.Statement, Sid: m.Sid, Effect: m.Effect.String()})
		matched = append(matched, fmt.Sprintf("%s %s %s", m.Type, m.Policy, m.Source.Path))
	}
	if c.s.Decisions != nil {
		c.s.Decisions(Record{Time: c.s.now().UTC(), RequestID: c.requestID, Caller: subject.arn, Account: subject.account,
			Action: q.Action, Resource: q.Resource, Decision: a.Decision, DecidedBy: a.DecidedBy, Matched: matched,
			SourceIP: c.sourceIP, Message: a.Message, Via: "authorize:" + c.who.arn})
	}
	return a
}

func subjectARN(c *caller) string {
	if c.session != nil {
		return c.session.RoleArn
	}
	return c.arn
}

// principalByARN finds a stored principal: a user, a role, or a session
// of a role (decided with the role's policies).
func (s *Service) principalByARN(ctx context.Context, arn string) (*caller, error) {
	s.mu.Lock()
	c, ok := s.callers["arn:"+arn]
	gen := s.gen
	s.mu.Unlock()
	if ok && c.gen == gen {
		return c.who, nil
	}
	who, err := s.loadPrincipal(ctx, arn)
	if err == nil {
		s.mu.Lock()
		if s.callers == nil {
			s.callers = map[string]cachedCaller{}
		}
		if s.gen == gen {
			s.callers["arn:"+arn] = cachedCaller{gen: gen, who: who}
		}
		s.mu.Unlock()
	}
	return who, err
}

func (s *Service) loadPrincipal(ctx context.Context, arn string) (*caller, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return nil, fmt.Errorf("%q is not an ARN", arn)
	}
	account, res := parts[4], parts[5]
	var who *caller
	err := s.Store.View(ctx, func(tx store.Tx) error {
		switch {
		case parts[2] == "iam" && strings.HasPrefix(res, "user/"):
			u, err := loadUser(tx, account, res[strings.LastIndexByte(res, '/')+1:])
			if err != nil {
				return err
			}
			who = &caller{account: account, arn: u.Arn, userID: u.ID, kind: "user", user: u}
		case parts[2] == "iam" && strings.HasPrefix(res, "role/"), parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
			name, session := res[strings.IndexByte(res, '/')+1:], "ward-authorize"
			if parts[2] == "sts" {
				name, session, _ = strings.Cut(name, "/")
			} else {
				name = name[strings.LastIndexByte(name, '/')+1:]
			}
			r, err := loadRole(tx, account, name)
			if err != nil {
				return err
			}
			who = &caller{account: account, arn: "arn:aws:sts::" + account + ":assumed-role/" + r.Name + "/" + session,
				userID: r.ID + ":" + session, kind: "session", session: &Session{RoleName: r.Name, RoleArn: r.Arn, RoleID: r.ID, SessionName: session},
				roleTags: r.Tags}
		case parts[2] == "iam" && res == "root":
			who = &caller{account: account, arn: arn, userID: account, kind: "root"}
		default:
			return fmt.Errorf("%s is not a user, role or role session ward knows", arn)
		}
		return nil
	})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			return nil, errors.New(ae.Message)
		}
		return nil, err
	}
	return who, nil
}
