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
	cond := map[string]map[string][]string{}
	for _, c := range s.Conditions {
		if cond[c.Operator] == nil {
			cond[c.Operator] = map[string][]string{}
		}
		if _, twice := cond[c.Operator][c.Key]; twice {
			return true, false, nil // one element written twice: not asked
		}
		cond[c.Operator][c.Key] = c.Values.Items
	}
	// One action and any resource: the engine decides a condition alike
	// for every action, and the question is about the conditions alone.
	doc, _ := json.Marshal(map[string]any{"Version": policy.Version2012, "Statement": []any{map[string]any{
		"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": cond}}})
	p, err := policy.Parse(doc, "the statement's conditions")
	if err != nil {
		return false, false, fmt.Errorf("the statement's conditions: %w", err)
	}
	opts := Options{}
	opts.fill()
	sp, err := newSpace([]Side{{Name: "nothing"}, {Name: "the statement's conditions", Identity: []*policy.Policy{p}}}, cat, opts, func(sp *space) {
		sp.varying, sp.anyOwner = true, true
	})
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
