package engine

import "strings"

// Message is the error text AWS would return for the decision ("Troubleshooting
// access denied error messages"), or "" when the request is allowed:
//
//	User: ARN is not authorized to perform: ACTION on resource: ARN because no identity-based policy allows the ACTION action
//	User: ARN is not authorized to perform: ACTION on resource: ARN with an explicit deny in a service control policy
//
// AWS names one policy type only, and never a count of policies.
func (d *Decision) Message() string {
	if d.req == nil || d.Result == Allowed || d.Result == 0 {
		return ""
	}
	r := d.req
	var b strings.Builder
	b.WriteString("User: ")
	b.WriteString(r.Caller.ARN)
	b.WriteString(" is not authorized to perform: ")
	b.WriteString(r.Action)
	if r.Resource != "*" && r.Resource != "" {
		b.WriteString(" on resource: ")
		// S3 puts the resource ARN in quotes.
		if r.service == "s3" {
			b.WriteString(`"` + r.Resource + `"`)
		} else {
			b.WriteString(r.Resource)
		}
	}
	if d.DecidedBy == TypeAWSProtected {
		b.WriteString(" because the resource is managed by AWS and no policy can allow changing it")
		return b.String()
	}
	if d.Result == ExplicitDeny {
		b.WriteString(" with an explicit deny in ")
		b.WriteString(typePhrase(d.DecidedBy, true))
	} else {
		b.WriteString(" because no ")
		b.WriteString(typePhrase(d.DecidedBy, false))
		b.WriteString(" allows the ")
		b.WriteString(r.Action)
		b.WriteString(" action")
	}
	return b.String()
}

// typePhrase is how AWS's messages name a policy type; with article for
// the explicit-deny form ("an identity-based policy", "the role trust
// policy").
func typePhrase(t PolicyType, article bool) string {
	var p, a string
	switch t {
	case TypeIdentity:
		p, a = "identity-based policy", "an "
	case TypeResource, TypeKeyPolicy:
		p, a = "resource-based policy", "a "
	case TypeBoundary:
		p, a = "permissions boundary", "a "
	case TypeSession:
		p, a = "session policy", "a "
	case TypeSCP:
		p, a = "service control policy", "a "
	case TypeRCP:
		p, a = "resource control policy", "a "
	case TypeVPCEndpoint:
		p, a = "VPC endpoint policy", "a "
	case TypeRoleTrust:
		p, a = "role trust policy", "the "
	default:
		p, a = "policy", "a "
	}
	if article {
		return a + p
	}
	return p
}
