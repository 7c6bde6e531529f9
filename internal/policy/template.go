package policy

import "regexp"

// templateReference is a ${Name} a template leaves to be filled at
// deployment (a parameter, a resource's name or attribute): no colon, so
// not a policy variable such as ${aws:username}.
var templateReference = regexp.MustCompile(`\$\{([A-Za-z0-9_.]+)\}`)

// FixTemplateReferences writes each template reference as one fixed name,
// ward-ref-NAME: it stands for one value wherever it is used, where IAM
// would read ${Name} as a variable it cannot resolve and the statement as
// applying to nothing. Questions over every request (a comparison, public
// access) ask about the policy as deployed. The policy is returned as is
// when it has none.
func FixTemplateReferences(p *Policy) (*Policy, error) { return FixTemplateReferencesWith(p, nil) }

// FixTemplateReferencesWith is FixTemplateReferences, with the values
// the input itself tells for some references (a template's role's ARN for
// ${Role.Arn}) written in their place.
func FixTemplateReferencesWith(p *Policy, known map[string]string) (*Policy, error) {
	if !templateReference.Match(p.Source) {
		return p, nil
	}
	src := templateReference.ReplaceAllFunc(p.Source, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		if v, ok := known[name]; ok {
			return []byte(v)
		}
		return []byte("ward-ref-" + name)
	})
	fixed, err := Parse(src, p.File)
	if err != nil {
		return nil, err
	}
	if len(fixed.Statements) == len(p.Statements) {
		// Its statements are placed where the original's are, in the file
		// it was read from, so an answer points at the text as written.
		for i, st := range fixed.Statements {
			st.Offset = p.Statements[i].Offset
		}
		fixed.Source, fixed.Locate, fixed.LocateEnd, fixed.index = p.Source, p.Locate, p.LocateEnd, p.index
	}
	return fixed, nil
}
