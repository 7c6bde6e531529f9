// Package analyze finds what is wrong or risky in IAM policies: the checks
// behind `ward check`.
//
// Every check that asks "does this policy grant X" asks the engine, which
// decides with the policy's Deny statements, NotAction, NotResource and
// conditions, rather than reading Allow statements alone. Checks that ask
// "does this action or key exist" ask the catalog. Each finding has a
// stable code (codes.go), a severity, a message naming what is involved,
// the exact place in the source and a fix.
package analyze

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

// Severity orders findings from most to least serious.
type Severity uint8

const (
	Error Severity = iota + 1
	SecurityWarning
	Warning
	Suggestion
)

var severityNames = [...]string{"", "error", "security-warning", "warning", "suggestion"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return ""
}

// ParseSeverity reads "error", "security-warning", "warning" or
// "suggestion".
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if i > 0 && strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want error, security-warning, warning or suggestion)", s)
}

// Finding is one problem found in a policy.
type Finding struct {
	Code     string
	Severity Severity
	Message  string
	Fix      string
	File     string
	Line     int
	Col      int
	// EndLine and EndCol are where the element ends: the column just
	// after its last character. They equal Line and Col where the input
	// says only where the element starts.
	EndLine, EndCol int
	// Path is the JSON path of the element, e.g. Statement[1].Action[0].
	Path string
	// Offset is the element's byte offset in the policy document's own
	// text (which, for a policy inside a template or a string, is not the
	// file's), as Access Analyzer reports it; EndOffset is just past the
	// element's end there.
	Offset, EndOffset int
	// Statements are the indexes of the statements that cause it.
	Statements []int
	// Suppressed is the reason a reviewed suppression gives, or "".
	Suppressed string
	// Issue is the issue code of the IAM Access Analyzer check that
	// reports the same problem (PASS_ROLE_WITH_STAR_IN_RESOURCE), or ""
	// when Access Analyzer has none.
	Issue string
}

// End is where the finding's element ends, its start where that is not
// known.
func (f *Finding) End() (line, col int) {
	if f.EndLine == 0 {
		return f.Line, f.Col
	}
	return f.EndLine, f.EndCol
}

// Document is a policy to check, with what it is used as.
type Document struct {
	Policy *policy.Policy
	Kind   policy.Kind
	// AWSManaged marks an AWS managed policy, which is not bound by the
	// customer size quota.
	AWSManaged bool
	// Inline, for an inline policy, is the kind of entity it is in
	// ("user", "group" or "role"): it is held to that entity's quota
	// instead of a managed policy's (policy.InlineUser and the others).
	Inline string
}

// errorFindings turns parse or validation errors into findings.
func errorFindings(err error, file string) []Finding {
	var list policy.ErrorList
	if !errors.As(err, &list) {
		return []Finding{{Code: CodeInvalidPolicy, Severity: Error, Message: err.Error(), File: file}}
	}
	var out []Finding
	for _, e := range list {
		code := string(e.Kind())
		out = append(out, Finding{Code: code, Severity: Error, Message: e.Msg, File: e.File, Line: e.Line, Col: e.Col, Path: e.Path,
			EndLine: e.Line, EndCol: e.Col, Fix: codes[code].Fix, Offset: e.Offset, Issue: errorCheck(e)})
	}
	return out
}

