package iamapi

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/sigv4"
	"github.com/wardhq/ward/internal/store"
)

// Sealer encrypts secrets at rest with a key kept apart from the
// database (AES-256-GCM).
type Sealer struct{ aead cipher.AEAD }

// NewSealer makes a sealer from a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts a secret.
func (s *Sealer) Seal(plain string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, []byte(plain), nil)
}

// Open decrypts a sealed secret.
func (s *Sealer) Open(sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed secret too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], nil)
	return string(plain), err
}

// unsignedOps are the STS operations that take no signature.
var unsignedOps = map[string]bool{"AssumeRoleWithWebIdentity": true}

// Service answers IAM and STS requests.
type Service struct {
	Store   store.Store
	Sealer  *Sealer
	Catalog *catalog.Catalog
	Now     func() time.Time
	// Decisions receives every authorization decision, for the decision
	// log; nil to discard.
	Decisions func(Record)

	mu      sync.Mutex
	gen     uint64 // bumped on every write: everything cached goes stale
	cache   map[string]cachedSet
	callers map[string]cachedCaller // by access key ID
	used    map[string]keyUse       // last use of each access key, since start
}

type keyUse struct {
	time            time.Time
	service, region string
}

func (s *Service) lastUse(keyID string) (keyUse, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.used[keyID]
	return u, ok
}

// cachedCaller is a verified key's secret and principal, valid while no
// write happened since.
type cachedCaller struct {
	gen    uint64
	secret string
	who    *caller
	err    *APIError
}

// Record is one authorization decision, as the decision log keeps it.
type Record struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	Caller    string    `json:"caller"`
	Account   string    `json:"account"`
	Action    string    `json:"action"`
	Resource  string    `json:"resource"`
	Decision  string    `json:"decision"`
	DecidedBy string    `json:"decidedBy,omitempty"`
	Matched   []string  `json:"matched,omitempty"`
	SourceIP  string    `json:"sourceIp,omitempty"`
	Message   string    `json:"message,omitempty"`
	// Via names who asked, for decisions made for /v1/authorize.
	Via string `json:"via,omitempty"`
}

