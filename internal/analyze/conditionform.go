package analyze

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
)

// checkConditionForm applies the checks on one condition's operator and
// values that Access Analyzer makes of any policy: a wildcard where the
// operator takes none, both booleans, Null under a set operator, private
// addresses in aws:SourceIp, CIDR blocks with host bits, VPC and VPC
// endpoint IDs, deprecated keys and numeric values that add nothing.
func (a *analyzer) checkConditionForm(s *policy.Statement, c *policy.Condition, op policy.ParsedOperator) {
	key := strings.ToLower(c.Key)
	at := func(i int) (int, string) { return c.Values.Offsets[i], itemPath(c.Path, &c.Values, i) }
	stmt := []int{s.Index}
	switch op.Base {
	case "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		for i, v := range c.Values.Items {
			if strings.ContainsAny(withoutVariables(v), "*?") {
				off, p := at(i)
				a.addFix(CodeWildcardWithoutLike, off, p, stmt, "use "+likeOperator(op)+" to match a pattern, or remove the wildcard",
					"%s compares %s with %q character for character: the * or ? matches only itself", c.Operator, c.Key, v)
			}
		}
	case "Bool":
		seen := map[string]bool{}
		for _, v := range c.Values.Items {
			seen[strings.ToLower(v)] = true
		}
		if seen["true"] && seen["false"] {
			a.add(CodeInvalidConditionValue, c.KeyOffset, c.Path, stmt,
				"Bool on %s lists both true and false, so it holds whenever the key is present: name one", c.Key)
			a.issue("INVALID_CONDITION_MULTIPLE_BOOLEAN")
		}
	case "Null":
		if op.Set != "" {
			a.add(CodeNullWithSetOperator, c.OperatorOffset, c.Path, stmt,
				"%s: Null tests whether %s is present, which a set operator adds nothing to; use Null", c.Operator, c.Key)
		}
	case "IpAddress", "NotIpAddress":
		if key == "aws:sourceip" {
			a.checkPrivateAddresses(s, c, op)
		}
		for i, v := range c.Values.Items {
			if pre, err := netip.ParsePrefix(v); err == nil && pre.Masked() != pre {
				off, p := at(i)
				a.addFix(CodeIPRangeNotCanonical, off, p, stmt, "write "+pre.Masked().String(),
					"%q has bits set past its /%d prefix; it means %s", v, pre.Bits(), pre.Masked())
			}
		}
	case "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
		if op.Set == "" && len(c.Values.Items) > 1 {
			a.add(CodeRedundantConditionValue, c.KeyOffset, c.Path, stmt,
				"%s with %d values holds when any of them does, so only the %s one counts", c.Operator, len(c.Values.Items), boundWord(op.Base))
		}
	}
	if strings.HasPrefix(op.Base, "String") {
		for format, re := range vpcFormats {
			if key != format.key {
				continue
			}
			for i, v := range c.Values.Items {
				if !re.MatchString(v) && !strings.ContainsAny(v, "*?$") {
					off, p := at(i)
					a.add(CodeInvalidConditionValue, off, p, stmt, "%q is not a %s ID (%s followed by hexadecimal digits)", v, format.what, format.prefix)
					a.issue(format.check)
				}
			}
		}
	}
	if d, ok := deprecatedKeys[key]; ok {
		a.addFix(CodeDeprecatedConditionKey, c.KeyOffset, c.Path, stmt, "use "+d, "%s is deprecated; use %s", c.Key, d)
	}
}

// withoutVariables drops the policy variables from a value, whose braces
// and default values are not wildcards.
func withoutVariables(v string) string {
	return variableToStar.ReplaceAllString(v, "")
}

// likeOperator is the pattern-matching operator for a string one.
func likeOperator(op policy.ParsedOperator) string {
	base := "StringLike"
	if strings.Contains(op.Base, "Not") {
		base = "StringNotLike"
	}
	return policy.ParsedOperator{Set: op.Set, Base: base, IfExists: op.IfExists}.String()
}

func boundWord(op string) string {
	if strings.HasPrefix(op, "NumericLess") {
		return "largest"
	}
	return "smallest"
}

// vpcFormats are the shapes of the VPC and VPC endpoint IDs aws:SourceVpc
// and aws:SourceVpce compare with.
var vpcFormats = map[struct{ key, what, prefix, check string }]*regexp.Regexp{
	{"aws:sourcevpc", "VPC", "vpc-", "INVALID_VPC_FORMAT"}:             regexp.MustCompile(`^vpc-[0-9a-f]{8}([0-9a-f]{9})?$`),
	{"aws:sourcevpce", "VPC endpoint", "vpce-", "INVALID_VPCE_FORMAT"}: regexp.MustCompile(`^vpce-[0-9a-f]{8}([0-9a-f]{9})?$`),
}

// deprecatedKeys are global condition keys AWS has replaced.
var deprecatedKeys = map[string]string{"aws:arn": "aws:SourceArn"}

// privateRanges are the addresses no request to a public endpoint comes
// from: aws:SourceIp holds the public address a request arrives from, and
// a request through a VPC endpoint has no aws:SourceIp at all (it has
// aws:VpcSourceIp).
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("fc00::/7"),
}

