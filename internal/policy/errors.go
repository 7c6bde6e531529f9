package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/jsonpos"
)

// Code names what kind of problem an Error is, stably: ward check reports
// it as the finding's code, and the service chooses IAM's error code by
// it.
type Code string

const (
	// CodeInvalidPolicy: the document is not a valid policy of its kind
	// (IAM's MalformedPolicyDocument).
	CodeInvalidPolicy Code = "invalid-policy"
	// CodePolicyTooLarge: the document is over one of IAM's size quotas
	// (IAM's LimitExceeded).
	CodePolicyTooLarge Code = "policy-too-large"
)

// ErrSyntax is the cause of an Error in a text that is not JSON (or YAML,
// for a template) at all, so nothing of it could be read: errors.Is tells
// it from a readable document that is not a valid policy.
var ErrSyntax = errors.New("the text does not parse")

// Error is one problem with a policy document, located in its source.
type Error struct {
	File string
	Line int // 1-based; 0 when unknown
	Col  int
	// Path is the JSON path of the element, e.g. Statement[1].Effect.
	Path string
	// Msg says what is wrong, in IAM's words where IAM has some.
	Msg string
	// Code is the kind of problem; empty reads as CodeInvalidPolicy.
	Code Code
	// Cause, when set, is a sentinel such as ErrSyntax.
	Cause error
	// Check names the rule broken by the IAM Access Analyzer check that
	// reports it, by that check's issue code (MISSING_EFFECT,
	// UNIQUE_SIDS_REQUIRED): AWS's names are the field's vocabulary for
	// these rules, and ward check reports them beside its own codes.
	Check string
	// Offset is the element's byte offset in the document, -1 when the
	// error is about the document as a whole.
	Offset int
}

// Kind is the error's code, CodeInvalidPolicy when none was set.
func (e *Error) Kind() Code {
	if e.Code == "" {
		return CodeInvalidPolicy
	}
	return e.Code
}

// Unwrap returns the cause, for errors.Is.
func (e *Error) Unwrap() error { return e.Cause }

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Col)
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in a document. It is never empty when
// returned as an error.
type ErrorList []*Error

// MaxErrors caps how many errors one document reports; past that, the rest
// are usually consequences of the first.
const MaxErrors = 20

// Unwrap returns the errors, for errors.As and errors.Is.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// collector gathers located errors while reading one document.
type collector struct {
	file  string
	src   []byte
	index *jsonpos.Index // nil for small texts
	errs  ErrorList
}

func (c *collector) add(check string, offset int, path, format string, args ...any) {
	c.addError(&Error{Path: path, Msg: fmt.Sprintf(format, args...), Check: check}, offset)
}

// addError adds e, located at offset in the document.
func (c *collector) addError(e *Error, offset int) {
	if len(c.errs) >= MaxErrors {
		return
	}
	e.File, e.Offset = c.file, offset
	switch {
	case c.index != nil && offset >= 0:
		e.Line, e.Col = c.index.LineCol(offset)
	case c.src != nil && offset >= 0:
		e.Line, e.Col = lineCol(c.src, offset)
	}
	c.errs = append(c.errs, e)
}

func (c *collector) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

func lineCol(src []byte, offset int) (line, col int) { return jsonpos.LineCol(src, offset) }

// keyPath appends an object key to a JSON path, quoting keys that are not
// plain identifiers so the path stays unambiguous.
func keyPath(path, key string) string {
	plain := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0) {
			plain = false
			break
		}
	}
	if plain {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return fmt.Sprintf("%s[%q]", path, key)
}

func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
