package policy

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON prints the policy in a canonical form: elements in the
// grammar's order, two-space indentation, and strings and lists kept in the
// form the author wrote them. Parsing the output gives the same policy.
func (p *Policy) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	p.write(&b)
	return b.Bytes(), nil
}

// String returns the canonical JSON text.
func (p *Policy) String() string {
	var b bytes.Buffer
	p.write(&b)
	return b.String()
}

func (p *Policy) write(b *bytes.Buffer) {
	b.WriteString("{\n")
	first := true
	field := func(name string) {
		if !first {
			b.WriteString(",\n")
		}
		first = false
		b.WriteString("  ")
		writeString(b, name)
		b.WriteString(": ")
	}
	if p.Version != "" {
		field("Version")
		writeString(b, p.Version)
	}
	if p.ID != "" {
		field("Id")
		writeString(b, p.ID)
	}
	field("Statement")
	if p.StatementIsObject && len(p.Statements) == 1 {
		p.Statements[0].write(b, "  ")
	} else {
		b.WriteString("[")
		for i, s := range p.Statements {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n    ")
			s.write(b, "    ")
		}
		if len(p.Statements) > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString("]")
	}
	b.WriteString("\n}\n")
}

func (s *Statement) write(b *bytes.Buffer, indent string) {
	inner := indent + "  "
	b.WriteString("{")
	first := true
	field := func(name string) {
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString("\n" + inner)
		writeString(b, name)
		b.WriteString(": ")
	}
	if s.Sid != "" {
		field("Sid")
		writeString(b, s.Sid)
	}
	field("Effect")
	writeString(b, s.Effect.String())
	if s.Principal != nil {
		field("Principal")
		s.Principal.write(b, inner)
	}
	if s.NotPrincipal != nil {
		field("NotPrincipal")
		s.NotPrincipal.write(b, inner)
	}
	for _, e := range []struct {
		name string
		v    *Values
	}{{"Action", s.Action}, {"NotAction", s.NotAction}, {"Resource", s.Resource}, {"NotResource", s.NotResource}} {
		if e.v != nil {
			field(e.name)
			e.v.write(b)
		}
	}
	if len(s.Conditions) > 0 {
		field("Condition")
		b.WriteString("{")
		// Group keys under their operator, keeping first-seen order.
		var ops []string
		byOp := map[string][]*Condition{}
		for _, c := range s.Conditions {
			if _, ok := byOp[c.Operator]; !ok {
				ops = append(ops, c.Operator)
			}
			byOp[c.Operator] = append(byOp[c.Operator], c)
		}
		for i, op := range ops {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n" + inner + "  ")
			writeString(b, op)
			b.WriteString(": {")
			for j, c := range byOp[op] {
				if j > 0 {
					b.WriteString(",")
				}
				b.WriteString("\n" + inner + "    ")
				writeString(b, c.Key)
				b.WriteString(": ")
				c.Values.write(b)
			}
			b.WriteString("\n" + inner + "  }")
		}
		b.WriteString("\n" + inner + "}")
	}
	b.WriteString("\n" + indent + "}")
}

func (p *Principal) write(b *bytes.Buffer, indent string) {
	if p.Wildcard {
		writeString(b, "*")
		return
	}
	if p.Bare && len(p.Entries) == 1 {
		writeString(b, p.Entries[0].Values.Items[0])
		return
	}
	b.WriteString("{")
	for i, e := range p.Entries {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n" + indent + "  ")
		writeString(b, e.Type)
		b.WriteString(": ")
		e.Values.write(b)
	}
	b.WriteString("\n" + indent + "}")
}

func (v *Values) write(b *bytes.Buffer) {
	if v.Single && len(v.Items) == 1 {
		writeString(b, v.Items[0])
		return
	}
	b.WriteString("[")
	for i, s := range v.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		writeString(b, s)
	}
	b.WriteString("]")
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}
