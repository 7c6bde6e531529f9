package document

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Notes are what a document's author knows and a policy cannot say: a
// title, what the principal is for, and for an action or a statement
// whether it is REQUIRED or OPTIONAL and why it is there. A document
// carries a mark or a purpose only when the author wrote it, here or in
// the statement's Sid.
//
// A notes file is YAML (or JSON):
//
//	role: chat                 # which principal, when the input has several
//	title: Chat Lambda IAM Permissions
//	purpose: Routes user queries to specialized agents
//	details:
//	  - "Function name: chat"
//	actions:
//	  dynamodb:PutItem: {mark: REQUIRED, purpose: Save chat messages}
//	statements:
//	  Streaming: {mark: OPTIONAL}
type Notes struct {
	File string
	// Kind and Name say which principal the notes are for ("" for the
	// one document of the input).
	Kind, Name string
	Title      string
	Purpose    string
	Details    []string
	// Actions are keyed by the action's name in lower case; Statements,
	// by Sid.
	Actions    map[string]*Note
	Statements map[string]*Note
}

// Note is what the author wrote about one action or statement.
type Note struct {
	Key     string // as written
	Line    int
	Mark    string // REQUIRED, OPTIONAL or ""
	Purpose string
	used    bool
}

// ReadNotes reads a notes file. Unknown fields, marks other than
// REQUIRED and OPTIONAL, and an action named twice are errors that say
// where.
func ReadNotes(name string, data []byte) (*Notes, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	n := &Notes{File: name, Actions: map[string]*Note{}, Statements: map[string]*Note{}}
	if len(root.Content) == 0 {
		return n, nil
	}
	top := root.Content[0]
	errf := func(at *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d:%d: %s", name, at.Line, at.Column, fmt.Sprintf(format, args...))
	}
	if top.Kind != yaml.MappingNode {
		return nil, errf(top, "the notes must be a mapping of title, purpose, details, actions and statements")
	}
	scalar := func(v *yaml.Node, what string) (string, error) {
		if v.Kind != yaml.ScalarNode {
			return "", errf(v, "%s must be text", what)
		}
		return strings.TrimSpace(v.Value), nil
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		var err error
		switch k.Value {
		case "role", "user":
			if n.Kind != "" {
				return nil, errf(k, "the notes name their principal twice")
			}
			n.Kind = k.Value
			n.Name, err = scalar(v, k.Value)
		case "title":
			n.Title, err = scalar(v, "title")
		case "purpose":
			n.Purpose, err = scalar(v, "purpose")
		case "details":
			if v.Kind != yaml.SequenceNode {
				return nil, errf(v, "details must be a list of lines")
			}
			for _, it := range v.Content {
				line, err := scalar(it, "each line of details")
				if err != nil {
					return nil, err
				}
				n.Details = append(n.Details, line)
			}
		case "actions", "statements":
			if v.Kind != yaml.MappingNode {
				return nil, errf(v, "%s must map each %s to its mark and purpose", k.Value, strings.TrimSuffix(k.Value, "s"))
			}
			into := n.Actions
			if k.Value == "statements" {
				into = n.Statements
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				note, err := readNote(v.Content[j], v.Content[j+1], errf)
				if err != nil {
					return nil, err
				}
				key := note.Key
				if k.Value == "actions" {
					key = strings.ToLower(key)
				}
				if _, dup := into[key]; dup {
					return nil, errf(v.Content[j], "%s is noted twice", note.Key)
				}
				into[key] = note
			}
		default:
			return nil, errf(k, "unknown field %q: the notes have role or user, title, purpose, details, actions and statements", k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

func readNote(k, v *yaml.Node, errf func(*yaml.Node, string, ...any) error) (*Note, error) {
	note := &Note{Key: k.Value, Line: k.Line}
	switch v.Kind {
	case yaml.ScalarNode: // "dynamodb:PutItem: REQUIRED"
		note.Mark = v.Value
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			f, val := v.Content[i], v.Content[i+1]
			if val.Kind != yaml.ScalarNode {
				return nil, errf(val, "%s of %s must be text", f.Value, k.Value)
			}
			switch f.Value {
			case "mark":
				note.Mark = val.Value
			case "purpose":
				note.Purpose = strings.TrimSpace(val.Value)
			default:
				return nil, errf(f, "unknown field %q for %s: a note has mark and purpose", f.Value, k.Value)
			}
		}
	default:
		return nil, errf(v, "the note for %s must be a mark or a mapping of mark and purpose", k.Value)
	}
	note.Mark = strings.ToUpper(strings.TrimSpace(note.Mark))
	if note.Mark != "" && note.Mark != "REQUIRED" && note.Mark != "OPTIONAL" {
		return nil, errf(v, "the mark of %s is %q: it is REQUIRED or OPTIONAL", k.Value, note.Mark)
	}
	return note, nil
}

// unused reports the notes no document row used: an action no policy
// grants, a Sid no statement has. A note left behind by a change to the
// policy is an error, so the document cannot drift from it in silence.
func (n *Notes) unused() error {
	if n == nil {
		return nil
	}
	var first *Note
	what := ""
	for _, list := range []struct {
		what  string
		notes map[string]*Note
	}{{"action", n.Actions}, {"statement", n.Statements}} {
		for _, note := range sortedNotes(list.notes) {
			if !note.used && (first == nil || note.Line < first.Line) {
				first, what = note, list.what
			}
		}
	}
	switch {
	case first == nil:
		return nil
	case what == "action":
		return fmt.Errorf("%s:%d: the notes name %s, which no statement of the policies documented grants", n.File, first.Line, first.Key)
	}
	return fmt.Errorf("%s:%d: the notes name the statement %s, and no statement of the policies documented has that Sid", n.File, first.Line, first.Key)
}

func sortedNotes(m map[string]*Note) []*Note {
	out := make([]*Note, 0, len(m))
	for _, n := range m {
		out = append(out, n)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Line < out[j-1].Line; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// markFromSid reads a mark the author put in a statement's Sid:
// "RequiredChatTables", "OptionalStreaming".
func markFromSid(sid string) string {
	for _, m := range []string{"Required", "Optional"} {
		if len(sid) >= len(m) && strings.EqualFold(sid[:len(m)], m) {
			rest := sid[len(m):]
			if rest == "" || !(rest[0] >= 'a' && rest[0] <= 'z') {
				return strings.ToUpper(m)
			}
		}
	}
	return ""
}
