// Package conformance checks ward's decisions against an independent
// implementation's decision cases.
//
// The cases belong to the open-source simulator cloud-copilot/iam-simulate
// and are licensed AGPL-3.0, so they are never copied into this repository:
// the test reads them from the folder named by WARD_CONFORMANCE_DIR at test
// time. Where ward and those cases disagree, docs/conformance.md says which
// answer AWS's documentation supports; the test fails if a disagreement is
// not listed there, if a listed one no longer disagrees, or if agreement
// falls under 97% of the strict-mode cases.
package conformance