// Analyze runs every check on a parsed document.
func Analyze(d Document, cat *catalog.Catalog) []Finding {
	a := &analyzer{doc: d, p: d.Policy, cat: cat, actionsByStmt: map[*policy.Statement]*actionSet{}, arnFields: map[string]arnFields{}}
	var opts []policy.Option
	if d.AWSManaged {
		opts = append(opts, policy.SkipSizeLimit)
	}
	if o, ok := policy.InlineOption(d.Inline); ok {
		opts = append(opts, o)
	}
	if err := d.Policy.Validate(d.Kind, opts...); err != nil {
		a.findings = append(a.findings, errorFindings(err, d.Policy.File)...)
	}
	a.compile()
	a.checkVersion()
	for _, s := range d.Policy.Statements {
		a.checkActions(s)
		a.checkResources(s)
		a.checkConditions(s)
		a.checkPrincipals(s)
		a.checkVariables(s)
	}
	a.checkStatementIDs()
	a.checkRedundantStatements()
	a.checkSecurity()
	if d.AWSManaged {
		// AWS's own policies still name services and actions it has
		// retired (deeplens:*, deepracer:*): not the reader's error, and
		// not an error at all for a policy AWS maintains.
		for i, f := range a.findings {
			switch f.Code {
			case CodeUnknownService, CodeUnknownAction, CodeInvalidARN:
				a.findings[i].Severity = Warning
			}
		}
	}
	suppressBySid(a.p, a.findings)
	sort.SliceStable(a.findings, func(i, j int) bool {
		x, y := a.findings[i], a.findings[j]
		if x.Line != y.Line {
			return x.Line < y.Line
		}
		if x.Col != y.Col {
			return x.Col < y.Col
		}
		return x.Severity < y.Severity
	})
	return a.findings
}

type analyzer struct {
	doc      Document
	p        *policy.Policy
	cat      *catalog.Catalog
	findings []Finding

	// set decides requests against the policy alone, as an identity
	// policy of a stand-in user, for the checks that ask what it grants.
	set *engine.Set
	// actionsByStmt remembers what each statement's Action reaches.
	actionsByStmt map[*policy.Statement]*actionSet
	// arnFields remembers arnFields by service and resource shape.
	arnFields map[string]arnFields
}

// add records a finding at a source offset.
func (a *analyzer) add(code string, off int, path string, stmts []int, format string, args ...any) {
	info := codes[code]
	f := Finding{Code: code, Severity: info.Severity, Message: fmt.Sprintf(format, args...), Fix: info.Fix,
		File: a.p.File, Path: path, Statements: stmts}
	f.Line, f.Col = a.p.Position(off)
	f.Offset = off
	f.EndOffset, f.EndLine, f.EndCol = a.p.Span(off)
	if f.EndLine == 0 || f.EndLine < f.Line || f.EndLine == f.Line && f.EndCol < f.Col {
		f.EndOffset, f.EndLine, f.EndCol = off, f.Line, f.Col
	}
	f.Issue = accessAnalyzerIssues[code]
	a.findings = append(a.findings, f)
}

// issue sets the Access Analyzer check of the finding just added, where
// it is not the one its code usually corresponds to ("" for none).
func (a *analyzer) issue(check string) {
	a.findings[len(a.findings)-1].Issue = check
}

// addFix records a finding with a fix specific to it.
func (a *analyzer) addFix(code string, off int, path string, stmts []int, fix, format string, args ...any) {
	a.add(code, off, path, stmts, format, args...)
	a.findings[len(a.findings)-1].Fix = fix
}

// identityLike reports whether the document is attached to a principal,
// so that "what does it grant" is a question about that principal.
func (a *analyzer) identityLike() bool {
	switch a.doc.Kind {
	case policy.KindIdentity, policy.KindBoundary, policy.KindSession:
		return true
	}
	return false
}

const (
	standInAccount = "111111111111"
	standIn        = "arn:aws:iam::" + standInAccount + ":user/ward-check"
)

func (a *analyzer) compile() {
	if !a.identityLike() {
		return
	}
	c := engine.Compile(a.p, a.p.File)
	a.set, _ = engine.NewSet(engine.Policies{Identity: []*engine.Compiled{c}})
}

// decide asks the engine about one action on one resource, with no
// request context: a condition that needs a key then does not hold, so
// what is allowed here is allowed without any condition's help.
func (a *analyzer) decide(action, resource string) *engine.Decision {
	prep := standInRequest(action, resource)
	if prep == nil {
		return nil
	}
	return a.set.Decide(prep)
}

