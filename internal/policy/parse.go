package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/jsonpos"
)

// Parse reads a policy document and checks the grammar every kind of policy
// shares. It returns an ErrorList naming each problem; the Policy is nil when
// there is any. Use ParseKind to apply a kind's own rules as well.
func Parse(data []byte, file string) (*Policy, error) {
	root, err := jsonpos.Parse(data)
	if err != nil {
		c := &collector{file: file, src: data}
		var se *jsonpos.SyntaxError
		if errors.As(err, &se) {
			// IAM answers "Syntax errors in policy." for any malformed JSON;
			// ward says where as well.
			c.addError(&Error{Msg: "Syntax errors in policy: " + se.Msg, Cause: ErrSyntax, Check: "JSON_SYNTAX_ERROR"}, se.Offset)
		} else {
			c.addError(&Error{Msg: fmt.Sprintf("Syntax errors in policy: %v", err), Cause: ErrSyntax, Check: "JSON_SYNTAX_ERROR"}, 0)
		}
		return nil, c.err()
	}
	return FromNode(root, data, file)
}

// ParseKind parses a document and validates it as a policy of kind k.
func ParseKind(data []byte, file string, k Kind, opts ...Option) (*Policy, error) {
	p, err := Parse(data, file)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(k, opts...); err != nil {
		return nil, err
	}
	return p, nil
}

// FromNode builds a Policy from an already decoded JSON value, such as a
// policy embedded in a scenario file. src is the whole text the node was
// read from, for positions.
func FromNode(root *jsonpos.Node, src []byte, file string) (*Policy, error) {
	return FromNodeIndexed(root, jsonpos.NewIndex(src), file)
}

