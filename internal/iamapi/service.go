package iamapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/decisionlog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/seal"
	"github.com/wardhq/ward/internal/sigv4"
	"github.com/wardhq/ward/internal/store"
)

// Service answers IAM and STS requests.
type Service struct {
	Store   store.Store
	Sealer  *seal.Sealer
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

// NewRequestID is a random ID in the form AWS's request IDs take
// (8-4-4-4-12 hexadecimal digits).
func NewRequestID() string {
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
	requestID := NewRequestID()
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
	name := p.Get("Action")
	op, known := operations[name]
	// AssumeRoleWithWebIdentity is unsigned: the token is the credential.
	if known && op.unsigned && r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Algorithm") == "" {
		if aerr := checkParams(name, p); aerr != nil {
			s.writeError(w, aerr, awsquery.STSNamespace, requestID)
			return
		}
		c := &call{s: s, ctx: r.Context(), op: name, action: op.action, p: p, requestID: requestID, sourceIP: remoteIP(r), secure: r.TLS != nil}
		s.run(w, c, op.handle, awsquery.STSNamespace)
		return
	}
	var signedBy sigv4.Signed
	signed := &signedBy
	// The one place a request is authenticated: its signature, its
	// scope and its body (sigv4).
	verr := sigv4.VerifyInto(r, body, s.secretOf, s.now(), signed)
	ns := awsquery.IAMNamespace
	if (verr == nil && signed.Service == "sts") || (verr != nil && known && op.api == stsAPI) {
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
	// The signature's service chooses the API: an IAM operation signed
	// for STS, or the other way round, is not found.
	if !known || (op.api == stsAPI) != (signed.Service == "sts") {
		s.writeError(w, apiErr(400, "InvalidAction", "Could not find operation %s for version %s", name, p.Get("Version")), ns, requestID)
		return
	}
	who, aerr := s.resolveCaller(r.Context(), signed)
	if aerr == nil {
		aerr = who.credentialLimit(signed.Service, name)
	}
	if aerr == nil {
		// Parameters are checked before the caller's permissions, as AWS
		// does: an invalid request is a ValidationError for anyone.
		aerr = checkParams(name, p)
	}
	if aerr != nil {
		s.writeError(w, aerr, ns, requestID)
		return
	}
	c := &call{s: s, ctx: r.Context(), op: name, action: op.action, p: p, who: who, requestID: requestID, sourceIP: remoteIP(r), secure: r.TLS != nil}
	s.run(w, c, op.handle, ns)
}

// run runs an operation's handler and writes its answer, or its error as
// AWS writes errors. An error that is not an API error is a ServiceFailure:
// what went wrong inside stays in the log, not the answer.
func (s *Service) run(w http.ResponseWriter, c *call, handle handler, ns string) {
	c.x.Take()
	if err := handle(c); err != nil {
		c.x.Release()
		var ae *awsquery.Error
		if !errors.As(err, &ae) {
			ae = apiErr(500, "ServiceFailure", "ward could not complete the request")
		}
		s.writeError(w, ae, ns, c.requestID)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", c.requestID)
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

// Invalidate drops every cached policy set and credential: the store
// changed under the service (another node wrote to a shared database).
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.gen++
	s.mu.Unlock()
}
