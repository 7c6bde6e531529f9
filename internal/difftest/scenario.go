// Package difftest is ward's differential tester: a seeded generator of
// random valid scenarios in ward's scenario file format, a runner that
// decides them with ward's engine and with the independent simulator
// @cloud-copilot/iam-simulate (run by node from an install outside the
// repository), a minimizer that shrinks every disagreement while it
// persists, and the table of documented root causes the minimized
// disagreements are attributed to (docs/conformance.md, "Differential
// testing").
//
// The generator also feeds a pure Go test that decides each scenario,
// shuffles its policies, statements, list entries and context keys, and
// requires the same answer.
package difftest

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Scenario is a generated scenario: the Go form of one object of a ward
// scenario file (docs/scenarios.md), kept in order so that it can be
// shuffled and shrunk and written back exactly.
type Scenario struct {
	Name     string
	Request  Request
	Identity []*Policy
	Boundary *Policy
	// Session is the session policy, if any: one at most, as iam-simulate
	// takes one.
	Session     *Policy
	Resource    *Policy
	VPCEndpoint *Policy
	// SCPs and RCPs are organization levels, root first; nil when no
	// organization policy of the type applies.
	SCPs [][]*Policy
	RCPs [][]*Policy
}

// Request is a scenario's request.
type Request struct {
	Principal       string
	Action          string
	Resource        string
	ResourceAccount string
	Context         []*Entry
}

// Entry is one context key. A key with one value is written as a string
// unless List is set.
type Entry struct {
	Key    string
	Values []string
	List   bool
}

// Policy is a policy document.
type Policy struct {
	Version    string // "" leaves Version out
	Statements []*Statement
}

// Statement is one statement. A nil Principal, Action or Resource leaves
// the element out; the Not flags write NotPrincipal, NotAction and
// NotResource instead.
type Statement struct {
	Sid          string
	Effect       string
	Principal    *Principal
	NotPrincipal bool
	Action       []string
	NotAction    bool
	Resource     []string
	NotResource  bool
	Conditions   []*Condition
}

// Principal is a Principal element: "*", or a map of types to values.
type Principal struct {
	Star      bool
	AWS       []string
	Service   []string
	Federated []string
}

// Condition is one operator of a Condition element with its keys.
type Condition struct {
	Op   string
	Keys []*CondKey
}

// CondKey is a condition key and its values.
type CondKey struct {
	Key    string
	Values []string
}

// Get returns the context entry for key (case-insensitive), or nil.
func (r *Request) Get(key string) *Entry {
	for _, e := range r.Context {
		if strings.EqualFold(e.Key, key) {
			return e
		}
	}
	return nil
}

// Policies lists every policy of the scenario with its place, in the
// order they are written.
func (s *Scenario) Policies() []Placed {
	var out []Placed
	for _, p := range s.Identity {
		out = append(out, Placed{"identity", p})
	}
	add := func(place string, p *Policy) {
		if p != nil {
			out = append(out, Placed{place, p})
		}
	}
	add("boundary", s.Boundary)
	add("session", s.Session)
	add("resource", s.Resource)
	add("vpcEndpoint", s.VPCEndpoint)
	for _, lv := range s.SCPs {
		for _, p := range lv {
			out = append(out, Placed{"scp", p})
		}
	}
	for _, lv := range s.RCPs {
		for _, p := range lv {
			out = append(out, Placed{"rcp", p})
		}
	}
	return out
}

// Placed is a policy and where the scenario holds it.
type Placed struct {
	Place  string
	Policy *Policy
}

// Clone returns a deep copy.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Request.Context = make([]*Entry, len(s.Request.Context))
	for i, e := range s.Request.Context {
		ce := *e
		ce.Values = append([]string(nil), e.Values...)
		c.Request.Context[i] = &ce
	}
	c.Identity = clonePolicies(s.Identity)
	c.Boundary = s.Boundary.Clone()
	c.Session = s.Session.Clone()
	c.Resource = s.Resource.Clone()
	c.VPCEndpoint = s.VPCEndpoint.Clone()
	c.SCPs = cloneLevels(s.SCPs)
	c.RCPs = cloneLevels(s.RCPs)
	return &c
}

func clonePolicies(ps []*Policy) []*Policy {
	if ps == nil {
		return nil
	}
	out := make([]*Policy, len(ps))
	for i, p := range ps {
		out[i] = p.Clone()
	}
	return out
}

func cloneLevels(lv [][]*Policy) [][]*Policy {
	if lv == nil {
		return nil
	}
	out := make([][]*Policy, len(lv))
	for i, l := range lv {
		out[i] = clonePolicies(l)
		if out[i] == nil {
			out[i] = []*Policy{}
		}
	}
	return out
}

// Clone returns a deep copy; nil for nil.
func (p *Policy) Clone() *Policy {
	if p == nil {
		return nil
	}
	c := &Policy{Version: p.Version, Statements: make([]*Statement, len(p.Statements))}
	for i, st := range p.Statements {
		cs := *st
		cs.Action = cloneList(st.Action)
		cs.Resource = cloneList(st.Resource)
		if st.Principal != nil {
			pr := *st.Principal
			pr.AWS, pr.Service, pr.Federated = cloneList(pr.AWS), cloneList(pr.Service), cloneList(pr.Federated)
			cs.Principal = &pr
		}
		cs.Conditions = make([]*Condition, len(st.Conditions))
		for j, cond := range st.Conditions {
			cc := &Condition{Op: cond.Op, Keys: make([]*CondKey, len(cond.Keys))}
			for k, ck := range cond.Keys {
				cc.Keys[k] = &CondKey{Key: ck.Key, Values: cloneList(ck.Values)}
			}
			cs.Conditions[j] = cc
		}
		c.Statements[i] = &cs
	}
	return c
}

