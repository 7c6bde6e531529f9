package difftest

// Disagreement is a scenario the two engines answer differently.
type Disagreement struct {
	Original  *Scenario
	Scenario  *Scenario // minimized
	Ward      Answer
	Sim       SimAnswer
	Decisions int // decisions the minimizer asked of iam-simulate

	// decide answers a scenario with both engines.
	decide func(*Scenario) (Answer, SimAnswer, error)
	// depth counts the Rechecks that led here; tried holds the causes
	// being tried on the way, which are not tried again.
	depth int
	tried []string
}

// Recheck reports whether the engines agree once change is made to a
// copy of the minimized scenario (and the copy is still valid): how a
// cause shows that what it names is what they disagree on.
//
// When they still disagree, the disagreement left may be one another
// cause explains (two causes at once): Recheck then holds too. Causes
// already tried on the way are not tried again.
func (d *Disagreement) Recheck(change func(*Scenario)) bool {
	if d.decide == nil || d.depth >= 3 {
		return false
	}
	c := d.Scenario.Clone()
	change(c)
	w, s, err := d.decide(c)
	if err != nil || s.Error != "" {
		return false
	}
	if w.Result == s.Result {
		return true
	}
	rest := &Disagreement{Original: d.Original, Scenario: c, Ward: w, Sim: s, decide: d.decide, depth: d.depth + 1, tried: d.tried}
	return attribute(rest) != nil
}

// Minimize shrinks a scenario the engines disagree on: it drops
// policies, organization levels, statements, conditions, condition keys,
// list entries, context keys and values, one at a time, keeping each
// drop after which the scenario is still valid and both engines still
// give the answers they gave (ward first, in-process; iam-simulate only
// when ward's answer held), until no drop keeps the disagreement.
//
// other is the other engine: Simulator.DecideOne, or a stand-in in tests.
func Minimize(s *Scenario, ward Answer, sim SimAnswer, other func(*Scenario) (SimAnswer, error)) (*Disagreement, error) {
	d := &Disagreement{Original: s, Ward: ward, Sim: sim}
	d.decide = func(c *Scenario) (Answer, SimAnswer, error) {
		w, err := Ward(c)
		if err != nil {
			return Answer{}, SimAnswer{}, err
		}
		got, err := other(c)
		if err != nil {
			return Answer{}, SimAnswer{}, err
		}
		return w, got, nil
	}
	holds := func(c *Scenario) (bool, error) {
		if !Coherent(c) {
			return false, nil
		}
		a, err := Ward(c)
		if err != nil || a.Result != ward.Result {
			return false, nil
		}
		d.Decisions++
		got, err := other(c)
		if err != nil {
			return false, err
		}
		return got.Error == "" && got.Result == sim.Result, nil
	}
	cur := s
	for {
		changed := false
		cands := Reductions(cur)
		for i := 0; i < len(cands); {
			ok, err := holds(cands[i])
			if err != nil {
				return nil, err
			}
			if !ok {
				i++
				continue
			}
			// Keep the drop and go on from the same place: the
			// candidates before it did not hold and mostly still do not.
			cur, changed = cands[i], true
			cands = Reductions(cur)
		}
		if !changed {
			break
		}
	}
	d.Scenario = cur
	d.Ward, _ = Ward(cur)
	return d, nil
}

