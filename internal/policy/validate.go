package policy

import (
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/glob"
)

// Kind is what a policy is used as. The grammar is shared; each kind adds
// rules about which elements it must or must not have.
type Kind uint8

const (
	KindIdentity Kind = iota + 1
	KindResource
	KindTrust
	KindBoundary
	KindSession
	KindSCP
	KindRCP
	KindVPCEndpoint
)

var kindNames = map[Kind]string{
	KindIdentity:    "identity",
	KindResource:    "resource",
	KindTrust:       "trust",
	KindBoundary:    "boundary",
	KindSession:     "session",
	KindSCP:         "scp",
	KindRCP:         "rcp",
	KindVPCEndpoint: "vpc-endpoint",
}

func (k Kind) String() string { return kindNames[k] }

// ParseKindName reads a kind as written on the command line.
func ParseKindName(s string) (Kind, error) {
	for k, n := range kindNames {
		if strings.EqualFold(s, n) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown policy kind %q (want identity, resource, trust, boundary, session, scp, rcp or vpc-endpoint)", s)
}

// Size quotas in characters, whitespace excluded, from "IAM and AWS STS
// quotas". Inline policy quotas are per entity in aggregate; the checks
// here are per document.
const (
	MaxManagedPolicySize = 6144
	MaxTrustPolicySize   = 2048
	MaxSessionPolicySize = 2048
	MaxSCPSize           = 5120
	MaxRCPSize           = 5120
)

// Option adjusts validation.
type Option uint8

// SkipSizeLimit leaves out the size quota: AWS managed policies are not
// bound by the quota customer policies are.
const SkipSizeLimit Option = 1

// AnyAttachment holds an identity policy whose attachment is not known
// (managed, or inline in a user, group or role) to the largest quota it
// could have: a role's inline policies, 10,240 characters together. A
// decision point or a simulation that cannot tell must not refuse a role
// policy IAM accepts.
const AnyAttachment Option = 2

// Inline policy quotas: the size IAM allows all the inline policies of
// one user, group or role together, in characters without whitespace
// ("IAM and AWS STS quotas"); PutUserPolicy and the others refuse a
// policy that would take its entity past it, with LimitExceeded "Maximum
// policy size of 2048 bytes exceeded for user NAME".
const (
	MaxInlineUserPolicySize  = 2048
	MaxInlineGroupPolicySize = 5120
	MaxInlineRolePolicySize  = 10240
)

// InlineUser, InlineGroup and InlineRole say an identity policy is inline
// in a user, a group or a role: it is held to that entity's quota instead
// of a managed policy's 6,144. Validate checks the one document; the sum
// over an entity's inline policies is for whoever holds them all (ward
// serve's PutUserPolicy, ward check's reading of an account or template).
const (
	InlineUser  Option = 3
	InlineGroup Option = 4
	InlineRole  Option = 5
)

// InlineQuota is the quota of the inline policies of an entity, "user",
// "group" or "role", together; 0 for anything else.
func InlineQuota(entity string) int {
	switch entity {
	case "user":
		return MaxInlineUserPolicySize
	case "group":
		return MaxInlineGroupPolicySize
	case "role":
		return MaxInlineRolePolicySize
	}
	return 0
}

// InlineOption is the option for an inline policy of entity ("user",
// "group" or "role"), and false for anything else.
func InlineOption(entity string) (Option, bool) {
	switch entity {
	case "user":
		return InlineUser, true
	case "group":
		return InlineGroup, true
	case "role":
		return InlineRole, true
	}
	return 0, false
}

var inlineEntities = map[Option]string{InlineUser: "user", InlineGroup: "group", InlineRole: "role"}

// Validate applies the rules of kind k and returns an ErrorList, or nil.
func (p *Policy) Validate(k Kind, opts ...Option) error {
	skipSize, anyAttachment, inline := false, false, ""
	for _, o := range opts {
		switch o {
		case SkipSizeLimit:
			skipSize = true
		case AnyAttachment:
			anyAttachment = true
		case InlineUser, InlineGroup, InlineRole:
			inline = inlineEntities[o]
		}
	}
	c := &collector{file: p.File, src: p.Source}
	iamStored := k == KindIdentity || k == KindTrust || k == KindBoundary || k == KindSession || k == KindSCP || k == KindRCP
	if iamStored {
		// IAM and Organizations refuse a repeated Sid; services that keep
		// resource policies accept one (ward check recommends against it).
		checkSids(c, p)
	}
	for _, s := range p.Statements {
		if iamStored && s.Sid != "" && !alnum(s.Sid) {
			c.add("UNSUPPORTED_SID", s.Offset, keyPath(s.Path, "Sid"), "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*; got %q", s.Sid)
		}
		if acts, _ := s.Actions(); acts != nil {
			el := "Action"
			if s.NotAction != nil {
				el = "NotAction"
			}
			for i, a := range acts.Items {
				checkAction(c, acts.Offsets[i], indexedPath(keyPath(s.Path, el), acts, i), a)
			}
		}
		pr, not := s.Principals()
		if pr != nil {
			el := "Principal"
			if not {
				el = "NotPrincipal"
			}
			if pr.Bare {
				c.add("INVALID_PRINCIPAL_FORMAT", pr.Offset, keyPath(s.Path, el), "Invalid principal in policy: a principal string must be \"*\"; name others in a map such as {\"AWS\": %q}", pr.Entries[0].Values.Items[0])
			}
			for _, e := range pr.Entries {
				ep := keyPath(keyPath(s.Path, el), e.Type)
				for i, v := range e.Values.Items {
					checkPrincipalValue(c, e.Values.Offsets[i], indexedPath(ep, &e.Values, i), e.Type, v)
				}
			}
		}
		switch k {
		case KindIdentity, KindBoundary, KindSession, KindSCP:
			if pr != nil {
				el := "Principal"
				if not {
					el = "NotPrincipal"
				}
				c.add(principalCheck(k), pr.Offset, keyPath(s.Path, el), "Policy document should not specify a principal: this %s policy applies to the identity it is attached to", kindTitle(k))
			}
			if r, _ := s.Resources(); r == nil {
				c.add("MISSING_RESOURCE", s.Offset, s.Path, "Missing required field Resource: a %s policy statement needs Resource or NotResource", kindTitle(k))
			}
		case KindResource, KindVPCEndpoint:
			if pr == nil {
				c.add("MISSING_PRINCIPAL", s.Offset, s.Path, "Missing required field Principal: a %s policy statement needs Principal or NotPrincipal", kindTitle(k))
			}
			if r, _ := s.Resources(); r == nil && k == KindResource {
				c.add("MISSING_RESOURCE", s.Offset, s.Path, "Missing required field Resource: a resource policy statement needs Resource or NotResource")
			}
		case KindTrust:
			if s.NotPrincipal != nil {
				c.add("ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL", s.NotPrincipal.Offset, keyPath(s.Path, "NotPrincipal"), "NotPrincipal is not allowed in a role trust policy")
			} else if s.Principal == nil {
				c.add("MISSING_PRINCIPAL", s.Offset, s.Path, "Missing required field Principal: a role trust policy statement names who may assume the role")
			}
			if s.Resource != nil || s.NotResource != nil {
				c.add("ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", s.Offset, s.Path, "Has prohibited field Resource: a role trust policy applies to the role itself")
			}
			if acts, _ := s.Actions(); acts != nil {
				for i, a := range acts.Items {
					if !trustAction(a) {
						c.add("MISMATCHED_ACTION_FOR_PRINCIPAL", acts.Offsets[i], indexedPath(keyPath(s.Path, "Action"), acts, i),
							"a role trust policy only grants sts:AssumeRole, sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity and sts:SetContext; %q is none of them", a)
					}
				}
			}
		case KindRCP:
			if s.Effect == Allow {
				c.add("RCP_SYNTAX_ERROR_ALLOW", s.Offset, keyPath(s.Path, "Effect"), "resource control policies can only Deny; Allow comes from the RCPFullAWSAccess policy AWS attaches at every level")
			}
			if s.NotPrincipal != nil {
				c.add("RCP_SYNTAX_ERROR_PRINCIPAL", s.NotPrincipal.Offset, keyPath(s.Path, "NotPrincipal"), "NotPrincipal is not supported in resource control policies")
			} else if s.Principal == nil || !s.Principal.Wildcard {
				c.add("RCP_SYNTAX_ERROR_PRINCIPAL", s.Offset, keyPath(s.Path, "Principal"), "a resource control policy statement must have \"Principal\": \"*\"; narrow it with conditions such as aws:PrincipalOrgID")
			}
			if s.NotAction != nil {
				c.add("RCP_SYNTAX_ERROR_NOTACTION", s.Offset, keyPath(s.Path, "NotAction"), "NotAction is not supported in resource control policies")
			}
			if r, _ := s.Resources(); r == nil {
				c.add("MISSING_RESOURCE", s.Offset, s.Path, "Missing required field Resource")
			}
		}
	}
	limit, what := sizeLimit(k)
	switch {
	case skipSize:
	case inline != "" && k == KindIdentity:
		// IAM's words for an inline policy (PutUserPolicy and the others).
		if quota := InlineQuota(inline); p.Size > quota {
			c.addError(&Error{Code: CodePolicyTooLarge, Check: sizeCheck(k), Msg: fmt.Sprintf("LimitExceeded: Maximum policy size of %d bytes exceeded for %s: this inline policy has %d characters (whitespace excluded), more than all of a %s's inline policies may have together",
				quota, inline, p.Size, inline)}, 0)
		}
	case anyAttachment && k == KindIdentity:
		limit, what = MaxInlineRolePolicySize, "RolePolicySize"
		fallthrough
	default:
		if limit > 0 && p.Size > limit {
			c.addError(&Error{Code: CodePolicyTooLarge, Check: sizeCheck(k), Msg: fmt.Sprintf("LimitExceeded: Cannot exceed quota for %s: %d characters (whitespace excluded); this document has %d", what, limit, p.Size)}, 0)
		}
	}
	return c.err()
}

func sizeLimit(k Kind) (int, string) {
	switch k {
	case KindIdentity, KindBoundary:
		return MaxManagedPolicySize, "PolicySize"
	case KindTrust:
		return MaxTrustPolicySize, "ACLSizePerRole"
	case KindSession:
		return MaxSessionPolicySize, "session policy size"
	case KindSCP:
		return MaxSCPSize, "service control policy size"
	case KindRCP:
		return MaxRCPSize, "resource control policy size"
	}
	return 0, ""
}

// principalCheck is the Access Analyzer check of a Principal in a policy
// of a kind that takes none.
func principalCheck(k Kind) string {
	if k == KindSCP {
		return "SCP_SYNTAX_ERROR_PRINCIPAL"
	}
	return "UNSUPPORTED_PRINCIPAL"
}

// sizeCheck is the Access Analyzer check of a kind's size quota.
func sizeCheck(k Kind) string {
	switch k {
	case KindTrust:
		return "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA"
	case KindSCP:
		return "POLICY_SIZE_EXCEEDS_SCP_QUOTA"
	case KindRCP:
		return "POLICY_SIZE_EXCEEDS_RCP_QUOTA"
	case KindResource, KindVPCEndpoint:
		return "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA"
	}
	return "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA"
}

func kindTitle(k Kind) string {
	switch k {
	case KindIdentity:
		return "identity-based"
	case KindBoundary:
		return "permissions boundary"
	case KindSession:
		return "session"
	case KindSCP:
		return "service control"
	case KindResource:
		return "resource-based"
	case KindVPCEndpoint:
		return "VPC endpoint"
	case KindTrust:
		return "role trust"
	case KindRCP:
		return "resource control"
	}
	return ""
}

// trustActions are the actions a role's trust policy decides, lower-cased:
// assuming the role, and tagging, naming or giving context to the session
// that makes (IAM User Guide, "Passing session tags in STS"; "Monitor and
// control actions taken with assumed roles").
var trustActions = [...]string{"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity", "sts:tagsession", "sts:setsourceidentity", "sts:setcontext"}

// TrustActions are the actions a role's trust policy decides, in lower
// case.
func TrustActions() []string { return append([]string(nil), trustActions[:]...) }

// IsTrustAction reports whether a request for action (no wildcards) is
// decided by the role's trust policy rather than an ordinary resource
// policy.
func IsTrustAction(action string) bool {
	for _, t := range trustActions {
		if strings.EqualFold(action, t) {
			return true
		}
	}
	return false
}

func trustAction(a string) bool {
	l := strings.ToLower(a)
	if l == "*" || l == "sts:*" {
		return true
	}
	if !strings.HasPrefix(l, "sts:") {
		return false
	}
	for _, ok := range trustActions {
		if l == ok || strings.ContainsAny(l, "*?") && glob.Match(l, ok) {
			return true
		}
	}
	return false
}

func checkSids(c *collector, p *Policy) {
	for _, s := range p.DuplicateSids() {
		c.add("UNIQUE_SIDS_REQUIRED", s.Offset, keyPath(s.Path, "Sid"), "Statement IDs (SID) in a single policy must be unique; %q is used twice", s.Sid)
	}
}

// DuplicateSids are the statements whose Sid an earlier statement has.
func (p *Policy) DuplicateSids() []*Statement {
	var out []*Statement
	seen := map[string]bool{}
	for _, s := range p.Statements {
		if s.Sid == "" {
			continue
		}
		if seen[s.Sid] {
			out = append(out, s)
		}
		seen[s.Sid] = true
	}
	return out
}

// IsServicePrincipal accepts the shape of an AWS service principal: a
// lower-case DNS name under amazonaws.com (amazonaws.com.cn in China) or
// amazon.com, such as lambda.amazonaws.com or
// states.eu-west-1.amazonaws.com. IAM checks against its list of
// services, which ward does not have; the shape refuses the rest.
func IsServicePrincipal(v string) bool {
	var host string
	for _, suffix := range []string{".amazonaws.com", ".amazonaws.com.cn", ".amazon.com"} {
		if strings.HasSuffix(v, suffix) {
			host = strings.TrimSuffix(v, suffix)
			break
		}
	}
	if host == "" || len(v) > 128 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