func isPrivate(v string) bool {
	pre, err := netip.ParsePrefix(v)
	if err != nil {
		addr, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		pre = netip.PrefixFrom(addr, addr.BitLen())
	}
	for _, r := range privateRanges {
		if r.Bits() <= pre.Bits() && r.Contains(pre.Addr()) {
			return true
		}
	}
	return false
}

func (a *analyzer) checkPrivateAddresses(s *policy.Statement, c *policy.Condition, op policy.ParsedOperator) {
	var private []int
	for i, v := range c.Values.Items {
		if isPrivate(v) {
			private = append(private, i)
		}
	}
	if len(private) == 0 {
		return
	}
	not := op.Base == "NotIpAddress"
	if len(private) == len(c.Values.Items) {
		a.addFix(CodePrivateIP, c.KeyOffset, c.Path, []int{s.Index},
			"for requests from a VPC use aws:SourceVpc, aws:SourceVpce or aws:VpcSourceIp; aws:SourceIp is the public address",
			"aws:SourceIp is never a private address (%s), so %s %s", c.Values.Items[0], c.Operator, map[bool]string{false: "never holds", true: "always holds"}[not])
		if not {
			a.issue("PRIVATE_NOT_IP_ADDRESS")
		}
		return
	}
	i := private[0]
	a.addFix(CodePrivateIPSubset, c.Values.Offsets[i], itemPath(c.Path, &c.Values, i), []int{s.Index},
		"remove the private ranges, or test them with aws:VpcSourceIp",
		"aws:SourceIp is never a private address, so %q in %s matches nothing", c.Values.Items[i], c.Operator)
	if not {
		a.issue("PRIVATE_NOT_IP_ADDRESS_SUBSET")
	}
}

// isTagKey reports whether a key is one of the global keys that test
// tags, which a service supports or not action by action.
func isTagKey(key string) bool {
	l := strings.ToLower(key)
	return strings.HasPrefix(l, "aws:resourcetag/") || strings.HasPrefix(l, "aws:requesttag/") || l == "aws:tagkeys"
}

// checkTagConditionServices reports the services of a statement's
// actions none of which supports a tag condition key: a Deny conditioned
// on the key never applies to them (the key is absent, the condition
// false), an Allow never grants them.
func (a *analyzer) checkTagConditionServices(s *policy.Statement, c *policy.Condition, acts []*catalog.Action) {
	if !isTagKey(c.Key) || len(acts) == 0 {
		return
	}
	byService := map[string][]*catalog.Action{}
	var order []string
	for _, act := range acts {
		if byService[act.Service] == nil {
			order = append(order, act.Service)
		}
		byService[act.Service] = append(byService[act.Service], act)
	}
	var unsupported []string
	for _, svc := range order {
		if !anySupports(byService[svc], c.Key) {
			unsupported = append(unsupported, svc)
		}
	}
	if len(unsupported) == 0 {
		return
	}
	if s.Effect == policy.Deny {
		a.addFix(CodeDenyTagConditionUnsupported, c.KeyOffset, c.Path, []int{s.Index},
			"deny those services' actions in a statement without the tag condition, or with a key they support",
			"%s does not support %s, so this Deny never applies to %s actions: the key is absent and the condition false", list(unsupported, 4), c.Key, list(unsupported, 4))
		return
	}
	a.addFix(CodeAllowTagConditionUnsupported, c.KeyOffset, c.Path, []int{s.Index},
		"grant those services' actions in a statement of their own, scoped by resource",
		"%s does not support %s, so this Allow grants nothing for %s actions", list(unsupported, 4), c.Key, list(unsupported, 4))
}

// valueCheck is the Access Analyzer check of a condition value that does
// not read for its operator: by the operator's family, or the variable
// in it where the operator takes none.
func valueCheck(op policy.ParsedOperator, v string) string {
	if strings.Contains(v, "${") {
		return "INVALID_VARIABLE_FOR_OPERATOR"
	}
	switch {
	case op.Base == "Bool":
		return "TYPE_MISMATCH_BOOLEAN"
	case strings.HasPrefix(op.Base, "Date"):
		return "TYPE_MISMATCH_DATE"
	case strings.HasPrefix(op.Base, "Numeric"):
		return "TYPE_MISMATCH_NUMBER"
	case strings.HasPrefix(op.Base, "Binary"):
		return "TYPE_MISMATCH_STRING"
	case strings.Contains(op.Base, "IpAddress"):
		return "TYPE_MISMATCH_IP_RANGE"
	}
	return "INVALID_CONDITION_DATA_TYPE"
}

// untrustworthyKeys are keys whose value the caller writes itself, so a
// condition on them controls nothing (IAM User Guide, global condition
// keys: aws:Referer "is not safe", aws:UserAgent "can be spoofed").
var untrustworthyKeys = map[string]bool{"aws:referer": true, "aws:useragent": true}

