package difftest

// Cause is a documented root cause of disagreements: docs/conformance.md
// has a row for each under "Differential testing", with the anchor ID,
// saying which side AWS's documentation supports.
type Cause struct {
	ID      string
	Summary string
	// Explains reports whether the cause accounts for a minimized
	// disagreement.
	Explains func(d *Disagreement) bool
}

// Causes is the table of documented root causes, in the order they are
// tried.
var Causes = []Cause{}

// Attribute returns the first cause that explains d, or nil.
func Attribute(d *Disagreement) *Cause {
	for i := range Causes {
		if Causes[i].Explains(d) {
			return &Causes[i]
		}
	}
	return nil
}