// FromNodeIndexed is FromNode for the many policies of one large file,
// which share the file's line index.
func FromNodeIndexed(root *jsonpos.Node, ix *jsonpos.Index, file string) (*Policy, error) {
	src := ix.Source()
	c := &collector{file: file, src: src, index: ix}
	p := &Policy{Source: src, File: file, index: ix}
	if root.Kind != jsonpos.Object {
		c.add("JSON_SYNTAX_ERROR", root.Offset, "", "a policy document must be a JSON object, not %s", root.Kind)
		return nil, c.err()
	}
	p.Size = sizeOf(src[root.Offset:root.End])
	var stmtNode *jsonpos.Node
	seen := map[string]bool{}
	for _, m := range root.Members {
		if seen[m.Key] {
			c.add("INVALID_POLICY_ELEMENT", m.KeyOffset, m.Key, "duplicate element %q; IAM rejects a policy that names an element twice", m.Key)
			continue
		}
		seen[m.Key] = true
		switch m.Key {
		case "Version":
			if m.Value.Kind != jsonpos.String {
				c.add("DATA_TYPE_MISMATCH", m.Value.Offset, "Version", "Version must be a string, not %s", m.Value.Kind)
				continue
			}
			if m.Value.Text != Version2012 && m.Value.Text != Version2008 {
				c.add("INVALID_VERSION", m.Value.Offset, "Version", "The policy failed legacy parsing: Version must be %q or %q, not %q", Version2012, Version2008, m.Value.Text)
				continue
			}
			p.Version = m.Value.Text
		case "Id":
			if m.Value.Kind != jsonpos.String {
				c.add("INVALID_POLICY_ELEMENT", m.Value.Offset, "Id", "Id must be a string, not %s", m.Value.Kind)
				continue
			}
			p.ID = m.Value.Text
		case "Statement":
			stmtNode = m.Value
		default:
			c.add("INVALID_POLICY_ELEMENT", m.KeyOffset, m.Key, "unknown element %q%s; a policy has Version, Id and Statement", m.Key, suggest(m.Key, "Version", "Id", "Statement"))
		}
	}
	switch {
	case stmtNode == nil:
		if !seen["Statement"] {
			c.add("MISSING_STATEMENT", root.Offset, "", "Missing required field Statement")
		}
	case stmtNode.Kind == jsonpos.Object:
		p.StatementIsObject = true
		if s := parseStatement(c, stmtNode, "Statement", 0); s != nil {
			p.Statements = append(p.Statements, s)
		}
	case stmtNode.Kind == jsonpos.Array:
		for i, n := range stmtNode.Items {
			path := indexPath("Statement", i)
			if n.Kind != jsonpos.Object {
				c.add("INVALID_POLICY_ELEMENT", n.Offset, path, "a statement must be a JSON object, not %s", n.Kind)
				continue
			}
			if s := parseStatement(c, n, path, i); s != nil {
				p.Statements = append(p.Statements, s)
			}
		}
	default:
		c.add("INVALID_POLICY_ELEMENT", stmtNode.Offset, "Statement", "Statement must be an object or an array of objects, not %s", stmtNode.Kind)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func parseStatement(c *collector, n *jsonpos.Node, path string, index int) *Statement {
	s := &Statement{Index: index, Path: path, Offset: n.Offset}
	before := len(c.errs)
	seen := map[string]bool{}
	for _, m := range n.Members {
		mp := keyPath(path, m.Key)
		if seen[m.Key] {
			c.add("INVALID_POLICY_ELEMENT", m.KeyOffset, mp, "duplicate element %q in a statement; IAM rejects a policy that names an element twice", m.Key)
			continue
		}
		seen[m.Key] = true
		switch m.Key {
		case "Sid":
			if m.Value.Kind != jsonpos.String {
				c.add("DATA_TYPE_MISMATCH", m.Value.Offset, mp, "Sid must be a string, not %s", m.Value.Kind)
				continue
			}
			s.Sid = m.Value.Text
			s.SidOffset = m.Value.Offset
		case "Effect":
			if m.Value.Kind != jsonpos.String {
				c.add("INVALID_EFFECT", m.Value.Offset, mp, "Effect must be \"Allow\" or \"Deny\", not %s", m.Value.Kind)
				continue
			}
			switch m.Value.Text {
			case "Allow":
				s.Effect = Allow
			case "Deny":
				s.Effect = Deny
			default:
				hint := ""
				if strings.EqualFold(m.Value.Text, "allow") || strings.EqualFold(m.Value.Text, "deny") {
					hint = " (Effect is case-sensitive)"
				}
				c.add("INVALID_EFFECT", m.Value.Offset, mp, "Invalid effect: %q; Effect must be \"Allow\" or \"Deny\"%s", m.Value.Text, hint)
			}
		case "Principal", "NotPrincipal":
			pr := parsePrincipal(c, m.Value, mp)
			if m.Key == "Principal" {
				s.Principal = pr
			} else {
				s.NotPrincipal = pr
			}
		case "Action", "NotAction", "Resource", "NotResource":
			v := parseValues(c, m.Value, mp, m.Key)
			switch m.Key {
			case "Action":
				s.Action = v
			case "NotAction":
				s.NotAction = v
			case "Resource":
				s.Resource = v
			case "NotResource":
				s.NotResource = v
			}
		case "Condition":
			s.Conditions = parseConditions(c, m.Value, mp)
		default:
			c.add("INVALID_POLICY_ELEMENT", m.KeyOffset, mp, "unknown element %q in a statement%s", m.Key,
				suggest(m.Key, "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"))
		}
	}
	if !seen["Effect"] {
		c.add("MISSING_EFFECT", n.Offset, path, "Missing required field Effect")
	}
	if seen["Action"] && seen["NotAction"] {
		c.add("UNSUPPORTED_ELEMENT_COMBINATION", n.Offset, path, "a statement may have Action or NotAction, not both")
	} else if !seen["Action"] && !seen["NotAction"] {
		c.add("MISSING_ACTION", n.Offset, path, "Missing required field Action: a statement needs Action or NotAction")
	}
	if seen["Resource"] && seen["NotResource"] {
		c.add("UNSUPPORTED_ELEMENT_COMBINATION", n.Offset, path, "a statement may have Resource or NotResource, not both")
	}
	if seen["Principal"] && seen["NotPrincipal"] {
		c.add("UNSUPPORTED_ELEMENT_COMBINATION", n.Offset, path, "a statement may have Principal or NotPrincipal, not both")
	}
	if len(c.errs) > before {
		return nil
	}
	return s
}

// indexedPath is the path of item i of a Values element.
func indexedPath(path string, v *Values, i int) string {
	if v.Single {
		return path
	}
	return indexPath(path, i)
}

// checkAction applies the shape IAM requires of an action: "*" or
// service:name, with no whitespace.
func checkAction(c *collector, off int, path, a string) {
	if a == "*" {
		return
	}
	if strings.ContainsAny(a, " \t\r\n") {
		c.add("INVALID_ACTION", off, path, "Action %q contains whitespace; IAM rejects it", a)
		return
	}
	i := strings.IndexByte(a, ':')
	if i <= 0 || i == len(a)-1 {
		c.add("INVALID_ACTION", off, path, "Action %q must look like service:ActionName (or \"*\")", a)
		return
	}
	if strings.IndexByte(a[i+1:], ':') >= 0 {
		c.add("INVALID_ACTION", off, path, "Action %q has more than one ':'; it must look like service:ActionName", a)
	}
}

// emptyArrayCheck is Access Analyzer's check of an empty list in an
// element.
func emptyArrayCheck(element string) string {
	switch element {
	case "Action", "NotAction":
		return "EMPTY_ARRAY_ACTION"
	case "Resource", "NotResource":
		return "EMPTY_ARRAY_RESOURCE"
	case "a principal":
		return "EMPTY_ARRAY_PRINCIPAL"
	}
	return "INVALID_POLICY_ELEMENT"
}

// emptyConditionCheck is Access Analyzer's check of a condition key with
// no values, which depends on the operator.
func emptyConditionCheck(op ParsedOperator) string {
	switch {
	case op.Set == "ForAllValues":
		return "EMPTY_ARRAY_CONDITION_FORALLVALUES"
	case op.Set == "ForAnyValue":
		return "EMPTY_ARRAY_CONDITION_FORANYVALUE"
	case op.IfExists:
		return "EMPTY_ARRAY_CONDITION_IFEXISTS"
	}
	return "EMPTY_ARRAY_CONDITION"
}

// parseValues reads an element that is a string or an array of strings.
func parseValues(c *collector, n *jsonpos.Node, path, what string) *Values {
	switch n.Kind {
	case jsonpos.String:
		return &Values{Items: []string{n.Text}, Offsets: []int{n.Offset}, Single: true}
	case jsonpos.Array:
		if len(n.Items) == 0 {
			c.add(emptyArrayCheck(what), n.Offset, path, "%s must not be an empty list", what)
			return nil
		}
		v := &Values{Items: make([]string, 0, len(n.Items)), Offsets: make([]int, 0, len(n.Items))}
		for i, it := range n.Items {
			if it.Kind != jsonpos.String {
				c.add("DATA_TYPE_MISMATCH", it.Offset, indexPath(path, i), "%s entries must be strings, not %s", what, it.Kind)
				continue
			}
			v.Items = append(v.Items, it.Text)
			v.Offsets = append(v.Offsets, it.Offset)
		}
		return v
	}
	c.add("INVALID_POLICY_ELEMENT", n.Offset, path, "%s must be a string or an array of strings, not %s", what, n.Kind)
	return nil
}

func parsePrincipal(c *collector, n *jsonpos.Node, path string) *Principal {
	p := &Principal{Offset: n.Offset}
	switch n.Kind {
	case jsonpos.String:
		if n.Text != "*" {
			// IAM refuses this form (Validate says so); read as the AWS
			// principal it evidently means, so a decision can still be made.
			p.Bare = true
			p.Entries = []PrincipalEntry{{Type: PrincipalAWS, Values: Values{Items: []string{n.Text}, Offsets: []int{n.Offset}, Single: true}}}
			return p
		}
		p.Wildcard = true
		return p
	case jsonpos.Object:
	default:
		c.add("INVALID_PRINCIPAL_FORMAT", n.Offset, path, "Invalid principal in policy: expected \"*\" or an object, not %s", n.Kind)
		return nil
	}
	if len(n.Members) == 0 {
		c.add("EMPTY_OBJECT_PRINCIPAL", n.Offset, path, "Invalid principal in policy: the principal map is empty")
		return nil
	}
	seen := map[string]bool{}
	for _, m := range n.Members {
		mp := keyPath(path, m.Key)
		switch m.Key {
		case PrincipalAWS, PrincipalService, PrincipalFederated, PrincipalCanonicalUser:
		default:
			c.add("INVALID_PRINCIPAL_KEY", m.KeyOffset, mp, "Invalid principal in policy: unknown principal type %q%s", m.Key,
				suggest(m.Key, PrincipalAWS, PrincipalService, PrincipalFederated, PrincipalCanonicalUser))
			continue
		}
		if seen[m.Key] {
			c.add("INVALID_PRINCIPAL_KEY", m.KeyOffset, mp, "duplicate principal type %q", m.Key)
			continue
		}
		seen[m.Key] = true
		v := parseValues(c, m.Value, mp, "a principal")
		if v == nil {
			continue
		}
		p.Entries = append(p.Entries, PrincipalEntry{Type: m.Key, Values: *v})
	}
	return p
}

func checkPrincipalValue(c *collector, off int, path, typ, v string) {
	switch {
	case v == "":
		c.add("INVALID_PRINCIPAL_FORMAT", off, path, "Invalid principal in policy: empty principal")
	case v == "*":
		if typ != PrincipalAWS {
			c.add("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", off, path, "Invalid principal in policy: \"*\" is allowed only as \"*\" or {\"AWS\": \"*\"}")
		}
	case strings.ContainsAny(v, "*?") && typ == PrincipalAWS:
		c.add("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", off, path, "Invalid principal in policy: %q; wildcards cannot match part of a principal (use a condition on aws:PrincipalArn)", v)
	case typ == PrincipalAWS && !strings.HasPrefix(v, "arn:") && !IsAccountID(v) && !IsUniqueID(v):
		c.add("INVALID_PRINCIPAL_FORMAT", off, path, "Invalid principal in policy: %q is neither an ARN nor a 12-digit account ID", v)
	}
}

// IsAccountID reports whether s is an AWS account ID: 12 digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsUniqueID accepts the AIDA.../AROA... IDs IAM stores in place of a
// principal ARN whose entity was deleted.
func IsUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	if !strings.HasPrefix(s, "AIDA") && !strings.HasPrefix(s, "AROA") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func parseConditions(c *collector, n *jsonpos.Node, path string) []*Condition {
	if n.Kind != jsonpos.Object {
		c.add("INVALID_POLICY_ELEMENT", n.Offset, path, "Condition must be an object of operators, not %s", n.Kind)
		return nil
	}
	var out []*Condition
	seenOp := map[string]bool{}
	for _, om := range n.Members {
		op, ok := ParseOperator(om.Key)
		opPath := keyPath(path, om.Key)
		if !ok {
			check := "INVALID_CONDITION_OPERATOR"
			if l := strings.ToLower(om.Key); strings.HasSuffix(l, "nullifexists") {
				check = "NULL_WITH_IF_EXISTS" // Null tests existence itself
			}
			c.add(check, om.KeyOffset, opPath, "Invalid Condition type : %s", om.Key)
			continue
		}
		if seenOp[om.Key] {
			c.add("INVALID_POLICY_ELEMENT", om.KeyOffset, opPath, "duplicate condition operator %q", om.Key)
			continue
		}
		seenOp[om.Key] = true
		if om.Value.Kind != jsonpos.Object {
			c.add("INVALID_POLICY_ELEMENT", om.Value.Offset, opPath, "condition operator %s must map keys to values, not %s", om.Key, om.Value.Kind)
			continue
		}
		if len(om.Value.Members) == 0 {
			c.add("EMPTY_OBJECT_CONDITION", om.Value.Offset, opPath, "condition operator %s has no keys", om.Key)
			continue
		}
		seenKey := map[string]bool{}
		for _, km := range om.Value.Members {
			kp := keyPath(opPath, km.Key)
			lk := strings.ToLower(km.Key)
			if seenKey[lk] {
				c.add("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", km.KeyOffset, kp, "duplicate condition key %q under %s (keys are case-insensitive)", km.Key, om.Key)
				continue
			}
			seenKey[lk] = true
			if km.Key == "" {
				c.add("INVALID_CONDITION_KEY_FORMAT", km.KeyOffset, kp, "empty condition key")
				continue
			}
			v := parseConditionValues(c, km.Value, kp, op)
			if v == nil {
				continue
			}
			if op.Base == "Null" {
				for i, s := range v.Items {
					if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
						c.add("INVALID_CONDITION_DATA_TYPE", v.Offsets[i], indexedPath(kp, v, i), "Null takes \"true\" or \"false\", not %q", s)
					}
				}
			}
			out = append(out, &Condition{
				Operator: om.Key, Key: km.Key, Values: *v, Path: kp,
				OperatorOffset: om.KeyOffset, KeyOffset: km.KeyOffset,
			})
		}
	}
	return out
}

// parseConditionValues accepts strings, numbers and booleans, alone or in
// an array: IAM reads `"aws:SecureTransport": false` and `"s3:max-keys": 10`
// as the strings "false" and "10".
func parseConditionValues(c *collector, n *jsonpos.Node, path string, op ParsedOperator) *Values {
	scalar := func(it *jsonpos.Node, p string) (string, bool) {
		switch it.Kind {
		case jsonpos.String, jsonpos.Number, jsonpos.Bool:
			return it.Text, true
		}
		c.add("DATA_TYPE_MISMATCH", it.Offset, p, "condition values must be strings, numbers or booleans, not %s", it.Kind)
		return "", false
	}
	if n.Kind != jsonpos.Array {
		s, ok := scalar(n, path)
		if !ok {
			return nil
		}
		return &Values{Items: []string{s}, Offsets: []int{n.Offset}, Single: true}
	}
	if len(n.Items) == 0 {
		c.add(emptyConditionCheck(op), n.Offset, path, "a condition key needs at least one value")
		return nil
	}
	v := &Values{}
	for i, it := range n.Items {
		if s, ok := scalar(it, indexPath(path, i)); ok {
			v.Items = append(v.Items, s)
			v.Offsets = append(v.Offsets, it.Offset)
		}
	}
	if len(v.Items) != len(n.Items) {
		return nil
	}
	return v
}

// suggest offers the right spelling for an element name written in the
// wrong case, the most common slip.
func suggest(got string, names ...string) string {
	for _, n := range names {
		if strings.EqualFold(got, n) {
			return fmt.Sprintf(" (did you mean %q? element names are case-sensitive)", n)
		}
	}
	return ""
}

// sizeOf counts characters as IAM does for policy size quotas: whitespace
// outside string literals does not count.
func sizeOf(src []byte) int {
	n := 0
	inString, escaped := false, false
	for _, r := range string(src) {
		if inString {
			n++
			switch {
			case escaped:
				escaped = false
			case r == '\\':
				escaped = true
			case r == '"':
				inString = false
			}
			continue
		}
		switch r {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		}
		n++
	}
	return n
}