// pairedKeys are keys that only hold their meaning beside another in the
// same condition block: an address inside a VPC names no VPC, the
// attributes a DynamoDB request returns are not limited unless its Select
// is too.
var pairedKeys = map[string]struct{ with, check, why string }{
	"aws:vpcsourceip":     {"aws:SourceVpc", "MISSING_PAIRED_CONDITION_KEYS", "the same private address exists in every VPC"},
	"dynamodb:attributes": {"dynamodb:Select", "DYNAMODB_ATTRIBUTES_WITHOUT_SELECT", "a Query or Scan with Select ALL_ATTRIBUTES returns every attribute"},
}

// checkKeyUse applies the checks that need the key's entry in the
// catalog: its type and whether it holds several values, and the keys
// whose use in a condition says less than it seems.
func (a *analyzer) checkKeyUse(s *policy.Statement, c *policy.Condition, op policy.ParsedOperator, key *catalog.ConditionKey) {
	lk := strings.ToLower(c.Key)
	stmt := []int{s.Index}
	if op.Set == "" && key.Multivalued() && op.Base != "Null" {
		a.addFix(CodeMissingSetOperator, c.OperatorOffset, c.Path, stmt, "write ForAnyValue:"+c.Operator+" (any of the request's values) or ForAllValues:"+c.Operator+" (every one of them)",
			"%s holds several values (%s), and %s without ForAnyValue or ForAllValues compares them in a way the documentation leaves undefined", key.Key, key.Type, c.Operator)
	}
	// Without a wildcard StringLike compares exactly, as ArnEquals does.
	if (op.Base == "StringLike" || op.Base == "StringNotLike") && strings.HasPrefix(strings.ToLower(key.Type), "arn") && anyWildcard(c.Values.Items) {
		a.addFix(CodeStringOperatorOnARN, c.OperatorOffset, c.Path, stmt, "use "+strings.Replace(c.Operator, "String", "Arn", 1),
			"%s is an ARN; %s matches it as plain text, where a * runs across the ARN's : separators", key.Key, c.Operator)
	}
	if lk == "s3:prefix" && (s.Effect == policy.Deny) != strings.Contains(op.Base, "Not") {
		a.addFix(CodeS3PrefixNegated, c.KeyOffset, c.Path, stmt, "allow the prefixes that may be listed instead of denying the others",
			"s3:prefix in a %s: a request with a shorter prefix, or none, is not matched, so the listing is not blocked", map[bool]string{true: "Deny", false: "negated operator"}[s.Effect == policy.Deny])
	}
	if untrustworthyKeys[lk] && s.Effect == policy.Allow {
		a.addFix(CodeUntrustworthyConditionKey, c.KeyOffset, c.Path, stmt, "scope the grant with a key the caller cannot set (aws:SourceVpce, aws:PrincipalOrgID, aws:SourceIp)",
			"the caller sets %s itself, so this condition lets in whoever copies the expected value", c.Key)
	}
	if p, ok := pairedKeys[lk]; ok && !constrains(s, func(k string) bool { return k == strings.ToLower(p.with) }) {
		a.addFix(CodeMissingPairedConditionKey, c.KeyOffset, c.Path, stmt, "add a condition on "+p.with+" beside it",
			"%s without %s: %s", c.Key, p.with, p.why)
		a.issue(p.check)
	}
	if lk == "aws:requestedregion" && strings.HasPrefix(op.Base, "String") {
		for i, v := range c.Values.Items {
			if !strings.ContainsAny(v, "*?$") && !regionRE.MatchString(v) {
				a.add(CodeInvalidConditionValue, c.Values.Offsets[i], itemPath(c.Path, &c.Values, i), stmt, "%q is not an AWS Region, so no request names it", v)
				a.issue("INVALID_REGION")
			}
		}
	}
	if !op.IfExists && op.Set == "" && len(c.Values.Items) == 1 && c.Values.Items[0] == "*" && (strings.HasSuffix(op.Base, "Like")) {
		null := "false"
		if strings.Contains(op.Base, "Not") {
			null = "true"
		}
		a.addFix(CodeEquivalentToNull, c.OperatorOffset, c.Path, stmt, fmt.Sprintf(`write "Null": {%q: %q}`, c.Key, null),
			"%s %q on %s only tests whether the key is present", c.Operator, "*", c.Key)
		a.issue("EQUIVALENT_TO_NULL_" + strings.ToUpper(null))
	}
}

// setOperatorCheck is the Access Analyzer check of a set operator on a
// single-valued key: a token's audience has checks of its own, and only
// ForAllValues has one otherwise.
func setOperatorCheck(op policy.ParsedOperator, key *catalog.ConditionKey) string {
	if key.Federated && strings.HasSuffix(strings.ToLower(key.Key), ":aud") {
		if op.Set == "ForAnyValue" {
			return "FORANYVALUE_WITH_AUDIENCE_CLAIM_TYPE"
		}
		return "CONFIRM_AUDIENCE_CLAIM_TYPE"
	}
	if op.Set == "ForAllValues" {
		return "FORALLVALUES_WITH_SINGLE_VALUED_KEY"
	}
	return ""
}

func anyWildcard(vals []string) bool {
	for _, v := range vals {
		if strings.ContainsAny(withoutVariables(v), "*?") {
			return true
		}
	}
	return false
}
