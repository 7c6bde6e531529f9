package difftest

import "testing"

// TestMinimize shrinks disagreements with a stand-in for the other
// engine that is ward except that it allows every request whose context
// gives aws:SourceVpce: a minimized disagreement keeps that key and
// nothing the disagreement does not need.
func TestMinimize(t *testing.T) {
	other := func(s *Scenario) (SimAnswer, error) {
		if s.Request.Get("aws:SourceVpce") != nil {
			return SimAnswer{Result: "Allowed"}, nil
		}
		a, err := Ward(s)
		return SimAnswer{Result: a.Result}, err
	}
	g := NewGenerator(11)
	found := 0
	for i := 0; i < 3000 && found < 20; i++ {
		s := g.Scenario()
		w, err := Ward(s)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := other(s)
		if o.Result == w.Result {
			continue
		}
		found++
		d, err := Minimize(s, w, o, other)
		if err != nil {
			t.Fatal(err)
		}
		m := d.Scenario
		if m.Request.Get("aws:SourceVpce") == nil {
			t.Fatalf("minimizing dropped the key the disagreement needs:\n%s", m.Indent())
		}
		if w2, _ := Ward(m); w2.Result != w.Result {
			t.Fatalf("ward's answer changed from %s to %s:\n%s", w.Result, w2.Result, m.Indent())
		}
		if len(m.Request.Context) > 2 || len(m.JSON()) > len(s.JSON()) {
			t.Errorf("not minimal: %d context keys left:\n%s", len(m.Request.Context), m.Indent())
		}
		if w.Result == "ImplicitDeny" && !Coherent(m) {
			t.Errorf("minimized to a scenario AWS could not see:\n%s", m.Indent())
		}
	}
	if found < 10 {
		t.Fatalf("only %d disagreements to minimize", found)
	}
}
