package reason

import (
	"encoding/json"
	"fmt"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
)

// ConditionsCanHold reports whether some request meets every condition
// element of a statement at once, and whether that answer is exact (no
// construct was approximated). A request may carry any value of any key
// here, the principal's own keys too: the question is whether the
// conditions contradict each other, not whom they let in, so an answer
// of false is one no caller can change. A statement without conditions
// can always hold.
func ConditionsCanHold(s *policy.Statement, cat *catalog.Catalog) (can, exact bool, err error) {
	if len(s.Conditions) == 0 {
		return true, true, nil
	}
	p, ok, err := conditionsPolicy(s)
	if err != nil || !ok {
		return true, false, err
	}
	sp, err := conditionSpace(Side{Name: "nothing"}, Side{Name: "the statement's conditions", Identity: []*policy.Policy{p}}, cat)
	if err != nil {
		return false, false, err
	}
	found := sp.changes(1, 0)
	exact = len(sp.notesWith(found)) == 0 && sp.mismatches == 0
	for _, ch := range found {
		if ch.Proven {
			return true, true, nil
		}
	}
	return len(found) > 0, exact, nil
}

// ConditionsImply reports whether every request that meets the
// conditions of s meets those of t too (t's are no stricter), and
// whether that answer is exact: what lets the analyzer call s redundant
// beside a t that grants as much, whatever their conditions are written
// as. As in ConditionsCanHold, a request may carry any value of any key.
func ConditionsImply(s, t *policy.Statement, cat *catalog.Catalog) (implied, exact bool, err error) {
	if len(t.Conditions) == 0 {
		return true, true, nil
	}
	ps, ok, err := conditionsPolicy(s)
	if err != nil || !ok {
		return false, false, err
	}
	pt, ok, err := conditionsPolicy(t)
	if err != nil || !ok {
		return false, false, err
	}
	sp, err := conditionSpace(Side{Name: "t", Identity: []*policy.Policy{pt}}, Side{Name: "s", Identity: []*policy.Policy{ps}}, cat)
	if err != nil {
		return false, false, err
	}
	found := sp.changes(1, 0)
	exact = len(sp.notesWith(found)) == 0 && sp.mismatches == 0
	return len(found) == 0, exact, nil
}

// conditionsPolicy is a policy of one statement with a statement's
// conditions, which grants one action on any resource: the engine
// decides a condition alike for every action, and the questions are
// about the conditions alone. false when an element is written twice
// (not asked).
func conditionsPolicy(s *policy.Statement) (*policy.Policy, bool, error) {
	cond := map[string]map[string][]string{}
	for _, c := range s.Conditions {
		if cond[c.Operator] == nil {
			cond[c.Operator] = map[string][]string{}
		}
		if _, twice := cond[c.Operator][c.Key]; twice {
			return nil, false, nil
		}
		cond[c.Operator][c.Key] = c.Values.Items
	}
	st := map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
	if len(cond) > 0 {
		st["Condition"] = cond
	}
	doc, _ := json.Marshal(map[string]any{"Version": policy.Version2012, "Statement": []any{st}})
	p, err := policy.Parse(doc, "the statement's conditions")
	if err != nil {
		return nil, false, fmt.Errorf("the statement's conditions: %w", err)
	}
	return p, true, nil
}

// conditionSpace is the space of a question about conditions alone: no
// principal's keys bound, and every resource's policy leaving it to the
// identity policies, whoever owns it.
func conditionSpace(a, b Side, cat *catalog.Catalog) (*space, error) {
	opts := Options{}
	opts.fill()
	return newSpace([]Side{a, b}, cat, opts, func(sp *space) { sp.varying, sp.anyOwner = true, true })
}
