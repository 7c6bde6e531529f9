package iamapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/jsonw"
	"github.com/wardhq/ward/internal/sigv4"
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
		h := w.Header()
		h["Content-Type"] = jsonContentType
		h.Set("x-amzn-RequestId", requestID)
		in := awsquery.GetBuffer()
		defer awsquery.PutBuffer(in)
		body, err := readBody(*in, r.Body, maxAuthorizeBody)
		*in = body
		if errors.Is(err, errBodyTooLarge) {
			writeJSONError(w, 413, "RequestEntityTooLarge", fmt.Sprintf("the request body is larger than %d bytes", maxAuthorizeBody), requestID)
			return
		}
		if err != nil {
			writeJSONError(w, 400, "InvalidRequest", "the request body could not be read", requestID)
			return
		}
		var signed sigv4.Signed
		if err := sigv4.VerifyScoped(r, body, authorizeServices, s.secretOf, s.now(), &signed); err != nil {
			var se *sigv4.Error
			if errors.As(err, &se) {
				writeJSONError(w, se.Status, se.Code, se.Message, requestID)
			} else {
				writeJSONError(w, 500, "ServiceFailure", "the request could not be verified", requestID)
			}
			return
		}
		who, aerr := s.resolveCaller(r.Context(), &signed)
		if aerr != nil {
			writeJSONError(w, aerr.Status, aerr.Code, aerr.Message, requestID)
			return
		}
		one, batch, err := decodeAuthorizeBody(body)
		if err != nil {
			writeJSONError(w, 400, "InvalidRequest", "the body must be an authorization request or {\"requests\": [...]}: "+err.Error(), requestID)
			return
		}
		single := batch == nil
		c := &call{s: s, ctx: r.Context(), op: "Authorize", who: who, requestID: requestID, sourceIP: remoteIP(r), secure: r.TLS != nil}
		out := awsquery.GetBuffer()
		defer awsquery.PutBuffer(out)
		b := (*out)[:0]
		if single {
			b = c.authorizeOne(one).appendJSON(b)
		} else {
			b = append(b, `{"results":[`...)
			for i := range batch {
				if i > 0 {
					b = append(b, ',')
				}
				b = c.authorizeOne(&batch[i]).appendJSON(b)
			}
			b = append(b, "]}"...)
		}
		*out = append(b, '\n')
		w.Write(*out)
	})
}

var jsonContentType = []string{"application/json"}

// Bounds of a /v1/authorize call: its body is at most maxAuthorizeBody
// bytes (RequestEntityTooLarge past it, never cut short), and a batch asks
// at most maxAuthorizeBatch questions. A thousand questions of a few
// hundred bytes each fit well within the body's bound.
const (
	maxAuthorizeBody  = 8 << 20
	maxAuthorizeBatch = 1000
)

// decodeAuthorizeBody reads a /v1/authorize body, decoding it once: an
// object whose one top-level member is "requests", a JSON array of
// requests, is a batch (batch is then non-nil, though perhaps empty);
// any other object is one request. What the body is, is told by its
// top-level members, never by searching its text, so a single request
// whose resource or context holds the word "requests" is a single
// request. Unknown members, at the top or in a batch's requests, are
// refused, so a misspelt field is an error rather than a question about
// something else; so are a "requests" that is not an array, a batch with
// request members beside it, and anything after the object.
func decodeAuthorizeBody(body []byte) (one *AuthorizeRequest, batch []AuthorizeRequest, err error) {
	// One decode: the request's members and "requests" side by side, then
	// which of them the body used.
	var in struct {
		AuthorizeRequest
		Requests requestList `json:"requests"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&in); err != nil {
		return nil, nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, nil, errors.New("data after the JSON value")
	}
	if !in.Requests.present {
		return &in.AuthorizeRequest, nil, nil
	}
	r := in.AuthorizeRequest
	if r.Principal != "" || r.Action != "" || r.Resource != "" || r.Context != nil || r.ResourcePolicy != nil {
		return nil, nil, errors.New(`a batch has only the member "requests"`)
	}
	return nil, in.Requests.list, nil
}

// requestList is the "requests" member of a batch, read as it is decoded:
// a JSON array (null is not one) of requests without unknown members, at
// most maxAuthorizeBatch of them, refused at the first one too many.
type requestList struct {
	present bool
	list    []AuthorizeRequest
}

func (l *requestList) UnmarshalJSON(data []byte) error {
	l.present = true
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if tok, err := d.Token(); err != nil || tok != json.Delim('[') {
		return errors.New(`"requests" must be an array of requests`)
	}
	l.list = []AuthorizeRequest{}
	for d.More() {
		if len(l.list) == maxAuthorizeBatch {
			return fmt.Errorf("a batch holds at most %d requests", maxAuthorizeBatch)
		}
		l.list = append(l.list, AuthorizeRequest{})
		if err := d.Decode(&l.list[len(l.list)-1]); err != nil {
			return err
		}
	}
	_, err := d.Token() // the closing bracket
	return err
}

// authorizeServices is the service /v1/authorize's signatures are scoped
// to: ward's own, so that a signature made for IAM or STS cannot be
// replayed here, nor one made here against IAM or STS.
var authorizeServices = []string{"ward"}

var errBodyTooLarge = errors.New("the request body is too large")

// readBody reads a request body of at most limit bytes into buf.
func readBody(buf []byte, body io.Reader, limit int64) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, errBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func writeJSONError(w http.ResponseWriter, status int, code, msg, requestID string) {
	w.WriteHeader(status)
	b := append([]byte(`{"code":`), jsonw.String(nil, code)...)
	b = append(append(b, `,"message":`...), jsonw.String(nil, msg)...)
	b = append(append(b, `,"requestId":`...), jsonw.String(nil, requestID)...)
	w.Write(append(b, "}\n"...))
}

// appendJSON appends the answer as encoding/json would write it.
func (a *AuthorizeAnswer) appendJSON(b []byte) []byte {
	b = append(b, `{"decision":`...)
	b = jsonw.String(b, a.Decision)
	if a.DecidedBy != "" {
		b = append(b, `,"decidedBy":`...)
		b = jsonw.String(b, a.DecidedBy)
	}
	b = append(b, `,"matched":`...)
	if a.Matched == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range a.Matched {
			m := &a.Matched[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"policyType":`...)
			b = jsonw.String(b, m.PolicyType)
			b = append(b, `,"policy":`...)
			b = jsonw.String(b, m.Policy)
			b = append(b, `,"statement":`...)
			b = strconv.AppendInt(b, int64(m.Statement), 10)
			if m.Sid != "" {
				b = append(b, `,"sid":`...)
				b = jsonw.String(b, m.Sid)
			}
			b = append(b, `,"effect":`...)
			b = jsonw.String(b, m.Effect)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if a.Message != "" {
		b = append(b, `,"message":`...)
		b = jsonw.String(b, a.Message)
	}
	b = append(b, `,"missingContextKeys":`...)
	if a.MissingContextKeys == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, k := range a.MissingContextKeys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.String(b, k)
		}
		b = append(b, ']')
	}
	if a.Error != "" {
		b = append(b, `,"error":`...)
		b = jsonw.String(b, a.Error)
	}
	return append(b, '}')
}

// authorizeOne answers one request; errors are reported in the answer so
// one bad request does not fail a batch.
func (c *call) authorizeOne(q *AuthorizeRequest) *AuthorizeAnswer {
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
	rec := sc.record(c, subject, q.Action, resource, now)
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
