// Package intent writes a role's identity and trust policies from what its
// authors intend: a small template that says which access levels (list,
// read, write, tagging, permissions management) or actions the role needs
// on which resources, under which conditions, what it must never do, which
// roles it passes to which services, and who may assume it.
//
// Each action lands only on the resources its resource types can name, as
// the catalog's ARN formats say: asking for "read" on a bucket's objects
// grants the read actions that take an object, not the ones that take a
// bucket. Actions that take no resource go to a statement of their own on
// "Resource": "*", so that the result validates cleanly. What was asked for
// and could not be placed is said, never granted in silence.
package intent

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Template is one role's intent.
type Template struct {
	File        string
	Role        string
	Path        string
	Description string
	Trust       Trust
	Permissions []Permission
	PassRoles   []PassRole
}

// Trust says who may assume the role.
type Trust struct {
	Services []string
	Accounts []string
	// ExternalID and MFA are conditions on the accounts' principals.
	ExternalID string
	MFA        bool
	// SourceAccount and SourceArn bind a service's use of the role to the
	// resources it acts for (the confused-deputy conditions).
	SourceAccount string
	SourceArn     string
	WebIdentity   *WebIdentity
	line          int
}

// WebIdentity is an OIDC provider's identities, as for GitHub Actions.
type WebIdentity struct {
	// Provider is the provider's ARN, or its host when Account is set:
	// token.actions.githubusercontent.com.
	Provider string
	Account  string
	Audience string
	Subjects []string
}

// Permission is one entry of the template's permissions.
type Permission struct {
	Sid       string
	Effect    string // Allow or Deny
	Access    []string
	Services  []string
	Actions   []string
	Resources []string
	// Conditions is an IAM Condition block, as a policy writes it.
	Conditions map[string]map[string]any
	Line       int
}

// PassRole is a role the template's role passes to a service.
type PassRole struct {
	Role               string
	Service            string
	AssociatedResource string
	Line               int
}

// accessLevels are the template's names for the catalog's access levels.
var accessLevels = map[string]string{
	"list": "List", "read": "Read", "write": "Write", "tagging": "Tagging",
	"permissions-management": "Permissions management", "permissions": "Permissions management",
}

// Read reads a template (YAML, or JSON). Unknown fields and values out of
// their sets are errors that say where.
func Read(name string, data []byte) (*Template, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	t := &Template{File: name}
	r := &reader{file: name}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: the template is empty", name)
	}
	top := root.Content[0]
	if err := r.mapping(top, "the template", func(k string, v *yaml.Node) error {
		var err error
		switch k {
		case "role":
			t.Role, err = r.text(v, "role")
		case "path":
			t.Path, err = r.text(v, "path")
		case "description":
			t.Description, err = r.text(v, "description")
		case "trust":
			t.Trust.line = v.Line
			err = r.trust(v, &t.Trust)
		case "permissions":
			if v.Kind != yaml.SequenceNode {
				return r.errorf(v, "permissions must be a list")
			}
			for _, it := range v.Content {
				p, err := r.permission(it)
				if err != nil {
					return err
				}
				t.Permissions = append(t.Permissions, p)
			}
		case "passRoles":
			if v.Kind != yaml.SequenceNode {
				return r.errorf(v, "passRoles must be a list")
			}
			for _, it := range v.Content {
				pr := PassRole{Line: it.Line}
				if err := r.mapping(it, "a passRoles entry", func(k string, v *yaml.Node) error {
					var err error
					switch k {
					case "role":
						pr.Role, err = r.text(v, "role")
					case "service":
						pr.Service, err = r.text(v, "service")
					case "associatedResource":
						pr.AssociatedResource, err = r.text(v, "associatedResource")
					default:
						return r.errorf(v, "unknown field %q in passRoles: an entry has role, service and associatedResource", k)
					}
					return err
				}); err != nil {
					return err
				}
				if !strings.HasPrefix(pr.Role, "arn:") || pr.Service == "" {
					return r.errorf(it, "a passRoles entry needs the role's ARN and the service it is passed to")
				}
				t.PassRoles = append(t.PassRoles, pr)
			}
		default:
			return r.errorf(v, "unknown field %q: a template has role, path, description, trust, permissions and passRoles", k)
		}
		return err
	}); err != nil {
		return nil, err
	}
	if t.Role == "" {
		return nil, fmt.Errorf("%s: the template names no role (role: NAME)", name)
	}
	return t, nil
}

type reader struct{ file string }

func (r *reader) errorf(at *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", r.file, at.Line, at.Column, fmt.Sprintf(format, args...))
}

