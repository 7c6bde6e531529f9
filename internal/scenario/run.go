package scenario

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/wardhq/ward/internal/engine"
)

// Outcome is a decided scenario.
type Outcome struct {
	Scenario *Scenario
	Decision *engine.Decision
}

// Decide answers the scenario.
func (s *Scenario) Decide() (*Outcome, error) {
	set, err := engine.NewSet(s.Policies)
	if err != nil {
		return nil, err
	}
	req, err := s.Request.Prepare()
	if err != nil {
		return nil, err
	}
	return &Outcome{Scenario: s, Decision: set.Decide(req)}, nil
}

// OK reports whether the scenario's expectations hold; true when it has
// none.
func (o *Outcome) OK() bool {
	s := o.Scenario
	if s.Expect != 0 && o.Decision.Result != s.Expect {
		return false
	}
	if s.ExpectDecidedBy != engine.TypeNone && o.Decision.DecidedBy != s.ExpectDecidedBy {
		return false
	}
	return true
}

// HasExpectation reports whether the scenario states what it expects.
func (o *Outcome) HasExpectation() bool {
	return o.Scenario.Expect != 0 || o.Scenario.ExpectDecidedBy != engine.TypeNone
}

// MatchJSON is a matched statement in JSON output.
type MatchJSON struct {
	PolicyType string `json:"policyType"`
	Policy     string `json:"policy"`
	Level      *int   `json:"level,omitempty"`
	Statement  int    `json:"statement"`
	Sid        string `json:"sid,omitempty"`
	Effect     string `json:"effect"`
	Path       string `json:"path"`
	Line       int    `json:"line,omitempty"`
	Column     int    `json:"column,omitempty"`
}

// OutcomeJSON is one line of `ward sim --format json`.
type OutcomeJSON struct {
	Name               string      `json:"name"`
	File               string      `json:"file,omitempty"`
	Decision           string      `json:"decision"`
	DecidedBy          string      `json:"decidedBy"`
	Matched            []MatchJSON `json:"matched"`
	Message            string      `json:"message"`
	MissingContextKeys []string    `json:"missingContextKeys"`
	Expect             string      `json:"expect,omitempty"`
	ExpectDecidedBy    string      `json:"expectDecidedBy,omitempty"`
	OK                 *bool       `json:"ok,omitempty"`
}

// JSON returns the outcome as `ward sim --format json` prints it.
func (o *Outcome) JSON() OutcomeJSON {
	d := o.Decision
	out := OutcomeJSON{
		Name:               o.Scenario.Label(),
		File:               o.Scenario.File,
		Decision:           d.Result.String(),
		DecidedBy:          d.DecidedBy.String(),
		Matched:            []MatchJSON{},
		Message:            d.Message(),
		MissingContextKeys: append([]string{}, d.Missing...),
	}
	for _, m := range d.Matched() {
		mj := MatchJSON{
			PolicyType: m.Type.String(), Policy: m.Policy, Statement: m.Statement,
			Sid: m.Sid, Effect: m.Effect.String(), Path: m.Source.Path,
		}
		if m.Level >= 0 {
			lv := m.Level
			mj.Level = &lv
		}
		mj.Line, mj.Column = m.PolicySource.Position(m.Source.Offset)
		out.Matched = append(out.Matched, mj)
	}
	if o.HasExpectation() {
		if o.Scenario.Expect != 0 {
			out.Expect = o.Scenario.Expect.String()
		}
		if o.Scenario.ExpectDecidedBy != engine.TypeNone {
			out.ExpectDecidedBy = o.Scenario.ExpectDecidedBy.String()
		}
		ok := o.OK()
		out.OK = &ok
	}
	return out
}

// WriteJSON prints the outcome as one line of JSON.
func (o *Outcome) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // ARNs and "<stdin>" read better unescaped
	return enc.Encode(o.JSON())
}

// WriteText prints the outcome for people.
func (o *Outcome) WriteText(w io.Writer) error {
	d := o.Decision
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", o.Scenario.Label(), d.Result)
	if d.DecidedBy != engine.TypeNone {
		fmt.Fprintf(&b, " (decided by %s)", d.DecidedBy)
	}
	if o.HasExpectation() {
		if o.OK() {
			b.WriteString("  ok")
		} else {
			want := o.Scenario.Expect.String()
			if o.Scenario.ExpectDecidedBy != engine.TypeNone {
				if want != "" {
					want += " "
				}
				want += "(decided by " + o.Scenario.ExpectDecidedBy.String() + ")"
			}
			fmt.Fprintf(&b, "  FAIL: expected %s", want)
		}
	}
	b.WriteByte('\n')
	for _, m := range d.Matched() {
		fmt.Fprintf(&b, "  %s %s %s", m.Effect, m.Type, m.Policy)
		b.WriteString(" " + m.Source.Path)
		if m.Sid != "" {
			fmt.Fprintf(&b, " (Sid %s)", m.Sid)
		}
		if line, col := m.PolicySource.Position(m.Source.Offset); line > 0 {
			fmt.Fprintf(&b, " at %s:%d:%d", m.PolicySource.File, line, col)
		}
		b.WriteByte('\n')
	}
	if msg := d.Message(); msg != "" {
		fmt.Fprintf(&b, "  message: %s\n", msg)
	}
	if len(d.Missing) > 0 {
		fmt.Fprintf(&b, "  context keys not in the request: %s\n", strings.Join(d.Missing, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
