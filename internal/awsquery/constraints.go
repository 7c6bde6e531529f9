package awsquery

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Parameter validation as AWS's Query APIs do it before an operation
// runs: each request parameter is checked against the constraints its
// action's API reference gives it (length, pattern, valid values, range,
// number of list members), and every failure is reported in one
// ValidationError, "N validation errors detected: Value 'v' at 'name'
// failed to satisfy constraint: Member must ...; ...". An API gives its
// table of constraints to NewRules (the IAM and STS one is
// internal/iamapi's paramConstraints).
//
// The message forms follow AWS's answers as users have quoted them:
//   - Several failures are joined with "; " after "N validation errors
//     detected: "; for one parameter, the pattern before the lengths.
//   - STS quotes the value ("Value 'a:b' at 'roleSessionName'"); IAM's
//     recent answers leave it out ("Value at 'roleName'"), which also
//     keeps values out of error messages and logs.
//   - A name of an IAM entity (user, group, role, policy, instance
//     profile, MFA device) outside its pattern gets IAM's own message,
//     "The specified value for userName is invalid. It must contain only
//     alphanumeric characters and/or the following: +=,.@_-", when nothing
//     else fails; a name that is also too long gets the generic one.
//
// Choices where the references are silent:
//   - A parameter is checked under its name whatever the action, unless
//     the table has an entry for "Action.Name" (UserName is 64 characters
//     in CreateUser and 128 where it names an existing user; the STS
//     actions differ in DurationSeconds and Policy). A parameter an
//     action does not take is checked all the same.
//   - Lengths count UTF-16 code units, as the services' String lengths do:
//     a character outside the Basic Multilingual Plane counts two.
//   - Errors are listed in the order of the parameters' names (a form
//     keeps no order once parsed).

// Constraint is what an API reference says of one parameter.
type Constraint struct {
	MinLen, MaxLen int // in UTF-16 code units; MaxLen 0: none stated
	// Pattern is the reference's regular expression as it prints it.
	Pattern string
	Enum    []string
	// Number: an integer within [Min, Max].
	Number   bool
	Min, Max int64
	// MaxItems limits the members of a list parameter (checked on the
	// list's name: "Tags" for Tags.member.N.Key).
	MaxItems int
	// EntityName marks the IAM names whose pattern failures get IAM's own
	// message.
	EntityName bool

	re *regexp.Regexp // Pattern compiled for Go, matching the whole value
}

// Rules are an API's parameter constraints, by parameter and by action.
type Rules struct {
	byName   map[string]*Constraint
	byAction map[string]map[string]*Constraint
}

// NewRules files a table of constraints: a parameter, its list members
// written as "Name.member" ("Tags.member.Key"), optionally prefixed by an
// action ("AssumeRole.DurationSeconds"), to its constraint. A pattern
// that does not compile is an error in the table.
func NewRules(table map[string]*Constraint) (*Rules, error) {
	r := &Rules{byName: map[string]*Constraint{}, byAction: map[string]map[string]*Constraint{}}
	for key, c := range table {
		if c.Pattern != "" {
			re, err := CompilePattern(c.Pattern)
			if err != nil {
				return nil, fmt.Errorf("constraint %s: %w", key, err)
			}
			c.re = re
		}
		if op, name, ok := strings.Cut(key, "."); ok && !strings.Contains(key, ".member") {
			if r.byAction[op] == nil {
				r.byAction[op] = map[string]*Constraint{}
			}
			r.byAction[op][name] = c
			continue
		}
		r.byName[key] = c
	}
	return r, nil
}

// Each calls fn with every constraint and the key it was filed under.
func (r *Rules) Each(fn func(key string, c *Constraint)) {
	for k, c := range r.byName {
		fn(k, c)
	}
	for op, byName := range r.byAction {
		for k, c := range byName {
			fn(op+"."+k, c)
		}
	}
}

// Accepts reports whether one value passes the constraint.
func (c *Constraint) Accepts(v string) bool { return len(c.check("v", v, false, nil)) == 0 }

// CompilePattern compiles a reference's pattern to match whole values.
func CompilePattern(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + GoPattern(pattern) + `)$`)
}