func (r *reader) mapping(n *yaml.Node, what string, each func(k string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return r.errorf(n, "%s must be a mapping", what)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if seen[k] {
			return r.errorf(n.Content[i], "%s is given twice", k)
		}
		seen[k] = true
		if err := each(k, n.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) text(v *yaml.Node, what string) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", r.errorf(v, "%s must be text", what)
	}
	return strings.TrimSpace(v.Value), nil
}

// list reads one value or a list of them.
func (r *reader) list(v *yaml.Node, what string) ([]string, error) {
	if v.Kind == yaml.ScalarNode {
		return []string{strings.TrimSpace(v.Value)}, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, r.errorf(v, "%s must be a value or a list of values", what)
	}
	var out []string
	for _, it := range v.Content {
		s, err := r.text(it, "each of "+what)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (r *reader) trust(v *yaml.Node, t *Trust) error {
	return r.mapping(v, "trust", func(k string, v *yaml.Node) error {
		var err error
		switch k {
		case "services":
			t.Services, err = r.list(v, "services")
		case "accounts":
			t.Accounts, err = r.list(v, "accounts")
			for _, a := range t.Accounts {
				if !isAccount(a) && !strings.HasPrefix(a, "arn:") {
					return r.errorf(v, "account %q is not 12 digits or an ARN", a)
				}
			}
		case "externalId":
			t.ExternalID, err = r.text(v, "externalId")
		case "mfa":
			var s string
			s, err = r.text(v, "mfa")
			if s != "true" && s != "false" {
				return r.errorf(v, "mfa is true or false")
			}
			t.MFA = s == "true"
		case "sourceAccount":
			t.SourceAccount, err = r.text(v, "sourceAccount")
		case "sourceArn":
			t.SourceArn, err = r.text(v, "sourceArn")
		case "webIdentity":
			w := &WebIdentity{}
			err = r.mapping(v, "webIdentity", func(k string, v *yaml.Node) error {
				var err error
				switch k {
				case "provider":
					w.Provider, err = r.text(v, "provider")
				case "account":
					w.Account, err = r.text(v, "account")
				case "audience":
					w.Audience, err = r.text(v, "audience")
				case "subjects":
					w.Subjects, err = r.list(v, "subjects")
				default:
					return r.errorf(v, "unknown field %q in webIdentity: it has provider, account, audience and subjects", k)
				}
				return err
			})
			if err == nil && (w.Provider == "" || (!strings.HasPrefix(w.Provider, "arn:") && !isAccount(w.Account))) {
				return r.errorf(v, "webIdentity needs the provider's ARN, or its host and the account")
			}
			t.WebIdentity = w
		default:
			return r.errorf(v, "unknown field %q in trust: it has services, accounts, externalId, mfa, sourceAccount, sourceArn and webIdentity", k)
		}
		return err
	})
}

func (r *reader) permission(n *yaml.Node) (Permission, error) {
	p := Permission{Effect: "Allow", Line: n.Line}
	err := r.mapping(n, "a permission", func(k string, v *yaml.Node) error {
		var err error
		switch k {
		case "sid":
			p.Sid, err = r.text(v, "sid")
			for _, c := range p.Sid {
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
					return r.errorf(v, "a Sid holds letters and digits only, not %q", c)
				}
			}
		case "effect":
			p.Effect, err = r.text(v, "effect")
			if p.Effect != "Allow" && p.Effect != "Deny" {
				return r.errorf(v, "effect is Allow or Deny, not %q", p.Effect)
			}
		case "access":
			p.Access, err = r.list(v, "access")
			for _, a := range p.Access {
				if accessLevels[strings.ToLower(a)] == "" {
					return r.errorf(v, "access level %q is none of list, read, write, tagging, permissions-management", a)
				}
			}
		case "services":
			p.Services, err = r.list(v, "services")
		case "actions":
			p.Actions, err = r.list(v, "actions")
		case "resources":
			p.Resources, err = r.list(v, "resources")
		case "conditions":
			var c map[string]map[string]any
			if err := v.Decode(&c); err != nil {
				return r.errorf(v, "conditions must map operators to keys and values, as a policy's Condition: %v", err)
			}
			p.Conditions = c
		default:
			return r.errorf(v, "unknown field %q in a permission: it has sid, effect, access, services, actions, resources and conditions", k)
		}
		return err
	})
	if err != nil {
		return p, err
	}
	if len(p.Access) == 0 && len(p.Actions) == 0 {
		return p, r.errorf(n, "a permission needs access levels or actions")
	}
	if len(p.Resources) == 0 {
		return p, r.errorf(n, "a permission needs resources (\"*\" for every resource, said outright)")
	}
	return p, nil
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
