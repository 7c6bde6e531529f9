package iamapi

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/decisionlog"
	"github.com/wardhq/ward/internal/jwt"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

// getCallerIdentity needs no permission and cannot be denied (STS API
// reference), so it is not authorized; it is still logged.
func getCallerIdentity(c *call) error {
	if c.s.Decisions != nil {
		sc := getScratch()
		sc.rec = decisionlog.Record{Time: c.s.now().UTC(), RequestID: c.requestID, Caller: c.who.arn, Account: c.who.account,
			Action: "sts:GetCallerIdentity", Resource: "*", Decision: "Allowed", SourceIP: c.sourceIP}
		sc.logs[0] = &sc.rec
		err := c.s.Decisions(sc.logs[:1])
		sc.release()
		if err != nil {
			return errLogFailed
		}
	}
	c.x.Elem("UserId", c.who.userID)
	c.x.Elem("Account", c.who.account)
	c.x.Elem("Arn", c.who.arn)
	return nil
}

// getSessionToken gives an IAM user (or the root user) temporary
// credentials that act as the same principal: 900 s to 36 h for users
// (default 12 h), at most 1 h for root. It needs no permission and a role
// session cannot call it (STS API reference).
func getSessionToken(c *call) error {
	if c.who.kind == callerSession || c.who.tempToken != "" {
		return apiErr(403, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	duration, err := c.userSessionDuration()
	if err != nil {
		return err
	}
	mfa, err := c.verifyMFA()
	if err != nil {
		return err
	}
	s := &Session{Expires: c.expiresIn(duration), Root: c.who.kind == callerRoot}
	if mfa {
		s.MFATime = c.s.now().UTC()
	}
	if c.who.kind == callerUser {
		s.UserName, s.UserID = c.who.user.Name, c.who.user.ID
	}
	if err := c.issueSession(c.who.account, s); err != nil {
		return err
	}
	return nil
}

func assumeRole(c *call) error {
	v, err := c.p.RequiredAll("RoleArn", "RoleSessionName")
	if err != nil {
		return err
	}
	roleArn, sessionName := v[0], v[1]
	duration, err := c.p.IntOr("DurationSeconds", 3600)
	if err != nil {
		return err
	}
	parts := strings.SplitN(roleArn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return apiErr(400, "ValidationError", "%s is invalid", roleArn)
	}
	if c.who.kind == callerRoot {
		return apiErr(403, "AccessDenied", "Roles may not be assumed by root accounts.")
	}
	account, roleName := parts[4], parts[5][strings.LastIndexByte(parts[5], '/')+1:]
	var role *Role
	if err := c.s.view(c.ctx, func(tx store.Tx) error {
		r, err := loadRole(tx, account, roleName)
		if err == nil && r.Arn == roleArn {
			role = r
		}
		var ae *awsquery.Error
		if errors.As(err, &ae) {
			return nil // no such role
		}
		return err
	}); err != nil {
		return err
	}
	if role == nil {
		// AWS does not say whether a role exists to a caller it refuses:
		// a role that does not exist (or not under that path) is decided
		// as one whose trust policy names nobody, so the answer is the
		// same AccessDenied a real role's would be.
		if err := c.authorizeWith("sts:AssumeRole", roleArn, nil, trustsNobody); err != nil {
			return err
		}
		return apiErr(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.who.arn, roleArn)
	}
	if duration < 900 || duration > role.MaxSessionDuration || (c.who.kind == callerSession && duration > 3600) {
		return apiErr(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	sessionPolicies, err := c.sessionPolicies(account)
	if err != nil {
		return err
	}
	tags := tagsParam(c.p, "Tags")
	ctx := tagContext(tags)
	if ctx == nil {
		ctx = map[string][]string{}
	}
	if ext := c.p.Get("ExternalId"); ext != "" {
		ctx["sts:ExternalId"] = []string{ext}
	}
	ctx["sts:RoleSessionName"] = []string{sessionName}
	mfa, err := c.verifyMFA()
	if err != nil {
		return err
	}
	if mfa { // the code given now counts, whatever the caller's credentials
		ctx["aws:MultiFactorAuthPresent"] = []string{"true"}
		ctx["aws:MultiFactorAuthAge"] = []string{"0"}
	}
	if si := c.p.Get("SourceIdentity"); si != "" {
		ctx["sts:SourceIdentity"] = []string{si}
	}
	trust := compileStored(role.AssumeRolePolicy, "trust policy of "+role.Name)
	if err := c.authorizeWith("sts:AssumeRole", role.Arn, ctx, trust); err != nil {
		return err
	}
	if len(tags) > 0 {
		if err := c.authorizeWith("sts:TagSession", role.Arn, ctx, trust); err != nil {
			return err
		}
	}
	s := &Session{Expires: c.expiresIn(duration), RoleArn: role.Arn, RoleName: role.Name, RoleID: role.ID, SessionName: sessionName,
		SessionPolicies: sessionPolicies, Tags: tags, SourceIdentity: c.p.Get("SourceIdentity")}
	if mfa {
		s.MFATime = c.s.now().UTC()
	} else {
		// Credentials issued with MFA pass it on to the role session,
		// with the time of the original authentication.
		s.MFATime = c.who.mfaTime
	}
	if err := c.issueSession(account, s); err != nil {
		return err
	}
	c.writeAssumedRole(account, role, sessionName, len(sessionPolicies) > 0)
	if s.SourceIdentity != "" {
		c.x.Elem("SourceIdentity", s.SourceIdentity)
	}
	return nil
}

// trustsNobody is the trust policy of a role that does not exist.
var trustsNobody = compileStored(`{"Version":"2012-10-17","Statement":[]}`, "trust policy")

// assumeRoleWithWebIdentity exchanges an OIDC token for a role session.
// It is unsigned: the token is the credential. The token must verify with
// a registered provider's keys, be for one of its client IDs and not be
// expired; the role's trust policy must allow the provider (Federated)
// with the token's claims as context (HOST:aud, HOST:sub, ...).
func assumeRoleWithWebIdentity(c *call) error {
	v, err := c.p.RequiredAll("RoleArn", "RoleSessionName")
	if err != nil {
		return err
	}
	roleArn, sessionName := v[0], v[1]
	token, err := c.p.Required("WebIdentityToken")
	if err != nil {
		return err
	}
	parts := strings.SplitN(roleArn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		return apiErr(400, "ValidationError", "%s is invalid", roleArn)
	}
	account, roleName := parts[4], parts[5][strings.LastIndexByte(parts[5], '/')+1:]
	invalid := apiErr(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
	var role *Role
	var provider *OIDCProvider
	var claims jwt.Claims
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		r, err := loadRole(tx, account, roleName)
		if err != nil {
			return apiErr(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		}
		role = r
		// Find the provider by the token's issuer, then verify the token
		// with that provider's keys.
		peek, err := jwt.Peek(token)
		if err != nil {
			return invalid
		}
		iss, _ := peek["iss"].(string)
		if iss == "" {
			return invalid
		}
		e, err := tx.Get(account, kindOIDC, providerHost(iss))
		if err != nil {
			return apiErr(400, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for %s", iss)
		}
		var p OIDCProvider
		unmarshal(e.Body, &p)
		provider = &p
		keys, err := jwt.ParseKeySet(p.JWKS)
		if err != nil {
			return invalid
		}
		if claims, err = keys.Verify(token); err != nil {
			return apiErr(400, "InvalidIdentityToken", "%v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := claims.Check(jwt.Expect{Issuer: provider.issuer(), Audiences: provider.ClientIDs, Now: c.s.now()}); err != nil {
		var ce *jwt.ClaimError
		if errors.As(err, &ce) && ce.Reason == jwt.Expired {
			return apiErr(400, "ExpiredTokenException", "%s", ce.Msg)
		}
		return apiErr(400, "InvalidIdentityToken", "%v", err)
	}
	auds := claims.Strings("aud")
	// The trust policy decides, with the provider as the principal.
	ctx := map[string][]string{}
	for _, k := range []string{"aud", "sub", "amr", "azp", "email"} {
		if _, ok := claims[k]; ok {
			ctx[provider.URL+":"+k] = claims.Strings(k)
		}
	}
	c.who = &caller{account: account, arn: provider.Arn, kind: callerWebIdentity}
	trust := compileStored(role.AssumeRolePolicy, "trust policy of "+role.Name)
	if err := c.authorizeWith("sts:AssumeRoleWithWebIdentity", role.Arn, ctx, trust); err != nil {
		return err
	}
	duration, err := c.p.IntOr("DurationSeconds", 3600)
	if err != nil {
		return err
	}
	if duration < 900 || duration > role.MaxSessionDuration {
		return apiErr(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	// Session policies narrow the session as they do AssumeRole's.
	sessionPolicies, err := c.sessionPolicies(account)
	if err != nil {
		return err
	}
	sub, _ := claims["sub"].(string)
	s := &Session{Expires: c.expiresIn(duration), RoleArn: role.Arn, RoleName: role.Name, RoleID: role.ID, SessionName: sessionName,
		SessionPolicies: sessionPolicies}
	if err := c.issueSession(account, s); err != nil {
		return err
	}
	c.x.Elem("SubjectFromWebIdentityToken", sub)
	c.writeAssumedRole(account, role, sessionName, len(sessionPolicies) > 0)
	// STS names the token's issuer, its iss claim, as the provider.
	c.x.Elem("Provider", provider.issuer())
	if len(auds) > 0 {
		c.x.Elem("Audience", auds[0])
	}
	return nil
}

// sessionPolicies reads the session policies of AssumeRole and
// GetFederationToken: an inline Policy and managed PolicyArns.
func (c *call) sessionPolicies(account string) ([]string, error) {
	var docs []string
	if doc := c.p.Get("Policy"); doc != "" {
		if err := checkDocument(doc, policy.KindSession); err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	err := c.s.view(c.ctx, func(tx store.Tx) error {
		for i := 1; ; i++ {
			arn := c.p.Get(fmt.Sprintf("PolicyArns.member.%d.arn", i))
			if arn == "" {
				return nil
			}
			// The policies must be in the account of the session's
			// role or user, named by their exact ARNs.
			doc, err := c.s.managedDocument(tx, account, arn)
			if err != nil {
				return err
			}
			docs = append(docs, doc)
		}
	})
	return docs, err
}

// getFederationToken issues credentials for a federated user. Only
// long-term credentials of an IAM user or the root user may call it; the
// session has what both the caller's policies and the session policies
// allow, and nothing without session policies.
func getFederationToken(c *call) error {
	if c.who.kind != callerUser && c.who.kind != callerRoot || c.who.tempToken != "" {
		return apiErr(403, "AccessDenied", "Cannot call GetFederationToken with session credentials")
	}
	name, err := c.p.Required("Name")
	if err != nil {
		return err
	}
	duration, err := c.userSessionDuration()
	if err != nil {
		return err
	}
	docs, err := c.sessionPolicies(c.who.account)
	if err != nil {
		return err
	}
	arn := "arn:aws:sts::" + c.who.account + ":federated-user/" + name
	tags := tagsParam(c.p, "Tags")
	ctx := tagContext(tags)
	if err := c.authorizeWith("sts:GetFederationToken", arn, ctx, nil); err != nil {
		return err
	}
	if len(tags) > 0 {
		if err := c.authorizeWith("sts:TagSession", arn, ctx, nil); err != nil {
			return err
		}
	}
	s := &Session{Expires: c.expiresIn(duration), Federated: name, Root: c.who.kind == callerRoot, SessionPolicies: docs, Tags: tags}
	if c.who.kind == callerUser {
		s.UserName, s.UserID = c.who.user.Name, c.who.user.ID
	}
	if err := c.issueSession(c.who.account, s); err != nil {
		return err
	}
	c.x.Open("FederatedUser")
	c.x.Elem("FederatedUserId", c.who.account+":"+name)
	c.x.Elem("Arn", arn)
	c.x.Close("FederatedUser")
	if len(docs) > 0 {
		c.x.Elem("PackedPolicySize", "10")
	}
	return nil
}

// issueSession stores a new session in account, with a fresh key,
// secret and token, and writes its Credentials element.
func (c *call) issueSession(account string, s *Session) error {
	secret := newSecret()
	token := "ward" + newSecret() + newSecret()
	s.ID, s.TokenHash = newID("ASIA"), hashToken(token)
	s.Secret = c.s.Sealer.Seal(secret, keyBinding(s.ID))
	if err := c.s.update(c.ctx, func(tx store.Tx) error {
		return tx.Create(&store.Entity{Account: account, Kind: kindSession, Name: s.ID, ID: s.ID, Body: marshal(s)})
	}); err != nil {
		return err
	}
	c.x.Open("Credentials")
	c.x.Elem("AccessKeyId", s.ID)
	c.x.Elem("SecretAccessKey", secret)
	c.x.Elem("SessionToken", token)
	c.x.Elem("Expiration", fmtTime(s.Expires))
	c.x.Close("Credentials")
	return nil
}

// expiresIn is the expiry of a session lasting seconds from now.
func (c *call) expiresIn(seconds int) time.Time {
	return c.s.now().Add(time.Duration(seconds) * time.Second).UTC().Truncate(time.Second)
}

// userSessionDuration reads DurationSeconds for GetSessionToken and
// GetFederationToken: 900 s to 36 h for an IAM user, default 12 h; at
// most one hour for the root user.
func (c *call) userSessionDuration() (int, error) {
	max := 129600
	if c.who.kind == callerRoot {
		max = 3600
	}
	duration, err := c.p.IntOr("DurationSeconds", min(43200, max))
	if err != nil {
		return 0, err
	}
	if duration < 900 || duration > max {
		// The API's range (900 to 129600) is checked with the other
		// parameters; what is left is the root user's one hour.
		return 0, apiErr(400, "ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", duration, max)
	}
	return duration, nil
}

// writeAssumedRole writes the AssumedRoleUser of a new role session and,
// when session policies were passed, their packed size.
func (c *call) writeAssumedRole(account string, role *Role, sessionName string, sessionPolicies bool) {
	c.x.Open("AssumedRoleUser")
	c.x.Elem("AssumedRoleId", role.ID+":"+sessionName)
	c.x.Elem("Arn", "arn:aws:sts::"+account+":assumed-role/"+role.Name+"/"+sessionName)
	c.x.Close("AssumedRoleUser")
	if sessionPolicies {
		c.x.Elem("PackedPolicySize", "10")
	}
}
