// Package iamapi is ward's IAM and STS service: the AWS Query protocol
// (form-encoded requests, XML responses and errors as AWS sends them),
// the IAM and STS operations, and the authorization of every call by the
// engine, with the caller's stored policies and the request's context.
//
// Objects live in a store.Store as JSON bodies of the types below.
package iamapi

import "time"

// Tag is a key/value tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// NamedPolicy is an inline policy.
type NamedPolicy struct {
	Name     string `json:"name"`
	Document string `json:"document"`
}

// principal is what users, roles and groups share: attachments and
// inline policies.
type principal struct {
	Path     string        `json:"path"`
	ID       string        `json:"id"`
	Arn      string        `json:"arn"`
	Created  time.Time     `json:"created"`
	Attached []string      `json:"attached,omitempty"` // managed policy ARNs
	Inline   []NamedPolicy `json:"inline,omitempty"`
	Tags     []Tag         `json:"tags,omitempty"`
	Boundary string        `json:"boundary,omitempty"` // permissions boundary ARN
}

// policiesConflict is IAM's refusal to delete a user, group or role that
// still has policies: managed ones attached, or inline ones.
func (p *principal) policiesConflict() error {
	switch {
	case len(p.Attached) > 0:
		return apiErr(409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	case len(p.Inline) > 0:
		return apiErr(409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	return nil
}

// User is an IAM user.
type User struct {
	principal
	Name   string   `json:"name"`
	Groups []string `json:"groups,omitempty"`
}

// Group is an IAM group.
type Group struct {
	principal
	Name    string   `json:"name"`
	Members []string `json:"members,omitempty"`
}

// Role is an IAM role.
type Role struct {
	principal
	Name             string `json:"name"`
	AssumeRolePolicy string `json:"assumeRolePolicy"`
	// TrustBindings are the users and roles the trust policy names, by
	// unique ID (bindTrust).
	TrustBindings      []trustBinding `json:"trustBindings,omitempty"`
	Description        string         `json:"description,omitempty"`
	MaxSessionDuration int            `json:"maxSessionDuration"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID        string    `json:"id"`
	Document  string    `json:"document"`
	IsDefault bool      `json:"isDefault"`
	Created   time.Time `json:"created"`
}

// ManagedPolicy is a customer managed policy.
type ManagedPolicy struct {
	Name        string          `json:"name"`
	ID          string          `json:"id"`
	Arn         string          `json:"arn"`
	Path        string          `json:"path"`
	Description string          `json:"description,omitempty"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
	Versions    []PolicyVersion `json:"versions"`
	NextVersion int             `json:"nextVersion"`
	Tags        []Tag           `json:"tags,omitempty"`
	// Use counts the policy's attachments and boundary uses.
	Use PolicyUse `json:"use"`
}

func (p *ManagedPolicy) defaultVersion() *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].IsDefault {
			return &p.Versions[i]
		}
	}
	return nil
}

// AccessKey is a long-term key of a user or of an account's root.
type AccessKey struct {
	ID       string `json:"id"`
	UserName string `json:"userName,omitempty"` // empty: the root user
	// UserID is the unique ID of the user the key belongs to (empty for
	// the root user): the key follows the user, not its name.
	UserID  string    `json:"userId,omitempty"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	Secret  []byte    `json:"secret"` // sealed with the data key
}

// Session is the temporary credentials of a role session.
type Session struct {
	ID     string `json:"id"`
	Secret []byte `json:"secret"` // sealed
	// TokenHash is the SHA-256 of the session token (hashToken); Token
	// is the token itself, only in sessions stored before tokens were
	// hashed.
	TokenHash       string    `json:"tokenHash,omitempty"`
	Token           string    `json:"token,omitempty"`
	Expires         time.Time `json:"expires"`
	RoleArn         string    `json:"roleArn"`
	RoleName        string    `json:"roleName"`
	RoleID          string    `json:"roleId"`
	SessionName     string    `json:"sessionName"`
	SessionPolicies []string  `json:"sessionPolicies,omitempty"`
	Tags            []Tag     `json:"tags,omitempty"`
	SourceIdentity  string    `json:"sourceIdentity,omitempty"`
	// UserName is set for GetSessionToken credentials: they act as the
	// user (or, empty with Root set, as the root user), not as a role.
	UserName string `json:"userName,omitempty"`
	// UserID is the user's unique ID: the credentials belong to the user,
	// and follow it when it is renamed, as its access keys do.
	UserID string `json:"userId,omitempty"`
	Root   bool   `json:"root,omitempty"`
	// Federated is the name given to GetFederationToken: the session is
	// arn:aws:sts::ACCOUNT:federated-user/NAME, issued by UserName (or
	// by the root user when Root is set).
	Federated string `json:"federated,omitempty"`
	// MFATime is when the session's creator authenticated with an MFA
	// code; zero without MFA.
	MFATime time.Time `json:"mfaTime,omitzero"`
}

// Entity kinds in the store.
const (
	kindUser    = "user"
	kindGroup   = "group"
	kindRole    = "role"
	kindPolicy  = "policy"
	kindKey     = "accesskey"
	kindSession = "session"
	kindAccount = "account"
)
