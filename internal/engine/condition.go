package engine

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/policy"
)

// opFamily is the comparison an operator makes.
type opFamily uint8

const (
	famStringEquals opFamily = iota + 1
	famStringEqualsIgnoreCase
	famStringLike
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famArn
	famNull
)

// cmpKind is the ordering test of Numeric and Date operators.
type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpLT
	cmpLE
	cmpGT
	cmpGE
)

type setKind uint8

const (
	setNone setKind = iota
	setForAll
	setForAny
)

type opInfo struct {
	fam     opFamily
	cmp     cmpKind
	negated bool
}

var opTable = map[string]opInfo{
	"StringEquals":              {fam: famStringEquals},
	"StringNotEquals":           {fam: famStringEquals, negated: true},
	"StringEqualsIgnoreCase":    {fam: famStringEqualsIgnoreCase},
	"StringNotEqualsIgnoreCase": {fam: famStringEqualsIgnoreCase, negated: true},
	"StringLike":                {fam: famStringLike},
	"StringNotLike":             {fam: famStringLike, negated: true},
	"NumericEquals":             {fam: famNumeric, cmp: cmpEq},
	"NumericNotEquals":          {fam: famNumeric, cmp: cmpEq, negated: true},
	"NumericLessThan":           {fam: famNumeric, cmp: cmpLT},
	"NumericLessThanEquals":     {fam: famNumeric, cmp: cmpLE},
	"NumericGreaterThan":        {fam: famNumeric, cmp: cmpGT},
	"NumericGreaterThanEquals":  {fam: famNumeric, cmp: cmpGE},
	"DateEquals":                {fam: famDate, cmp: cmpEq},
	"DateNotEquals":             {fam: famDate, cmp: cmpEq, negated: true},
	"DateLessThan":              {fam: famDate, cmp: cmpLT},
	"DateLessThanEquals":        {fam: famDate, cmp: cmpLE},
	"DateGreaterThan":           {fam: famDate, cmp: cmpGT},
	"DateGreaterThanEquals":     {fam: famDate, cmp: cmpGE},
	"Bool":                      {fam: famBool},
	"BinaryEquals":              {fam: famBinary},
	"IpAddress":                 {fam: famIP},
	"NotIpAddress":              {fam: famIP, negated: true},
	"ArnEquals":                 {fam: famArn},
	"ArnLike":                   {fam: famArn},
	"ArnNotEquals":              {fam: famArn, negated: true},
	"ArnNotLike":                {fam: famArn, negated: true},
	"Null":                      {fam: famNull},
}

// condition is one compiled operator/key/values triple.
type condition struct {
	src      *policy.Condition
	key      string // lower-cased
	op       opInfo
	set      setKind
	ifExists bool
	// broken: a policy value does not parse for the operator (say "abc"
	// under NumericLessThan). Such a condition never matches.
	broken bool
	// hasVar: some String or ARN value holds a policy variable.
	hasVar bool
	values []condValue
}

type condValue struct {
	str    pattern // string and Like operators
	arn    arnPattern
	num    decimal
	date   time.Time
	prefix netip.Prefix
	bool   bool
	bin    []byte
}

func compileCondition(c *policy.Condition, vars bool) condition {
	pop, _ := policy.ParseOperator(c.Operator) // the parser accepted it
	cc := condition{
		src:      c,
		key:      strings.ToLower(c.Key),
		op:       opTable[pop.Base],
		ifExists: pop.IfExists,
		values:   make([]condValue, len(c.Values.Items)),
	}
	switch pop.Set {
	case "ForAllValues":
		cc.set = setForAll
	case "ForAnyValue":
		cc.set = setForAny
	}
	for i, raw := range c.Values.Items {
		v := &cc.values[i]
		ok := true
		switch cc.op.fam {
		case famStringEquals, famStringEqualsIgnoreCase:
			v.str = compilePattern(raw, false, vars)
			cc.hasVar = cc.hasVar || v.str.hasVar
		case famStringLike:
			v.str = compilePattern(raw, true, vars)
			cc.hasVar = cc.hasVar || v.str.hasVar
		case famArn:
			v.arn = compileARNPattern(raw, vars)
			cc.hasVar = cc.hasVar || v.arn.hasVar()
		case famNumeric:
			v.num, ok = parseDecimal(raw)
		case famDate:
			v.date, ok = parseDate(raw)
		case famBool, famNull:
			switch strings.ToLower(raw) {
			case "true":
				v.bool = true
			case "false":
			default:
				ok = false
			}
		case famBinary:
			b, err := base64.StdEncoding.DecodeString(raw)
			v.bin, ok = b, err == nil
		case famIP:
			v.prefix, ok = parseCIDR(raw)
		}
		if !ok {
			cc.broken = true
		}
	}
	return cc
}