type cachedSet struct {
	gen uint64
	set *engine.Set
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// caller is who signed a request.
type caller struct {
	account string
	arn     string
	userID  string
	kind    string // "root", "user", "session"
	user    *User
	session *Session
	keyID   string
	// tempToken and tempExpires are set for a user's GetSessionToken
	// credentials, checked on every request like a role session's.
	tempToken   string
	tempExpires time.Time
	// limit names what temporary credentials may not do beyond their
	// policies: "sessiontoken" (GetSessionToken without MFA) or
	// "federation" (GetFederationToken). See credentialLimit.
	limit string
	// mfaTime is when the caller's temporary credentials were issued
	// with an MFA code (GetSessionToken or AssumeRole); zero without.
	mfaTime time.Time
	// roleTags are the tags of a session's role: principal tags of the
	// session unless a session tag has the same key.
	roleTags []Tag
}

// credentialLimit refuses the calls AWS refuses to some temporary
// credentials whatever their policies (STS API reference): credentials
// from GetSessionToken without MFA call no IAM operation and, in STS,
// only AssumeRole and GetCallerIdentity; credentials from
// GetFederationToken call no IAM operation and only GetCallerIdentity.
// IAM answers InvalidClientTokenId to both.
func (c *caller) credentialLimit(service, op string) *APIError {
	if c.limit == "" {
		return nil
	}
	if service != "sts" {
		if c.limit == "sessiontoken" && !c.mfaTime.IsZero() {
			return nil // with MFA, IAM is allowed
		}
		return apiErr(403, "InvalidClientTokenId", "The security token included in the request is invalid")
	}
	if op == "GetCallerIdentity" || (op == "AssumeRole" && c.limit == "sessiontoken") {
		return nil
	}
	return apiErr(403, "AccessDenied", "Cannot call %s with session credentials", op)
}

// call is one request in progress.
type call struct {
	s         *Service
	ctx       context.Context
	op        string
	p         params
	who       *caller
	requestID string
	sourceIP  string
	secure    bool
	x         xmlw
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ServeHTTP answers one Query API request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		s.writeError(w, &APIError{Status: 400, Code: "InvalidRequest", Message: "the request body could not be read"}, iamNS, requestID)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.writeError(w, invalidInput("the request body is not form-encoded"), iamNS, requestID)
		return
	}
	for k, v := range r.URL.Query() {
		if !strings.HasPrefix(k, "X-Amz-") {
			form[k] = append(form[k], v...)
		}
	}
	p := params(form)
	op := p.get("Action")
	// AssumeRoleWithWebIdentity is unsigned: the token is the credential.
	if unsignedOps[op] && r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Algorithm") == "" {
		c := &call{s: s, ctx: r.Context(), op: op, p: p, requestID: requestID, sourceIP: remoteIP(r), secure: r.TLS != nil}
		if err := stsOps[op](c); err != nil {
			var ae *APIError
			if !errors.As(err, &ae) {
				ae = apiErr(500, "ServiceFailure", "ward could not complete the request")
			}
			s.writeError(w, ae, stsNS, requestID)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, envelope(op, stsNS, c.x.b.String(), requestID))
		return
	}
	var signedBy sigv4.Signed
	signed := &signedBy
	verr := sigv4.VerifyInto(r, body, s.secretOf, s.now(), signed)
	ns := iamNS
	if (verr == nil && signed.Service == "sts") || (verr != nil && stsOps[op] != nil) {
		ns = stsNS
	}
	if verr != nil {
		var se *sigv4.Error
		if errors.As(verr, &se) {
			s.writeError(w, &APIError{Status: se.Status, Code: se.Code, Message: se.Message}, ns, requestID)
		} else {
			s.writeError(w, apiErr(500, "ServiceFailure", "the request could not be verified"), ns, requestID)
		}
		return
	}
	handler := iamOps[op]
	if signed.Service == "sts" {
		handler = stsOps[op]
	}
	if handler == nil {
		s.writeError(w, apiErr(400, "InvalidAction", "Could not find operation %s for version %s", op, p.get("Version")), ns, requestID)
		return
	}
	who, aerr := s.resolveCaller(r.Context(), signed)
	if aerr == nil {
		aerr = who.credentialLimit(signed.Service, op)
	}
	if aerr != nil {
		s.writeError(w, aerr, ns, requestID)
		return
	}
	c := &call{s: s, ctx: r.Context(), op: op, p: p, who: who, requestID: requestID, sourceIP: remoteIP(r), secure: r.TLS != nil}
	if err := handler(c); err != nil {
		var ae *APIError
		if !errors.As(err, &ae) {
			ae = apiErr(500, "ServiceFailure", "ward could not complete the request")
		}
		s.writeError(w, ae, ns, requestID)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	io.WriteString(w, envelope(op, ns, c.x.b.String(), requestID))
}

