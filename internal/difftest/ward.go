package difftest

import (
	"fmt"

	"github.com/wardhq/ward/internal/scenario"
)

// Answer is one engine's answer to a scenario.
type Answer struct {
	Result    string // Allowed, ExplicitDeny or ImplicitDeny
	DecidedBy string // ward only
}

// ReadError is a generated scenario the scenario reader refuses: a
// generator bug, or a reader bug.
type ReadError struct {
	Err error
}

func (e *ReadError) Error() string { return "scenario reader refuses it: " + e.Err.Error() }

// Ward decides s with ward's engine, through the scenario reader as
// `ward sim` does: the JSON is read and validated, then decided.
func Ward(s *Scenario) (Answer, error) {
	ss, err := scenario.Parse(s.JSON(), s.Name+".json")
	if err != nil {
		return Answer{}, &ReadError{err}
	}
	if len(ss) != 1 {
		return Answer{}, fmt.Errorf("read %d scenarios from one", len(ss))
	}
	o, err := ss[0].Decide()
	if err != nil {
		return Answer{}, err
	}
	return Answer{Result: o.Decision.Result.String(), DecidedBy: o.Decision.DecidedBy.String()}, nil
}
