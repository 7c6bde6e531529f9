package jsonpos_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wardhq/ward/internal/jsonpos"
)

func TestParse(t *testing.T) {
	n, err := jsonpos.Parse([]byte(`{"a": [1, -2.5e3, true, null, "x\u00e9\n"], "a": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Members) != 2 || n.Members[0].Key != "a" || n.Members[1].Key != "a" {
		t.Fatalf("duplicate keys must both be kept in order: %+v", n.Members)
	}
	items := n.Members[0].Value.Items
	want := []struct {
		kind jsonpos.Kind
		text string
	}{{jsonpos.Number, "1"}, {jsonpos.Number, "-2.5e3"}, {jsonpos.Bool, "true"}, {jsonpos.Null, ""}, {jsonpos.String, "xé\n"}}
	for i, w := range want {
		if items[i].Kind != w.kind || items[i].Text != w.text {
			t.Errorf("item %d = %v %q, want %v %q", i, items[i].Kind, items[i].Text, w.kind, w.text)
		}
	}
	if n.Get("a") != n.Members[0].Value || n.Get("b") != nil {
		t.Error("Get returns the first member with the key")
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		in      string
		line    int
		col     int
		message string
	}{
		{"{\n  \"a\": 1,\n}", 3, 1, "expected a quoted key"},
		{`{"a" 1}`, 1, 6, "expected ':'"},
		{`[1 2]`, 1, 4, "expected ',' or ']'"},
		{`"abc`, 1, 1, "unterminated string"},
		{`{"a": tru}`, 1, 7, "expected \"true\""},
		{`01`, 1, 2, "after the JSON value"},
		{`"\x"`, 1, 2, "invalid escape"},
		{"", 1, 1, "unexpected end of input"},
		{strings.Repeat("[", 300), 1, 202, "nesting deeper"},
		{"\"a\tb\"", 1, 3, "control character"},
	}
	for _, tt := range tests {
		_, err := jsonpos.Parse([]byte(tt.in))
		se, ok := err.(*jsonpos.SyntaxError)
		if !ok {
			t.Errorf("Parse(%q) = %v, want a SyntaxError", tt.in, err)
			continue
		}
		line, col := jsonpos.LineCol([]byte(tt.in), se.Offset)
		if line != tt.line || col != tt.col || !strings.Contains(se.Msg, tt.message) {
			t.Errorf("Parse(%q): %d:%d %q, want %d:%d containing %q", tt.in, line, col, se.Msg, tt.line, tt.col, tt.message)
		}
	}
}

func TestLineColCountsCharacters(t *testing.T) {
	src := []byte("{\"é\": x}")
	_, err := jsonpos.Parse(src)
	se := err.(*jsonpos.SyntaxError)
	if line, col := jsonpos.LineCol(src, se.Offset); line != 1 || col != 7 {
		t.Errorf("got %d:%d, want 1:7 (columns count characters, not bytes)", line, col)
	}
}

// FuzzParseJSON: never panics, agrees with encoding/json on what is valid
// JSON (for UTF-8 input of modest depth), and decodes strings the same way.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\ud83d\ude00"`, `[1e5, -0.1, "x"]`, `{"a":1,"a":2}`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := jsonpos.Parse(data)
		valid := json.Valid(data)
		if err == nil && !valid {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if err != nil {
			if valid && utf8.Valid(data) && !strings.Contains(string(data), strings.Repeat("[", jsonpos.MaxDepth)) &&
				!strings.Contains(string(data), strings.Repeat("{\"\":", jsonpos.MaxDepth/2)) {
				t.Fatalf("rejected valid JSON %q: %v", data, err)
			}
			return
		}
		if n.Kind == jsonpos.String {
			var s string
			if json.Unmarshal(data, &s) == nil && s != n.Text {
				t.Fatalf("string %q decoded as %q, encoding/json says %q", data, n.Text, s)
			}
		}
	})
}

// TestValueEnd: the end of each kind of value, escapes and nested
// brackets in strings included.
func TestValueEnd(t *testing.T) {
	for _, tt := range []struct {
		src  string
		off  int
		want string // the value
	}{
		{`{"a": "s3:Get\"x"}`, 6, `"s3:Get\"x"`},
		{`["x", {"k": "]}"}, 1]`, 6, `{"k": "]}"}`},
		{`[[1, [2]], 3]`, 1, `[1, [2]]`},
		{`{"n": 10.5e3, "b": true}`, 6, `10.5e3`},
		{`{"b": true}`, 6, `true`},
		{`"unterminated`, 0, `"unterminated`},
	} {
		end := jsonpos.ValueEnd([]byte(tt.src), tt.off)
		if got := tt.src[tt.off:end]; got != tt.want {
			t.Errorf("ValueEnd(%q, %d) = %q, want %q", tt.src, tt.off, got, tt.want)
		}
	}
}

// TestOffsetInvertsLineCol: Offset(LineCol(o)) is o for every offset of a
// text with multi-byte characters and several lines.
func TestOffsetInvertsLineCol(t *testing.T) {
	src := []byte("ab\ncé\"d\n\nxyz")
	ix := jsonpos.NewIndex(src)
	for o := 0; o <= len(src); o++ {
		if o < len(src) && src[o]&0xC0 == 0x80 {
			continue // inside a character
		}
		line, col := ix.LineCol(o)
		if got := ix.Offset(line, col); got != o {
			t.Errorf("offset %d is %d:%d, which Offset gives as %d", o, line, col, got)
		}
	}
}