func (s *Service) writeError(w http.ResponseWriter, e *APIError, ns, requestID string) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	io.WriteString(w, errorEnvelope(e, ns, requestID))
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// secretOf finds the secret of an access key: a long-term key or a
// session's temporary key.
func (s *Service) secretOf(keyID string) (string, error) {
	s.mu.Lock()
	c, ok := s.callers[keyID]
	gen := s.gen
	s.mu.Unlock()
	if ok && c.gen == gen && c.secret != "" {
		return c.secret, nil
	}
	invalid := &sigv4.Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: 403}
	var sealed []byte
	err := s.Store.View(context.Background(), func(tx store.Tx) error {
		e, err := tx.GetByID(keyID)
		if err != nil {
			return err
		}
		switch e.Kind {
		case kindKey:
			var k AccessKey
			if err := unmarshal(e.Body, &k); err != nil {
				return err
			}
			if k.Status != "Active" {
				return store.ErrNotFound
			}
			sealed = k.Secret
		case kindSession:
			var ss Session
			if err := unmarshal(e.Body, &ss); err != nil {
				return err
			}
			sealed = ss.Secret
		default:
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return "", invalid
	}
	secret, err := s.Sealer.Open(sealed)
	if err != nil {
		return "", invalid
	}
	s.mu.Lock()
	if s.callers == nil {
		s.callers = map[string]cachedCaller{}
	}
	if s.gen == gen {
		s.callers[keyID] = cachedCaller{gen: gen, secret: secret}
	}
	s.mu.Unlock()
	return secret, nil
}

// tokenValid reports whether cached temporary credentials still hold.
func (c *caller) tokenValid(token string, now time.Time) bool {
	switch {
	case c.session != nil:
		return c.session.Token == token && now.Before(c.session.Expires)
	case c.tempToken != "":
		return c.tempToken == token && now.Before(c.tempExpires)
	}
	return true
}

// resolveCaller turns a verified key into the principal behind it.
func (s *Service) resolveCaller(ctx context.Context, signed *sigv4.Signed) (*caller, *APIError) {
	s.mu.Lock()
	if s.used == nil {
		s.used = map[string]keyUse{}
	}
	s.used[signed.AccessKeyID] = keyUse{time: s.now(), service: signed.Service, region: signed.Region}
	cc, ok := s.callers[signed.AccessKeyID]
	gen := s.gen
	s.mu.Unlock()
	if ok && cc.gen == gen && cc.who != nil && cc.who.tokenValid(signed.SecurityToken, s.now()) {
		return cc.who, nil
	}
	var who *caller
	var aerr *APIError
	err := s.Store.View(ctx, func(tx store.Tx) error {
		e, err := tx.GetByID(signed.AccessKeyID)
		if err != nil {
			return err
		}
		switch e.Kind {
		case kindKey:
			var k AccessKey
			unmarshal(e.Body, &k)
			if k.UserName == "" {
				who = &caller{account: e.Account, arn: "arn:aws:iam::" + e.Account + ":root", userID: e.Account, kind: "root"}
				return nil
			}
			ue, err := tx.Get(e.Account, kindUser, k.UserName)
			if err != nil {
				return err
			}
			var u User
			unmarshal(ue.Body, &u)
			who = &caller{account: e.Account, arn: u.Arn, userID: u.ID, kind: "user", user: &u}
		case kindSession:
			var ss Session
			unmarshal(e.Body, &ss)
			if signed.SecurityToken != ss.Token {
				aerr = apiErr(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
				return nil
			}
			if s.now().After(ss.Expires) {
				aerr = apiErr(400, "ExpiredToken", "The security token included in the request is expired")
				return nil
			}
			if ss.Federated != "" {
				// A federated user: the issuing user's policies (none for
				// the root user: all allowed) cut by the session policies.
				who = &caller{account: e.Account, arn: "arn:aws:sts::" + e.Account + ":federated-user/" + ss.Federated,
					userID: e.Account + ":" + ss.Federated, kind: "federated", session: &ss, limit: "federation"}
				if ss.UserName != "" {
					u, err := loadUser(tx, e.Account, ss.UserName)
					who.user = u
					return err
				}
				return nil
			}
			if ss.Root {
				who = &caller{account: e.Account, arn: "arn:aws:iam::" + e.Account + ":root", userID: e.Account, kind: "root",
					tempToken: ss.Token, tempExpires: ss.Expires, limit: "sessiontoken"}
				return nil
			}
			if ss.UserName != "" {
				u, err := loadUser(tx, e.Account, ss.UserName)
				if err != nil {
					return err
				}
				who = &caller{account: e.Account, arn: u.Arn, userID: u.ID, kind: "user", user: u, tempToken: ss.Token, tempExpires: ss.Expires,
					limit: "sessiontoken", mfaTime: ss.MFATime}
				return nil
			}
			who = &caller{account: e.Account, arn: "arn:aws:sts::" + e.Account + ":assumed-role/" + ss.RoleName + "/" + ss.SessionName,
				userID: ss.RoleID + ":" + ss.SessionName, kind: "session", session: &ss, mfaTime: ss.MFATime}
			if r, err := loadRole(tx, e.Account, ss.RoleName); err == nil {
				who.roleTags = r.Tags
			}
		}
		return nil
	})
	if aerr != nil {
		return nil, aerr
	}
	if err != nil || who == nil {
		return nil, apiErr(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	who.keyID = signed.AccessKeyID
	s.mu.Lock()
	if c, ok := s.callers[signed.AccessKeyID]; ok && c.gen == gen && s.gen == gen {
		c.who = who
		s.callers[signed.AccessKeyID] = c
	}
	s.mu.Unlock()
	return who, nil
}

// authorize decides whether the caller may perform action on resource,
// with the caller's stored policies and the request's context. A denial
// is an AccessDenied error with AWS's message.
func (c *call) authorize(action, resource string, extra map[string][]string) error {
	return c.authorizeWith(action, resource, extra, nil)
}

// authorizeWith also applies a resource policy (a role trust policy).
func (c *call) authorizeWith(action, resource string, extra map[string][]string, resourcePolicy *engine.Compiled) error {
	s := c.s
	set, err := s.policySet(c.ctx, c.who, resourcePolicy)
	if err != nil {
		return err
	}
	ctxKeys := map[string][]string{
		"aws:SourceIp":        {c.sourceIP},
		"aws:SecureTransport": {fmt.Sprint(c.secure)},
		"aws:RequestedRegion": {"us-east-1"},
	}
	for k, v := range principalContext(c.who, s.now()) {
		ctxKeys[k] = v
	}
	for k, v := range extra {
		ctxKeys[k] = v
	}
	// The resource's account comes from its ARN (a role in another account
	// makes AssumeRole cross-account); a request on "*" stays in the
	// caller's account.
	resourceAccount := ""
	if resource == "*" {
		resourceAccount = c.who.account
	}
	req := engine.Request{Principal: c.who.arn, Action: action, Resource: resource, ResourceAccount: resourceAccount, Context: ctxKeys, Now: s.now()}
	prep, err := req.Prepare()
	if err != nil {
		return apiErr(500, "ServiceFailure", "the request could not be authorized: %v", err)
	}
	d := set.Decide(prep)
	if s.Decisions != nil {
		rec := Record{Time: s.now().UTC(), RequestID: c.requestID, Caller: c.who.arn, Account: c.who.account, Action: action, Resource: resource,
			Decision: d.Result.String(), DecidedBy: d.DecidedBy.String(), SourceIP: c.sourceIP, Message: d.Message()}
		for _, m := range d.Matched() {
			rec.Matched = append(rec.Matched, fmt.Sprintf("%s %s %s", m.Type, m.Policy, m.Source.Path))
		}
		s.Decisions(rec)
	}
	if d.Result != engine.Allowed {
		return apiErr(403, "AccessDenied", "%s", d.Message())
	}
	return nil
}

// policySet compiles the policies that bear on a caller: its identity
// policies (a user's own and its groups', or a role's), boundary and
// session policies. Sets are cached per caller and dropped on any write.
func (s *Service) policySet(ctx context.Context, who *caller, resourcePolicy *engine.Compiled) (*engine.Set, error) {
	key := who.arn + "|" + who.keyID
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]cachedSet{}
	}
	cached, ok := s.cache[key]
	gen := s.gen
	s.mu.Unlock()
	if ok && cached.gen == gen && resourcePolicy == nil {
		return cached.set, nil
	}
	var ps engine.Policies
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		ps, err = s.principalPolicies(tx, who)
		return err
	})
	if err != nil {
		return nil, err
	}
	ps.Resource = resourcePolicy
	set, err := engine.NewSet(ps)
	if err != nil {
		return nil, err
	}
	if resourcePolicy == nil {
		s.mu.Lock()
		s.cache[key] = cachedSet{gen: gen, set: set}
		s.mu.Unlock()
	}
	return set, nil
}

