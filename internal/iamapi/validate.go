package iamapi

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wardhq/ward/internal/awsquery"
)

func init() {
	for key, c := range paramConstraints {
		if c.pattern != "" {
			c.re = mustCompilePattern(c.pattern)
		}
		if op, name, ok := strings.Cut(key, "."); ok && !strings.Contains(key, ".member") {
			if actionConstraints[op] == nil {
				actionConstraints[op] = map[string]*constraint{}
			}
			actionConstraints[op][name] = c
			delete(paramConstraints, key)
		}
	}
}

// Parameter validation as IAM and STS do it before an operation runs:
// each request parameter is checked against the constraints its action's
// API reference gives it (length, pattern, valid values, range, number of
// list members), and every failure is reported in one ValidationError,
// "N validation errors detected: Value 'v' at 'name' failed to satisfy
// constraint: Member must ...; ...". The constraints are a table,
// paramConstraints, written from the IAM and STS API references (the
// Request Parameters of each action and of the Tag, ContextEntry and
// PolicyDescriptorType types); the operations keep their own checks of
// what no constraint says (quotas, documents, names that must exist).
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

// constraint is what an API reference says of one parameter.
type constraint struct {
	minLen, maxLen int // in UTF-16 code units; maxLen 0: none stated
	// pattern is the reference's regular expression as it prints it;
	// re is it compiled for Go, matching the whole value.
	pattern string
	re      *regexp.Regexp
	enum    []string
	// number: an integer within [min, max].
	number   bool
	min, max int64
	// maxItems limits the members of a list parameter (checked on the
	// list's name: "Tags" for Tags.member.N.Key).
	maxItems int
	// entityName marks the IAM names whose pattern failures get IAM's own
	// message.
	entityName bool
}

// Patterns the references use more than once.
const (
	patName       = `[\w+=,.@-]+`
	patPath       = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
	patPathPrefix = `\u002F[\u0021-\u007F]*`
	patDocument   = `[\u0009\u000A\u000D\u0020-\u00FF]+`
	patTagKey     = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	patTagValue   = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	patMarker     = `[\u0020-\u00FF]+`
	patRoleDesc   = `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`
	patSession    = `[\w+=,.@-]*`
	patSerialIAM  = `[\w+=/:,.@-]+`
	patSerialSTS  = `[\w+=/:,.@-]*`
	patCode       = `[\d]+`
	patCodeSTS    = `[\d]*`
	patPolicyPath = `((/[A-Za-z0-9\.,\+@=_-]+)*)/`
	patSTSARN     = `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`
	patAccessKey  = `[\w]+`
	patVersionID  = `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`
	// patText is what XML 1.0 can carry, for the free-text parameters the
	// references give no pattern (CreatePolicy's Description, only "at most
	// 1,000 characters"; URLs, client IDs, IAM's ARNs, the simulator's
	// names and context values). What IAM does with a control character
	// in them is not documented; ward takes the closed side and refuses
	// it (and, in check, bytes that are not UTF-8), since a value stored
	// with one would make every listing that shows it unparseable.
	patText = `[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\x{10000}-\x{10FFFF}]*`
)

func text(minLen, maxLen int, pattern string) *constraint {
	return &constraint{minLen: minLen, maxLen: maxLen, pattern: pattern}
}

func name(maxLen int) *constraint {
	return &constraint{minLen: 1, maxLen: maxLen, pattern: patName, entityName: true}
}

func number(min, max int64) *constraint { return &constraint{number: true, min: min, max: max} }

func oneOf(values ...string) *constraint { return &constraint{enum: values} }

func items(max int) *constraint { return &constraint{maxItems: max} }

