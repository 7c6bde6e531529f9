// Package policy reads, validates and prints IAM policy documents.
//
// It knows the grammar of the IAM JSON policy language and the rules each
// kind of policy adds (identity, resource, role trust, permissions boundary,
// session, SCP, RCP, VPC endpoint). It knows nothing about deciding requests:
// that is package engine, which compiles the Policy values built here.
//
// Every element keeps the byte offset it was read from, so an error or a
// finding can name the file, line:column and JSON path of what it is about.
package policy

import (
	"strings"
	"sync"

	"github.com/wardhq/ward/internal/jsonpos"
)

// Versions of the policy language.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect of a statement.
type Effect uint8

const (
	Allow Effect = iota + 1
	Deny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return ""
}

// Policy is one parsed policy document.
type Policy struct {
	// Version as written; empty when the document has none, which IAM
	// reads as 2008-10-17.
	Version    string
	ID         string
	Statements []*Statement
	// StatementIsObject records that Statement was a single object rather
	// than an array, so printing keeps the author's form.
	StatementIsObject bool

	// Size counts the document's characters as IAM does for its quotas:
	// whitespace outside string literals is not counted.
	Size int

	// Source is the text the policy was read from and File its name, for
	// turning offsets into line:column. Both are empty for built policies.
	Source []byte
	File   string
	// Locate, when set, places an offset of Source in another file: a
	// policy that ward wrote out of a template, whose positions are the
	// template's (internal/inputs).
	Locate func(offset int) (line, col int)
	// LocateEnd, when set, places the end of the value that starts at
	// start and ends at end in Source, where Locate cannot: a template
	// written in YAML, whose values end where the template says.
	LocateEnd func(start, end int) (line, col int)

	// index finds line starts in Source; shared by every policy read from
	// one large file, so positions cost a binary search.
	index     *jsonpos.Index
	indexOnce sync.Once
}

// EffectiveVersion is the version IAM applies: 2008-10-17 when absent.
func (p *Policy) EffectiveVersion() string {
	if p.Version == "" {
		return Version2008
	}
	return p.Version
}

// SupportsVariables reports whether ${...} is a policy variable here.
// Only 2012-10-17 policies have variables; in older ones it is literal text.
func (p *Policy) SupportsVariables() bool { return p.Version == Version2012 }

// Position returns the 1-based line and column of a byte offset in Source.
// It is safe for concurrent use.
func (p *Policy) Position(offset int) (line, col int) {
	if p.Locate != nil {
		return p.Locate(offset)
	}
	if p.Source == nil {
		return 0, 0
	}
	p.indexOnce.Do(func() {
		if p.index == nil {
			p.index = jsonpos.NewIndex(p.Source)
		}
	})
	return p.index.LineCol(offset)
}

// Span is the value that starts at offset in Source: its offset just past
// the end, and that end's line and column (the column after the value's
// last character), in the file Position places the start in.
func (p *Policy) Span(offset int) (end, line, col int) {
	if p.Source == nil || offset < 0 {
		return offset, 0, 0
	}
	end = jsonpos.ValueEnd(p.Source, offset)
	if p.LocateEnd != nil {
		line, col = p.LocateEnd(offset, end)
		return end, line, col
	}
	line, col = p.Position(end)
	return end, line, col
}

// Statement is one element of a policy's Statement list.
type Statement struct {
	Index int    // position in the policy, from 0
	Path  string // JSON path, e.g. Statement[2]; "Statement" for a single object
	Sid   string
	// SidOffset is where the Sid's value is, 0 when the statement has none
	// (an empty Sid has one).
	SidOffset int

	Effect Effect

	// Exactly one of Principal and NotPrincipal may be set; both are nil
	// when the statement has neither (identity-side policies).
	Principal    *Principal
	NotPrincipal *Principal

	// Exactly one of Action and NotAction is set.
	Action    *Values
	NotAction *Values

	// At most one of Resource and NotResource is set; trust policies have
	// neither.
	Resource    *Values
	NotResource *Values

	Conditions []*Condition

	Offset int // offset of the statement object
}

// Actions returns the action patterns and whether they are NotAction.
func (s *Statement) Actions() (*Values, bool) {
	if s.NotAction != nil {
		return s.NotAction, true
	}
	return s.Action, false
}

