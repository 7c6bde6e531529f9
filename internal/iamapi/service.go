package iamapi

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/decisionlog"
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
	// log; nil to discard. Records that belong together (a /v1/authorize
	// caller's own check and its answer) come in one call, to be written
	// at once. An error fails the request: a decision that could not be
	// logged is not acted on.
	Decisions func([]*decisionlog.Record) error

	mu      sync.Mutex
	gen     uint64 // bumped on every write: everything cached goes stale
	cache   boundedMap[setKey, cachedSet]
	callers boundedMap[string, cachedCaller] // by access key ID
	// principals are the principals /v1/authorize asks about, by ARN.
	principals boundedMap[string, cachedCaller]
	used       boundedMap[string, keyUse] // last use of each access key, since start
}

// initCaches sets the bounds of the caches; called with s.mu held.
func (s *Service) initCaches() {
	if s.cache.max == 0 {
		s.cache.max, s.callers.max, s.principals.max, s.used.max = maxCachedSets, maxCachedCallers, maxCachedPrincipals, maxKeyUses
	}
}

type keyUse struct {
	time            time.Time
	service, region string
}

func (s *Service) lastUse(keyID string) (keyUse, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.used.get(keyID)
	return u, ok
}

// cachedCaller is a verified key's secret and principal, valid while no
// write happened since.
type cachedCaller struct {
	gen    uint64
	secret string
	who    *caller
}

// setKey names a caller's policy set: the principal, and the key it
// signed with (a session's policies come with its key).
type setKey struct{ arn, keyID string }

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
	// token is a role or federated session's token, once verified
	// against the hash the store keeps.
	token string
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

	// keys are the caller's own context keys (contextKeys), built once.
	keysOnce sync.Once
	keys     []engine.ContextKey
}

// credentialLimit refuses the calls AWS refuses to some temporary
// credentials whatever their policies (STS API reference): credentials
// from GetSessionToken without MFA call no IAM operation and, in STS,
// only AssumeRole and GetCallerIdentity; credentials from
// GetFederationToken call no IAM operation and only GetCallerIdentity.
// IAM answers InvalidClientTokenId to both.
func (c *caller) credentialLimit(service, op string) *awsquery.Error {
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
	p         awsquery.Params
	who       *caller
	requestID string
	sourceIP  string
	secure    bool
	x         awsquery.Writer
	// holdRecord asks authorizeWith to keep its decision's record in held
	// rather than log it, so it is written with the next one.
	holdRecord bool
	held       *scratch
}

// newRequestID is a random ID in the form AWS's request IDs take
// (8-4-4-4-12 hexadecimal digits).
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	hex.Encode(out[9:13], b[4:6])
	hex.Encode(out[14:18], b[6:8])
	hex.Encode(out[19:23], b[8:10])
	hex.Encode(out[24:36], b[10:16])
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	return string(out[:])
}