// paramConstraints maps a parameter, its list members written as
// "Name.member" ("Tags.member.Key"), optionally prefixed by an action
// ("AssumeRole.DurationSeconds"), to its constraint.
var paramConstraints = map[string]*constraint{
	// Names and paths. A user's name is 64 characters where a user is
	// created or named anew, 128 where it names an existing user.
	"UserName":                            name(128),
	"CreateUser.UserName":                 name(64),
	"AttachUserPolicy.UserName":           name(64),
	"PutUserPermissionsBoundary.UserName": name(64),
	"NewUserName":                         name(64),
	"GroupName":                           name(128),
	"NewGroupName":                        name(128),
	"RoleName":                            name(64),
	"PolicyName":                          name(128),
	"InstanceProfileName":                 name(128),
	"VirtualMFADeviceName":                name(0),
	"Path":                                text(1, 512, patPath),
	"CreatePolicy.Path":                   text(1, 512, patPolicyPath),
	"NewPath":                             text(1, 512, patPath),
	"PathPrefix":                          text(1, 512, patPathPrefix),
	"ListPolicies.PathPrefix":             text(1, 512, patPolicyPath),
	"ListEntitiesForPolicy.PathPrefix":    text(1, 512, patPath),

	// Documents, descriptions and ARNs (IAM's ARNs have no pattern).
	"PolicyDocument":           text(1, 131072, patDocument),
	"AssumeRolePolicyDocument": text(1, 131072, patDocument),
	"Description":              text(0, 1000, patRoleDesc),
	"CreatePolicy.Description": text(0, 1000, patText),
	"MaxSessionDuration":       number(3600, 43200),
	"PolicyArn":                text(20, 2048, patText),
	"PermissionsBoundary":      text(20, 2048, patText),
	"OpenIDConnectProviderArn": text(20, 2048, patText),
	"VersionId":                text(0, 0, patVersionID),
	"SetAsDefault":             oneOf("true", "false"),
	"OnlyAttached":             oneOf("true", "false"),

	// Tags (IAM's and STS's Tag types are the same).
	"Tags":              items(50),
	"Tags.member.Key":   text(1, 128, patTagKey),
	"Tags.member.Value": text(0, 256, patTagValue),
	"TagKeys":           items(50),
	"TagKeys.member":    text(1, 128, patTagKey),

	// Pagination and list filters.
	"Marker":            text(1, 320, patMarker),
	"MaxItems":          number(1, 1000),
	"Scope":             oneOf("All", "AWS", "Local"),
	"PolicyUsageFilter": oneOf("PermissionsPolicy", "PermissionsBoundary"),
	"EntityFilter":      oneOf("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"),
	"AssignmentStatus":  oneOf("Assigned", "Unassigned", "Any"),
	"Filter.member":     oneOf("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"),

	// Access keys and MFA.
	"AccessKeyId":         text(16, 128, patAccessKey),
	"Status":              oneOf("Active", "Inactive", "Expired"),
	"SerialNumber":        text(9, 256, patSerialIAM),
	"AuthenticationCode1": text(6, 6, patCode),
	"AuthenticationCode2": text(6, 6, patCode),

	// OIDC providers (the numbers of client IDs and thumbprints are
	// quotas, not constraints).
	"Url":                   text(1, 255, patText),
	"ClientIDList.member":   text(1, 255, patText),
	"ThumbprintList.member": text(40, 40, patText),
	"ClientID":              text(1, 255, patText),

	// The simulator. The references give ActionNames and ResourceArns no
	// number of members; ward takes at most 1,000 of each (a service's
	// every action fits), so that the results, actions × resources, paged
	// by MaxItems, stay under a million.
	"ActionNames":            items(1000),
	"ResourceArns":           items(1000),
	"PolicySourceArn":        text(20, 2048, patText),
	"ActionNames.member":     text(3, 128, patText),
	"ResourceArns.member":    text(1, 2048, patText),
	"CallerArn":              text(1, 2048, patText),
	"ResourceOwner":          text(1, 2048, patText),
	"ResourcePolicy":         text(1, 131072, patDocument),
	"PolicyInputList.member": text(1, 131072, patDocument),
	"PermissionsBoundaryPolicyInputList.member":                                      text(1, 131072, patDocument),
	"OrderedOrganizationPolicyInputList":                                             items(7),
	"OrderedOrganizationPolicyInputList.member.ServiceControlPolicyInputList.member": text(1, 131072, patDocument),
	"ContextEntries.member.ContextKeyName":                                           text(5, 256, patText),
	"ContextEntries.member.ContextKeyValues.member":                                  text(0, 0, patText),
	"ContextEntries.member.ContextKeyType": oneOf("string", "stringList", "numeric", "numericList", "boolean", "booleanList",
		"ip", "ipList", "binary", "binaryList", "date", "dateList"),

	// STS.
	"RoleArn":                  text(20, 2048, patSTSARN),
	"RoleSessionName":          text(2, 64, patSession),
	"ExternalId":               text(2, 1224, `[\w+=,.@:\/-]*`),
	"SourceIdentity":           text(2, 64, patSession),
	"TokenCode":                text(6, 6, patCodeSTS),
	"PolicyArns.member.arn":    text(20, 2048, patSTSARN),
	"TransitiveTagKeys":        items(50),
	"TransitiveTagKeys.member": text(1, 128, patTagKey),
	"WebIdentityToken":         text(4, 20000, patText),
	"ProviderId":               text(4, 2048, patText),
	// AssumeRole's session policy lost its maximum length in 2023; the
	// packed size limit applies instead.
	"AssumeRole.Policy":                         text(1, 0, patDocument),
	"GetFederationToken.Policy":                 text(1, 2048, patDocument),
	"AssumeRoleWithWebIdentity.Policy":          text(1, 2048, patDocument),
	"AssumeRole.SerialNumber":                   text(9, 256, patSerialSTS),
	"GetSessionToken.SerialNumber":              text(9, 256, patSerialSTS),
	"GetFederationToken.Name":                   text(2, 32, patSession),
	"AssumeRole.DurationSeconds":                number(900, 43200),
	"AssumeRoleWithWebIdentity.DurationSeconds": number(900, 43200),
	"GetSessionToken.DurationSeconds":           number(900, 129600),
	"GetFederationToken.DurationSeconds":        number(900, 129600),
}