// Resources returns the resource patterns and whether they are
// NotResource; nil when the statement has neither.
func (s *Statement) Resources() (*Values, bool) {
	if s.NotResource != nil {
		return s.NotResource, true
	}
	return s.Resource, false
}

// Principals returns the principal element and whether it is NotPrincipal.
func (s *Statement) Principals() (*Principal, bool) {
	if s.NotPrincipal != nil {
		return s.NotPrincipal, true
	}
	return s.Principal, false
}

// Values is a list of strings that may be written as one string or an
// array. Offsets[i] is where Items[i] was read.
type Values struct {
	Items   []string
	Offsets []int
	Single  bool // written as a bare string, not an array
}

// Principal is a Principal or NotPrincipal element.
type Principal struct {
	// Wildcard is the bare "*" form, which means the same as {"AWS": "*"}.
	Wildcard bool
	// Bare is a lone string other than "*", which IAM rejects; it is kept
	// as an AWS entry.
	Bare bool
	// Map entries in source order: AWS, Service, Federated, CanonicalUser.
	Entries []PrincipalEntry
	Offset  int
}

// PrincipalEntry is one key of a principal map.
type PrincipalEntry struct {
	Type   string // AWS, Service, Federated or CanonicalUser
	Values Values
}

// Principal map keys.
const (
	PrincipalAWS           = "AWS"
	PrincipalService       = "Service"
	PrincipalFederated     = "Federated"
	PrincipalCanonicalUser = "CanonicalUser"
)

// IsEveryone reports whether the element names every principal: "*" or
// {"AWS": "*"}.
func (p *Principal) IsEveryone() bool {
	if p.Wildcard {
		return true
	}
	for _, e := range p.Entries {
		if e.Type == PrincipalAWS {
			for _, v := range e.Values.Items {
				if v == "*" {
					return true
				}
			}
		}
	}
	return false
}

// Condition is one operator/key pair of a Condition block with its values.
type Condition struct {
	// Operator as written, e.g. "ForAnyValue:StringLikeIfExists".
	Operator string
	Key      string
	Values   Values
	// Path is the JSON path of the key, e.g. Statement[0].Condition.StringEquals["aws:SourceIp"].
	Path           string
	OperatorOffset int
	KeyOffset      int
}

// ParsedOperator splits an operator name into its parts.
type ParsedOperator struct {
	Set      string // "", "ForAllValues" or "ForAnyValue"
	Base     string // canonical name, e.g. "StringLike"
	IfExists bool
}

// operators maps the lower-cased base operator names to their canonical
// spelling. AWS documents the names in one case only; ward accepts them
// case-insensitively (see docs/decisions.md) and prints them canonically.
var operators = func() map[string]string {
	m := map[string]string{}
	for _, op := range []string{
		"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
		"StringLike", "StringNotLike",
		"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
		"NumericGreaterThan", "NumericGreaterThanEquals",
		"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
		"DateGreaterThan", "DateGreaterThanEquals",
		"Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
		"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
	} {
		m[strings.ToLower(op)] = op
	}
	return m
}()

// ParseOperator splits and checks a condition operator name.
func ParseOperator(name string) (ParsedOperator, bool) {
	var op ParsedOperator
	rest := name
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		switch strings.ToLower(rest[:i]) {
		case "forallvalues":
			op.Set = "ForAllValues"
		case "foranyvalue":
			op.Set = "ForAnyValue"
		default:
			return op, false
		}
		rest = rest[i+1:]
	}
	if base, ok := operators[strings.ToLower(rest)]; ok {
		op.Base = base
		return op, true
	}
	const suffix = "ifexists"
	if len(rest) > len(suffix) && strings.EqualFold(rest[len(rest)-len(suffix):], suffix) {
		if base, ok := operators[strings.ToLower(rest[:len(rest)-len(suffix)])]; ok && base != "Null" {
			op.Base = base
			op.IfExists = true
			return op, true
		}
	}
	return op, false
}

// String returns the canonical spelling.
func (o ParsedOperator) String() string {
	s := o.Base
	if o.IfExists {
		s += "IfExists"
	}
	if o.Set != "" {
		s = o.Set + ":" + s
	}
	return s
}