func (s *Service) principalPolicies(tx store.Tx, who *caller) (engine.Policies, error) {
	var ps engine.Policies
	var attached []string
	var inline []NamedPolicy
	var boundary string
	switch who.kind {
	case "root":
		return ps, nil
	case "federated":
		// A federated user has what both its issuer's policies and its
		// session policies allow; with no session policy, nothing (STS
		// API reference, GetFederationToken).
		ps.Session = append(ps.Session, compileStored(allowNothing, "session policy (none given)"))
		if len(who.session.SessionPolicies) > 0 {
			ps.Session = ps.Session[:0]
		}
		for i, doc := range who.session.SessionPolicies {
			if c := compileStored(doc, fmt.Sprintf("session policy %d", i+1)); c != nil {
				ps.Session = append(ps.Session, c)
			}
		}
		if who.user == nil { // issued by the root user
			ps.Identity = append(ps.Identity, compileStored(allowAll, "root user"))
			return ps, nil
		}
		fallthrough
	case "user":
		ue, err := tx.Get(who.account, kindUser, who.user.Name)
		if err != nil {
			return ps, err
		}
		var u User
		unmarshal(ue.Body, &u)
		attached, inline, boundary = u.Attached, u.Inline, u.Boundary
		for _, g := range u.Groups {
			ge, err := tx.Get(who.account, kindGroup, g)
			if err != nil {
				continue
			}
			var grp Group
			unmarshal(ge.Body, &grp)
			attached = append(attached, grp.Attached...)
			inline = append(inline, grp.Inline...)
		}
	case "session":
		re, err := tx.Get(who.account, kindRole, who.session.RoleName)
		if err != nil {
			return ps, err
		}
		var r Role
		unmarshal(re.Body, &r)
		attached, inline, boundary = r.Attached, r.Inline, r.Boundary
		for i, doc := range who.session.SessionPolicies {
			if c := compileStored(doc, fmt.Sprintf("session policy %d", i+1)); c != nil {
				ps.Session = append(ps.Session, c)
			}
		}
	}
	for _, in := range inline {
		if c := compileStored(in.Document, "inline policy "+in.Name); c != nil {
			ps.Identity = append(ps.Identity, c)
		}
	}
	for _, arn := range attached {
		if doc, err := s.managedDocument(tx, arn); err == nil {
			if c := compileStored(doc, arn); c != nil {
				ps.Identity = append(ps.Identity, c)
			}
		}
	}
	if boundary != "" {
		if doc, err := s.managedDocument(tx, boundary); err == nil {
			ps.Boundary = compileStored(doc, boundary)
		}
	}
	return ps, nil
}