// GoPattern writes a reference's pattern for Go's regexp: Java's \uXXXX
// escapes become \x{XXXX}. The references write code points beyond the
// Basic Multilingual Plane with five or six digits (STS's ARNs end with
// \u10000-\u10FFFF); read as four digits and a literal, that range would
// take '0' to U+10FF (DEL and C1 controls among them) and refuse every
// supplementary character, so a run of five or six hex digits naming a
// code point from U+10000 on is read whole.
func GoPattern(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+6 <= len(p) && p[i+1] == 'u' {
			digits := 4
			for n := 6; n > 4; n-- {
				if i+2+n <= len(p) && hexRun(p[i+2:i+2+n]) {
					if v, err := strconv.ParseUint(p[i+2:i+2+n], 16, 32); err == nil && v >= 0x10000 && v <= 0x10FFFF {
						digits = n
						break
					}
				}
			}
			b.WriteString(`\x{` + p[i+2:i+2+digits] + `}`)
			i += 1 + digits
			continue
		}
		if p[i] == '\\' && i+1 < len(p) {
			b.WriteString(p[i : i+2])
			i++
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func hexRun(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// paramFailure is one constraint a parameter failed.
type paramFailure struct {
	key, msg string
	// badName: an entity name outside its pattern.
	badName bool
}

// Check validates the parameters of a request for op; nil when all pass.
// quote says whether messages show the failing value (STS's do, IAM's
// no longer). A valid request costs no allocation.
func (r *Rules) Check(op string, p Params, quote bool) *Error {
	var failures []paramFailure
	var members map[string]map[string]bool // list name → member numbers
	for k, vs := range p {
		shape := k
		if strings.Contains(k, ".member.") {
			var list, n string
			shape, list, n = ParamShape(k)
			if members == nil {
				members = map[string]map[string]bool{}
			}
			if members[list] == nil {
				members[list] = map[string]bool{}
			}
			members[list][n] = true
		}
		if c := r.Lookup(op, shape); c != nil {
			for _, v := range vs {
				failures = c.check(k, v, quote, failures)
			}
		}
	}
	for list, numbers := range members {
		if c := r.Lookup(op, list); c != nil && c.MaxItems > 0 && len(numbers) > c.MaxItems {
			failures = append(failures, paramFailure{key: list, msg: failure(listValue(p, list), LowerFirst(list), quote,
				fmt.Sprintf("have length less than or equal to %d", c.MaxItems))})
		}
	}
	if len(failures) == 0 {
		return nil
	}
	// In the order of the parameters' names; a parameter's own failures
	// keep their order.
	slices.SortStableFunc(failures, func(a, b paramFailure) int { return strings.Compare(a.key, b.key) })
	if len(failures) == 1 && failures[0].badName {
		return &Error{Status: 400, Code: "ValidationError", Message: "The specified value for " + Location(failures[0].key) +
			" is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"}
	}
	msgs := make([]string, len(failures))
	for i, f := range failures {
		msgs[i] = f.msg
	}
	if len(msgs) == 1 {
		return &Error{Status: 400, Code: "ValidationError", Message: "1 validation error detected: " + msgs[0]}
	}
	return &Error{Status: 400, Code: "ValidationError",
		Message: fmt.Sprintf("%d validation errors detected: %s", len(msgs), strings.Join(msgs, "; "))}
}

func failure(v, where string, quote bool, must string) string {
	if quote {
		return "Value '" + v + "' at '" + where + "' failed to satisfy constraint: Member must " + must
	}
	return "Value at '" + where + "' failed to satisfy constraint: Member must " + must
}

// Lookup is the constraint of a parameter (its shape: Tags.member.Key)
// in op: op's own, else the one for every action.
func (r *Rules) Lookup(op, shape string) *Constraint {
	if c := r.byAction[op][shape]; c != nil {
		return c
	}
	return r.byName[shape]
}

// Location is where AWS's messages place a parameter (see ParamShape).
func Location(key string) string {
	if !strings.Contains(key, ".") {
		return LowerFirst(key)
	}
	parts := strings.Split(key, ".")
	w := make([]string, 0, len(parts))
	for i := 0; i < len(parts); i++ {
		if parts[i] == "member" && i+1 < len(parts) && isDigits(parts[i+1]) {
			w = append(w, parts[i+1], "member")
			i++
			continue
		}
		w = append(w, LowerFirst(parts[i]))
	}
	return strings.Join(w, ".")
}

// ParamShape turns the form key of a list member into its table name,
// the list and the member's number: Tags.member.2.Key has the shape
// Tags.member.Key and is member 2 of the list Tags. AWS's messages
// locate it at tags.2.member.key (Location).
func ParamShape(key string) (shape, list, n string) {
	parts := strings.Split(key, ".")
	s := make([]string, 0, len(parts))
	for i := 0; i < len(parts); i++ {
		if parts[i] == "member" && i+1 < len(parts) && isDigits(parts[i+1]) {
			if list == "" {
				list, n = strings.Join(s, "."), parts[i+1]
			}
			s = append(s, "member")
			i++
			continue
		}
		s = append(s, parts[i])
	}
	return strings.Join(s, "."), list, n
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// listValue prints a list as AWS's messages show a value: its members in
// brackets, a member with fields as {Field=value, ...}.
func listValue(p Params, list string) string {
	var out []string
	for i := 1; ; i++ {
		prefix := fmt.Sprintf("%s.member.%d", list, i)
		if v, ok := p[prefix]; ok {
			out = append(out, v[0])
			continue
		}
		var fields []string
		for k, v := range p {
			if f, ok := strings.CutPrefix(k, prefix+"."); ok {
				fields = append(fields, f+"="+v[0])
			}
		}
		if fields == nil {
			break
		}
		sort.Strings(fields)
		out = append(out, "{"+strings.Join(fields, ", ")+"}")
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// check appends the constraints value v of parameter key fails: the
// pattern first, then the lengths, as AWS lists them.
func (c *Constraint) check(key, v string, quote bool, failures []paramFailure) []paramFailure {
	fail := func(must string, badName bool) {
		failures = append(failures, paramFailure{key: key, msg: failure(v, Location(key), quote, must), badName: badName})
	}
	if c.Number {
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil:
			fail("be a number", false)
		case n < c.Min:
			fail(fmt.Sprintf("have value greater than or equal to %d", c.Min), false)
		case n > c.Max:
			fail(fmt.Sprintf("have value less than or equal to %d", c.Max), false)
		}
		return failures
	}
	if c.Enum != nil {
		if !slices.Contains(c.Enum, v) {
			fail("satisfy enum value set: ["+strings.Join(c.Enum, ", ")+"]", false)
		}
		return failures
	}
	// Go's regexp reads a byte that is not UTF-8 as U+FFFD, which the
	// broad patterns take: a value that is not UTF-8 fails its pattern.
	if c.re != nil && (!utf8.ValidString(v) || !c.re.MatchString(v)) {
		fail("satisfy regular expression pattern: "+c.Pattern, c.EntityName)
	}
	n := utf16Len(v)
	if n < c.MinLen {
		fail(fmt.Sprintf("have length greater than or equal to %d", c.MinLen), false)
	}
	if c.MaxLen > 0 && n > c.MaxLen {
		fail(fmt.Sprintf("have length less than or equal to %d", c.MaxLen), false)
	}
	return failures
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