// prepared holds the stand-in requests, prepared once for all documents:
// a Prepared is read-only and can be decided by any set.
var prepared sync.Map // "action resource" → *engine.Prepared

func standInRequest(action, resource string) *engine.Prepared {
	key := action + " " + resource
	if p, ok := prepared.Load(key); ok {
		return p.(*engine.Prepared)
	}
	// The questions are about the holder's own account: a probe's "*"
	// account part is not another account.
	req := engine.Request{Principal: standIn, Action: action, Resource: resource, ResourceAccount: standInAccount, Now: standInTime}
	p, err := req.Prepare()
	if err != nil {
		return nil
	}
	prepared.Store(key, p)
	return p
}

// standInTime fixes the stand-in requests' clock, so that findings do not
// change with the day a check runs.
var standInTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// grantsEverywhere reports whether the policy allows action on "*", that
// is on every resource.
func (a *analyzer) grantsEverywhere(action string) (bool, []int) {
	return a.granted(action, "*")
}

// grantsSomewhere reports whether the policy allows some call of the
// action: on a resource of each resource type the action requires (a call
// names them all), or of one of its optional types when it requires none,
// or on "*" for an action that takes no resource. A grant on resources of
// other types ("Action": "*" on a bucket) allows no iam:PassRole and no
// ssm:SendCommand, so it is not reported as one.
func (a *analyzer) grantsSomewhere(action string) (bool, []int) {
	required, optional := a.probeResources(action)
	var stmts []int
	if len(required) > 0 {
		for _, r := range required {
			g, by := a.granted(action, r)
			if !g {
				return false, nil
			}
			stmts = union(stmts, by)
		}
		return true, stmts
	}
	ok := false
	for _, r := range optional {
		if g, by := a.granted(action, r); g {
			ok, stmts = true, union(stmts, by)
		}
	}
	return ok, stmts
}

// probes remembers probeResources by catalog and action: the checks ask
// about a few dozen actions, for every policy.
var probes sync.Map // probeKey → [2][]string{required, optional}

type probeKey struct {
	cat    *catalog.Catalog
	action string
}

// probeResources are, for each of an action's resource types, a pattern
// naming every resource of the type in the aws partition
// (arn:aws:iam::*:role/* for iam:PassRole), split into the types the
// action requires and the others; "*" for an action that takes no
// resource, and "arn:*" for one the catalog does not know.
func (a *analyzer) probeResources(action string) (required, optional []string) {
	if a.cat == nil {
		return nil, []string{"arn:*"}
	}
	key := probeKey{a.cat, action}
	if p, ok := probes.Load(key); ok {
		pr := p.([2][]string)
		return pr[0], pr[1]
	}
	defer func() { probes.Store(key, [2][]string{required, optional}) }()
	act, err := a.cat.Action(action)
	if err != nil || act == nil {
		return nil, []string{"arn:*"}
	}
	for _, rt := range act.Resources() {
		if rt.ARN == "" {
			continue
		}
		p := variableToStar.ReplaceAllString(strings.ReplaceAll(rt.ARN, "${Partition}", "aws"), "*")
		if rt.Required {
			required = append(required, p)
		} else {
			optional = append(optional, p)
		}
	}
	if len(required) == 0 && len(optional) == 0 {
		optional = []string{"*"}
	}
	return required, optional
}

func (a *analyzer) granted(action, resource string) (bool, []int) {
	if a.set == nil {
		return false, nil
	}
	d := a.decide(action, resource)
	if d == nil || d.Result != engine.Allowed {
		return false, nil
	}
	var stmts []int
	for _, m := range d.Matched() {
		stmts = append(stmts, m.Statement)
	}
	return true, stmts
}

// Count returns how many findings, not suppressed, are at or above a
// severity.
func Count(fs []Finding, atLeast Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity <= atLeast && f.Suppressed == "" {
			n++
		}
	}
	return n
}