// ServeHTTP answers one Query API request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	// One byte past the limit tells a body that is too large from one
	// that fits exactly; a large body is refused, never cut short.
	body, err := io.ReadAll(io.LimitReader(r.Body, awsquery.MaxBodyBytes+1))
	if err != nil {
		s.writeError(w, &awsquery.Error{Status: 400, Code: "InvalidRequest", Message: "the request body could not be read"}, awsquery.IAMNamespace, requestID)
		return
	}
	if len(body) > awsquery.MaxBodyBytes {
		s.writeError(w, apiErr(413, "RequestEntityTooLarge", "the request body is larger than %d bytes", awsquery.MaxBodyBytes), awsquery.IAMNamespace, requestID)
		return
	}
	p, aerr := awsquery.Decode(body, r.URL.RawQuery)
	if aerr != nil {
		s.writeError(w, aerr, awsquery.IAMNamespace, requestID)
		return
	}
	op := p.Get("Action")
	// AssumeRoleWithWebIdentity is unsigned: the token is the credential.
	if unsignedOps[op] && r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Algorithm") == "" {
		if aerr := checkParams(op, p); aerr != nil {
			s.writeError(w, aerr, awsquery.STSNamespace, requestID)
			return
		}
		c := &call{s: s, ctx: r.Context(), op: op, p: p, requestID: requestID, sourceIP: remoteIP(r), secure: r.TLS != nil}
		c.x.Take()
		if err := stsOps[op](c); err != nil {
			var ae *awsquery.Error
			if !errors.As(err, &ae) {
				ae = apiErr(500, "ServiceFailure", "ward could not complete the request")
			}
			s.writeError(w, ae, awsquery.STSNamespace, requestID)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		c.respond(w, awsquery.STSNamespace)
		return
	}
	var signedBy sigv4.Signed
	signed := &signedBy
	// The one place a request is authenticated: its signature, its
	// scope and its body (sigv4).
	verr := sigv4.VerifyInto(r, body, s.secretOf, s.now(), signed)
	ns := awsquery.IAMNamespace
	if (verr == nil && signed.Service == "sts") || (verr != nil && stsOps[op] != nil) {
		ns = awsquery.STSNamespace
	}
	if verr != nil {
		var se *sigv4.Error
		if errors.As(verr, &se) {
			s.writeError(w, &awsquery.Error{Status: se.Status, Code: se.Code, Message: se.Message}, ns, requestID)
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
		s.writeError(w, apiErr(400, "InvalidAction", "Could not find operation %s for version %s", op, p.Get("Version")), ns, requestID)
		return
	}
	who, aerr := s.resolveCaller(r.Context(), signed)
	if aerr == nil {
		aerr = who.credentialLimit(signed.Service, op)
	}
	if aerr == nil {
		// Parameters are checked before the caller's permissions, as AWS
		// does: an invalid request is a ValidationError for anyone.
		aerr = checkParams(op, p)
	}
	if aerr != nil {
		s.writeError(w, aerr, ns, requestID)
		return
	}
	c := &call{s: s, ctx: r.Context(), op: op, p: p, who: who, requestID: requestID, sourceIP: remoteIP(r), secure: r.TLS != nil}
	c.x.Take()
	if err := handler(c); err != nil {
		var ae *awsquery.Error
		if !errors.As(err, &ae) {
			ae = apiErr(500, "ServiceFailure", "ward could not complete the request")
		}
		s.writeError(w, ae, ns, requestID)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	c.respond(w, ns)
}

// respond writes the call's result in its envelope.
func (c *call) respond(w http.ResponseWriter, ns string) {
	out := awsquery.GetBuffer()
	*out = awsquery.AppendEnvelope((*out)[:0], c.op, ns, c.x.B, c.requestID)
	w.Write(*out)
	awsquery.PutBuffer(out)
	c.x.Release()
}

func (s *Service) writeError(w http.ResponseWriter, e *awsquery.Error, ns, requestID string) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	out := awsquery.GetBuffer()
	*out = awsquery.AppendErrorEnvelope((*out)[:0], e, ns, requestID)
	w.Write(*out)
	awsquery.PutBuffer(out)
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
	c, ok := s.callers.get(keyID)
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
	s.initCaches()
	if s.gen == gen {
		s.callers.put(keyID, cachedCaller{gen: gen, secret: secret})
	}
	s.mu.Unlock()
	return secret, nil
}

