package activity

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// scan reads JSON from a byte slice, validating as it goes, in one pass
// and without reflection: CloudTrail files are gigabytes of records of
// which generation reads a dozen fields, and encoding/json's decoder
// scans every value twice (once to find its end, once to decode it).
// Its grammar is RFC 8259's, as encoding/json accepts it; strings that
// hold escapes or bytes outside ASCII are unquoted by encoding/json, so
// they decode exactly as it decodes them.
//
// A scan that reaches the end of its bytes inside a value answers
// errShort: the caller reads more of the stream and scans the value
// again from its start.
type scan struct {
	b     []byte
	i     int
	depth int
}

// errShort says a value runs past the bytes at hand.
var errShort = errors.New("unexpected end of JSON input")

// maxDepth is how deeply values may nest, as in encoding/json.
const maxDepth = 10000

// syntaxError is malformed JSON, at a byte offset.
type syntaxError struct {
	off int64
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.off, e.msg) }

func (s *scan) fail(format string, args ...any) error {
	return &syntaxError{off: int64(s.i), msg: fmt.Sprintf(format, args...)}
}

// next skips white space and returns the byte after it.
func (s *scan) next() (byte, error) {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c, nil
		}
	}
	return 0, errShort
}

// expect reads the byte c after white space.
func (s *scan) expect(c byte, what string) error {
	got, err := s.next()
	if err != nil {
		return err
	}
	if got != c {
		return s.fail("%s, not %s", what, describe(got))
	}
	s.i++
	return nil
}