// parseCIDR reads an IPv4 or IPv6 CIDR block; a bare address is a /32 or
// /128.
func parseCIDR(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// evalCondition decides one condition against the request context.
func (c *condition) eval(st *state) bool {
	vals, present := st.req.lookup(c.key)
	if !present {
		st.missing(c)
	}
	if c.broken && (c.op.fam == famNull || !(c.ifExists || c.set == setForAll)) {
		// A value that does not parse for the operator matches nothing.
		// Under IfExists and ForAllValues the key's absence decides first
		// (below), before any value is read.
		return false
	}
	if c.op.fam == famNull {
		// Null: true means "the key is absent"; false means "present".
		absent := !present || len(vals) == 0
		for i := range c.values {
			if c.values[i].bool == absent {
				return true
			}
		}
		return false
	}
	if !present || len(vals) == 0 {
		switch {
		case c.set == setForAll:
			return true
		case c.set == setForAny:
			return false
		case c.ifExists:
			return true
		}
		return c.op.negated
	}
	if c.broken {
		return false
	}
	if c.op.negated && c.hasVar && !c.valuesResolve(st) {
		// A variable AWS cannot resolve may make the whole statement
		// invalid ("Variables and tags"): a negated operator cannot say
		// the request's value differs from a value it cannot know, so
		// the condition does not hold, as a NotResource with such a
		// variable does not apply. (A positive operator's unresolvable
		// value already matches nothing.)
		return false
	}
	switch c.set {
	case setForAll:
		for _, v := range vals {
			m, ok := c.matchValue(v, st)
			if !ok {
				return false
			}
			if m == c.op.negated {
				return false
			}
		}
		return true
	case setForAny:
		for _, v := range vals {
			m, ok := c.matchValue(v, st)
			if !ok {
				return false
			}
			if m != c.op.negated {
				return true
			}
		}
		return false
	}
	// Without a set operator, a key with several values matches when any
	// of them does; a negated operator matches when none does.
	any := false
	for _, v := range vals {
		m, ok := c.matchValue(v, st)
		if !ok {
			return false
		}
		if m {
			any = true
			break
		}
	}
	return any != c.op.negated
}

// valuesResolve reports whether every variable in the condition's values
// has a value in this request.
func (c *condition) valuesResolve(st *state) bool {
	for i := range c.values {
		switch c.op.fam {
		case famArn:
			if !c.values[i].arn.resolves(st) {
				return false
			}
		default:
			if !c.values[i].str.resolves(st) {
				return false
			}
		}
	}
	return true
}

// matchValue reports whether one request value matches any of the
// policy's values, before negation. ok is false when the request value
// cannot be read as the operator's type, which makes the condition false.
func (c *condition) matchValue(v string, st *state) (matched, ok bool) {
	switch c.op.fam {
	case famStringEquals, famStringEqualsIgnoreCase, famStringLike:
		fold := c.op.fam == famStringEqualsIgnoreCase
		for i := range c.values {
			// An unresolvable variable matches nothing (and a negated
			// operator does not hold: eval).
			if m, _ := c.values[i].str.match(v, st, fold); m {
				return true, true
			}
		}
		return false, true
	case famArn:
		split := splitARN(v)
		for i := range c.values {
			if m, _ := c.values[i].arn.match(v, &split, st); m {
				return true, true
			}
		}
		return false, true
	case famNumeric:
		n, ok := parseDecimal(v)
		if !ok {
			return false, false
		}
		for i := range c.values {
			if compareOK(n.cmp(c.values[i].num), c.op.cmp) {
				return true, true
			}
		}
		return false, true
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return false, false
		}
		for i := range c.values {
			if compareOK(t.Compare(c.values[i].date), c.op.cmp) {
				return true, true
			}
		}
		return false, true
	case famBool:
		var b bool
		switch {
		case strings.EqualFold(v, "true"):
			b = true
		case strings.EqualFold(v, "false"):
		default:
			return false, false
		}
		for i := range c.values {
			if c.values[i].bool == b {
				return true, true
			}
		}
		return false, true
	case famBinary:
		var buf [512]byte
		if base64.StdEncoding.DecodedLen(len(v)) > len(buf) {
			return false, false
		}
		n, err := base64.StdEncoding.Decode(buf[:], []byte(v))
		if err != nil {
			return false, false
		}
		for i := range c.values {
			if string(c.values[i].bin) == string(buf[:n]) {
				return true, true
			}
		}
		return false, true
	case famIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			// A request may carry a CIDR; take its address.
			p, perr := netip.ParsePrefix(v)
			if perr != nil {
				return false, false
			}
			a = p.Addr()
		}
		a = a.Unmap()
		for i := range c.values {
			if c.values[i].prefix.Contains(a) {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

func compareOK(c int, k cmpKind) bool {
	switch k {
	case cmpEq:
		return c == 0
	case cmpLT:
		return c < 0
	case cmpLE:
		return c <= 0
	case cmpGT:
		return c > 0
	case cmpGE:
		return c >= 0
	}
	return false
}

// decimal is an exact decimal number held as its digits, so comparing
// large integers or long fractions loses nothing to floating point.
type decimal struct {
	neg   bool
	whole string // no leading zeros
	frac  string // no trailing zeros
}

// parseDecimal reads [+-]digits[.digits] or [+-].digits.
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	if s == "" {
		return d, false
	}
	switch s[0] {
	case '-':
		d.neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return d, false
	}
	if !allDigits(whole) || !allDigits(frac) {
		return d, false
	}
	d.whole = strings.TrimLeft(whole, "0")
	d.frac = strings.TrimRight(frac, "0")
	if d.whole == "" && d.frac == "" {
		d.neg = false // -0 == 0
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (a decimal) cmp(b decimal) int {
	if a.neg != b.neg {
		if a.neg {
			return -1
		}
		return 1
	}
	c := a.cmpAbs(b)
	if a.neg {
		return -c
	}
	return c
}

func (a decimal) cmpAbs(b decimal) int {
	if len(a.whole) != len(b.whole) {
		if len(a.whole) < len(b.whole) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.whole, b.whole); c != 0 {
		return c
	}
	return strings.Compare(a.frac, b.frac)
}

// parseDate reads the date forms AWS accepts: W3C ISO 8601 (a date, or a
// date and time with or without seconds, fraction and zone) or epoch
// seconds.
func parseDate(s string) (time.Time, bool) {
	if s != "" && allDigits(strings.TrimPrefix(s, "-")) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0), true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
	"2006-01",
	"2006",
}

// ConditionValueProblem says why value cannot be a value of operator op
// (a malformed number, date, CIDR, boolean or base64 value), or "" when
// it can. String and ARN operators take any text.
func ConditionValueProblem(op policy.ParsedOperator, value string) string {
	info, ok := opTable[op.Base]
	if !ok {
		return "unknown operator"
	}
	switch info.fam {
	case famNumeric:
		if _, ok := parseDecimal(value); !ok {
			return "not a number (policy variables are not allowed here)"
		}
	case famDate:
		if _, ok := parseDate(value); !ok {
			return "not a date (ISO 8601, such as 2026-01-31T00:00:00Z, or epoch seconds)"
		}
	case famIP:
		if _, ok := parseCIDR(value); !ok {
			return "not an IPv4 or IPv6 address or CIDR block"
		}
	case famBool, famNull:
		if !strings.EqualFold(value, "true") && !strings.EqualFold(value, "false") {
			return "not true or false"
		}
	case famBinary:
		if _, err := base64.StdEncoding.DecodeString(value); err != nil {
			return "not base64"
		}
	}
	return ""
}