// Reductions lists the scenarios one drop smaller than s, largest drops
// first: whole policies and levels, then statements, then conditions and
// list entries, then the request's context.
func Reductions(s *Scenario) []*Scenario {
	var out []*Scenario
	edit := func(f func(c *Scenario)) {
		c := s.Clone()
		f(c)
		out = append(out, c)
	}
	// Policies.
	if s.SCPs != nil {
		edit(func(c *Scenario) { c.SCPs = nil })
	}
	if s.RCPs != nil {
		edit(func(c *Scenario) { c.RCPs = nil })
	}
	for i := range s.Identity {
		edit(func(c *Scenario) {
			c.Identity = append(c.Identity[:i], c.Identity[i+1:]...)
			if len(c.Identity) == 0 {
				c.Identity = nil
			}
		})
	}
	if s.Boundary != nil {
		edit(func(c *Scenario) { c.Boundary = nil })
	}
	if s.Session != nil {
		edit(func(c *Scenario) { c.Session = nil })
	}
	if s.Resource != nil {
		edit(func(c *Scenario) { c.Resource = nil })
	}
	if s.VPCEndpoint != nil {
		edit(func(c *Scenario) { c.VPCEndpoint = nil })
	}
	levels := func(get func(c *Scenario) *[][]*Policy) {
		lv := *get(s)
		for i := range lv {
			if len(lv) > 1 {
				edit(func(c *Scenario) { l := get(c); *l = append((*l)[:i], (*l)[i+1:]...) })
			}
			for j := range lv[i] {
				edit(func(c *Scenario) { l := get(c); (*l)[i] = append((*l)[i][:j], (*l)[i][j+1:]...) })
			}
		}
	}
	levels(func(c *Scenario) *[][]*Policy { return &c.SCPs })
	levels(func(c *Scenario) *[][]*Policy { return &c.RCPs })

	// Inside policies: the same walk over every policy, addressed by its
	// position in Policies(), which Clone keeps.
	placed := s.Policies()
	inPolicy := func(k int, f func(p *Policy)) {
		edit(func(c *Scenario) { f(c.Policies()[k].Policy) })
	}
	for k, pl := range placed {
		for j := range pl.Policy.Statements {
			if len(pl.Policy.Statements) > 1 {
				inPolicy(k, func(p *Policy) { p.Statements = append(p.Statements[:j], p.Statements[j+1:]...) })
			}
		}
	}
	for k, pl := range placed {
		for j, st := range pl.Policy.Statements {
			for ci, cond := range st.Conditions {
				inPolicy(k, func(p *Policy) {
					cs := p.Statements[j].Conditions
					p.Statements[j].Conditions = append(cs[:ci], cs[ci+1:]...)
				})
				for ki, ck := range cond.Keys {
					if len(cond.Keys) > 1 {
						inPolicy(k, func(p *Policy) {
							c := p.Statements[j].Conditions[ci]
							c.Keys = append(c.Keys[:ki], c.Keys[ki+1:]...)
						})
					}
					for vi := range ck.Values {
						if len(ck.Values) > 1 {
							inPolicy(k, func(p *Policy) {
								v := &p.Statements[j].Conditions[ci].Keys[ki].Values
								*v = append((*v)[:vi], (*v)[vi+1:]...)
							})
						}
					}
				}
			}
			lists := []func(st *Statement) *[]string{
				func(st *Statement) *[]string { return &st.Action },
				func(st *Statement) *[]string { return &st.Resource },
			}
			if st.Principal != nil {
				lists = append(lists,
					func(st *Statement) *[]string { return &st.Principal.AWS },
					func(st *Statement) *[]string { return &st.Principal.Service },
					func(st *Statement) *[]string { return &st.Principal.Federated })
			}
			for _, get := range lists {
				l := *get(st)
				if len(l) < 2 && !(len(l) == 1 && st.Principal != nil && principalEntries(st.Principal) > 1 && isPrincipalList(get, st)) {
					continue
				}
				for vi := range l {
					inPolicy(k, func(p *Policy) {
						v := get(p.Statements[j])
						*v = append((*v)[:vi], (*v)[vi+1:]...)
						if len(*v) == 0 {
							*v = nil
						}
					})
				}
			}
			if st.Sid != "" {
				inPolicy(k, func(p *Policy) { p.Statements[j].Sid = "" })
			}
		}
	}

	// The request.
	if s.Request.ResourceAccount != "" {
		edit(func(c *Scenario) { c.Request.ResourceAccount = "" })
	}
	for i, e := range s.Request.Context {
		edit(func(c *Scenario) {
			c.Request.Context = append(c.Request.Context[:i], c.Request.Context[i+1:]...)
		})
		if len(e.Values) > 1 {
			for vi := range e.Values {
				edit(func(c *Scenario) {
					v := &c.Request.Context[i].Values
					*v = append((*v)[:vi], (*v)[vi+1:]...)
				})
			}
		}
	}
	return out
}

func principalEntries(p *Principal) int {
	return len(p.AWS) + len(p.Service) + len(p.Federated)
}

// isPrincipalList reports whether get addresses one of st's principal
// lists, which may drop its last entry while another type has some.
func isPrincipalList(get func(*Statement) *[]string, st *Statement) bool {
	l := get(st)
	return l == &st.Principal.AWS || l == &st.Principal.Service || l == &st.Principal.Federated
}
