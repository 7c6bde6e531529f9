package analyze

import (
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
)

func (a *analyzer) checkConditions(s *policy.Statement) {
	acts, known := a.statementActions(s)
	nullFalse := map[string]bool{} // keys the statement requires present
	for _, c := range s.Conditions {
		if op, _ := policy.ParseOperator(c.Operator); op.Base == "Null" {
			for _, v := range c.Values.Items {
				if strings.EqualFold(v, "false") {
					nullFalse[strings.ToLower(c.Key)] = true
				}
			}
		}
	}
	for _, c := range s.Conditions {
		op, ok := policy.ParseOperator(c.Operator)
		if !ok {
			continue
		}
		for i, v := range c.Values.Items {
			if msg := engine.ConditionValueProblem(op, v); msg != "" {
				a.add(CodeInvalidConditionValue, c.Values.Offsets[i], itemPath(c.Path, &c.Values, i), []int{s.Index},
					"%s value %q for %s is %s; the condition can never be true", c.Operator, v, c.Key, msg)
				a.issue(valueCheck(op, v))
			}
		}
		a.checkConditionForm(s, c, op)
		if op.Set == "ForAllValues" && s.Effect == policy.Allow && !nullFalse[strings.ToLower(c.Key)] {
			a.add(CodeForAllValuesWithoutNull, c.KeyOffset, c.Path, []int{s.Index},
				"ForAllValues on %s is true when the request has no %s at all, so this Allow also grants requests without it", c.Key, c.Key)
		}
		if a.cat == nil {
			continue
		}
		if !strings.Contains(c.Key, ":") {
			a.add(CodeUnknownConditionKey, c.KeyOffset, c.Path, []int{s.Index}, "condition key %q is not of the form service:name (aws:SourceIp, s3:prefix)", c.Key)
			a.issue("INVALID_CONDITION_KEY_FORMAT")
			continue
		}
		if l := strings.ToLower(c.Key); strings.HasSuffix(l, "tag/") && strings.Count(l, "/") == 1 {
			a.add(CodeUnknownConditionKey, c.KeyOffset, c.Path, []int{s.Index}, "condition key %q names no tag: write the tag key after the /", c.Key)
			a.issue("MISSING_TAG_KEY_IN_CONDITION")
			continue
		}
		key, err := a.cat.ConditionKey(c.Key)
		if err != nil {
			continue
		}
		if key == nil {
			a.add(CodeUnknownConditionKey, c.KeyOffset, c.Path, []int{s.Index}, "condition key %q does not exist; the condition tests a key no request carries", c.Key)
			if strings.HasPrefix(strings.ToLower(c.Key), "aws:") {
				a.issue("INVALID_GLOBAL_CONDITION_KEY")
			}
			continue
		}
		a.checkKeyUse(s, c, op, key)
		if op.Set != "" && !key.Multivalued() {
			a.add(CodeSetOperatorSingleValue, c.OperatorOffset, c.Path, []int{s.Index},
				"%s is for multivalued keys, but %s has a single value (%s); use %s", op.Set, key.Key, key.Type, strings.TrimPrefix(c.Operator, op.Set+":"))
			a.issue(setOperatorCheck(op, key))
		}
		if msg := typeMismatch(op, key); msg != "" {
			a.add(CodeConditionTypeMismatch, c.OperatorOffset, c.Path, []int{s.Index}, "%s", msg)
		}
		if known {
			a.checkTagConditionServices(s, c, acts)
		}
		if known && len(acts) > 0 && !strings.HasPrefix(strings.ToLower(c.Key), "aws:") && !anySupports(acts, c.Key) &&
			!(key.Federated && federatedAssume(acts, c.Key)) {
			a.add(CodeConditionKeyNotSupported, c.KeyOffset, c.Path, []int{s.Index},
				"none of the statement's %d actions supports condition key %s, so no request to them carries it", len(acts), key.Key)
		}
	}
}

// federatedAssume reports whether the actions include the federated
// AssumeRole call whose requests carry an identity provider's key: every
// OpenID Connect provider's token claims for AssumeRoleWithWebIdentity,
// SAML's attributes for AssumeRoleWithSAML, whether or not the reference
// lists that provider.
func federatedAssume(acts []*catalog.Action, key string) bool {
	want := "AssumeRoleWithWebIdentity"
	if strings.HasPrefix(strings.ToLower(key), "saml:") {
		want = "AssumeRoleWithSAML"
	}
	for _, a := range acts {
		if a.Service == "sts" && strings.EqualFold(a.Name, want) {
			return true
		}
	}
	return false
}

// anySupports reports whether an action lists the key, for itself or for
// one of its resource types.
func anySupports(acts []*catalog.Action, key string) bool {
	lk := strings.ToLower(key)
	match := func(keys []string) bool {
		for _, k := range keys {
			lkk := strings.ToLower(k)
			if lkk == lk || catalog.TemplateMatch(lkk, lk) {
				return true
			}
		}
		return false
	}
	for _, act := range acts {
		if match(act.ConditionKeys) {
			return true
		}
		for _, r := range act.Resources() {
			if match(r.ConditionKeys) {
				return true
			}
		}
	}
	return false
}

// typeMismatch says why an operator does not fit a key's type, or "".
// String operators are accepted on every key but IP addresses, where they
// compare text and miss every address in a range.
func typeMismatch(op policy.ParsedOperator, key *catalog.ConditionKey) string {
	t := strings.TrimPrefix(key.Type, "ArrayOf")
	fits := func(types ...string) bool {
		for _, x := range types {
			if t == x {
				return true
			}
		}
		return false
	}
	base := op.Base
	switch {
	case base == "Null":
		return ""
	case strings.HasPrefix(base, "String"):
		if fits("IPAddress") {
			return base + " compares " + key.Key + " as text; an IP address key needs IpAddress or NotIpAddress to match CIDR ranges"
		}
		return ""
	case strings.HasPrefix(base, "Numeric"):
		if fits("Numeric") || strings.EqualFold(key.Key, "aws:EpochTime") {
			return ""
		}
	case strings.HasPrefix(base, "Date"):
		if fits("Date") {
			return ""
		}
	case base == "Bool":
		if fits("Bool") {
			return ""
		}
	case base == "IpAddress" || base == "NotIpAddress":
		if fits("IPAddress") {
			return ""
		}
	case strings.HasPrefix(base, "Arn"):
		if fits("ARN", "String") {
			return ""
		}
	default:
		return ""
	}
	return base + " does not fit " + key.Key + ", whose type is " + key.Type
}

func (a *analyzer) checkVersion() {
	if a.p.Version == "" {
		a.add(CodeMissingVersion, 0, "", nil, "the policy has no Version, so IAM reads it as 2008-10-17, where ${...} policy variables are plain text")
	}
	if a.p.SupportsVariables() {
		return
	}
	for _, s := range a.p.Statements {
		if vals, _ := s.Resources(); vals != nil {
			for i, r := range vals.Items {
				if strings.Contains(r, "${") {
					a.add(CodeLiteralVariable, vals.Offsets[i], itemPath(s.Path+".Resource", vals, i), []int{s.Index},
						"%q: policy variables work only with \"Version\": \"2012-10-17\"; here ${...} is matched literally", r)
				}
			}
		}
		for _, c := range s.Conditions {
			for i, v := range c.Values.Items {
				if strings.Contains(v, "${") {
					a.add(CodeLiteralVariable, c.Values.Offsets[i], itemPath(c.Path, &c.Values, i), []int{s.Index},
						"%q: policy variables work only with \"Version\": \"2012-10-17\"; here ${...} is matched literally", v)
				}
			}
		}
	}
}