// describe names a byte that begins a value, for errors.
func describe(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "a list"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// plainByte marks the bytes a string holds as they are: not the quote,
// the backslash, a control character or a byte of a multi-byte character.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads the string at s.i, which holds '"'. It returns the bytes
// between the quotes and whether they stand for themselves; if not,
// unquote gives the string.
func (s *scan) str() (raw []byte, plain bool, err error) {
	start := s.i + 1
	plain = true
	b := s.b
	for i := start; i < len(b); {
		c := b[i]
		if plainByte[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			s.i = i + 1
			return b[start:i], plain, nil
		case c == '\\':
			plain = false
			if i+1 >= len(b) {
				return nil, false, errShort
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(b) {
						return nil, false, errShort
					}
					if !isHex(b[k]) {
						s.i = k
						return nil, false, s.fail("a \\u escape with %s, not four hexadecimal digits", describe(b[k]))
					}
				}
				i += 6
			default:
				s.i = i
				return nil, false, s.fail("an escape \\%c that JSON does not have", b[i+1])
			}
		case c < 0x20:
			s.i = i
			return nil, false, s.fail("a control character (0x%02x) in a string", c)
		default: // a byte of a character beyond ASCII, checked by unquote
			plain = false
			i++
		}
	}
	return nil, false, errShort
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// unquote is the string the quoted bytes raw stand for, as encoding/json
// reads it (invalid UTF-8 becomes U+FFFD, surrogate pairs join).
func unquote(raw []byte) string {
	q := make([]byte, 0, len(raw)+2)
	q = append(q, '"')
	q = append(q, raw...)
	q = append(q, '"')
	var out string
	if err := json.Unmarshal(q, &out); err != nil {
		// str has checked the escapes and the control characters, the
		// only things encoding/json refuses in a string.
		panic("activity: a string str accepted is not JSON: " + err.Error())
	}
	return out
}

// text reads a string, or null as the empty string; what names the
// field in errors.
func (s *scan) text(what string, intern func(string) string) (string, error) {
	c, err := s.next()
	if err != nil {
		return "", err
	}
	switch c {
	case '"':
		raw, plain, err := s.str()
		if err != nil {
			return "", err
		}
		if !plain {
			return unquote(raw), nil
		}
		if intern != nil {
			return intern(unsafeString(raw)), nil
		}
		return string(raw), nil
	case 'n':
		return "", s.literal("null")
	}
	return "", s.fail("%s is %s, not a string", what, describe(c))
}

// literal reads true, false or null.
func (s *scan) literal(word string) error {
	for k := 0; k < len(word); k++ {
		if s.i+k >= len(s.b) {
			return errShort
		}
		if s.b[s.i+k] != word[k] {
			s.i += k
			return s.fail("%s, not %s", describe(s.b[s.i]), "the literal "+word)
		}
	}
	s.i += len(word)
	return nil
}

// number reads a number and returns its text.
func (s *scan) number() ([]byte, error) {
	b, i := s.b, s.i
	digits := func() error {
		if i >= len(b) {
			return errShort
		}
		if b[i] < '0' || b[i] > '9' {
			s.i = i
			return s.fail("%s in a number, not a digit", describe(b[i]))
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return nil
	}
	if b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return nil, errShort
	}
	if b[i] == '0' {
		i++
	} else if err := digits(); err != nil {
		return nil, err
	}
	if i < len(b) && b[i] == '.' {
		i++
		if err := digits(); err != nil {
			return nil, err
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if err := digits(); err != nil {
			return nil, err
		}
	}
	// A number is not over until a byte that is not part of it: at the
	// end of the bytes at hand it may go on.
	if i >= len(b) {
		return nil, errShort
	}
	start := s.i
	s.i = i
	return b[start:i], nil
}

// skip reads a value of any kind.
func (s *scan) skip() error {
	c, err := s.next()
	if err != nil {
		return err
	}
	switch {
	case c == '{':
		return s.object(func(string) error { return s.skip() })
	case c == '[':
		return s.list(s.skip)
	case c == '"':
		_, _, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		_, err := s.number()
		return err
	}
	return s.fail("%s where a value begins", describe(c))
}

// object reads an object, calling member for each key with s at its value;
// member must read the value. The key points into s.b: it is valid only
// during the call, and member copies what it keeps.
func (s *scan) object(member func(key string) error) error {
	empty, err := s.enter('{', '}', "an object")
	defer s.leave()
	if err != nil || empty {
		return err
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		if done, err := s.after('}', "an object"); err != nil || done {
			return err
		}
	}
}

// list reads a list, calling item with s at each of its values.
func (s *scan) list(item func() error) error {
	empty, err := s.enter('[', ']', "a list")
	defer s.leave()
	if err != nil || empty {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if done, err := s.after(']', "a list"); err != nil || done {
			return err
		}
	}
}

// enter reads the byte that opens an object or a list, one level deeper,
// and says whether the value closes right away. leave goes back up.
func (s *scan) enter(open, close byte, what string) (empty bool, err error) {
	if s.depth++; s.depth > maxDepth {
		return false, s.fail("values nest more than %d deep", maxDepth)
	}
	if err := s.expect(open, what); err != nil {
		return false, err
	}
	c, err := s.next()
	if err != nil {
		return false, err
	}
	if c == close {
		s.i++
		return true, nil
	}
	return false, nil
}

func (s *scan) leave() { s.depth-- }

// after reads what follows a value in an object or list: ',' before the
// next one, or close, the end (done).
func (s *scan) after(close byte, in string) (done bool, err error) {
	c, err := s.next()
	if err != nil {
		return false, err
	}
	switch c {
	case ',':
		s.i++
		return false, nil
	case close:
		s.i++
		return true, nil
	}
	return false, s.fail("%s after a value in %s, not ',' or '%c'", describe(c), in, close)
}

// key reads an object's key and the ':' after it. The key points into
// s.b: it is valid while s.b is unchanged.
func (s *scan) key() (string, error) {
	c, err := s.next()
	if err != nil {
		return "", err
	}
	if c != '"' {
		return "", s.fail("%s where a key begins", describe(c))
	}
	raw, plain, err := s.str()
	if err != nil {
		return "", err
	}
	key := unsafeString(raw)
	if !plain {
		key = unquote(raw)
	}
	return key, s.expect(':', "':' after a key")
}

// value reads any value as encoding/json reads one into an any: objects
// as map[string]any, lists as []any, numbers as float64.
func (s *scan) value(intern func(string) string) (any, error) {
	c, err := s.next()
	if err != nil {
		return nil, err
	}
	switch {
	case c == '{':
		m := map[string]any{}
		err := s.object(func(key string) error {
			v, err := s.value(intern)
			if err != nil {
				return err
			}
			if intern != nil {
				key = intern(key)
			} else {
				key = strings.Clone(key) // the key points into s.b
			}
			m[key] = v
			return nil
		})
		return m, err
	case c == '[':
		l := []any{}
		err := s.list(func() error {
			v, err := s.value(intern)
			l = append(l, v)
			return err
		})
		return l, err
	case c == '"':
		return s.text("", nil)
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		raw, err := s.number()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(unsafeString(raw), 64)
		if err != nil {
			s.i = start
			return nil, s.fail("the number %s is out of range", raw)
		}
		return f, nil
	}
	return nil, s.fail("%s where a value begins", describe(c))
}

// unsafeString is b as a string without a copy, for keys compared and
// numbers parsed while b is unchanged; nothing that outlives the scan
// holds one.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
