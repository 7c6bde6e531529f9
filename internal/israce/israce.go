//go:build !race

// Package israce reports whether the race detector is on, so that tests
// counting allocations (which the detector adds to) can skip themselves
// there.
package israce

// Enabled is true when built with -race.
const Enabled = false
