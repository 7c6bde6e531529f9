package iamapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/sigv4"
	"github.com/wardhq/ward/internal/store"
)

// caller is who signed a request.
// callerKind is what sort of principal a caller is.
type callerKind uint8

const (
	callerRoot        callerKind = iota + 1 // the account's root user
	callerUser                              // an IAM user, with long-term or GetSessionToken credentials
	callerSession                           // a role session
	callerFederated                         // a federated user (GetFederationToken)
	callerWebIdentity                       // a web identity, only while AssumeRoleWithWebIdentity decides
)

// credentialLimitKind names what some temporary credentials may not do
// whatever their policies.
type credentialLimitKind uint8

const (
	limitNone         credentialLimitKind = iota
	limitSessionToken                     // GetSessionToken's, without MFA
	limitFederation                       // GetFederationToken's
)

type caller struct {
	account string
	arn     string
	userID  string
	kind    callerKind
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
	// limit is what temporary credentials may not do beyond their
	// policies (credentialLimit).
	limit credentialLimitKind
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

// The callers every path builds: credentials (resolveCaller), an ARN
// (callerFromARN) and the simulator use these, so a user, a role session
// or the root user carries the same identity whichever way it came.

func rootCaller(account string) *caller {
	return &caller{account: account, arn: "arn:aws:iam::" + account + ":root", userID: account, kind: callerRoot}
}

func userCaller(account string, u *User) *caller {
	return &caller{account: account, arn: u.Arn, userID: u.ID, kind: callerUser, user: u}
}

// roleSessionCaller is a session of a role: ss names the role (name, ARN
// with its path, unique ID) and the session; roleTags are the role's.
func roleSessionCaller(account string, ss *Session, roleTags []Tag) *caller {
	return &caller{account: account, arn: "arn:aws:sts::" + account + ":assumed-role/" + ss.RoleName + "/" + ss.SessionName,
		userID: ss.RoleID + ":" + ss.SessionName, kind: callerSession, session: ss, roleTags: roleTags}
}

// credentialLimit refuses the calls AWS refuses to some temporary
// credentials whatever their policies (STS API reference): credentials
// from GetSessionToken without MFA call no IAM operation and, in STS,
// only AssumeRole and GetCallerIdentity; credentials from
// GetFederationToken call no IAM operation and only GetCallerIdentity.
// IAM answers InvalidClientTokenId to both.
func (c *caller) credentialLimit(service, op string) *awsquery.Error {
	if c.limit == limitNone {
		return nil
	}
	if service != "sts" {
		if c.limit == limitSessionToken && !c.mfaTime.IsZero() {
			return nil // with MFA, IAM is allowed
		}
		return apiErr(403, "InvalidClientTokenId", "The security token included in the request is invalid")
	}
	if op == "GetCallerIdentity" || (op == "AssumeRole" && c.limit == limitSessionToken) {
		return nil
	}
	return apiErr(403, "AccessDenied", "Cannot call %s with session credentials", op)
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
	secret, err := s.Sealer.Open(sealed, keyBinding(keyID))
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
				who = rootCaller(e.Account)
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
			who = userCaller(e.Account, &u)
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
					userID: e.Account + ":" + ss.Federated, kind: callerFederated, session: &ss, limit: limitFederation}
				if ss.UserName != "" {
					u, err := sessionUser(tx, e.Account, &ss)
					who.user = u
					return err
				}
				return nil
			}
			if ss.Root {
				who = rootCaller(e.Account)
				who.tempToken, who.tempExpires, who.limit = signed.SecurityToken, ss.Expires, limitSessionToken
				return nil
			}
			if ss.UserName != "" {
				u, err := sessionUser(tx, e.Account, &ss)
				if err != nil {
					return err
				}
				who = userCaller(e.Account, u)
				who.tempToken, who.tempExpires, who.limit, who.mfaTime = signed.SecurityToken, ss.Expires, limitSessionToken, ss.MFATime
				return nil
			}
			// A session lives as long as its role: once the role is
			// deleted, even if another is created under its name (a new
			// role, with a new unique ID), its credentials are invalid.
			r, err := loadRole(tx, e.Account, ss.RoleName)
			if err != nil || (ss.RoleID != "" && r.ID != ss.RoleID) {
				aerr = apiErr(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
				return nil
			}
			who = roleSessionCaller(e.Account, &ss, r.Tags)
			who.mfaTime = ss.MFATime
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

func subjectARN(c *caller) string {
	if c.session != nil {
		return c.session.RoleArn
	}
	return c.arn
}

// principalByARN finds the stored principal an ARN names, exactly: a
// user or role by its full ARN (path included), a session of a role by
// the role's name. It also returns the resource on which a caller's
// permission to ask about it is checked: the user's or role's ARN, or,
// when there is no such principal, the ARN as given (a session's role at
// the root path), so that the check is made, and denied alike, before
// anything is said about existence. who is nil when nothing matches.
// Only principals found are cached.
func (s *Service) principalByARN(ctx context.Context, arn string) (who *caller, subject string, err error) {
	if len(arn) > 2048 {
		return nil, "", errors.New("the principal ARN is longer than 2048 characters")
	}
	s.mu.Lock()
	c, ok := s.principals.get(arn)
	gen := s.gen
	s.mu.Unlock()
	if ok && c.gen == gen {
		return c.who, subjectARN(c.who), nil
	}
	who, subject, err = s.loadPrincipal(ctx, arn)
	if err == nil && who != nil {
		s.mu.Lock()
		s.initCaches()
		if s.gen == gen {
			s.principals.put(arn, cachedCaller{gen: gen, who: who})
		}
		s.mu.Unlock()
	}
	return who, subject, err
}

func (s *Service) loadPrincipal(ctx context.Context, arn string) (who *caller, subject string, err error) {
	err = s.Store.View(ctx, func(tx store.Tx) error {
		who, subject, err = callerFromARN(tx, arn, "ward-authorize")
		return err
	})
	return who, subject, err
}

// callerFromARN is the one way an ARN becomes a stored principal: a user
// or role by its full ARN (partition, account and path exactly), a
// session of a role by the role's name (a session ARN shows no path), or
// an account's root user. A role named by its own ARN is taken as a
// session of it named session, as the simulator and the decision point
// evaluate roles. who is nil when no such principal exists; subject is
// what a caller's permission to ask about it is checked on: the user's or
// role's ARN, or the ARN as given (a session's role at the root path)
// when there is none, so the check is made, and denied alike, before
// anything is said about existence.
func callerFromARN(tx store.Tx, arn, session string) (who *caller, subject string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[3] != "" || !policy.IsAccountID(parts[4]) {
		return nil, "", notPrincipalARN(fmt.Sprintf("%q is not a principal ARN", arn))
	}
	account, res := parts[4], parts[5]
	subject = arn
	switch {
	case parts[2] == "iam" && strings.HasPrefix(res, "user/"):
		u, err := loadUser(tx, account, res[strings.LastIndexByte(res, '/')+1:])
		if err == nil && u.Arn == arn {
			who = userCaller(account, u)
		}
		return who, subject, missingIsNil(err)
	case parts[2] == "iam" && strings.HasPrefix(res, "role/"), parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		name := res[strings.IndexByte(res, '/')+1:]
		if parts[2] == "sts" {
			var ok bool
			if name, session, ok = strings.Cut(name, "/"); !ok || name == "" || session == "" || strings.Contains(session, "/") {
				return nil, "", notPrincipalARN(fmt.Sprintf("%q is not a role session ARN", arn))
			}
			subject = arnOf(account, "role", "/", name)
		} else {
			name = name[strings.LastIndexByte(name, '/')+1:]
		}
		r, err := loadRole(tx, account, name)
		if err != nil || (parts[2] == "iam" && r.Arn != arn) {
			return nil, subject, missingIsNil(err)
		}
		ss := &Session{RoleName: r.Name, RoleArn: r.Arn, RoleID: r.ID, SessionName: session}
		return roleSessionCaller(account, ss, r.Tags), r.Arn, nil
	case parts[2] == "iam" && res == "root":
		if _, err := tx.Get(account, kindAccount, account); err != nil {
			return nil, subject, missingIsNil(err)
		}
		return rootCaller(account), subject, nil
	}
	return nil, "", notPrincipalARN(arn + " is not a user, role or role session ward knows")
}

// notPrincipalARN is an ARN that cannot name a principal: the asker's
// mistake, where other errors are the store's.
type notPrincipalARN string

func (e notPrincipalARN) Error() string { return string(e) }

// missingIsNil drops the error that says a principal does not exist: the
// caller tells that from a nil principal.
func missingIsNil(err error) error {
	var ae *awsquery.Error
	if errors.As(err, &ae) && ae.Code == "NoSuchEntity" || errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
