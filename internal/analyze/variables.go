package analyze

import (
	"strings"

	"github.com/wardhq/ward/internal/policy"
)

// checkVariables applies Access Analyzer's checks on policy variables:
// where they may appear (Resource, NotResource and condition values) and
// how they are written: ${name}, or ${name, 'default'}, with no other
// spaces. A variable written wrongly is not one: IAM matches its text
// literally, and the statement names nothing.
func (a *analyzer) checkVariables(s *policy.Statement) {
	if !a.p.SupportsVariables() {
		return // variable-without-version says so
	}
	stmt := []int{s.Index}
	if vals, not := s.Actions(); vals != nil {
		el := "Action"
		if not {
			el = "NotAction"
		}
		for i, v := range vals.Items {
			if strings.Contains(v, "${") {
				a.add(CodeInvalidVariable, vals.Offsets[i], itemPath(s.Path+"."+el, vals, i), stmt, "%s %q: policy variables work only in Resource, NotResource and condition values", el, v)
				a.issue("VARIABLE_UNSUPPORTED_IN_ELEMENT")
			}
		}
	}
	if pr, not := s.Principals(); pr != nil {
		el := "Principal"
		if not {
			el = "NotPrincipal"
		}
		for _, e := range pr.Entries {
			for i, v := range e.Values.Items {
				if strings.Contains(v, "${") {
					a.add(CodeInvalidVariable, e.Values.Offsets[i], itemPath(s.Path+"."+el+"."+e.Type, &e.Values, i), stmt, "%s %q: policy variables work only in Resource, NotResource and condition values", el, v)
					a.issue("VARIABLE_UNSUPPORTED_IN_ELEMENT")
				}
			}
		}
	}
	check := func(vals *policy.Values, path string) {
		for i, v := range vals.Items {
			if msg, issue := variableProblem(v); msg != "" {
				a.add(CodeInvalidVariable, vals.Offsets[i], itemPath(path, vals, i), stmt, "%q: %s", v, msg)
				a.issue(issue)
			}
		}
	}
	if vals, not := s.Resources(); vals != nil {
		el := "Resource"
		if not {
			el = "NotResource"
		}
		check(vals, s.Path+"."+el)
	}
	for _, c := range s.Conditions {
		check(&c.Values, c.Path)
	}
}

// variableProblem says what is wrong with the variables in a value, or "",
// and the Access Analyzer check that reports it.
func variableProblem(v string) (msg, check string) {
	for rest := v; ; {
		start := strings.Index(rest, "${")
		if start < 0 {
			return "", ""
		}
		rest = rest[start+2:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return "a variable opened with ${ is not closed with }", "MISSING_BRACE_IN_VARIABLE"
		}
		body := rest[:end]
		rest = rest[end+1:]
		switch {
		case body == "":
			return "${} names no variable", "EMPTY_VARIABLE"
		case body == "*" || body == "?" || body == "$":
			continue // the escapes for the three special characters
		}
		name, def, hasDefault := strings.Cut(body, ",")
		if strings.ContainsAny(name, " \t") {
			return "a variable's name has no spaces: ${" + strings.TrimSpace(name) + "}", "UNSUPPORTED_SPACE_IN_VARIABLE"
		}
		if name == "" {
			return "${" + body + "} names no variable", "EMPTY_VARIABLE"
		}
		if hasDefault {
			d := strings.TrimLeft(def, " ")
			if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' || strings.Count(d, "'") != 2 {
				return "a variable's default value is written in single quotes: ${" + name + ", 'default'}", "MISSING_QUOTE_IN_VARIABLE"
			}
		}
	}
}
