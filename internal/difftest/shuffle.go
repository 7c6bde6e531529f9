package difftest

import "math/rand/v2"

// Shuffle returns a copy of s with everything whose order IAM gives no
// meaning shuffled: the identity policies, the policies of each SCP and
// RCP level, the statements of every policy, the entries of every list
// (actions, resources, principals, condition values), the operators and
// keys of every condition, and the request's context keys and values.
// The organization levels keep their order (root first).
func Shuffle(s *Scenario, r *rand.Rand) *Scenario {
	c := s.Clone()
	perm := func(n int, swap func(i, j int)) { r.Shuffle(n, swap) }
	list := func(l []string) { perm(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] }) }
	policies := func(ps []*Policy) {
		perm(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		for _, p := range ps {
			shufflePolicy(p, perm, list)
		}
	}
	perm(len(c.Request.Context), func(i, j int) {
		c.Request.Context[i], c.Request.Context[j] = c.Request.Context[j], c.Request.Context[i]
	})
	for _, e := range c.Request.Context {
		list(e.Values)
	}
	policies(c.Identity)
	for _, p := range []*Policy{c.Boundary, c.Session, c.Resource, c.VPCEndpoint} {
		if p != nil {
			shufflePolicy(p, perm, list)
		}
	}
	for _, lv := range c.SCPs {
		policies(lv)
	}
	for _, lv := range c.RCPs {
		policies(lv)
	}
	return c
}

func shufflePolicy(p *Policy, perm func(int, func(i, j int)), list func([]string)) {
	perm(len(p.Statements), func(i, j int) { p.Statements[i], p.Statements[j] = p.Statements[j], p.Statements[i] })
	for _, st := range p.Statements {
		list(st.Action)
		list(st.Resource)
		if st.Principal != nil {
			list(st.Principal.AWS)
			list(st.Principal.Service)
			list(st.Principal.Federated)
		}
		perm(len(st.Conditions), func(i, j int) { st.Conditions[i], st.Conditions[j] = st.Conditions[j], st.Conditions[i] })
		for _, c := range st.Conditions {
			perm(len(c.Keys), func(i, j int) { c.Keys[i], c.Keys[j] = c.Keys[j], c.Keys[i] })
			for _, k := range c.Keys {
				list(k.Values)
			}
		}
	}
}