// actionConstraints holds the entries of paramConstraints written
// "Action.Name" (a dot and no list member), by action and name, so a
// request's parameters are looked up without building a key.
var actionConstraints = map[string]map[string]*constraint{}

// mustCompilePattern compiles a reference's pattern to match whole values.
func mustCompilePattern(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`^(?:` + goPattern(pattern) + `)$`)
}

// goPattern writes a reference's pattern for Go's regexp: Java's \uXXXX
// escapes become \x{XXXX}. The references write code points beyond the
// Basic Multilingual Plane with five or six digits (STS's ARNs end with
// \u10000-\u10FFFF); read as four digits and a literal, that range would
// take '0' to U+10FF (DEL and C1 controls among them) and refuse every
// supplementary character, so a run of five or six hex digits naming a
// code point from U+10000 on is read whole.
func goPattern(p string) string {
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

// checkParams validates the parameters of op; nil when all pass. A valid
// request costs no allocation.
func checkParams(op string, p awsquery.Params) *awsquery.Error {
	// STS quotes the failing value; IAM no longer does.
	quote := operations[op].api == stsAPI
	var failures []paramFailure
	var members map[string]map[string]bool // list name → member numbers
	for k, vs := range p {
		shape := k
		if strings.Contains(k, ".member.") {
			var list, n string
			shape, list, n = paramShape(k)
			if members == nil {
				members = map[string]map[string]bool{}
			}
			if members[list] == nil {
				members[list] = map[string]bool{}
			}
			members[list][n] = true
		}
		if c := constraintOf(op, shape); c != nil {
			for _, v := range vs {
				failures = c.check(k, v, quote, failures)
			}
		}
	}
	for list, numbers := range members {
		if c := constraintOf(op, list); c != nil && c.maxItems > 0 && len(numbers) > c.maxItems {
			failures = append(failures, paramFailure{key: list, msg: failure(listValue(p, list), awsquery.LowerFirst(list), quote,
				fmt.Sprintf("have length less than or equal to %d", c.maxItems))})
		}
	}
	if len(failures) == 0 {
		return nil
	}
	// In the order of the parameters' names; a parameter's own failures
	// keep their order.
	slices.SortStableFunc(failures, func(a, b paramFailure) int { return strings.Compare(a.key, b.key) })
	if len(failures) == 1 && failures[0].badName {
		return &awsquery.Error{Status: 400, Code: "ValidationError", Message: "The specified value for " + location(failures[0].key) +
			" is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"}
	}
	msgs := make([]string, len(failures))
	for i, f := range failures {
		msgs[i] = f.msg
	}
	if len(msgs) == 1 {
		return &awsquery.Error{Status: 400, Code: "ValidationError", Message: "1 validation error detected: " + msgs[0]}
	}
	return &awsquery.Error{Status: 400, Code: "ValidationError",
		Message: fmt.Sprintf("%d validation errors detected: %s", len(msgs), strings.Join(msgs, "; "))}
}

func failure(v, where string, quote bool, must string) string {
	if quote {
		return "Value '" + v + "' at '" + where + "' failed to satisfy constraint: Member must " + must
	}
	return "Value at '" + where + "' failed to satisfy constraint: Member must " + must
}

func constraintOf(op, shape string) *constraint {
	if c := actionConstraints[op][shape]; c != nil {
		return c
	}
	return paramConstraints[shape]
}

// location is where AWS's messages place a parameter (see paramShape).
func location(key string) string {
	if !strings.Contains(key, ".") {
		return awsquery.LowerFirst(key)
	}
	parts := strings.Split(key, ".")
	w := make([]string, 0, len(parts))
	for i := 0; i < len(parts); i++ {
		if parts[i] == "member" && i+1 < len(parts) && isDigits(parts[i+1]) {
			w = append(w, parts[i+1], "member")
			i++
			continue
		}
		w = append(w, awsquery.LowerFirst(parts[i]))
	}
	return strings.Join(w, ".")
}

// paramShape turns the form key of a list member into its table name,
// the list and the member's number: Tags.member.2.Key has the shape
// Tags.member.Key and is member 2 of the list Tags. AWS's messages
// locate it at tags.2.member.key (location).
func paramShape(key string) (shape, list, n string) {
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
func listValue(p awsquery.Params, list string) string {
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
func (c *constraint) check(key, v string, quote bool, failures []paramFailure) []paramFailure {
	fail := func(must string, badName bool) {
		failures = append(failures, paramFailure{key: key, msg: failure(v, location(key), quote, must), badName: badName})
	}
	if c.number {
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil:
			fail("be a number", false)
		case n < c.min:
			fail(fmt.Sprintf("have value greater than or equal to %d", c.min), false)
		case n > c.max:
			fail(fmt.Sprintf("have value less than or equal to %d", c.max), false)
		}
		return failures
	}
	if c.enum != nil {
		if !slices.Contains(c.enum, v) {
			fail("satisfy enum value set: ["+strings.Join(c.enum, ", ")+"]", false)
		}
		return failures
	}
	// Go's regexp reads a byte that is not UTF-8 as U+FFFD, which the
	// broad patterns take: a value that is not UTF-8 fails its pattern.
	if c.re != nil && (!utf8.ValidString(v) || !c.re.MatchString(v)) {
		fail("satisfy regular expression pattern: "+c.pattern, c.entityName)
	}
	n := utf16Len(v)
	if n < c.minLen {
		fail(fmt.Sprintf("have length greater than or equal to %d", c.minLen), false)
	}
	if c.maxLen > 0 && n > c.maxLen {
		fail(fmt.Sprintf("have length less than or equal to %d", c.maxLen), false)
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