func cloneList(l []string) []string {
	if l == nil {
		return nil
	}
	return append([]string{}, l...)
}

// JSON writes the scenario as one object of a scenario file, on one line.
func (s *Scenario) JSON() []byte {
	w := &writer{}
	w.open('{')
	if s.Name != "" {
		w.key("name")
		w.str(s.Name)
	}
	w.key("request")
	w.open('{')
	w.key("principal")
	w.str(s.Request.Principal)
	w.key("action")
	w.str(s.Request.Action)
	w.key("resource")
	w.str(s.Request.Resource)
	if s.Request.ResourceAccount != "" {
		w.key("resourceAccount")
		w.str(s.Request.ResourceAccount)
	}
	if len(s.Request.Context) > 0 {
		w.key("context")
		w.open('{')
		for _, e := range s.Request.Context {
			w.key(e.Key)
			if len(e.Values) == 1 && !e.List {
				w.str(e.Values[0])
			} else {
				w.strs(e.Values)
			}
		}
		w.close('}')
	}
	w.close('}')
	if s.Identity != nil {
		w.key("identityPolicies")
		w.open('[')
		for _, p := range s.Identity {
			w.item()
			p.write(w)
		}
		w.close(']')
	}
	one := func(name string, p *Policy) {
		if p != nil {
			w.key(name)
			p.write(w)
		}
	}
	one("permissionsBoundary", s.Boundary)
	one("sessionPolicy", s.Session)
	one("resourcePolicy", s.Resource)
	one("vpcEndpointPolicy", s.VPCEndpoint)
	levels := func(name string, lv [][]*Policy) {
		if lv == nil {
			return
		}
		w.key(name)
		w.open('[')
		for _, l := range lv {
			w.item()
			w.open('[')
			for _, p := range l {
				w.item()
				p.write(w)
			}
			w.close(']')
		}
		w.close(']')
	}
	levels("serviceControlPolicies", s.SCPs)
	levels("resourceControlPolicies", s.RCPs)
	w.close('}')
	return w.b.Bytes()
}

// Indent returns the scenario as indented JSON, for messages.
func (s *Scenario) Indent() string {
	var b bytes.Buffer
	if err := json.Indent(&b, s.JSON(), "", "  "); err != nil {
		return string(s.JSON())
	}
	return b.String()
}

// JSON writes the policy document on one line.
func (p *Policy) JSON() []byte {
	w := &writer{}
	p.write(w)
	return w.b.Bytes()
}

func (p *Policy) write(w *writer) {
	w.open('{')
	if p.Version != "" {
		w.key("Version")
		w.str(p.Version)
	}
	w.key("Statement")
	w.open('[')
	for _, st := range p.Statements {
		w.item()
		st.write(w)
	}
	w.close(']')
	w.close('}')
}

func (st *Statement) write(w *writer) {
	w.open('{')
	if st.Sid != "" {
		w.key("Sid")
		w.str(st.Sid)
	}
	w.key("Effect")
	w.str(st.Effect)
	if st.Principal != nil {
		if st.NotPrincipal {
			w.key("NotPrincipal")
		} else {
			w.key("Principal")
		}
		pr := st.Principal
		if pr.Star {
			w.str("*")
		} else {
			w.open('{')
			for _, t := range []struct {
				name string
				vals []string
			}{{"AWS", pr.AWS}, {"Service", pr.Service}, {"Federated", pr.Federated}} {
				if len(t.vals) > 0 {
					w.key(t.name)
					w.list(t.vals)
				}
			}
			w.close('}')
		}
	}
	if st.Action != nil {
		if st.NotAction {
			w.key("NotAction")
		} else {
			w.key("Action")
		}
		w.list(st.Action)
	}
	if st.Resource != nil {
		if st.NotResource {
			w.key("NotResource")
		} else {
			w.key("Resource")
		}
		w.list(st.Resource)
	}
	if len(st.Conditions) > 0 {
		w.key("Condition")
		w.open('{')
		for _, c := range st.Conditions {
			w.key(c.Op)
			w.open('{')
			for _, k := range c.Keys {
				w.key(k.Key)
				w.list(k.Values)
			}
			w.close('}')
		}
		w.close('}')
	}
	w.close('}')
}

// writer writes compact JSON with members in the order given.
type writer struct {
	b     bytes.Buffer
	first []bool
}

func (w *writer) open(c byte) {
	w.b.WriteByte(c)
	w.first = append(w.first, true)
}

func (w *writer) close(c byte) {
	w.b.WriteByte(c)
	w.first = w.first[:len(w.first)-1]
}

// item starts an array element.
func (w *writer) item() {
	if n := len(w.first) - 1; w.first[n] {
		w.first[n] = false
	} else {
		w.b.WriteByte(',')
	}
}

func (w *writer) key(k string) {
	w.item()
	w.str(k)
	w.b.WriteByte(':')
}

func (w *writer) str(s string) {
	enc, _ := json.Marshal(s)
	w.b.Write(enc)
}

func (w *writer) strs(l []string) {
	w.open('[')
	for _, s := range l {
		w.item()
		w.str(s)
	}
	w.close(']')
}

// list writes one value as a string, several as an array.
func (w *writer) list(l []string) {
	if len(l) == 1 {
		w.str(l[0])
		return
	}
	w.strs(l)
}
