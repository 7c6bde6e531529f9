package policy

import (
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/jsonpos"
)

// Error is one problem with a policy document, located in its source.
type Error struct {
	File string
	Line int // 1-based; 0 when unknown
	Col  int
	// Path is the JSON path of the element, e.g. Statement[1].Effect.
	Path string
	// Msg says what is wrong, in IAM's words where IAM has some.
	Msg string
}

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

func (c *collector) add(offset int, path, format string, args ...any) {
	if len(c.errs) >= MaxErrors {
		return
	}
	e := &Error{File: c.file, Path: path, Msg: fmt.Sprintf(format, args...)}
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