// sessionUser loads the user a GetSessionToken or GetFederationToken
// session belongs to: by its unique ID, so a renamed user keeps its
// sessions (sessions stored before IDs were kept are found by name). A
// user deleted and created again under the same name has a new ID and
// does not inherit them.
func sessionUser(tx store.Tx, account string, ss *Session) (*User, error) {
	if ss.UserID == "" {
		return loadUser(tx, account, ss.UserName)
	}
	e, err := tx.GetByID(ss.UserID)
	if err != nil || e.Kind != kindUser || e.Account != account {
		return nil, noSuchEntity("The user with ID %s cannot be found.", ss.UserID)
	}
	var u User
	if err := unmarshal(e.Body, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// tokenValid reports whether cached temporary credentials still hold.
func (c *caller) tokenValid(token string, now time.Time) bool {
	switch {
	case c.session != nil:
		return c.token == token && now.Before(c.session.Expires)
	case c.tempToken != "":
		return c.tempToken == token && now.Before(c.tempExpires)
	}
	return token == ""
}

// hashToken is what the store keeps of a session token: its SHA-256, so
// that a copy of the database yields no working session.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// tokenMatches reports whether token is the session's, in constant time.
func (ss *Session) tokenMatches(token string) bool {
	if ss.TokenHash == "" {
		// Stored before tokens were hashed: such sessions expire within
		// 36 hours of being issued.
		return ss.Token != "" && subtle.ConstantTimeCompare([]byte(ss.Token), []byte(token)) == 1
	}
	return subtle.ConstantTimeCompare([]byte(ss.TokenHash), []byte(hashToken(token))) == 1
}

// resolveCaller turns a verified key into the principal behind it.
func (s *Service) resolveCaller(ctx context.Context, signed *sigv4.Signed) (*caller, *awsquery.Error) {
	s.mu.Lock()
	s.initCaches()
	s.used.put(signed.AccessKeyID, keyUse{time: s.now(), service: signed.Service, region: signed.Region})
	cc, ok := s.callers.get(signed.AccessKeyID)
	gen := s.gen
	s.mu.Unlock()
	if ok && cc.gen == gen && cc.who != nil && cc.who.tokenValid(signed.SecurityToken, s.now()) {
		return cc.who, nil
	}
	var who *caller
	var aerr *awsquery.Error
	err := s.Store.View(ctx, func(tx store.Tx) error {
		e, err := tx.GetByID(signed.AccessKeyID)
		if err != nil {
			return err
		}
		switch e.Kind {
		case kindKey:
			if signed.SecurityToken != "" {
				// A long-term key signs without a token; one sent with
				// a token is refused, not run with the token ignored.
				aerr = apiErr(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
				return nil
			}
			var k AccessKey
			if err := decode(e, &k); err != nil {
				return err
			}
			if k.UserID == "" && k.UserName == "" {
				who = &caller{account: e.Account, arn: "arn:aws:iam::" + e.Account + ":root", userID: e.Account, kind: "root"}
				return nil
			}
			// The key's user by unique ID: never another user that has
			// taken its name since.
			ue, err := tx.GetByID(k.UserID)
			if err != nil || ue.Kind != kindUser || ue.Account != e.Account {
				return store.ErrNotFound
			}
			var u User
			if err := decode(ue, &u); err != nil {
				return err
			}
			who = &caller{account: e.Account, arn: u.Arn, userID: u.ID, kind: "user", user: &u}
		case kindSession:
			var ss Session
			if err := decode(e, &ss); err != nil {
				return err
			}
			if !ss.tokenMatches(signed.SecurityToken) {
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
					u, err := sessionUser(tx, e.Account, &ss)
					who.user = u
					return err
				}
				return nil
			}
			if ss.Root {
				who = &caller{account: e.Account, arn: "arn:aws:iam::" + e.Account + ":root", userID: e.Account, kind: "root",
					tempToken: signed.SecurityToken, tempExpires: ss.Expires, limit: "sessiontoken"}
				return nil
			}
			if ss.UserName != "" {
				u, err := sessionUser(tx, e.Account, &ss)
				if err != nil {
					return err
				}
				who = &caller{account: e.Account, arn: u.Arn, userID: u.ID, kind: "user", user: u, tempToken: signed.SecurityToken, tempExpires: ss.Expires,
					limit: "sessiontoken", mfaTime: ss.MFATime}
				return nil
			}
			who = &caller{account: e.Account, arn: "arn:aws:sts::" + e.Account + ":assumed-role/" + ss.RoleName + "/" + ss.SessionName,
				userID: ss.RoleID + ":" + ss.SessionName, kind: "session", session: &ss, mfaTime: ss.MFATime}
			// A session lives as long as its role: once the role is
			// deleted, even if another is created under its name (a new
			// role, with a new unique ID), its credentials are invalid.
			r, err := loadRole(tx, e.Account, ss.RoleName)
			if err != nil || (ss.RoleID != "" && r.ID != ss.RoleID) {
				aerr = apiErr(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
				return nil
			}
			who.roleTags = r.Tags
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
	if who.session != nil {
		who.token = signed.SecurityToken // verified above; kept in memory only
	}
	s.mu.Lock()
	if c, ok := s.callers.get(signed.AccessKeyID); ok && c.gen == gen && s.gen == gen {
		c.who = who
		s.callers.put(signed.AccessKeyID, c)
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
// With the caller's policy set cached, it allocates nothing unless it
// denies: the context is built, prepared and decided in pooled storage,
// and the decision logged from it.
func (c *call) authorizeWith(action, resource string, extra map[string][]string, resourcePolicy *engine.Compiled) error {
	s := c.s
	set, err := s.policySet(c.ctx, c.who, resourcePolicy)
	if err != nil {
		return err
	}
	now := s.now()
	sc := getScratch()
	defer func() {
		if sc != nil {
			sc.release()
		}
	}()
	// The operation's own keys first, then the caller's, then the
	// transport's: a key given earlier wins.
	sc.addMap(extra)
	sc.addCaller(c.who, now)
	sc.addTransport(c.sourceIP, c.secure)
	// The resource's account comes from its ARN (a role in another account
	// makes AssumeRole cross-account); a request on "*" stays in the
	// caller's account.
	resourceAccount := ""
	if resource == "*" {
		resourceAccount = c.who.account
	}
	req := engine.Request{Principal: c.who.arn, Action: action, Resource: resource, ResourceAccount: resourceAccount, Keys: sc.keys, Now: now,
		LiteralResource: true}
	if err := req.PrepareInto(&sc.prep); err != nil {
		return apiErr(500, "ServiceFailure", "the request could not be authorized: %v", err)
	}
	set.DecideInto(&sc.prep, &sc.dec)
	var denied error
	if sc.dec.Result != engine.Allowed {
		denied = apiErr(403, "AccessDenied", "%s", deniedMessage(sc.dec.Message(), action, resource))
	}
	if s.Decisions != nil {
		rec := sc.record(c, c.who, action, resource, now)
		if c.holdRecord && c.held == nil {
			c.held, sc = sc, nil // logged with the record that follows
		} else {
			sc.logs[0] = rec
			if err := s.Decisions(sc.logs[:1]); err != nil {
				return errLogFailed
			}
		}
	}
	return denied
}

// deniedMessage is the engine's AccessDenied message as IAM words it for
// its own operations: the resource is named by kind and name ("role
// chat", "user bob", "group devs", "instance profile web"), or by kind
// and ARN for a policy, rather than by ARN.
func deniedMessage(msg, action, resource string) string {
	if !strings.HasPrefix(action, "iam:") {
		return msg
	}
	_, kind, rest, ok := iamARN(resource)
	if !ok {
		return msg
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	var shown string
	switch kind {
	case "user", "role", "group":
		shown = kind + " " + name
	case "instance-profile":
		shown = "instance profile " + name
	case "policy":
		shown = "policy " + resource
	}
	if shown == "" || name == "" {
		return msg
	}
	return strings.Replace(msg, " on resource: "+resource, " on resource: "+shown, 1)
}

// errLogFailed answers a request whose decision could not be written to
// the decision log: the log is complete or the request fails.
var errLogFailed = apiErr(500, "ServiceFailure", "the decision could not be logged; the request was not carried out")

// flushHeld logs a record authorizeWith held back, if it is still there.
func (c *call) flushHeld() {
	if c.held != nil {
		c.held.logs[0] = &c.held.rec
		c.s.Decisions(c.held.logs[:1]) // only after a failure, which the caller already reports
		c.held.release()
		c.held = nil
	}
	c.holdRecord = false
}

// policySet compiles the policies that bear on a caller: its identity
// policies (a user's own and its groups', or a role's), boundary and
// session policies. Sets are cached per caller and dropped on any write.
func (s *Service) policySet(ctx context.Context, who *caller, resourcePolicy *engine.Compiled) (*engine.Set, error) {
	key := setKey{who.arn, who.keyID}
	s.mu.Lock()
	s.initCaches()
	cached, ok := s.cache.get(key)
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
		s.cache.put(key, cachedSet{gen: gen, set: set})
		s.mu.Unlock()
	}
	return set, nil
}

// principalPolicies loads the policies that bear on who. It fails
// closed: a policy that is named but cannot be loaded, decoded or parsed
// (a stored body damaged, a group or policy gone from under a reference)
// takes part as a policy that denies everything, named for what could not
// be loaded, so it can only take permissions away, never give them.
func (s *Service) principalPolicies(tx store.Tx, who *caller) (engine.Policies, error) {
	var ps engine.Policies
	var attached []string
	var inline []NamedPolicy
	var boundary string
	switch who.kind {
	case "root", "webidentity":
		// The root user is allowed everything; a web identity has no
		// policies of its own, only the trust policy that decides.
		return ps, nil
	case "federated":
		// A federated user has what both its issuer's policies and its
		// session policies allow; with no session policy, nothing (STS
		// API reference, GetFederationToken).
		if len(who.session.SessionPolicies) == 0 {
			ps.Session = append(ps.Session, compileStored(allowNothing, "session policy (none given)"))
		}
		for i, doc := range who.session.SessionPolicies {
			ps.Session = append(ps.Session, compileStored(doc, fmt.Sprintf("session policy %d", i+1)))
		}
		if who.user == nil { // issued by the root user
			ps.Identity = append(ps.Identity, compileStored(allowAll, "root user"))
			return ps, nil
		}
		fallthrough
	case "user":
		u, err := loadAs[User](tx, who.account, kindUser, who.user.Name, "The user with name %s cannot be found.")
		if err != nil {
			return ps, err
		}
		if u.ID != who.user.ID {
			return ps, noSuchEntity("The user with name %s cannot be found.", who.user.Name)
		}
		attached, inline, boundary = u.Attached, u.Inline, u.Boundary
		for _, g := range u.Groups {
			grp, err := loadGroup(tx, who.account, g)
			if err != nil {
				ps.Identity = append(ps.Identity, unloadable("group "+g, err))
				continue
			}
			attached = append(attached, grp.Attached...)
			inline = append(inline, grp.Inline...)
		}
	case "session":
		r, err := loadRole(tx, who.account, who.session.RoleName)
		if err != nil {
			return ps, err
		}
		if who.session.RoleID != "" && r.ID != who.session.RoleID {
			return ps, noSuchEntity("The role with name %s cannot be found.", who.session.RoleName)
		}
		attached, inline, boundary = r.Attached, r.Inline, r.Boundary
		for i, doc := range who.session.SessionPolicies {
			ps.Session = append(ps.Session, compileStored(doc, fmt.Sprintf("session policy %d", i+1)))
		}
	default:
		return ps, fmt.Errorf("no policies for a caller of kind %q", who.kind)
	}
	for _, in := range inline {
		ps.Identity = append(ps.Identity, compileStored(in.Document, "inline policy "+in.Name))
	}
	for _, arn := range attached {
		doc, err := s.managedDocument(tx, who.account, arn)
		if err != nil {
			ps.Identity = append(ps.Identity, unloadable(arn, err))
			continue
		}
		ps.Identity = append(ps.Identity, compileStored(doc, arn))
	}
	if boundary != "" {
		doc, err := s.managedDocument(tx, who.account, boundary)
		if err != nil {
			ps.Boundary = unloadable(boundary, err)
		} else {
			ps.Boundary = compileStored(doc, boundary)
		}
	}
	return ps, nil
}

// managedDocument returns the default version of the managed policy arn
// names exactly, for an entity of account.
func (s *Service) managedDocument(tx store.Tx, account, arn string) (string, error) {
	ref, err := s.resolvePolicy(tx, account, arn)
	if err != nil {
		return "", err
	}
	return ref.document()
}

// allowNothing and allowAll stand for the policies AWS implies: a
// federated session without session policies, and the root user that
// issued one.
const (
	allowNothing = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"*","Resource":"*"}]}`
	allowAll     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	denyAll      = `{"Version":"2012-10-17","Statement":[{"Sid":"Unloadable","Effect":"Deny","Action":"*","Resource":"*"}]}`
)

// compileStored compiles a policy that passed validation when stored. It
// never widens: a document that no longer parses (a damaged store, a
// rule tightened since) compiles to a policy that denies everything.
func compileStored(doc, name string) *engine.Compiled {
	p, err := policy.Parse([]byte(doc), name)
	if err != nil {
		return unloadable(name, err)
	}
	return engine.Compile(p, name)
}

var denyAllPolicy = func() *policy.Policy {
	p, err := policy.Parse([]byte(denyAll), "")
	if err != nil {
		panic(err) // a constant
	}
	return p
}()

// unloadable stands in for a policy that could not be loaded: it denies
// everything, and its name says which policy and why.
func unloadable(name string, err error) *engine.Compiled {
	return engine.Compile(denyAllPolicy, fmt.Sprintf("%s (could not be loaded: %v)", name, err))
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
func createNew(tx store.Tx, e *store.Entity, exists *awsquery.Error) error {
	err := tx.Create(e)
	if errors.Is(err, store.ErrExists) {
		return exists
	}
	return err
}

func mapStoreError(err error) error {
	var ae *awsquery.Error
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
