// Package scenario reads ward's scenario files, decides them with the
// engine and reports the answers.
//
// A scenario is one request and the policies around it (identity,
// boundary, session, resource, VPC endpoint, SCP and RCP levels), with an
// optional expected result. It is the input of `ward sim`, the form of
// ward's decision corpus, and what the comparison benchmark feeds to other
// simulators. The format is documented in docs/scenarios.md.
package scenario

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/jsonpos"
	"github.com/wardhq/ward/internal/policy"
)

// Scenario is one decoded scenario, ready to decide.
type Scenario struct {
	Name   string
	Source string // documentation the case comes from, for corpora
	File   string
	Index  int // position in its file

	Request  engine.Request
	Policies engine.Policies

	// Expect and ExpectDecidedBy are zero when the scenario states none.
	Expect          engine.Result
	ExpectDecidedBy engine.PolicyType
}

// Label names the scenario in messages: its name, else file and index.
func (s *Scenario) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("%s[%d]", s.File, s.Index)
}

// Error is a problem with a scenario file, located in it.
type Error struct {
	File     string
	Line     int
	Col      int
	Scenario string // the scenario's label, when known
	Path     string // JSON path within the file
	Msg      string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Scenario != "" {
		fmt.Fprintf(&b, "scenario %q: ", e.Scenario)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in a file.
type ErrorList []*Error

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

type reader struct {
	file string
	src  []byte
	// index turns offsets into line:column for the whole file, built once
	// so that reading many scenarios stays linear in the file's size.
	index *jsonpos.Index
	label string
	// identityQuota is how the scenario's identity policies are held to a
	// size quota, which depends on its principal (IdentityQuota).
	identityQuota []policy.Option
	errs          ErrorList
}

func (r *reader) add(off int, path, format string, args ...any) {
	if len(r.errs) >= 50 {
		return
	}
	e := &Error{File: r.file, Scenario: r.label, Path: path, Msg: fmt.Sprintf(format, args...)}
	if off >= 0 {
		e.Line, e.Col = r.index.LineCol(off)
	}
	r.errs = append(r.errs, e)
}

// Parse reads a scenario file: one scenario object or an array of them.
func Parse(data []byte, file string) ([]*Scenario, error) {
	r := &reader{file: file, src: data, index: jsonpos.NewIndex(data)}
	root, err := jsonpos.Parse(data)
	if err != nil {
		var se *jsonpos.SyntaxError
		if errors.As(err, &se) {
			r.add(se.Offset, "", "invalid JSON: %s", se.Msg)
		} else {
			r.add(0, "", "invalid JSON: %v", err)
		}
		return nil, r.errs
	}
	var nodes []*jsonpos.Node
	var paths []string
	switch root.Kind {
	case jsonpos.Object:
		nodes, paths = []*jsonpos.Node{root}, []string{""}
	case jsonpos.Array:
		for i, n := range root.Items {
			nodes = append(nodes, n)
			paths = append(paths, fmt.Sprintf("[%d]", i))
		}
	default:
		r.add(root.Offset, "", "a scenario file holds a scenario object or an array of them, not %s", root.Kind)
		return nil, r.errs
	}
	var out []*Scenario
	for i, n := range nodes {
		if s := r.scenario(n, paths[i], i); s != nil {
			out = append(out, s)
		}
	}
	if len(r.errs) > 0 {
		return nil, r.errs
	}
	return out, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (r *reader) scenario(n *jsonpos.Node, path string, index int) *Scenario {
	if n.Kind != jsonpos.Object {
		r.add(n.Offset, path, "a scenario must be an object, not %s", n.Kind)
		return nil
	}
	s := &Scenario{File: r.file, Index: index}
	r.label = ""
	if nm := n.Get("name"); nm != nil && nm.Kind == jsonpos.String {
		s.Name = nm.Text
		r.label = nm.Text
	}
	before := len(r.errs)
	seen := map[string]bool{}
	var reqNode *jsonpos.Node
	for _, m := range n.Members {
		mp := join(path, m.Key)
		if seen[m.Key] {
			r.add(m.KeyOffset, mp, "duplicate field %q", m.Key)
			continue
		}
		seen[m.Key] = true
		switch m.Key {
		case "name", "source", "description":
			if m.Value.Kind != jsonpos.String {
				r.add(m.Value.Offset, mp, "%s must be a string", m.Key)
			} else if m.Key == "source" {
				s.Source = m.Value.Text
			}
		case "request":
			reqNode = m.Value
		case "expect":
			if res, ok := engine.ParseResult(m.Value.Text); ok && m.Value.Kind == jsonpos.String {
				s.Expect = res
			} else {
				r.add(m.Value.Offset, mp, "expect must be \"Allowed\", \"ExplicitDeny\" or \"ImplicitDeny\"")
			}
		case "expectDecidedBy":
			if t, ok := engine.ParsePolicyType(m.Value.Text); ok && m.Value.Kind == jsonpos.String {
				s.ExpectDecidedBy = t
			} else {
				r.add(m.Value.Offset, mp, "expectDecidedBy must be a policy type such as \"identityPolicy\" or \"permissionsBoundary\"")
			}
		case "identityPolicies", "permissionsBoundary", "sessionPolicy", "resourcePolicy", "vpcEndpointPolicy",
			"serviceControlPolicies", "resourceControlPolicies":
			// Read after the request: the resource policy's kind depends
			// on the action.
		default:
			r.add(m.KeyOffset, mp, "unknown field %q", m.Key)
		}
	}
	if reqNode == nil {
		r.add(n.Offset, path, "missing field \"request\"")
		return nil
	}
	r.request(reqNode, join(path, "request"), &s.Request)
	r.identityQuota = IdentityQuota(s.Request.Principal)
	for _, m := range n.Members {
		mp := join(path, m.Key)
		switch m.Key {
		case "identityPolicies":
			s.Policies.Identity = r.policyList(m.Value, mp, policy.KindIdentity, "identityPolicies")
		case "permissionsBoundary":
			s.Policies.Boundary = r.policy(m.Value, mp, policy.KindBoundary, "permissionsBoundary")
		case "sessionPolicy":
			if m.Value.Kind == jsonpos.Array {
				s.Policies.Session = r.policyList(m.Value, mp, policy.KindSession, "sessionPolicy")
				if s.Policies.Session == nil {
					s.Policies.Session = []*engine.Compiled{}
				}
			} else if p := r.policy(m.Value, mp, policy.KindSession, "sessionPolicy"); p != nil {
				s.Policies.Session = []*engine.Compiled{p}
			}
		case "resourcePolicy":
			s.Policies.Resource = r.policy(m.Value, mp, ResourcePolicyKind(s.Request.Action), "resourcePolicy")
		case "vpcEndpointPolicy":
			s.Policies.VPCEndpoint = r.policy(m.Value, mp, policy.KindVPCEndpoint, "vpcEndpointPolicy")
		case "serviceControlPolicies":
			s.Policies.SCPs = r.levels(m.Value, mp, policy.KindSCP, "serviceControlPolicies")
		case "resourceControlPolicies":
			s.Policies.RCPs = r.levels(m.Value, mp, policy.KindRCP, "resourceControlPolicies")
		}
	}
	if len(r.errs) > before {
		return nil
	}
	// Check the request the way the engine will, to report it here with
	// its location rather than at decision time.
	if _, err := s.Request.Prepare(); err != nil {
		r.add(reqNode.Offset, join(path, "request"), "%v", err)
		return nil
	}
	return s
}

// IdentityQuota is how an identity policy of principal is held to a size
// quota, when it is not known whether the policy is managed or inline: to
// the largest quota it could have. A user's policies are managed (6,144),
// inline in the user (2,048 for them all) or in a group (5,120), so a
// user's, and a federated user's (its IAM user's), are held to 6,144;
// anyone else's may be a role's inline policy, held to 10,240
// (policy.AnyAttachment). ward sim reads scenario files and its flags by
// this one rule.
func IdentityQuota(principal string) []policy.Option {
	parts := strings.SplitN(principal, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" &&
		(parts[2] == "iam" && strings.HasPrefix(parts[5], "user/") || parts[2] == "sts" && strings.HasPrefix(parts[5], "federated-user/")) {
		return nil
	}
	return []policy.Option{policy.AnyAttachment}
}

// ResourcePolicyKind is the kind a request's resource policy must be: a
// role trust policy for the actions the engine decides by one (assuming a
// role, tagging or naming its session), else a resource policy.
func ResourcePolicyKind(action string) policy.Kind {
	if policy.IsTrustAction(action) {
		return policy.KindTrust
	}
	return policy.KindResource
}

func (r *reader) request(n *jsonpos.Node, path string, req *engine.Request) {
	if n.Kind != jsonpos.Object {
		r.add(n.Offset, path, "request must be an object")
		return
	}
	seen := map[string]bool{}
	for _, m := range n.Members {
		mp := join(path, m.Key)
		if seen[m.Key] {
			r.add(m.KeyOffset, mp, "duplicate field %q", m.Key)
			continue
		}
		seen[m.Key] = true
		str := func() string {
			if m.Value.Kind != jsonpos.String {
				r.add(m.Value.Offset, mp, "%s must be a string, not %s", m.Key, m.Value.Kind)
				return ""
			}
			return m.Value.Text
		}
		switch m.Key {
		case "principal":
			req.Principal = str()
		case "action":
			req.Action = str()
		case "resource":
			req.Resource = str()
		case "resourceAccount":
			req.ResourceAccount = str()
		case "context":
			req.Context = r.context(m.Value, mp)
		default:
			r.add(m.KeyOffset, mp, "unknown field %q (a request has principal, action, resource, resourceAccount and context)", m.Key)
		}
	}
	for _, f := range []string{"principal", "action"} {
		if !seen[f] {
			r.add(n.Offset, path, "missing field %q", f)
		}
	}
	if !seen["resource"] {
		req.Resource = "*"
	}
}

func (r *reader) context(n *jsonpos.Node, path string) map[string][]string {
	if n.Kind != jsonpos.Object {
		r.add(n.Offset, path, "context must be an object mapping keys to a string or a list of strings")
		return nil
	}
	ctx := make(map[string][]string, len(n.Members))
	lower := map[string]bool{}
	for _, m := range n.Members {
		mp := fmt.Sprintf("%s[%q]", path, m.Key)
		lk := strings.ToLower(m.Key)
		if lower[lk] {
			r.add(m.KeyOffset, mp, "context key %q is given twice (key names are case-insensitive)", m.Key)
			continue
		}
		lower[lk] = true
		scalar := func(v *jsonpos.Node, p string) (string, bool) {
			switch v.Kind {
			case jsonpos.String, jsonpos.Number, jsonpos.Bool:
				return v.Text, true
			}
			r.add(v.Offset, p, "context values must be strings (or numbers and booleans), not %s", v.Kind)
			return "", false
		}
		if m.Value.Kind == jsonpos.Array {
			vals := make([]string, 0, len(m.Value.Items))
			for i, it := range m.Value.Items {
				if v, ok := scalar(it, fmt.Sprintf("%s[%d]", mp, i)); ok {
					vals = append(vals, v)
				}
			}
			ctx[m.Key] = vals
		} else if v, ok := scalar(m.Value, mp); ok {
			ctx[m.Key] = []string{v}
		}
	}
	return ctx
}

// policy reads one policy: an object, or a string holding one.
func (r *reader) policy(n *jsonpos.Node, path string, kind policy.Kind, name string) *engine.Compiled {
	var p *policy.Policy
	var err error
	prefix := path
	switch n.Kind {
	case jsonpos.Object:
		p, err = policy.FromNodeIndexed(n, r.index, r.file)
	case jsonpos.String:
		// A policy in a string has its own text; positions are within it.
		p, err = policy.Parse([]byte(n.Text), r.file)
		prefix = path + " (policy text)"
	default:
		r.add(n.Offset, path, "a policy must be a JSON object or a string holding one, not %s", n.Kind)
		return nil
	}
	if err == nil {
		var opts []policy.Option
		if kind == policy.KindIdentity {
			opts = r.identityQuota
		}
		err = p.Validate(kind, opts...)
	}
	if err != nil {
		r.policyErrors(err, prefix, n)
		return nil
	}
	return engine.Compile(p, name)
}

func (r *reader) policyErrors(err error, prefix string, n *jsonpos.Node) {
	var list policy.ErrorList
	if !errors.As(err, &list) {
		r.add(n.Offset, prefix, "%v", err)
		return
	}
	for _, e := range list {
		pe := &Error{File: r.file, Line: e.Line, Col: e.Col, Scenario: r.label, Path: prefix, Msg: e.Msg}
		if e.Path != "" {
			pe.Path = prefix + "." + e.Path
		}
		if n.Kind == jsonpos.String {
			// Positions inside a string policy are relative to it: point
			// at the string instead.
			pe.Line, pe.Col = r.index.LineCol(n.Offset)
		}
		r.errs = append(r.errs, pe)
	}
}

func (r *reader) policyList(n *jsonpos.Node, path string, kind policy.Kind, name string) []*engine.Compiled {
	if n.Kind != jsonpos.Array {
		r.add(n.Offset, path, "%s must be an array of policies", name)
		return nil
	}
	out := make([]*engine.Compiled, 0, len(n.Items))
	for i, it := range n.Items {
		if c := r.policy(it, fmt.Sprintf("%s[%d]", path, i), kind, fmt.Sprintf("%s[%d]", name, i)); c != nil {
			out = append(out, c)
		}
	}
	return out
}

func (r *reader) levels(n *jsonpos.Node, path string, kind policy.Kind, name string) [][]*engine.Compiled {
	if n.Kind != jsonpos.Array {
		r.add(n.Offset, path, "%s must be an array of levels (root first), each an array of policies", name)
		return nil
	}
	out := make([][]*engine.Compiled, 0, len(n.Items))
	for i, lv := range n.Items {
		lp := fmt.Sprintf("%s[%d]", path, i)
		if lv.Kind != jsonpos.Array {
			r.add(lv.Offset, lp, "each level of %s must be an array of policies", name)
			continue
		}
		level := make([]*engine.Compiled, 0, len(lv.Items))
		for j, it := range lv.Items {
			if c := r.policy(it, fmt.Sprintf("%s[%d]", lp, j), kind, fmt.Sprintf("%s[%d][%d]", name, i, j)); c != nil {
				level = append(level, c)
			}
		}
		out = append(out, level)
	}
	return out
}