// managedDocument returns the default version of a managed policy: a
// customer policy from the store, or an AWS managed policy from the
// catalog.
func (s *Service) managedDocument(tx store.Tx, arn string) (string, error) {
	if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
		mp, err := s.Catalog.ManagedPolicy(arn)
		if err != nil || mp == nil {
			return "", noSuchEntity("Policy %s does not exist or is not attachable.", arn)
		}
		return string(mp.Document), nil
	}
	account, name, ok := policyARNParts(arn)
	if !ok {
		return "", invalidInput("ARN %s is not valid.", arn)
	}
	e, err := tx.Get(account, kindPolicy, name)
	if err != nil {
		return "", noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	var mp ManagedPolicy
	unmarshal(e.Body, &mp)
	if v := mp.defaultVersion(); v != nil {
		return v.Document, nil
	}
	return "", noSuchEntity("Policy %s has no default version.", arn)
}

// policyARNParts splits arn:aws:iam::ACCOUNT:policy/PATH/NAME.
func policyARNParts(arn string) (account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "policy/") {
		return "", "", false
	}
	res := parts[5]
	return parts[4], res[strings.LastIndexByte(res, '/')+1:], true
}

// compileStored compiles a policy that passed validation when stored.
// allowNothing and allowAll stand for the policies AWS implies: a
// federated session without session policies, and the root user that
// issued one.
const (
	allowNothing = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"*","Resource":"*"}]}`
	allowAll     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
)

func compileStored(doc, name string) *engine.Compiled {
	p, err := policy.Parse([]byte(doc), name)
	if err != nil {
		return nil
	}
	return engine.Compile(p, name)
}

// Invalidate drops every cached policy set and credential: the store
// changed under the service (another node wrote to a shared database).
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.gen++
	s.mu.Unlock()
}

// update runs a write transaction and makes cached policy sets stale.
func (s *Service) update(ctx context.Context, fn func(store.Tx) error) error {
	err := s.Store.Update(ctx, fn)
	s.Invalidate()
	return mapStoreError(err)
}

func (s *Service) view(ctx context.Context, fn func(store.Tx) error) error {
	return mapStoreError(s.Store.View(ctx, fn))
}

// mapStoreError turns storage errors that reached the API into AWS codes.
// createNew stores a new entity, answering exists when its name is taken.
// Names are unique case-insensitively; the store's unique index decides,
// so two concurrent creations cannot both succeed.
func createNew(tx store.Tx, e *store.Entity, exists *APIError) error {
	err := tx.Create(e)
	if errors.Is(err, store.ErrExists) {
		return exists
	}
	return err
}

func mapStoreError(err error) error {
	var ae *APIError
	switch {
	case err == nil || errors.As(err, &ae):
		return err
	case errors.Is(err, store.ErrExists):
		return apiErr(409, "EntityAlreadyExists", "%v", err)
	case errors.Is(err, store.ErrNotFound):
		return noSuchEntity("%v", err)
	}
	return err
}

type policyDoc struct{ text string }

// simulationSet is the policy set of a simulated principal, with an
// optional resource policy.
func (s *Service) simulationSet(ctx context.Context, who *caller, rp *policyDoc) (*engine.Set, error) {
	if rp == nil {
		return s.policySet(ctx, who, nil)
	}
	var resource *engine.Compiled
	if rp != nil {
		resource = compileStored(rp.text, "ResourcePolicy")
		if resource == nil {
			return nil, apiErr(400, "MalformedPolicyDocument", "ResourcePolicy is not a valid policy document")
		}
	}
	var ps engine.Policies
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		ps, err = s.principalPolicies(tx, who)
		return err
	})
	if err != nil {
		return nil, mapStoreError(err)
	}
	ps.Resource = resource
	return engine.NewSet(ps)
}

// engineRequest is a request by a stored principal, its own context keys
// (tags, user ID) added unless ctx gives them.
func engineRequest(who *caller, action, resource string, ctx map[string][]string, now time.Time) engine.Request {
	merged := principalContext(who, now)
	for k, v := range ctx {
		for mk := range merged {
			if strings.EqualFold(mk, k) {
				delete(merged, mk)
			}
		}
		merged[k] = v
	}
	return engine.Request{Principal: who.arn, Action: action, Resource: resource, ResourceAccount: who.account, Context: merged, Now: now}
}

// principalContext is what AWS knows of a caller without being told: its
// unique ID, its tags (a user's, or a session's and its role's), the role
// behind a session, and the session's MFA state.
func principalContext(who *caller, now time.Time) map[string][]string {
	ctx := map[string][]string{}
	// MFA keys: present only in requests made with temporary credentials
	// (IAM User Guide, aws:MultiFactorAuthPresent); true, with the age in
	// seconds, when they were issued with an MFA code.
	if who.tempToken != "" || who.session != nil {
		if who.mfaTime.IsZero() {
			ctx["aws:MultiFactorAuthPresent"] = []string{"false"}
		} else {
			ctx["aws:MultiFactorAuthPresent"] = []string{"true"}
			ctx["aws:MultiFactorAuthAge"] = []string{strconv.FormatInt(int64(now.Sub(who.mfaTime)/time.Second), 10)}
		}
	}
	switch who.kind {
	case "user":
		ctx["aws:userid"] = []string{who.userID}
		for _, t := range who.user.Tags {
			ctx["aws:PrincipalTag/"+t.Key] = []string{t.Value}
		}
	case "federated":
		ctx["aws:userid"] = []string{who.userID}
		for _, t := range who.session.Tags {
			ctx["aws:PrincipalTag/"+t.Key] = []string{t.Value}
		}
	case "session":
		ctx["aws:userid"] = []string{who.userID}
		ctx["aws:PrincipalArn"] = []string{who.session.RoleArn}
		// Session tags override the role's tags with the same key, keys
		// compared case-insensitively (IAM User Guide, session tags).
		for _, t := range who.roleTags {
			overridden := false
			for _, st := range who.session.Tags {
				overridden = overridden || strings.EqualFold(st.Key, t.Key)
			}
			if !overridden {
				ctx["aws:PrincipalTag/"+t.Key] = []string{t.Value}
			}
		}
		for _, t := range who.session.Tags {
			ctx["aws:PrincipalTag/"+t.Key] = []string{t.Value}
		}
		if who.session.SourceIdentity != "" {
			ctx["aws:SourceIdentity"] = []string{who.session.SourceIdentity}
		}
	}
	return ctx
}
